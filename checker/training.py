"""The checks of the four Train*.m: judged on their own logic, by the steps they take.

A Train*.m is run in Octave with its own layer functions, each wrapped so that every call is
recorded (``octave/cnn_dual_layer.m``), on a tiny data set of two mini-batches of three
images, and stopped after its first few iterations (the wrapper of the input layer raises
after ``STEPS + 1`` iterations' worth of forward passes): whatever its learning rate, decay,
iteration count, starting weights or layouts. From the recorded calls:

- the network: its parameters (each parameterised layer's weights at each forward pass), their
  shapes, and what the loss is given (the last FC's scores, not an activation of them);
- its iterations: runs of forward passes with the same parameters, each over one whole
  mini-batch (the images are found again in the data set);
- its steps: each change of each parameter between iterations must be a positive multiple of
  the true gradient of the mini-batch's summed loss there (the port's, errata fixed), with
  weight decay named where present; a step that is not is named where the checker knows the
  mistake (the opposite sign, sums not reset, the original's E2 and E3).

A layer function that the layer checks found wrong (or that is missing) is replaced by the
checker's own, with its results in the student's layout, and the note says so: a Train*.m is
never blamed for a layer's bug.
"""

from dataclasses import dataclass

import numpy as np

from checker.judging import Verdict, matlab_shape, numeric, shape_text
from reference.train_cnn import forward_backward as cnn_forward_backward
from reference.train_mlp import mlp_forward_backward
from reference.train_slp import slp_forward_backward
from reference.train_slp_linear import slp_linear_forward_backward
from shared.mistakes import E2, E3, OPPOSITE  # the catalogue shared with the lessons
from shared.matlab import reshape_f

NOT_RESET = "the gradient sums are not reset between mini-batches: each step adds all earlier ones"
OVERWRITTEN = ("the gradient sums are overwritten by each image's gradient: each step uses the "
               "mini-batch's last image only")
FIRST_ONLY = "every step is on the first mini-batch: it never moves on to the next"

STEPS = 4
"""The iterations (steps) observed: enough to see a step from every mini-batch, and the sums
reset between them, at a few seconds per Train*.m."""

BATCHES, BATCH_SIZE = 2, 3
"""The tiny data set: two mini-batches of three images each (all of one size: many Train*.m
read the batch size once, from the first)."""

STEP_TOLERANCE = 1e-6
"""How far (relative, in the 2-norm) a step may be from the nearest multiple of the true
mini-batch gradient: Octave sums the images' gradients in another order than numpy and
subtracts a step from weights of order one, so a right step is off by about 1e-16 times
|weights| / |step| (1e-12 for the smallest steps met, a rate of 1e-4); a wrong formula,
layout or sign is off by order one."""

SMALLEST_STEP = 1e-11
"""A change of a parameter below this (relative to the parameter) is no step: rounding."""

MAX_CALLS = 1000
"""The most layer calls a traced run records before it is stopped, whatever it gives its input
layer (a traced TrainCNN makes about 200): a trace that grows without end would outgrow the
run's output limit and end it as a crash."""


@dataclass(frozen=True)
class Network:
    """One Train*.m's network: its results in TrainX's order, the layer functions it is
    given, the layer whose call begins a forward pass, each parameter's shape in the
    assignment, and the port's gradient of the summed loss over a batch (errata fixed)."""

    results: tuple
    layers: tuple
    input_layer: str
    shapes: dict
    gradient: object

    def true_gradient(self, images, labels, params):
        """The port's (loss, gradients in the parameters' shapes) over a batch."""
        loss, *gradients = self.gradient(images, labels, *params)
        return loss, gradients


def _gradient(forward_backward):
    def gradient(x, y, *params):
        return forward_backward(x, y, *params, errata="fix")
    return gradient


LOSS = "Loss_cross_entropy_softmax"
TRAININGS = {
    "TrainCNN": Network(
        ("w_conv", "b_conv", "w_fc", "b_fc"),
        ("Conv", "Conv_backward", "ReLu", "ReLu_backward", "Pool2x2", "Pool2x2_backward",
         "Flattening", "Flattening_backward", "FC", "FC_backward", LOSS), "Conv",
        {"w_conv": (3, 3, 1, 3), "b_conv": (3, 1), "w_fc": (10, 147), "b_fc": (10, 1)},
        _gradient(cnn_forward_backward)),
    "TrainSLP_linear": Network(("w", "b"), ("FC", "FC_backward", "Loss_euclidean"), "FC",
                               {"w": (10, 196), "b": (10, 1)},
                               _gradient(slp_linear_forward_backward)),
    "TrainSLP": Network(("w", "b"), ("FC", "FC_backward", LOSS), "FC",
                        {"w": (10, 196), "b": (10, 1)}, _gradient(slp_forward_backward)),
    "TrainMLP": Network(("w1", "b1", "w2", "b2"),
                        ("FC", "FC_backward", "ReLu", "ReLu_backward", LOSS), "FC",
                        {"w1": (30, 196), "b1": (30, 1), "w2": (10, 30), "b2": (10, 1)},
                        _gradient(mlp_forward_backward)),
}
PARAMETERISED = ("Conv", "FC")
"""The layers whose calls carry parameters, (x, w, b)."""


def tiny_data(rng):
    """BATCHES mini-batches of BATCH_SIZE images, with one-hot labels. Like MNIST's, three
    quarters of an image's values are 0, the others in (0, 1]; every image distinct."""
    images = [rng.uniform(0.0, 1.0, (196, BATCH_SIZE)) * (rng.random((196, BATCH_SIZE)) < 0.25)
              for _ in range(BATCHES)]
    labels = []
    for _ in images:
        y = np.zeros((10, BATCH_SIZE))
        y[rng.choice(10, BATCH_SIZE, replace=False), np.arange(BATCH_SIZE)] = 1.0
        labels.append(y)
    return images, labels


def cells(batches, rows):
    """The mini-batches as a MATLAB cell array: K x 1 (the assignment's) or 1 x K."""
    cell = np.empty((len(batches), 1) if not rows else (1, len(batches)), dtype=object)
    for k, batch in enumerate(batches):
        cell.flat[k] = batch
    return cell


def settings(name, modes):
    """What the layer wrappers need: each layer's mode ('student' or 'checker'), the input
    layer, and when to stop (after so many images given to the input layer, or calls)."""
    network = TRAININGS[name]
    return {"modes": {layer: modes.get(layer, "student") for layer in network.layers},
            "input_layer": network.input_layer,
            "stop_after": float((STEPS + 1) * BATCH_SIZE + 1), "calls": 0.0,
            "max_calls": float(MAX_CALLS)}


# ---- reading a trace ------------------------------------------------------------------------

@dataclass
class Pass:
    """One forward pass (and its backward) of one image, or of a batch's images at once: the
    calls from one input-layer call to the next."""

    calls: list

    def images(self):
        """The images given to the input layer: one, or the columns of a 196 x n batch."""
        x = np.asarray(self.calls[0][1][0], dtype=float)
        return list(x.reshape(196, -1, order="F").T)

    def parameters(self):
        """The (w, b) of each parameterised layer call, in the order they were made."""
        found = []
        for name, args, _ in self.calls:
            if name in PARAMETERISED and len(args) >= 3:
                found += [numeric(args[1]), numeric(args[2])]
        return found

    def find(self, name):
        return [call for call in self.calls if call[0] == name]


def is_input(x):
    """Whether an input layer's argument is an image (196 values) or a batch of them at once
    (196 x n): what cnn_dual_layer counts as images."""
    return np.size(x) == 196 or (np.ndim(x) == 2 and np.shape(x)[0] == 196 and np.size(x) > 0)


def passes(trace, input_layer):
    """The recorded calls cut into forward passes (each begins with an input-layer call whose
    input is an image, 196 values, or a batch of them); the last one left out when it was cut
    short (the run stopped at its first call)."""
    found = []
    for call in trace:
        name, args, _ = call
        if name == input_layer and args and is_input(args[0]):
            found.append(Pass([call]))
        elif found:
            found[-1].calls.append(call)
    if len(found) > 1 and len(found[-1].parameters()) < len(found[0].parameters()):
        found.pop()
    return found


def same(a, b):
    return (a is not None and b is not None and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True))


def iterations(found):
    """Consecutive passes with the same parameters: [(parameters, [passes])]."""
    groups = []
    for p in found:
        params = p.parameters()
        if groups and len(params) == len(groups[-1][0]) and all(
                same(a, b) for a, b in zip(params, groups[-1][0])):
            groups[-1][1].append(p)
        else:
            groups.append((params, [p]))
    return groups


# ---- judging ----------------------------------------------------------------------------------

class Findings:
    """What the trace shows: faults (the Train*.m is wrong), notes (what was inferred)."""

    def __init__(self):
        self.faults = []
        self.notes = []
        self.errors = []


def structure(name, first, findings):
    """The network of the first pass against the assignment's; False when it is not the
    assignment's (its steps are then not judged)."""
    network = TRAININGS[name]
    params = first.parameters()
    if len(params) != len(network.results):
        layers = [n for n, _, _ in first.calls if n in PARAMETERISED]
        findings.faults.append(
            f"a forward pass calls {', '.join(layers) or 'no parameterised layer'}; the "
            f"assignment's {name} has {len(network.results) // 2} layer(s) with weights")
        return False
    ok = True
    hidden = None
    for result, value in zip(network.results, params):
        want = network.shapes[result]
        if hidden is not None and result in ("b1", "w2"):
            continue  # their sizes follow the hidden layer's
        if value is None:
            findings.faults.append(f"{result} is not numeric")
            ok = False
        elif result.startswith("b") and value.size == want[0] and min(value.shape) == 1:
            continue  # a bias as a row or a column: its own layers' layout
        elif matlab_shape(value) != matlab_shape(np.empty(want)):
            ok = False
            if result == "w1" and value.ndim == 2 and value.shape[1] == 196:
                hidden = value.shape[0]
                findings.faults.append(f"the hidden layer has {value.shape[0]} units "
                                       f"(w1 is {shape_text(value.shape)}); the "
                                       "assignment's has 30 (w1 30x196)")
            elif result.startswith("b") and value.ndim == 2 and min(value.shape) > 1:
                findings.faults.append(f"{result} is {shape_text(value.shape)}: a bias "
                                       "broadcast to a matrix (a row added to a column?)")
            else:
                findings.faults.append(f"{result} is {shape_text(matlab_shape(value))}; the "
                                       f"assignment's is {shape_text(want)}")
    logits(first, findings)
    return ok and not findings.faults


def structures(name, found, findings):
    """structure() of the first pass and, where a step changed a parameter's shape (a row
    of bias gradients subtracted from a column bias: a matrix), of the first pass after it."""
    if not structure(name, found[0], findings):
        return False
    shapes = [np.shape(v) for v in found[0].parameters()]
    later = next((p for p in found[1:] if [np.shape(v) for v in p.parameters()] != shapes), None)
    return later is None or structure(name, later, findings)


def logits(first, findings):
    """The loss must be given the last FC's scores: the call that made what the loss is given
    (the last before it with that result) must be FC; an activation is named."""
    calls = first.calls
    at = next((i for i, call in enumerate(calls) if call[0].startswith("Loss_")), None)
    if at is None or not calls[at][1]:
        return
    given = numeric(calls[at][1][0])
    for name, _, results in reversed(calls[:at]):
        made = numeric(results[0]) if results else None
        if given is not None and made is not None and made.size == given.size and \
                np.array_equal(made.reshape(-1, order="F"), given.reshape(-1, order="F")):
            if name == "ReLu":
                findings.faults.append("a ReLU on the logits: the loss is given ReLu(FC(...)), "
                                       "not the last FC's scores")
            elif name != "FC":
                findings.faults.append(f"the loss is given {name}'s result, not the last FC's "
                                       "scores")
            return
    findings.faults.append("the loss is not given the last FC's scores")


def locate(images, data):
    """Each image's (batch, column) in the data set, or None."""
    index = {}
    for k, batch in enumerate(data):
        for j in range(batch.shape[1]):
            index[batch[:, j].tobytes()] = (k, j)
    return [index.get(np.ascontiguousarray(image).tobytes()) for image in images]


def as_assignment(name, params):
    """Parameters as the port takes them (the assignment's shapes, biases as columns)."""
    network = TRAININGS[name]
    return [reshape_f(v, network.shapes[r]) if r.startswith("b") or r == "w_conv" else v
            for r, v in zip(network.results, params)]


def fit(step, directions):
    """Least squares: ``step`` ~ sum(c_i directions_i). -> (coefficients, relative residual)."""
    a = np.stack([d.ravel() for d in directions], axis=1)
    coefficients, *_ = np.linalg.lstsq(a, step.ravel(), rcond=None)
    residual = np.linalg.norm(step.ravel() - a @ coefficients)
    return coefficients, residual / max(np.linalg.norm(step), 1e-300)


def mistaken_directions(name, result, gradient, sums, last=None):
    """(description, direction) of known wrong steps of ``result``: the opposite sign is a
    negative rate; sums not reset; sums overwritten (``last``: the gradient of the batch's
    last image alone); the original's E2, E3."""
    found = [(NOT_RESET, sums)] + ([(OVERWRITTEN, last)] if last is not None else [])
    if name != "TrainCNN" and result in ("w", "w1", "w2"):
        n, m = gradient.shape
        found.append((E3, reshape_f(reshape_f(gradient.T, (1, -1)), (n, m))))
    if name == "TrainCNN" and result == "w_conv":
        c2 = gradient.shape[3]
        row = reshape_f(reshape_f(gradient, (-1, c2)).T, (1, -1))
        found.append((E2, reshape_f(row, gradient.shape)))
    return found


def judge_steps(name, groups, data, labels, findings, network=None):
    """Each step between iterations against the true mini-batch gradient (``network``'s:
    by default the assignment's)."""
    network = network or TRAININGS[name]
    rates, decays, sums = [], {}, None
    for t in range(len(groups) - 1):
        params, members = groups[t]
        where = locate([image for p in members for image in p.images()], data)
        if any(w is None for w in where):
            findings.faults.append("a forward pass is given something other than an image of "
                                   "the mini-batches (mini_batch_x{k}(:, i))")
            return rates
        batches = {k for k, _ in where}
        used = {w for w in where}
        if len(batches) != 1 or len(used) != data[next(iter(batches))].shape[1]:
            if len(used) == 1:
                findings.faults.append("updates the weights after every image, not once per "
                                       "mini-batch")
            else:
                findings.faults.append(f"iteration {t + 1} runs over {len(used)} images of "
                                       f"{len(batches)} mini-batch(es), not one whole "
                                       "mini-batch")
            return rates
        k = batches.pop()
        start = as_assignment(name, params)
        after = as_assignment(name, groups[t + 1][0])
        _, gradients = network.true_gradient(data[k], labels[k], start)
        sums = gradients if sums is None else [s + g for s, g in zip(sums, gradients)]
        for result, before, now, gradient in zip(network.results, start, after, gradients):
            if np.linalg.norm(np.asarray(now, dtype=float) - before) <= SMALLEST_STEP * max(
                    np.linalg.norm(before), 1.0) and np.linalg.norm(gradient) > SMALLEST_STEP:
                findings.faults.append(f"{result} is never updated")  # first: the plainest
                return rates
        last = where[-1][1]
        step_rates = []
        for result, before, now, gradient, total in zip(network.results, start, after,
                                                         gradients, sums):
            step = np.asarray(now, dtype=float) - before
            scale = max(np.linalg.norm(before), 1.0)
            if np.linalg.norm(step) <= SMALLEST_STEP * scale:
                if np.linalg.norm(gradient) > SMALLEST_STEP:
                    findings.faults.append(f"{result} is never updated")
                    return rates
                continue
            (rate,), residual = fit(step, [-gradient])
            if residual <= STEP_TOLERANCE:
                if rate <= 0:
                    findings.faults.append(f"{result} {OPPOSITE}")
                    return rates
                findings.errors.append(residual)
                step_rates.append((result, rate))
                continue
            (rate, decay), residual2 = fit(step, [-gradient, -before])
            if residual2 <= STEP_TOLERANCE and rate > 0 and decay > 0:
                decays[result] = decay / rate
                findings.errors.append(residual2)
                step_rates.append((result, rate))
                continue
            image = network.true_gradient(data[k][:, [last]], labels[k][:, [last]], start)[1]
            for description, direction in mistaken_directions(
                    name, result, gradient, total, image[network.results.index(result)]):
                (c,), r = fit(step, [-direction])
                if r <= STEP_TOLERANCE and c > 0:
                    findings.faults.append(description)
                    findings.errors.append(residual)
                    return rates
            findings.errors.append(residual)
            findings.faults.append(f"the step of {result} is not a multiple of its mini-batch "
                                   f"gradient (the nearest multiple is off by {residual:.2g}, "
                                   "relative)")
            return rates
        rates.append(step_rates)
    if decays:  # each beside the summed gradient (as the rates); beside the mean, BATCH_SIZE x less
        on_mean = ", ".join(f"{d / BATCH_SIZE:.3g} on {r}" for r, d in decays.items())
        on_sum = ", ".join(f"{d:.3g}" for d in decays.values())
        findings.notes.append(f"weight decay {on_mean} beside the batch mean's gradient "
                              f"({on_sum} beside its sum)")
    return rates


def describe_rates(rates, batch_size=BATCH_SIZE):
    """The learning rate inferred from the steps: per summed batch gradient and per mean."""
    if not rates:
        return None
    first = dict(rates[0])
    values = sorted(set(np.round(list(first.values()), 12)))
    per = ("the same for every parameter" if len(values) == 1 else
           "per parameter: " + ", ".join(f"{r} {v:.3g}" for r, v in first.items()))
    rate = values[0]
    changed = any(abs(dict(r).get(k, v) - v) > 1e-9 * v for r in rates[1:] for k, v in first.items())
    return (f"learning rate {rate * batch_size:.3g} on the batch mean ({rate:.3g} on its sum; "
            f"{per}), {'changing' if changed else 'constant'} over its first {len(rates)} "
            "steps")


def describe_start(name, params):
    """The starting weights, in a few words."""
    parts = []
    for result, value in zip(TRAININGS[name].results, params):
        if not np.any(value):
            parts.append(f"{result} zero")
        else:
            parts.append(f"{result} mean {value.mean():.2g}, std {value.std():.2g}")
    return "starts from " + "; ".join(parts)


def judge_network(name, trace):
    """The Verdict 'wrong' when the recorded forward passes show a network that is not the
    assignment's, else None (for a run that failed after them)."""
    found = passes(trace, TRAININGS[name].input_layer)
    findings = Findings()
    if found and not structures(name, found, findings):
        return Verdict("wrong", None, "; ".join(findings.faults))
    return None


def judge_trace(name, trace, data, labels, results, network=None):
    """The Verdict on Train*.m ``name`` from its recorded calls (and its results, when it
    finished before the checker stopped it); ``network``: whose true gradient its steps
    follow (by default the assignment's)."""
    network = network or TRAININGS[name]
    found = passes(trace, network.input_layer)
    findings = Findings()
    if not found:
        return Verdict("wrong", None, f"its forward passes call no {network.input_layer} on an "
                                      "image: the checker follows a Train*.m through the "
                                      "assignment's layer functions")
    if not structures(name, found, findings):
        return Verdict("wrong", None, "; ".join(findings.faults))
    groups = iterations(found)
    if results is not None and len(results) == len(network.results):
        groups.append(([numeric(r) for r in results], []))
    if len(groups) < 2:
        return Verdict("wrong", None, "its weights never change: no step was taken")
    if any(not np.all(np.isfinite(v)) for v in groups[0][0] if v is not None):
        return Verdict("wrong", None, "its starting weights are not finite")
    rates = judge_steps(name, groups, data, labels, findings, network)
    if only_first_batch(found, data) and not findings.faults:
        findings.faults.append(FIRST_ONLY)
    error = max(findings.errors) if findings.errors else None
    notes = [n for n in (describe_rates(rates, data[0].shape[1]),
                         describe_start(name, groups[0][0])) if n]
    if findings.faults:
        return Verdict("wrong", error, "; ".join(findings.faults + findings.notes))
    return Verdict("correct", error, "; ".join(notes + findings.notes))


def only_first_batch(found, data):
    """Whether every forward pass is on the first mini-batch, over more iterations than
    one (a K x 1 cell array counted with size(c, 2), for one)."""
    where = locate([image for p in found for image in p.images()], data)
    return len(where) > data[0].shape[1] and all(w is not None and w[0] == 0 for w in where)
