"""A batch through the reference port is the same as its images one by one.

The port's batch convention (shared/matlab.py): images get a trailing batch axis
(14x14x1xB, 14x14x3xB, 7x7x3xB), column vectors n x 1 become n x B, row vectors 1 x n become
B x n; parameter gradients are summed over the batch. So every layer's batched output must be
its single-image outputs stacked along that axis (or summed), to rounding.

Also here: train_cnn is forward_backward plus the update w -= lr/b * grad; get_mini_batch's
shuffling, shapes, the original's literal-30 quirk and its errors; which input shapes conv takes.
"""

import numpy as np
import pytest

from twins import reference

TOL = 1e-12  # max |batched - stacked per-image|: other BLAS shapes sum in other orders (~1e-15)
ERRATA = ["keep", "fix"]


# ---- helpers --------------------------------------------------------------------------------


def random_batch(n_images, seed=0):
    """Images like the golden ones (values k/255, many exact zeros, a blank margin) and one zero
    conv bias, so the batch goes through ReLU kinks (0 + 0 bias) and pooling ties (0 + 0.2 bias)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 256, size=(14, 14, 1, n_images)) / 255
    x[rng.random(x.shape) < 0.5] = 0.0
    x[:4] = 0.0  # the top 4 rows blank, as in MNIST
    return {
        "x": x,
        "y": np.eye(10)[:, rng.integers(0, 10, size=n_images)],
        "w_conv": rng.standard_normal((3, 3, 1, 3)),
        "b_conv": np.array([[0.2], [0.0], [-0.1]]),
        "w_fc": 0.3 * rng.standard_normal((10, 147)),
        "b_fc": 0.1 * rng.standard_normal((10, 1)),
    }


def image(a, b):
    """Image b of an array with a trailing batch axis (14x14x1xB -> 14x14x1)."""
    return a[..., b]


def column(a, b):
    """Column b of an n x B array, as an n x 1 column."""
    return a[:, b:b + 1]


def row(a, b):
    """Row b of a B x n array, as a 1 x n row."""
    return a[b:b + 1, :]


def assert_close(got, expected, label=""):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{label}: shape {got.shape}, expected {expected.shape}"
    difference = np.max(np.abs(got - expected))
    assert difference <= TOL, f"{label}: max |batched - per image| = {difference:.3g}"


def forward(case, errata):
    """Every intermediate of one forward and backward pass, as TrainCNN's inner loop runs it."""
    p = dict(case)
    p["pred1"] = reference.conv(case["x"], case["w_conv"], case["b_conv"])
    p["pred2"] = reference.relu(p["pred1"])
    p["pred3"] = reference.pool2x2(p["pred2"])
    p["pred4"] = reference.flattening(p["pred3"])
    p["pred5"] = reference.fc(p["pred4"], case["w_fc"], case["b_fc"])
    p["L"], p["dldy"] = reference.loss_cross_entropy_softmax(p["pred5"], case["y"], errata)
    p["dldx_fc"], p["dldw"], p["dldb"] = reference.fc_backward(
        p["dldy"], p["pred4"], case["w_fc"], case["b_fc"], p["pred5"])
    p["dldx_flat"] = reference.flattening_backward(p["dldx_fc"], p["pred3"], p["pred4"])
    p["dldx_pool"] = reference.pool2x2_backward(p["dldx_flat"], p["pred2"], p["pred3"], errata)
    p["dldx_relu"] = reference.relu_backward(p["dldx_pool"], p["pred1"], p["pred2"])
    p["dldw_conv"], p["dldb_conv"] = reference.conv_backward(
        p["dldx_relu"], case["x"], case["w_conv"], case["b_conv"], p["pred1"])
    return p


@pytest.fixture(params=[(7, "keep"), (7, "fix"), (1, "keep"), (1, "fix")],
                ids=["7-keep", "7-fix", "1-keep", "1-fix"])
def batch(request):
    """(batched intermediates, n_images, errata). Each layer test below feeds a layer the
    batched inputs from here, and image b's slices of them to the same layer."""
    n_images, errata = request.param
    return forward(random_batch(n_images), errata), n_images, errata


# ---- each layer: batched == per-image outputs stacked (or summed) ---------------------------


def test_batch_has_kinks_and_ties(batch):
    p, n, _ = batch
    assert np.all(p["pred1"][:, :, 1, :][:3] == 0)  # ReLU at its kink in every image
    assert np.all(p["pred3"][:1, :, 0, :] == 0.2)  # blocks of four tied maxima, 0 + 0.2 bias (exact)


def test_conv(batch):
    p, n, _ = batch
    assert p["pred1"].shape == (14, 14, 3, n)
    singles = [reference.conv(image(p["x"], b), p["w_conv"], p["b_conv"]) for b in range(n)]
    assert_close(p["pred1"], np.stack(singles, axis=-1), "conv")


def test_relu(batch):
    p, n, _ = batch
    singles = [reference.relu(image(p["pred1"], b)) for b in range(n)]
    assert_close(p["pred2"], np.stack(singles, axis=-1), "relu")


def test_pool2x2(batch):
    p, n, _ = batch
    assert p["pred3"].shape == (7, 7, 3, n)
    singles = [reference.pool2x2(image(p["pred2"], b)) for b in range(n)]
    assert_close(p["pred3"], np.stack(singles, axis=-1), "pool2x2")


def test_flattening(batch):
    p, n, _ = batch
    assert p["pred4"].shape == (147, n)  # one column per image
    singles = [reference.flattening(image(p["pred3"], b)) for b in range(n)]
    assert_close(p["pred4"], np.hstack(singles), "flattening")


def test_fc(batch):
    p, n, _ = batch
    singles = [reference.fc(column(p["pred4"], b), p["w_fc"], p["b_fc"]) for b in range(n)]
    assert_close(p["pred5"], np.hstack(singles), "fc")


def test_loss(batch):
    p, n, errata = batch
    singles = [reference.loss_cross_entropy_softmax(column(p["pred5"], b), column(p["y"], b), errata)
               for b in range(n)]
    assert abs(p["L"] - sum(loss for loss, _ in singles)) <= TOL * n
    assert p["dldy"].shape == (n, 10)  # one row per image
    assert_close(p["dldy"], np.vstack([dldy for _, dldy in singles]), "dldy")


def test_fc_backward(batch):
    p, n, _ = batch
    singles = [reference.fc_backward(row(p["dldy"], b), column(p["pred4"], b), p["w_fc"], p["b_fc"],
                                     column(p["pred5"], b)) for b in range(n)]
    assert_close(p["dldx_fc"], np.vstack([s[0] for s in singles]), "dldx_fc")
    assert_close(p["dldw"], sum(s[1] for s in singles), "dldw")  # summed over the batch
    assert_close(p["dldb"], sum(s[2] for s in singles), "dldb")


def test_flattening_backward(batch):
    p, n, _ = batch
    singles = [reference.flattening_backward(row(p["dldx_fc"], b), image(p["pred3"], b),
                                             column(p["pred4"], b)) for b in range(n)]
    assert_close(p["dldx_flat"], np.stack(singles, axis=-1), "flattening_backward")


def test_pool2x2_backward(batch):
    p, n, errata = batch
    # keep: 4 x 49 x 3 x B block layout (erratum E1); fix: 14 x 14 x 3 x B
    assert p["dldx_pool"].shape == ((4, 49, 3, n) if errata == "keep" else (14, 14, 3, n))
    singles = [reference.pool2x2_backward(image(p["dldx_flat"], b), image(p["pred2"], b),
                                          image(p["pred3"], b), errata) for b in range(n)]
    assert_close(p["dldx_pool"], np.stack(singles, axis=-1), "pool2x2_backward")


def test_relu_backward(batch):
    p, n, _ = batch
    singles = [reference.relu_backward(image(p["dldx_pool"], b), image(p["pred1"], b),
                                       image(p["pred2"], b)) for b in range(n)]
    assert_close(p["dldx_relu"], np.stack(singles, axis=-1), "relu_backward")


def test_conv_backward(batch):
    p, n, _ = batch
    singles = [reference.conv_backward(image(p["dldx_relu"], b), image(p["x"], b), p["w_conv"],
                                       p["b_conv"], image(p["pred1"], b)) for b in range(n)]
    assert_close(p["dldw_conv"], sum(s[0] for s in singles), "dldw_conv")
    assert_close(p["dldb_conv"], sum(s[1] for s in singles), "dldb_conv")


# ---- forward_backward: batched == sum of per-image -------------------------------------------


@pytest.mark.parametrize("n_images", [7, 1])
@pytest.mark.parametrize("errata", ERRATA)
@pytest.mark.parametrize("layout", ["images", "columns"])
def test_forward_backward_batch_is_the_sum_of_its_images(n_images, errata, layout):
    case = random_batch(n_images, seed=1)
    parameters = [case[k] for k in ("w_conv", "b_conv", "w_fc", "b_fc")]
    x = case["x"] if layout == "images" else case["x"].reshape(196, n_images, order="F")
    batched = reference.forward_backward(x, case["y"], *parameters, errata=errata)
    singles = [reference.forward_backward(image(case["x"], b), column(case["y"], b), *parameters,
                                          errata=errata) for b in range(n_images)]
    assert abs(batched[0] - sum(s[0] for s in singles)) <= TOL * n_images
    shapes = [(3, 3, 1, 3), (3, 1), (10, 147), (10, 1)]
    for k, shape in enumerate(shapes, start=1):
        assert batched[k].shape == shape
        assert_close(batched[k], sum(s[k] for s in singles), f"output {k}")


# ---- train_cnn == forward_backward + gradient steps -------------------------------------------


@pytest.mark.parametrize("errata", ERRATA)
def test_train_cnn_is_forward_backward_plus_updates(errata):
    case = random_batch(5, seed=2)
    columns = case["x"].reshape(196, 5, order="F")
    batches_x = [columns[:, :3], columns[:, 3:]]  # two batches, of 3 and 2 images
    batches_y = [case["y"][:, :3], case["y"][:, 3:]]
    start = {k: case[k] for k in ("w_conv", "b_conv", "w_fc", "b_fc")}
    lr = 0.03

    trained, losses = reference.train_cnn(batches_x, batches_y, iterations=3, lr=lr, errata=errata,
                                          progress=False, start=start)
    trained = list(trained.values())

    w = [start[k].copy() for k in ("w_conv", "b_conv", "w_fc", "b_fc")]
    hand_losses = []
    for iteration in range(3):  # batches 0, 1, 0
        bx, by = batches_x[iteration % 2], batches_y[iteration % 2]
        loss, *gradients = reference.forward_backward(bx, by, *w, errata=errata)
        hand_losses.append(loss)
        w = [p - lr / bx.shape[1] * g for p, g in zip(w, gradients)]  # lr / b: b = this batch's size

    np.testing.assert_allclose(losses, hand_losses, rtol=0, atol=TOL)
    for got, expected, start_value in zip(trained, w, start.values()):
        assert_close(got, expected, "train_cnn")
        assert np.max(np.abs(got - start_value)) > 1e-6  # it did move


# ---- get_mini_batch --------------------------------------------------------------------------


def numbered_images(n, seed=0):
    """im_train (196, n) whose image i is filled with the value i (so a batch says which images
    it holds) and random labels (1, n)."""
    im = np.tile(np.arange(n, dtype=float), (196, 1))
    labels = np.random.default_rng(seed).integers(0, 10, size=(1, n))
    return im, labels


def test_get_mini_batch_covers_every_image_once():
    im, labels = numbered_images(120)
    batches_x, batches_y = reference.get_mini_batch(im, labels, 30, rng=0)
    assert len(batches_x) == len(batches_y) == 4
    for bx, by in zip(batches_x, batches_y):
        assert bx.shape == (196, 30) and by.shape == (10, 30)
    ids = np.concatenate([bx[0] for bx in batches_x]).astype(int)
    assert sorted(ids) == list(range(120))  # every image exactly once ...
    assert not np.array_equal(ids, np.arange(120))  # ... in a shuffled order
    for bx, by in zip(batches_x, batches_y):
        assert np.all(bx == bx[0])  # whole images travel together
        np.testing.assert_array_equal(by.sum(axis=0), 1)  # one-hot columns ...
        assert set(np.unique(by)) == {0.0, 1.0}
        np.testing.assert_array_equal(np.argmax(by, axis=0), labels[0, bx[0].astype(int)])  # ... of the right labels


def test_get_mini_batch_keeps_the_literal_30_quirk():
    """The original ends a batch at the end of the data as soon as idx + 30 > N (idx: the
    images taken so far), with a literal 30: for N=45, batch_size=20 it cuts images 1..20,
    21..45 and 41..45; for N=50, 1..20, 21..40 (20 + 30 > 50 is false) and 41..50."""
    im, labels = numbered_images(45)
    batches_x, batches_y = reference.get_mini_batch(im, labels, 20, rng=0)
    assert [bx.shape[1] for bx in batches_x] == [20, 25, 5]
    assert [by.shape for by in batches_y] == [(10, 20), (10, 25), (10, 5)]
    order = np.concatenate([batches_x[0][0], batches_x[1][0]])  # the permutation, 45 images
    assert sorted(order.astype(int)) == list(range(45))
    np.testing.assert_array_equal(batches_x[2][0], order[40:45])  # overlaps the second batch
    im, labels = numbered_images(50)
    assert [bx.shape[1] for bx in reference.get_mini_batch(im, labels, 20, rng=0)[0]] == [20, 20, 10]


def test_get_mini_batch_same_seed_same_batches():
    im, labels = numbered_images(120)
    first = reference.get_mini_batch(im, labels, 30, rng=7)
    again = reference.get_mini_batch(im, labels, 30, rng=np.random.default_rng(7))
    other = reference.get_mini_batch(im, labels, 30, rng=8)
    for a, b in zip(first[0] + first[1], again[0] + again[1]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first[0], other[0]))


def test_get_mini_batch_that_would_index_past_the_end_raises():
    # N=100, batch_size=60: batch 2 would be images 61..120 (61 + 30 <= 100: no literal-30 cut)
    im, labels = numbered_images(100)
    with pytest.raises(ValueError, match="past the end"):
        reference.get_mini_batch(im, labels, 60, rng=0)


@pytest.mark.parametrize("batch_size", [0, -1, -30])
def test_get_mini_batch_rejects_a_non_positive_batch_size(batch_size):
    im, labels = numbered_images(100)
    with pytest.raises(ValueError, match="batch_size"):
        reference.get_mini_batch(im, labels, batch_size, rng=0)


# ---- which input shapes conv accepts ---------------------------------------------------------


def test_conv_accepts_one_image_with_or_without_its_channel_axis_and_a_batch():
    case = random_batch(3, seed=3)
    w, b = case["w_conv"], case["b_conv"]
    first = case["x"][:, :, 0, 0]  # 14 x 14
    as_2d = reference.conv(first, w, b)
    as_3d = reference.conv(first.reshape(14, 14, 1), w, b)
    as_batch = reference.conv(case["x"], w, b)
    assert as_2d.shape == as_3d.shape == (14, 14, 3)
    assert as_batch.shape == (14, 14, 3, 3)
    assert_close(as_3d, as_2d, "conv 14x14x1")  # the same arithmetic in another buffer: rounding
    assert_close(as_batch[..., 0], as_2d, "conv")


# (conv takes its height and width from x, so it does not reject other image sizes, such as
# 13x14 or 196xB columns; forward_backward turns 196xB columns into images before conv.)
@pytest.mark.parametrize("shape", [(14, 14, 2), (14, 14, 2, 4), (14, 14, 3, 1), (14, 14, 1, 2, 3)])
def test_conv_rejects_other_shapes_naming_the_expected_ones(shape):
    w_conv, b_conv = np.ones((3, 3, 1, 3)), np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"14x14x1 \(one image\) or 14x14x1xB \(a batch\)"):
        reference.conv(np.zeros(shape), w_conv, b_conv)
