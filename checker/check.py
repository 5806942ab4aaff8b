"""Check a folder of the assignment's MATLAB functions: run each in Octave (or MATLAB) on
inputs drawn here and judge it in isolation (``checker.layers``, ``checker.training``)."""

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from checker import layers, training
from checker.engine import ENGINES, CallFailed, CallTimedOut, write_display_stubs
from checker.judging import Verdict
from shared.cli import describe
from shared.errors import CnnDualError

SOLUTION = Path(__file__).resolve().parent / "solution"
"""The checker's own layer functions, in MATLAB: what a function under check calls."""


@dataclass(frozen=True)
class Check:
    """How one assignment function is checked: called with ``nargout`` results on each
    argument list of ``cases(rng)``; ``judge(cases, results, rng)`` (and the normrnd table,
    for a Train*.m: ``trains``) gives the Verdict."""

    nargout: int
    cases: Callable
    judge: Callable
    trains: bool = False


FUNCTIONS = {  # the assignment's functions, in the order they are checked and reported
    "Conv": Check(1, layers.conv_cases, layers.conv_judge),
    "Conv_backward": Check(2, layers.conv_backward_cases, layers.conv_backward_judge),
    "ReLu": Check(1, layers.relu_cases, layers.relu_judge),
    "ReLu_backward": Check(1, layers.relu_backward_cases, layers.relu_backward_judge),
    "Pool2x2": Check(1, layers.pool2x2_cases, layers.pool2x2_judge),
    "Pool2x2_backward": Check(1, layers.pool2x2_backward_cases, layers.pool2x2_backward_judge),
    "Flattening": Check(1, layers.flattening_cases, layers.flattening_judge),
    "Flattening_backward": Check(1, layers.flattening_backward_cases,
                                 layers.flattening_backward_judge),
    "FC": Check(1, layers.fc_cases, layers.fc_judge),
    "FC_backward": Check(3, layers.fc_backward_cases, layers.fc_backward_judge),
    "Loss_cross_entropy_softmax": Check(2, layers.loss_cases,
                                        layers.loss_cross_entropy_softmax_judge),
    "Loss_euclidean": Check(2, layers.loss_cases, layers.loss_euclidean_judge),
    "GetMiniBatch": Check(2, training.get_mini_batch_cases, training.get_mini_batch_judge),
    **{name: Check(len(results), training.training_cases, training.training_judge(name), True)
       for name, (_, results) in training.TRAININGS.items()},
}


@dataclass
class Report:
    """What a check found: a Verdict per function (MATLAB names, in FUNCTIONS' order)."""

    folder: Path
    engine: str
    seed: int
    verdicts: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self):
        """Every function present is correct (and at least one is present)."""
        present = [v for v in self.verdicts.values() if v.status != "missing"]
        return bool(present) and all(v.status == "correct" for v in present)

    def as_dict(self):
        return {"ok": self.ok, "folder": str(self.folder), "engine": self.engine,
                "seed": self.seed, "seconds": round(self.seconds, 2),
                "functions": {name: v.as_dict() for name, v in self.verdicts.items()}}


def check_names(names):
    """``names`` (MATLAB function names), each one of FUNCTIONS, else a ValueError."""
    unknown = [n for n in names if n not in FUNCTIONS]
    if unknown:
        raise ValueError(f"not a function of the assignment: {', '.join(unknown)} "
                         f"(choose from {', '.join(FUNCTIONS)})")
    return list(names)


def check_folder(folder, engine="octave", functions=None, seed=0, timeout=120.0,
                 progress=False, engine_options=None):
    """Check the functions ``folder`` defines (each ``Name.m``) among ``functions`` (default:
    all of FUNCTIONS). Returns a Report. Raises CnnDualError when the folder is not there or
    has none of them, EngineUnavailable when there is no interpreter to run them in.
    ``timeout``: the seconds one call may take before it is stopped (and reported as an
    error). Nothing is written into ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CnnDualError(f"{folder}: no such folder")
    names = check_names(functions or list(FUNCTIONS))
    present = [n for n in names if (folder / f"{n}.m").is_file()]
    miscased = {n: f.name for n in names if n not in present
                for f in folder.glob("*.m") if f.name.lower() == f"{n}.m".lower()}
    if not present and not miscased:
        raise CnnDualError(f"{folder} defines none of the assignment's functions "
                           f"({', '.join(f'{n}.m' for n in names)})")
    start = time.perf_counter()
    with ENGINES[engine](folder, **(engine_options or {})) as interpreter, \
            tempfile.TemporaryDirectory(prefix="cnn-dual-check-") as root:
        report = Report(folder, interpreter.version, seed)
        bar = tqdm(names, desc="checking", unit="function", disable=not progress)
        for name in bar:
            bar.set_postfix_str(name)
            if name in miscased:
                report.verdicts[name] = Verdict("error", None, f"found {miscased[name]}: MATLAB's "
                                                f"names are case-sensitive, rename it {name}.m")
                continue
            if name not in present:
                report.verdicts[name] = Verdict("missing")
                continue
            workdir = Path(root) / name
            prepare(workdir, folder / f"{name}.m")
            rng = np.random.default_rng([seed, list(FUNCTIONS).index(name)])
            verdict = check_one(interpreter, workdir, name, rng, timeout)
            verdict.note = " ".join(whose_file(verdict.note, workdir, folder, name).split())
            report.verdicts[name] = verdict
    report.seconds = time.perf_counter() - start
    return report


def prepare(workdir, function_file):
    """A call's work folder: the checker's layer functions, the display and normrnd stubs,
    and the function under check (a copy, in place of the checker's own)."""
    workdir.mkdir()
    for solution in SOLUTION.glob("*.m"):
        shutil.copy(solution, workdir / solution.name)
    write_display_stubs(workdir)
    shutil.copy(function_file, workdir / function_file.name)


def check_one(interpreter, workdir, name, rng, timeout):
    """The Verdict on function ``name`` (its file in ``workdir``)."""
    check = FUNCTIONS[name]
    cases = check.cases(rng)
    table = training.normrnd_table(rng) if check.trains else None
    results = []
    for args in cases:
        try:
            results.append(interpreter.call(workdir, name, args, check.nargout, timeout, table))
        except (CallFailed, CallTimedOut) as exc:
            return Verdict("error", None, str(exc))
    extra = [table] if check.trains else []
    try:
        return check.judge(cases, results, rng, *extra)
    except (ValueError, TypeError, IndexError, KeyError) as exc:  # results of unusable shapes
        return Verdict("wrong", None, f"its results could not be judged ({describe(exc)})")


def whose_file(note, workdir, folder, name):
    """An Octave message naming files of the work folder, made to name the user's own file
    (the copy of ``name``.m) or say that the line is in one of the checker's functions."""
    note = note.replace(str(workdir / f"{name}.m"), str(folder / f"{name}.m"))
    prefix = str(workdir) + "/"
    while prefix in note:
        start = note.index(prefix)
        file = note[start + len(prefix):].split(",")[0].split(")")[0]
        note = note.replace(prefix + file, f"the checker's own {file}, called by yours")
    return note
