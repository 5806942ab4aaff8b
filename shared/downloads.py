"""What scripts/get_data.py downloads: the original repository's files (the MNIST data, the
published weights, the .m files) and the docs' MathJax, each with where it comes from and its
SHA-256. Also how the checker recognises the original's .m files (checker/original.py) and where
the docs find MathJax (docs/conf.py). Reading the data is shared/data.py's job."""

SOURCE_URL = (
    "https://raw.githubusercontent.com/adityagaydhani/"
    "CSCI-5561-CNN-implementation-from-scratch/master/"
)
CHECKSUMS = {  # SHA-256 of the original files
    "mnist_train.mat": "5994ed5a95f8b6a93c6e3d936d9c0b10f64b9b8c9845e06679aecc06b822e4f0",
    "mnist_test.mat": "d2c5f71782bff57ef5f615615d0dc9e7e31b3fa5d019252a0dd4f56e4c25a938",
}
PUBLISHED_WEIGHTS = {  # file name here -> (its path in the original repository, SHA-256)
    "original_slp_linear.mat": (
        "Outputs/slp_linear.mat", "80083c620883b7f6161dc34e70cdf6e6928c365dc0688e381b3eaf8ffe56b552"),
    "original_slp.mat": (
        "Outputs/slp.mat", "aa0fe6978726886d29e4745f704cc7f1a538f6aed360a1d21acea63f10e84a86"),
    "original_mlp.mat": (
        "Outputs/mlp.mat", "a7917f354a34a7834cc90d8f98c7727c567ed9e86b3ed52f205d2652606f185d"),
}
"""The perceptrons' weights as the original repository published them (its Outputs/ folder):
main_slp_linear, main_slp and main_mlp evaluate them to the accuracies printed on its figures."""

MATLAB_DIR = "matlab"
MATLAB_FILES = {  # the original's .m files, at its repository's root -> SHA-256
    "Conv.m": "f8d7fec49a4a964c36da18567ebcd9196506ed3602f71d067926222607dec1db",
    "Conv_backward.m": "ed84870dd5472cf26be6a1d7e979b54a4decab2da329d7ff5aff8c653608a91d",
    "FC.m": "8d7471b7d514aac83436c96c342935093339976b625ae7b8349774343dd90316",
    "FC_backward.m": "be86f78fbf51c8f088c78af1a3f18f7d61bbfb182fb018df48ad8a3df327ea38",
    "Flattening.m": "407360bc03bc26dc31629398268c32030f449d9ad4431908d5b130b4a899c578",
    "Flattening_backward.m": "20c9d44a5d6588aede5e6b35902206f0144945c57e6679307f24cd6297a25138",
    "GetMiniBatch.m": "bef2c80d65bc86078d8ace72687ba5eb5d2001a82c11214e4bc81c48a4369bb9",
    "Loss_cross_entropy_softmax.m": "ba1c0b96bb9d4f4c29af772c04c27537fd868e122c13139839b9b502ca36e9dc",
    "Loss_euclidean.m": "febeee9a56b69cca78fe863d3408cf5189064049144f2e6acb98ff7c54ab54f1",
    "Pool2x2.m": "39ba7eae9d3d7b05177fb66fea71d1158410f558731db734abfb62526a7d0058",
    "Pool2x2_backward.m": "c9a498c13219d0300bf9f369d75d8b5e80231fab825e8f142e7fea1587654aca",
    "ReLu.m": "4e15b58862a26688be26203ca4d623286c1ac0ac01a3c78368803b20219d69dd",
    "ReLu_backward.m": "60857e5099d3be0d5908f1cdf741ff61a00636788da6d72dac3518e3b696d586",
    "SoftMax.m": "a718ad2d87cbc4c2d93d243280deaedaba1d03abd01ec84f3793680374363dd7",
    "TrainCNN.m": "8b410cfe0ac82c14933226940f237405149726351be5d84800cb0581654172fc",
    "TrainMLP.m": "5197196923ee0f6763d897da484e77c508e3f4ae5079fdf7183410bccb29fd48",
    "TrainSLP.m": "5259d6eb49147e9e78967659fea43c9e58b154726736be2c3d7efe77bb1fe88d",
    "TrainSLP_linear.m": "d04b2e658ae5878a1592acb2b5d49ff129856662a7c800fe7fe4562316cf981c",
    "main_cnn.m": "fd83fbc99fe7c44b245045e9d8202d8343cb9555bf7aa3f3955ad1246e96a6ed",
    "main_mlp.m": "b2e9e2f616ece3cb06c59a7beebd86b2f062aba09b7667d5cb8cc6d1ea1e322b",
    "main_slp.m": "d081004b64e20c9c61787d676987bc31ecb0ec4f32bf8f8e15fddaecc066b358",
    "main_slp_linear.m": "71fdd83dec768c67ab1b28fb55abf8f5de88ede8bd7fbca0af25f8353a094bf9",
}
"""The original MATLAB code, for ``get_data.py --matlab`` (into data/matlab/: never committed,
the repository has no licence), which the checker and make_golden.py run in Octave."""


MATHJAX = "mathjax-3.2.2.tgz"
DOCS_FILES = {  # file name here -> (its URL, SHA-256)
    MATHJAX: ("https://registry.npmjs.org/mathjax/-/mathjax-3.2.2.tgz",
              "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"),
}
"""What ``make docs`` needs beyond Python packages, for ``get_data.py --mathjax``: MathJax 3.2.2
(Apache-2.0) as npm publishes it; the site serves its ``es5/tex-svg.js`` itself, so that its
math renders with no network and no web fonts (SVG output)."""


def url(name):
    """Where get_data.py downloads data file ``name`` from (see source)."""
    if name in DOCS_FILES:
        return DOCS_FILES[name][0]
    return SOURCE_URL + source(name)[0]


def source(name):
    """(the path of data file ``name`` in the original repository, its SHA-256): a key of
    CHECKSUMS (the MNIST files, at the repository's root), of PUBLISHED_WEIGHTS, or
    ``matlab/<file>.m`` for a file of MATLAB_FILES; for a key of DOCS_FILES, (its URL, SHA-256).
    """
    if name in DOCS_FILES:
        return DOCS_FILES[name]
    if name in PUBLISHED_WEIGHTS:
        return PUBLISHED_WEIGHTS[name]
    folder, _, file = name.rpartition("/")
    if folder == MATLAB_DIR:
        return file, MATLAB_FILES[file]
    return name, CHECKSUMS[name]
