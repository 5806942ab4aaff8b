"""Check a folder of the assignment's MATLAB functions: run each in its own sandboxed Octave
(or MATLAB) on inputs drawn here and judge it (``checker.layers``, ``checker.minibatch``,
``checker.training``)."""

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from checker import layers, minibatch, training
from checker.engine import ENGINES, write_display_stubs
from checker.judging import FAULTS, Verdict
from shared.cli import describe
from shared.errors import CnnDualError

SOLUTION = Path(__file__).resolve().parent / "solution"
"""The checker's own layer functions, in MATLAB: what replaces a wrong one in a Train*.m."""


def flip_dldy(args):
    """The same call with dLdy (the first argument, a row) as a column."""
    return [np.asarray(args[0]).T, *args[1:]]


def relu_column(args):
    """ReLu_backward as a 1x30 dLdy case with dLdy in x's shape (a column)."""
    dldy, x, y = args
    return [np.reshape(dldy, np.shape(x), order="F"), x, y] if np.ndim(dldy) == 2 and \
        np.shape(dldy)[0] == 1 else None


@dataclass(frozen=True)
class Check:
    """How one assignment function is checked: called with ``nargout`` results on each
    argument list of ``cases(rng)`` (and, where the first fails, on ``alternative(args)``:
    dLdy in the other orientation); ``judge(cases, results, rng)`` gives the Verdict;
    ``partial``: the judge takes a case that raised (its message in place of its results)."""

    nargout: int
    cases: Callable
    judge: Callable
    alternative: Callable | None = None
    orientation: str = ""
    partial: bool = False


FUNCTIONS = {  # the assignment's functions, in the order they are checked and reported
    "Conv": Check(1, layers.conv_cases, layers.conv_judge),
    "Conv_backward": Check(2, layers.conv_backward_cases, layers.conv_backward_judge),
    "ReLu": Check(1, layers.relu_cases, layers.relu_judge),
    "ReLu_backward": Check(1, layers.relu_backward_cases, layers.relu_backward_judge,
                           relu_column, "takes a 1x30 dLdy in x's shape, 30x1"),
    "Pool2x2": Check(1, layers.pool2x2_cases, layers.pool2x2_judge),
    "Pool2x2_backward": Check(1, layers.pool2x2_backward_cases, layers.pool2x2_backward_judge),
    "Flattening": Check(1, layers.flattening_cases, layers.flattening_judge),
    "Flattening_backward": Check(1, layers.flattening_backward_cases,
                                 layers.flattening_backward_judge, flip_dldy,
                                 "takes dLdy as a 147x1 column; the assignment's is 1x147"),
    "FC": Check(1, layers.fc_cases, layers.fc_judge),
    "FC_backward": Check(3, layers.fc_backward_cases, layers.fc_backward_judge, flip_dldy,
                         "takes dLdy as a 10x1 column; the assignment's is 1x10"),
    "Loss_cross_entropy_softmax": Check(2, layers.loss_cases,
                                        layers.loss_cross_entropy_softmax_judge),
    "Loss_euclidean": Check(2, layers.loss_cases, layers.loss_euclidean_judge),
    "GetMiniBatch": Check(2, minibatch.get_mini_batch_cases, minibatch.get_mini_batch_judge,
                          partial=True),
    **{name: None for name in training.TRAININGS},
}
TRAINERS = tuple(training.TRAININGS)

MATLAB_ONLY = {  # functions GNU Octave lacks -> where MATLAB has them
    "dlarray": "the Deep Learning Toolbox", "extractdata": "the Deep Learning Toolbox",
    "onehotencode": "the Deep Learning Toolbox", "onehotdecode": "the Deep Learning Toolbox",
    "gpuArray": "the Parallel Computing Toolbox", "gather": "the Parallel Computing Toolbox",
    "categorical": "MATLAB", "tiledlayout": "MATLAB", "nexttile": "MATLAB", "string": "MATLAB",
    "strings": "MATLAB", "contains": "MATLAB", "xline": "MATLAB", "yline": "MATLAB",
}
CLASSDEF = "a classdef GNU Octave cannot run (MATLAB-only property types or syntax)"


def is_classdef(path):
    """Whether the .m file at ``path`` is a class definition (its first statement classdef):
    Octave's parse error in one names only the file and line (properties typed as in
    ``slope double``, an enumeration block)."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return False
    code = (s for s in (line.strip() for line in lines) if s and not s.startswith("%"))
    return next(code, "").startswith("classdef")


UNSUPPORTED = (
    (re.compile(r"'(\w+)' undefined"), lambda m: m.group(1) in MATLAB_ONLY,
     lambda m: f"calls {m.group(1)} ({MATLAB_ONLY[m.group(1)]}), which GNU Octave lacks"),
    (re.compile(r"parse error near line \d+ of file (.+?\.m)\b"),
     lambda m: is_classdef(m.group(1)), lambda m: CLASSDEF),
    (re.compile(r"classdef|class definition", re.I), lambda m: True, lambda m: CLASSDEF),
)


@dataclass
class Report:
    """What a check found: a Verdict per function (MATLAB names, in FUNCTIONS' order)."""

    folder: Path
    engine: str
    seed: int
    verdicts: dict = field(default_factory=dict)
    seconds: float = 0.0
    strict: bool = False

    @property
    def ok(self):
        """Every function present is correct (a layout too, unless strict), and at least one
        is present."""
        faults = FAULTS + (("layout",) if self.strict else ())
        present = [v for v in self.verdicts.values() if v.status != "missing"]
        return bool(present) and not any(v.status in faults for v in present)

    def as_dict(self):
        return {"ok": self.ok, "folder": str(self.folder), "engine": self.engine,
                "seed": self.seed, "seconds": round(self.seconds, 2),
                "functions": {name: v.as_dict() for name, v in self.verdicts.items()}}


def check_names(names, functions=FUNCTIONS):
    """``names``, each one of ``functions`` (by default the MATLAB names), else a ValueError."""
    names = list(names)
    if not names:
        raise ValueError(f"no function named (choose from {', '.join(functions)})")
    unknown = [n for n in names if n not in functions]
    if unknown:
        raise ValueError(f"not a function of the assignment: {', '.join(unknown)} "
                         f"(choose from {', '.join(functions)})")
    return names


def m_files(folder):
    """The folder's .m files by name (the first that holds any, searching subfolders too:
    a submission's files may sit one level down). {stem: path}."""
    folder = Path(folder)
    candidates = [folder] + sorted(p for p in folder.rglob("*") if p.is_dir()
                                   and not any(part.startswith((".", "__")) for part in
                                               p.relative_to(folder).parts))
    for candidate in candidates:
        files = {f.stem: f for f in sorted(candidate.glob("*.m")) if f.is_file()}
        if any(name in files or name.lower() in {s.lower() for s in files}
               for name in FUNCTIONS):
            return candidate, files
    return folder, {}


def check_folder(folder, engine="octave", functions=None, seed=0, timeout=120.0,
                 progress=False, engine_options=None, strict=False, jobs=1):
    """Check the functions ``folder`` defines (each ``Name.m``, in it or a subfolder) among
    ``functions`` (default: all of FUNCTIONS), ``jobs`` at once (each in its own Octave; the
    layer functions first, then the Train*.m, which use their verdicts). Returns a Report.
    Raises CnnDualError when the folder is not there or has none of them, EngineUnavailable
    (or SandboxUnavailable) when there is nothing to run them in. ``timeout``: the seconds one
    run may take before it is stopped (and reported as an error). Nothing is written into
    ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CnnDualError(f"{folder}: no such folder")
    names = check_names(functions or list(FUNCTIONS))
    where, files = m_files(folder)
    present = [n for n in FUNCTIONS if n in files]
    miscased = {n: f.name for n in names if n not in files
                for stem, f in files.items() if stem.lower() == n.lower()}
    if not any(n in present for n in names) and not miscased:
        raise CnnDualError(f"{folder} defines none of the assignment's functions "
                           f"({', '.join(f'{n}.m' for n in names)})")
    start = time.perf_counter()
    with ENGINES[engine](where, **(engine_options or {})) as interpreter, \
            tempfile.TemporaryDirectory(prefix="cnn-dual-check-") as root, \
            ThreadPoolExecutor(max_workers=jobs) as pool:  # (the work is in the Octaves)
        session = Session(interpreter, where, Path(root), seed, timeout, present)
        report = Report(folder, interpreter.version, seed, strict=strict)
        checked = [n for n in names if n in present and n not in miscased]
        layers_first = [n for n in present if n not in TRAINERS and (n in checked or any(
            n in training.TRAININGS[t].layers for t in checked if t in TRAINERS))]
        with tqdm(total=len(checked), desc="checking", unit="function",
                  disable=not progress) as bar:
            for group in (layers_first, [n for n in checked if n in TRAINERS]):
                for name, _ in zip(group, pool.map(session.verdict, group)):
                    if name in checked:
                        bar.set_postfix_str(name)
                        bar.update()
        for name in names:
            if name in miscased:
                report.verdicts[name] = Verdict("error", None, f"found {miscased[name]}: MATLAB's "
                                                f"names are case-sensitive, rename it {name}.m")
            elif name not in present:
                report.verdicts[name] = Verdict("missing")
            else:
                report.verdicts[name] = session.verdict(name)
    report.seconds = time.perf_counter() - start
    return report


class Session:
    """The checks of one folder: each function in a run of its own; the layer verdicts kept,
    for the Train*.m that use them."""

    def __init__(self, interpreter, folder, root, seed, timeout, present):
        self.interpreter = interpreter
        self.folder = folder
        self.root = root
        self.seed = seed
        self.timeout = timeout
        self.present = present
        self.verdicts = {}

    def verdict(self, name):
        if name not in self.verdicts:
            rng = np.random.default_rng([self.seed, list(FUNCTIONS).index(name)])
            try:
                verdict = (self.check_trainer(name, rng) if name in TRAINERS
                           else self.check_layer(name, rng))
            except (ValueError, TypeError, IndexError, KeyError) as exc:  # unusable results
                verdict = Verdict("wrong", None, f"its results could not be judged "
                                                 f"({describe(exc)})")
            verdict.note = " ".join(self.theirs(verdict.note).split())
            self.verdicts[name] = verdict
        return self.verdicts[name]

    def scratch(self, name):
        """A run's own folder, with the no-op display functions."""
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))
        write_display_stubs(folder, normrnd=False)
        return folder

    def check_layer(self, name, rng):
        """A layer function (or GetMiniBatch): its cases in one run, judged; where they fail
        and the check has one, the other orientation of dLdy."""
        check = FUNCTIONS[name]
        cases = check.cases(rng)
        alternatives = [check.alternative(args) if check.alternative else None
                        for args in cases]
        extra = [a for a in alternatives if a is not None]
        run = self.interpreter.run(self.scratch(name), name, cases + extra, check.nargout,
                                   self.timeout)
        if run.failure:
            return Verdict("error", None, run.failure)
        results, more = run.results[:len(cases)], iter(run.results[len(cases):])
        if check.partial and any(r is not None for r in results):
            results = [r if r is not None else m for r, m in zip(results, run.messages)]
        primary = (check.judge(cases, results, rng) if None not in results
                   else failed(run.messages[:len(cases)]))
        if primary.status in ("correct", "layout") or not extra:
            return primary
        mixed = [next(more) if a is not None else r for r, a in zip(results, alternatives)]
        if None in mixed:
            return primary
        other = check.judge(cases, mixed, rng)
        if other.status not in ("correct", "layout"):
            return primary
        return Verdict("layout", other.max_rel_error,
                       "; ".join(n for n in (check.orientation, other.note) if n))

    def check_trainer(self, name, rng):
        """A Train*.m, followed through its own layer functions (the checker's where its
        are wrong or missing), with the cell arrays in the orientation that works."""
        network = training.TRAININGS[name]
        replaced = {layer: ("checker" if self.verdict_of(layer) == "wrong" else "checker_only")
                    for layer in network.layers if self.replaced(layer)}
        data, labels = training.tiny_data(rng)
        rows = self.present_rows()
        verdict = self.trace(name, data, labels, rows, replaced)
        if verdict.status != "correct" and (training.FIRST_ONLY in verdict.note
                                            or verdict.status == "error"):
            other = self.trace(name, data, labels, not rows, replaced)
            if other.status == "correct" or (verdict.status == "error"
                                             and other.status != "error"):
                other.note = "; ".join(n for n in (
                    f"given the mini-batches as {'1 x K' if not rows else 'K x 1'} cell "
                    "arrays (it counts them along the other dimension)", other.note) if n)
                verdict = other
        if replaced:
            said = ", ".join(f"{layer} ({self.why_replaced(layer)})" for layer in replaced)
            verdict.note = "; ".join(n for n in (verdict.note, "judged with the checker's "
                                                 f"own {said} in place of yours") if n)
        return verdict

    def present_rows(self):
        """Whether the folder's own GetMiniBatch makes 1 x K cell arrays."""
        if "GetMiniBatch" not in self.present:
            return False
        return minibatch.ROW_CELLS in self.verdict("GetMiniBatch").note

    def verdict_of(self, layer):
        """The status of the student's ``layer`` (missing when there is none)."""
        return self.verdict(layer).status if layer in self.present else "missing"

    def replaced(self, layer):
        """Whether a Train*.m is run with the checker's ``layer`` in place of the student's:
        theirs is missing, wrong or fails, or is an allowed variant of another function
        (a leaky ReLU), whose gradient is not the assignment network's."""
        return (layer not in self.present
                or self.verdict(layer).status not in ("correct", "layout")
                or self.verdict(layer).note.startswith(layers.LEAKY))

    def why_replaced(self, layer):
        if layer not in self.present:
            return "yours is missing"
        if self.verdict(layer).note.startswith(layers.LEAKY):
            return "yours is a leaky ReLU"
        return f"yours is {self.verdict(layer).status}"

    def trace(self, name, data, labels, rows, replaced):
        """One traced run of Train*.m ``name``, judged."""
        network = training.TRAININGS[name]
        scratch = self.scratch(name)
        self.wrap(scratch, network.layers)
        run = self.interpreter.run(
            scratch, name, [[training.cells(data, rows), training.cells(labels, rows)]],
            len(network.results), self.timeout, settings=training.settings(name, replaced))
        if run.failure:
            return Verdict("error", None, run.failure)
        message = run.messages[0]
        if message and "cnn-dual: enough steps recorded" not in message:
            wrong = training.judge_network(name, run.traces[0])
            if wrong is not None:
                wrong.note += f"; then it fails: {message}"
                return wrong
            return failed([message])
        return training.judge_trace(name, run.traces[0], data, labels, run.results[0])

    def wrap(self, scratch, names):
        """In ``scratch``: for each layer function, the wrapper that records its calls, the
        student's own (a copy, renamed) and the checker's."""
        for layer in names:
            (scratch / f"{layer}.m").write_text(
                f"% {layer}, wrapped by cnn-dual's checker: recorded, see cnn_dual_layer.\n"
                f"function varargout = {layer}(varargin)\n"
                f"    varargout = cell(1, max(nargout, 1));\n"
                f"    [varargout{{:}}] = cnn_dual_layer('{layer}', nargout, varargin{{:}});\n"
                "end\n")
            if layer in self.present:
                shutil.copy(self.folder / f"{layer}.m", scratch / f"cnn_dual_student_{layer}.m")
            shutil.copy(SOLUTION / f"{layer}.m", scratch / f"cnn_dual_checker_{layer}.m")
        shutil.copy(SOLUTION / "conv_patches.m", scratch / "conv_patches.m")

    def theirs(self, note):
        """A note naming the run's copies of the student's files as the student's own."""
        note = re.sub(r"\S*/cnn_dual_student_(\w+)\.m", lambda m: str(self.folder / f"{m.group(1)}.m"),
                      note)
        note = re.sub(r"\S*/cnn_dual_checker_(\w+)\.m", r"the checker's own \1.m", note)
        return re.sub(re.escape(str(self.root)) + r"/[^/\s]+/", "", note)


def failed(messages):
    """The Verdict on a function whose call raised: error, or unsupported where the error is
    a MATLAB feature GNU Octave lacks."""
    message = next(m for m in messages if m)
    for pattern, applies, says in UNSUPPORTED:
        match = pattern.search(message)
        if match and applies(match):
            return Verdict("unsupported", None, f"{says(match)}: {message}")
    return Verdict("error", None, message)
