"""The golden files (tests/golden), made anew from the original MATLAB in Octave: as written,
and with the errata patched (``*_fixed``), from the inputs recorded in the golden files.

- ``case_*``: one image through TrainCNN's loop body, every intermediate
  (``octave/golden_cnn_case.m``); ``perceptron_case_*`` the same for the three perceptrons
  (``octave/golden_perceptron_case.m``).
- ``traincnn``, ``train_<model>``: what the original Train*.m returns after its 10,000
  iterations over 5 recorded batches of 30, from recorded starting weights (handed out by the
  normrnd stub). The original's per-image loops make these slow in Octave: minutes each.
"""

import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from checker.engine import CallFailed, CallTimedOut, Octave, write_display_stubs
from checker.original import apply_patches, copy_m_files
from shared.errors import CnnDualError
from shared.file_set import atomic_write

CNN_CASE = ("x", "y", "w_conv", "b_conv", "w_fc", "b_fc")
PERCEPTRON_CASE = ("x", "y", "w", "b", "w1", "b1", "w2", "b2")
TRAINED = {  # Train*.m -> (its starting weights in the golden file, what it returns)
    "TrainCNN": (("w_conv0", "w_fc0"), ("w_conv", "b_conv", "w_fc", "b_fc")),
    "TrainSLP_linear": (("w0",), ("w", "b")),
    "TrainSLP": (("w0",), ("w", "b")),
    "TrainMLP": (("w1_0", "w2_0"), ("w1", "b1", "w2", "b2")),
}
GOLDEN_FILES = {  # file (without .mat) -> (what makes it, errata patched)
    "case_bias": ("golden_cnn_case", False),
    "case_nobias": ("golden_cnn_case", False),
    "case_bias_fixed": ("golden_cnn_case", True),
    "case_nobias_fixed": ("golden_cnn_case", True),
    "perceptron_case_bias": ("golden_perceptron_case", False),
    "perceptron_case_nobias": ("golden_perceptron_case", False),
    "traincnn": ("TrainCNN", False),
    "traincnn_fixed": ("TrainCNN", True),
    "train_slp_linear": ("TrainSLP_linear", False),
    "train_slp_linear_fixed": ("TrainSLP_linear", True),
    "train_slp": ("TrainSLP", False),
    "train_slp_fixed": ("TrainSLP", True),
    "train_mlp": ("TrainMLP", False),
    "train_mlp_fixed": ("TrainMLP", True),
}
QUICK = [name for name, (maker, _) in GOLDEN_FILES.items() if maker.startswith("golden_")]
"""The golden files made in a second (the others take minutes each)."""


def golden_inputs(path, maker):
    """The inputs recorded in golden file ``path``, in the order ``maker`` takes them."""
    contents = scipy.io.loadmat(path)
    if maker == "golden_cnn_case":
        return {name: contents[name] for name in CNN_CASE}
    if maker == "golden_perceptron_case":
        return {name: contents[name] for name in PERCEPTRON_CASE}
    starts, _ = TRAINED[maker]
    return {name: contents[name] for name in ("batches_x", "batches_y", *starts)}


def run_golden(octave, folder, maker, fixed, inputs, timeout):
    """The golden file's contents: its inputs, then what the original code gives for them."""
    if maker in TRAINED:
        starts, results = TRAINED[maker]
        batches = [[inputs[b][:, :, k] for k in range(inputs[b].shape[2])]
                   for b in ("batches_x", "batches_y")]
        table = {"s" + "x".join(map(str, inputs[s].shape)): inputs[s] for s in starts}
        out = octave.call(folder, maker, batches, len(results), timeout, table)
        return {**inputs, **dict(zip(results, out))}
    args = list(inputs.values()) + ([float(fixed)] if maker == "golden_cnn_case" else [])
    (struct,) = octave.call(folder, maker, args, 1, timeout)
    return {**inputs, **{field: struct[field][0, 0] for field in struct.dtype.names}}


def make_goldens(original, inputs_dir, out_dir, names=None, timeout=3600.0, progress=True):
    """Write ``out_dir``/<name>.mat for each of ``names`` (default: all GOLDEN_FILES) from the
    original .m files in ``original`` (checked by checker.original.check_original first), with
    the inputs of ``inputs_dir``/<name>.mat. Returns {name: seconds it took}."""
    names = list(names or GOLDEN_FILES)
    out_dir = Path(out_dir)
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="cnn-dual-golden-") as root:
        folders = {False: copy_m_files(original, Path(root) / "original"),
                   True: apply_patches(copy_m_files(original, Path(root) / "patched"))}
        for folder in folders.values():
            write_display_stubs(folder)
        with Octave(root) as octave:
            for name in tqdm(names, desc="goldens", unit="file", disable=not progress):
                maker, fixed = GOLDEN_FILES[name]
                inputs = golden_inputs(Path(inputs_dir) / f"{name}.mat", maker)
                start = time.perf_counter()
                try:
                    contents = run_golden(octave, folders[fixed], maker, fixed, inputs, timeout)
                except (CallFailed, CallTimedOut) as exc:
                    raise CnnDualError(f"{name}.mat: {maker} in Octave: {exc}") from None
                seconds[name] = time.perf_counter() - start
                out_dir.mkdir(parents=True, exist_ok=True)
                with atomic_write(out_dir / f"{name}.mat") as f:
                    scipy.io.savemat(f, {k: np.asarray(v, dtype=float) for k, v in contents.items()},
                                     do_compression=False)
    return seconds

