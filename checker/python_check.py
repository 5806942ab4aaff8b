"""Check a Python solution of the homework (``cnn.py``: ``get_mini_batch``, ``fc``, ...,
``train_cnn``) with the MATLAB checker's judges, statuses and reports.

Each snake_case function is its MATLAB twin's check (``checker.check.FUNCTIONS``): the same
cases, drawn from the same seeds, given in the Python homework's common layout (x (m,1)
columns, w (n,m), b (n,1), each gradient in the shape of what it is the gradient of), and
judged by the same judges under :class:`PythonConvention` (``checker.judging.CONVENTION``):
the true values are put in that layout, and right values in another (MATLAB's rows, 1-D
vectors, a transposed or flattened ``dl_dw``, images as rows) are a ``layout``, never
``wrong`` for the shape alone. Python's own variants are judged where they are the
assignment's and named where they are not: the 2023 signatures without ``y``, a misspelled
name, a tuple from ``pool2x2``, a leaky ReLU with its own derivative, a flattening in C order
whose backward inverts it, mini-batches as a 3-D array or as rows, the batch size of 32.

Every function runs in a fresh Python of its own in the sandbox (``checker.python_box``),
and so does each trainer, traced through its layer functions as ``checker.training`` judges
them (the checker's own, ``checker.python_layers``, in place of wrong ones).
"""

import ast
import difflib
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from checker import layers, minibatch, python_box, sandbox, training
from checker.check import FUNCTIONS, Report, failed
from checker.check import check_names as matlab_check_names
from checker.classroom import Checker
from checker.judging import CONVENTION, Judgement, Verdict
from reference.conv import conv
from reference.flattening import flattening
from reference.pool2x2 import pool2x2
from reference.relu import relu
from shared.cli import describe
from shared.errors import CnnDualError
from shared.matlab import reshape_f

ROOT = Path(__file__).resolve().parents[1]
BOX = Path(__file__).resolve().parent / "python_box.py"

NAMES = {  # the Python homework's names -> their MATLAB twins, in the order reported
    "get_mini_batch": "GetMiniBatch", "fc": "FC", "fc_backward": "FC_backward",
    "loss_euclidean": "Loss_euclidean", "loss_cross_entropy_softmax": "Loss_cross_entropy_softmax",
    "relu": "ReLu", "relu_backward": "ReLu_backward", "conv": "Conv",
    "conv_backward": "Conv_backward", "pool2x2": "Pool2x2", "pool2x2_backward": "Pool2x2_backward",
    "flattening": "Flattening", "flattening_backward": "Flattening_backward",
    "train_slp_linear": "TrainSLP_linear", "train_slp": "TrainSLP", "train_mlp": "TrainMLP",
    "train_cnn": "TrainCNN",
}
MATLAB_NAMES = {m: p for p, m in NAMES.items()}
TRAINERS = tuple(p for p, m in NAMES.items() if m in training.TRAININGS)

PARAMETERS = {
    "get_mini_batch": ("im_train", "label_train", "batch_size"), "fc": ("x", "w", "b"),
    "fc_backward": ("dl_dy", "x", "w", "b", "y"), "loss_euclidean": ("y_tilde", "y"),
    "loss_cross_entropy_softmax": ("x", "y"), "relu": ("x",),
    "relu_backward": ("dl_dy", "x", "y"), "conv": ("x", "w_conv", "b_conv"),
    "conv_backward": ("dl_dy", "x", "w_conv", "b_conv", "y"), "pool2x2": ("x",),
    "pool2x2_backward": ("dl_dy", "x", "y"), "flattening": ("x",),
    "flattening_backward": ("dl_dy", "x", "y"),
    **{name: ("mini_batch_x", "mini_batch_y") for name in TRAINERS},
}

BATCH_SIZE = 32
"""The Python homework's batch size (its ``main_functions.py``)."""

MINI_BATCH_SIZES = ((12000, BATCH_SIZE), (129, BATCH_SIZE), (100, 10), (232, 64))
"""GetMiniBatch's cases for Python: the real 12,000 / 32; 129 = 4 x 32 + 1; 10 and 64."""

HARD_CODED = "hard-codes a batch size of 32 (main_functions.py's)"

IMPORT_SECONDS = 10.0
"""The time the module's own top-level code may take at each load (a training at import is
stopped and skipped, noted)."""

C_ORDER = "flattens in C order (row after row)"
LEAKY_DERIVATIVE = f"{layers.LEAKY}'s derivative"


# ---- the module under check ------------------------------------------------------------------

@dataclass
class Module:
    """The module a submission's functions are in: its path, each assignment name's function
    in it (its own name: a misspelling is found), the folder's drivers (modules that import it
    back: stubbed), and why it does not compile (None when it does)."""

    path: Path
    names: dict
    drivers: list
    syntax_error: str | None = None

    @property
    def folder(self):
        return self.path.parent


def top_level_functions(path):
    """The names of the functions ``path`` defines at its top level, and its syntax error (or
    None); for a file that does not compile, those a ``def`` at the start of a line names."""
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        names = re.findall(r"^def\s+(\w+)", source, flags=re.M)
        return names, f"{path.name} does not compile: line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # a null byte
        return [], f"{path.name} does not compile: {describe(exc)}"
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef,
                                                         ast.AsyncFunctionDef))], None


def _key(name):
    return name.lower().replace("_", "")


def match_names(defined):
    """{assignment name: the function of ``defined`` that is it}: the same name, the same but
    for case and underscores (``getMiniBatch``), or a close misspelling (``loss_euclidian``)."""
    found, left = {}, list(defined)
    for name in NAMES:
        same = [d for d in left if d == name] or [d for d in left if _key(d) == _key(name)]
        if same:
            found[name] = same[0]
            left.remove(same[0])
    for name in NAMES:
        if name not in found:
            close = difflib.get_close_matches(name, [d for d in left if d not in NAMES],
                                              n=1, cutoff=0.85)
            if close:
                found[name] = close[0]
                left.remove(close[0])
    return found


def imports(path, module_name):
    """Whether ``path`` imports ``module_name``."""
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return re.search(rf"^\s*(from\s+{module_name}\s+import|import\s+{module_name}\b)",
                         source, flags=re.M) is not None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == module_name for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == module_name:
            return True
    return False


def python_files(folder):
    """The .py files of ``folder`` and its subfolders (not hidden ones, caches or
    environments)."""
    skip = (".", "__", "venv", "env", "site-packages", "node_modules")
    return sorted(p for p in folder.rglob("*.py") if p.is_file() and not any(
        part.startswith(skip) or part in skip for part in p.relative_to(folder).parent.parts))


def find_module(path):
    """The Module at ``path``: a .py file, or the file of the folder (or a subfolder) that
    defines most of the assignment's functions (cnn.py first among equals). CnnDualError when
    there is none."""
    path = Path(path)
    if path.is_file():
        if path.suffix != ".py":
            raise CnnDualError(f"{path}: not a Python module (.py)")
        candidates = [path.resolve()]  # absolute: the box runs it from another folder
    elif path.is_dir():
        candidates = python_files(path.resolve())
    else:
        raise CnnDualError(f"{path}: no such file or folder")
    best = None
    for candidate in candidates:
        defined, error = top_level_functions(candidate)
        names = match_names(defined)
        rank = (len(names), candidate.name == "cnn.py", -len(candidate.parts))
        if names and (best is None or rank > best[0]):
            best = (rank, candidate, names, error)
    if best is None:
        raise CnnDualError(f"{path} defines none of the assignment's functions "
                           f"({', '.join(NAMES)})")
    _, module, names, error = best
    drivers = [p.stem for p in sorted(module.parent.glob("*.py"))
               if p != module and imports(p, module.stem)]
    return Module(module, names, drivers, error)


# ---- the Python homework's layouts, for the judges -------------------------------------------

WORDS = {"dLdx": "dl_dx", "dLdw": "dl_dw", "dLdb": "dl_db", "dLdy": "dl_dy", "L": "l"}


def missing_library(message, notes):
    """The library a failure comes down to, where it is one the checker's Python lacks: a
    stubbed one called, or a name left undefined by an import that failed (else None)."""
    stubbed = re.search(r"(\w+)\.\w+: \1 is not installed where the checker runs", message)
    if stubbed:
        return stubbed.group(1)
    undefined = re.search(r"NameError: name '(\w+)' is not defined", message)
    for found in re.finditer(r"No module named '([\w.]+)'.*? and was skipped, leaving "
                             r"([\w, ]+) undefined", " ".join(notes)):
        if undefined and undefined.group(1) in found.group(2).split(", "):
            return found.group(1)
    return None


def python_words(text):
    """A judge's words in the Python homework's: dl_dy for dLdy, snake_case function names."""
    text = re.sub(r"\bdLd([xywb])\b", r"dl_d\1", text)
    text = re.sub(r"\bL (has|is)\b", r"l \1", text)
    text = text.replace("a 1x30 dl_dy, a 30x1 x", "a (30, 1) dl_dy and x")
    text = text.replace("Train*.m", "train_*").replace("mini_batch_x{k}(:, i)",
                                                        "mini_batch_x[k][:, i]")
    for matlab, python in sorted(MATLAB_NAMES.items(), key=lambda item: -len(item[0])):
        text = re.sub(rf"(?<!original's )\b{matlab}\b(?!\.m)", python, text)
    return text


def shape_words(shape):
    return "a scalar" if shape == () else str(tuple(shape))


class PythonConvention:
    """The Python homework's layouts for the judges (``checker.judging.CONVENTION``) of
    MATLAB function ``function`` on the MATLAB case ``case``: each true value in its
    variable's shape (a column for MATLAB's row, FC's dl_dw as w, Conv's as w_conv); MATLAB's
    layout, 1-D vectors, rows, transposes and flattenings recognised as layouts; NumPy's
    shapes as they are (a 1-D vector is not a column)."""

    def __init__(self, function, case):
        self.function = function
        self.case = case

    def to_python(self, what, value):
        value = np.asarray(value, dtype=float)
        if self.function == "FC_backward" and what == "dLdw":
            return np.reshape(value, np.shape(self.case[2]))  # row after row: w's (n, m)
        if self.function == "Conv_backward" and what == "dLdw":
            c2 = value.size // 9
            return reshape_f(reshape_f(value, (c2, 9)).T, (3, 3, 1, c2))
        if value.ndim == 2 and value.shape[0] == 1 and value.shape[1] > 1:
            return value.T
        return value

    def adapt(self, what, want, known_mistakes, layouts, free):
        want = np.asarray(want, dtype=float)
        python = self.to_python(what, want)
        known = [(python_words(description),
                  self.to_python(what, result) if np.shape(result) == want.shape else result)
                 for description, result in known_mistakes]
        return python_words(what), python, known, python_layouts(python, want), ()

    @staticmethod
    def shape(value):
        return () if np.size(value) == 1 else tuple(np.shape(value))

    @staticmethod
    def text(shape):
        return shape_words(shape)

    def assignment(self, want):
        return f"the common API's is {shape_words(self.shape(want))}"


def python_layouts(want, matlab_want):
    """(description, right values) in the layouts met in Python solutions besides ``want``'s."""
    found = []
    if matlab_want.shape != want.shape:
        found.append(("MATLAB's layout", matlab_want))
    if want.ndim == 2 and want.shape[1] == 1:
        found += [("a 1-D array", want[:, 0]), ("a row", want.T)]
        return found
    if want.ndim == 2 and min(want.shape) > 1:
        found.append(("transposed", want.T))
    if want.ndim == 4 and want.shape[2] == 1:
        found.append(("without its third axis, of size 1", want[:, :, 0, :]))
    if want.ndim == 3:
        h, w, c = want.shape
        found += [(f"({h * w}, {c}): positions column after column", reshape_f(want, (h * w, c))),
                  (f"({h * w}, {c}): positions row after row", want.reshape(h * w, c)),
                  ("channels first", np.moveaxis(want, 2, 0))]
    if want.ndim >= 2 and want.size > 1:
        for order, words in (("C", "row after row, C order"), ("F", "column after column, "
                                                                   "F order")):
            flat = want.ravel(order=order)
            found += [(f"flattened {words}", flat), (f"flattened {words}, as a row", flat[None])]
    return found


@contextmanager
def python_convention(function, case):
    token = CONVENTION.set(PythonConvention(function, case))
    try:
        yield
    finally:
        CONVENTION.reset(token)


# ---- the cases, in the Python homework's layout ----------------------------------------------

def to_python(matlab, args):
    """A MATLAB case's arguments in the Python homework's layout: a row dLdy as a column."""
    args = [np.array(a, dtype=float) if isinstance(a, np.ndarray) else a for a in args]
    if matlab in ("FC_backward", "Flattening_backward", "ReLu_backward") and \
            np.ndim(args[0]) == 2 and np.shape(args[0])[0] == 1:
        args[0] = args[0].T
    return args


def relu_cases(rng):
    """ReLu's case, its first value negative: a relu that takes its dtype from the first
    element (np.vectorize) truncates to integers there."""
    cases = layers.relu_cases(rng)
    cases[0][0].flat[0] = -abs(cases[0][0].flat[0]) - 0.1
    return cases


def row_dldy(args):
    """dl_dy as a row (1, n) where the common API has a column."""
    if np.ndim(args[0]) == 2 and np.shape(args[0])[1] == 1 and np.shape(args[0])[0] > 1:
        return [args[0].T, *args[1:]]
    return None


def one_d(args):
    """Every column argument (k, 1) as a 1-D array (k,)."""
    changed = [a[:, 0] if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == 1
               and a.shape[0] > 1 else a for a in args]
    return changed if any(c is not a for c, a in zip(changed, args)) else None


def pool_rows(order, words):
    def alternative(args):
        x = args[0]
        return [np.reshape(x, (-1, x.shape[2]), order=order)] if np.ndim(x) == 3 else None
    return (f"takes x as (196, 3), positions {words}; the common API's is (14, 14, 3)",
            alternative)


ROW_DLDY = ("takes dl_dy as a row (1, n); the common API's is a column (n, 1)", row_dldy)
ONE_D = ("takes 1-D vectors; the common API's are columns (n, 1)", one_d)


@dataclass(frozen=True)
class PythonCheck:
    """How a Python function is checked: its MATLAB twin's cases (``cases``: a different
    draw where Python needs one) and judge; ``alternatives``: (note, args -> args or None)
    tried in order where the common API's call fails or is wrong."""

    matlab: str
    cases: Callable | None = None
    alternatives: tuple = ()

    @property
    def twin(self):
        return FUNCTIONS[self.matlab]

    def draw(self, rng):
        return (self.cases or self.twin.cases)(rng)


CHECKS = {
    "fc": PythonCheck("FC", alternatives=(ONE_D,)),
    "fc_backward": PythonCheck("FC_backward", alternatives=(ROW_DLDY, ONE_D)),
    "loss_euclidean": PythonCheck("Loss_euclidean", alternatives=(ONE_D,)),
    "loss_cross_entropy_softmax": PythonCheck("Loss_cross_entropy_softmax",
                                              alternatives=(ONE_D,)),
    "relu": PythonCheck("ReLu", relu_cases),
    "relu_backward": PythonCheck("ReLu_backward", alternatives=(ROW_DLDY, ONE_D)),
    "conv": PythonCheck("Conv", alternatives=(ONE_D,)),
    "conv_backward": PythonCheck("Conv_backward", alternatives=(ONE_D,)),
    "pool2x2": PythonCheck("Pool2x2", alternatives=(pool_rows("C", "row after row"),
                                                    pool_rows("F", "column after column"))),
    "pool2x2_backward": PythonCheck("Pool2x2_backward"),
    "flattening": PythonCheck("Flattening"),
    "flattening_backward": PythonCheck("Flattening_backward", alternatives=(ROW_DLDY, ONE_D)),
}


def mini_batch_cases(rng):
    """GetMiniBatch's cases at MINI_BATCH_SIZES: (MATLAB's, for the judge; Python's: the
    labels as integers, as scipy.io.loadmat gives them, the batch size an int)."""
    matlab = minibatch.get_mini_batch_cases(rng, MINI_BATCH_SIZES)
    python = [[im, labels.astype(np.uint8), int(size)] for im, labels, size in matlab]
    return matlab, python


# ---- the box ---------------------------------------------------------------------------------

class Box:
    """Runs one function of a module in a fresh Python in the sandbox (``python_box``)."""

    def __init__(self, module, use_sandbox=True, limits=None):
        sandbox.available(use_sandbox)
        self.module = module
        self.sandbox = use_sandbox
        self.limits = limits or sandbox.Limits()
        self.version = (f"Python {sys.version.split()[0]}, NumPy {np.__version__}")

    @staticmethod
    def paths():
        """The checker's import paths (numpy's, the project's): the box's Python is run
        isolated (-I), these first."""
        return [str(ROOT)] + [p for p in sys.path if p and Path(p).is_dir()
                              and Path(p).resolve() != ROOT]

    def readonly(self):
        """What the box must see besides its scratch: the student's folder, the checker's
        own code, the Python that runs it and its import paths (where they lie in a folder
        the box hides)."""
        shown = [self.module.folder, *sandbox.prefix(sys.executable)]
        for folder in (ROOT, Path(sys.prefix), Path(sys.base_prefix), *map(Path, self.paths())):
            if sandbox.prefix(folder / "bin" / "x") and folder not in shown:
                shown.append(folder)
        return shown

    def run(self, scratch, spec, timeout):
        """-> (what the run wrote, None) or (None, why it failed)."""
        spec = {"module": str(self.module.path), "module_name": self.module.path.stem,
                "folder": str(self.module.folder), "drivers": self.module.drivers,
                "import_seconds": min(IMPORT_SECONDS, timeout / 4), **spec}
        python_box.write(scratch, "in", spec)
        limits = sandbox.Limits(seconds=timeout, memory=self.limits.memory,
                                output=self.limits.output)
        finished = sandbox.run([sys.executable, "-I", "-B", str(BOX), str(scratch),
                                *self.paths()], scratch, readonly=self.readonly(),
                               limits=limits, sandbox=self.sandbox)
        if finished.timed_out:
            return None, f"did not return within {timeout:g} s"
        try:
            return python_box.read(scratch, "out"), None
        except (OSError, ValueError, KeyError, EOFError, TypeError, RecursionError,
                MemoryError, zipfile.BadZipFile):  # not written, cut short, or forged
            why = finished.reason or "Python exited before it wrote its results (os._exit?)"
            last = [line for line in finished.printed.splitlines() if line.strip()]
            return None, why + (f": {last[-1].strip()[:300]}" if last and
                                "Error" in last[-1] else "")


# ---- a check -----------------------------------------------------------------------------------

def check_names(names):
    """``names`` (the Python homework's), each one of NAMES, else a ValueError."""
    return matlab_check_names(names, NAMES)


def check_module(path, functions=None, seed=0, timeout=120.0, progress=False, sandbox=True,
                 strict=False):
    """Check the Python module at ``path`` (a .py file or a folder holding one) function by
    function (``functions``: default all of NAMES). Returns a checker.check.Report keyed by the
    Python names. CnnDualError when there is no such module; SandboxUnavailable without
    bubblewrap (unless ``sandbox=False``)."""
    names = check_names(functions or list(NAMES))
    module = find_module(path)
    start = time.perf_counter()
    box = Box(module, sandbox)
    report = Report(Path(path), box.version, seed, strict=strict)
    with tempfile.TemporaryDirectory(prefix="cnn-dual-python-") as root:
        session = Session(box, module, Path(root), seed, timeout)
        bar = tqdm(names, desc="checking", unit="function", disable=not progress)
        for name in bar:
            bar.set_postfix_str(name)
            report.verdicts[name] = session.verdict(name)
    report.seconds = time.perf_counter() - start
    return report


PYTHON = Checker(check_module, tuple(NAMES), TRAINERS, "python")
"""The Python checker, for ``checker.classroom.check_class``."""


@dataclass
class Run:
    """One run's results per case (a list, or None where it raised), messages, and notes."""

    results: list
    messages: list
    notes: list = field(default_factory=list)
    out: dict = field(default_factory=dict)


class Session:
    """The checks of one module: each function in a run of its own; the verdicts kept, for
    the functions whose checks use them (relu_backward: relu's; the trainers: their layers')."""

    def __init__(self, box, module, root, seed, timeout):
        self.box = box
        self.module = module
        self.root = root
        self.seed = seed
        self.timeout = timeout
        self.verdicts = {}
        self.batch_format = None
        self.skip_lines = []
        self.load_notes = []

    def verdict(self, name):
        if name not in self.verdicts:
            self.verdicts[name] = self._verdict(name)
        return self.verdicts[name]

    def _verdict(self, name):
        if name not in self.module.names:
            return Verdict("missing")
        if self.module.syntax_error:
            return Verdict("error", None, self.module.syntax_error)
        rng = np.random.default_rng([self.seed, list(FUNCTIONS).index(NAMES[name])])
        notes = []
        if self.module.names[name] != name:
            notes.append(f"found as {self.module.names[name]}: judged as {name}")
        try:
            if name in TRAINERS:
                verdict = self.check_trainer(name, rng)
            elif name == "get_mini_batch":
                verdict = self.check_mini_batch(rng)
            else:
                verdict = self.check_layer(name, rng)
        except (ValueError, TypeError, IndexError, KeyError) as exc:  # unusable results
            verdict = Verdict("wrong", None, f"its results could not be judged "
                                             f"({describe(exc)})")
        if verdict.status == "error" and self.load_notes:
            notes.append(f"at import: {'; '.join(self.load_notes)}")
        if verdict.status == "error" and (missing := missing_library(verdict.note, notes)):
            verdict.status = "unsupported"
            verdict.note = f"needs {missing}, which is not installed where the checker runs: " \
                           f"{verdict.note}"
        verdict.note = python_words("; ".join(n for n in [verdict.note, *notes] if n))
        return verdict

    # -- running ---------------------------------------------------------------------------

    def run(self, name, cases, mode="call", **spec):
        """``name``'s run on ``cases`` (Python arguments): a Run, or a Verdict (error) when
        the run failed as a whole."""
        scratch = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))
        out, failure = self.box.run(scratch, {
            "function": self.module.names[name], "mode": mode, "cases": cases,
            "parameters": list(PARAMETERS[name]), "seed": self.seed,
            "skip_lines": self.skip_lines, **spec}, self.timeout)
        if failure:
            return Verdict("error", None, failure)
        self.load_notes = out["load_notes"]
        if out.get("failure"):
            return Verdict("error", None, out["failure"])
        self.skip_lines += [int(n.split()[1]) for n in out["load_notes"]
                            if "and was stopped" in n and int(n.split()[1]) not in self.skip_lines]
        notes = []
        if out["shims"]:
            notes.append("run with NumPy compatibility shims, as written it needs an older "
                         "NumPy: " + "; ".join(out["shims"]))
        if out.get("signature"):
            notes.append(out["signature"])
        if out.get("mutated"):
            notes.append(f"changes its argument {', '.join(out['mutated'])} in place (each call "
                         "was given a copy)")
        return Run(list(out["results"]), list(out["messages"]), notes, out)

    @staticmethod
    def results(run, nargout):
        """Each case's results (nargout of them), or None; notes on what was returned."""
        found, notes = [], []
        for result, message in zip(run.results, run.messages):
            if result is None or message:
                found.append(None)
                continue
            if len(result) == 1 and nargout > 1 and isinstance(result[0], (list, tuple)):
                result = list(result[0])  # a list for a tuple
            if len(result) > nargout and nargout == 1:
                notes.append(f"returns a tuple of {len(result)}: its first judged")
                result = result[:1]
            if len(result) != nargout:
                run.messages[len(found)] = (f"returns {len(result)} value(s), expected "
                                            f"{nargout}")
                found.append(None)
                continue
            found.append(result)
        return found, sorted(set(notes))

    # -- layer functions -----------------------------------------------------------------

    def check_layer(self, name, rng):
        """A layer function: its cases (and their alternatives) in one run, judged; where the
        common API's call fails or is wrong, the first alternative that is right."""
        check = CHECKS[name]
        twin = check.twin
        matlab_cases = check.draw(rng)
        if name == "relu_backward" and (slope := self.leaky_slope()) is not None:
            for case in matlab_cases:  # its own relu's y
                case[2] = np.where(case[1] > 0, case[1], slope * case[1])
        cases = [to_python(check.matlab, args) for args in matlab_cases]
        alternatives = [[alternative(args) for args in cases]
                        for _, alternative in check.alternatives]
        extra = [a for group in alternatives for a in group if a is not None]
        run = self.run(name, cases + extra)
        if isinstance(run, Verdict):
            return run
        results, notes = self.results(run, twin.nargout)
        primary_results = results[:len(cases)]
        rest = iter(results[len(cases):])
        judges = self.judges(name, check)
        primary = self.judge_all(judges, check.matlab, matlab_cases, primary_results, rng,
                                 run.messages[:len(cases)])
        chosen = primary
        if primary.status not in ("correct", "layout"):
            for (note, _), group in zip(check.alternatives, alternatives):
                mixed = [next(rest) if a is not None else r
                         for r, a in zip(primary_results, group)]
                if None in mixed or all(a is None for a in group):
                    continue
                other = self.judge_all(judges, check.matlab, matlab_cases, mixed, rng)
                if other.status in ("correct", "layout"):
                    chosen = Verdict("layout", other.max_rel_error,
                                     "; ".join(n for n in (note, other.note) if n))
                    break
                if other.status == "wrong" and chosen is primary and closer(other, primary):
                    chosen = Verdict("wrong", other.max_rel_error, f"{note}; {other.note}")
        chosen.note = "; ".join(n for n in [chosen.note, *notes, *run.notes] if n)
        return chosen

    def judges(self, name, check):
        """The judges of ``name``, tried in order (the first right one is the verdict): its
        twin's; for a leaky relu's relu_backward, its derivative; for flattening and its
        backward, the C order where the module's flattening has it."""
        twin = check.twin.judge
        if name == "relu_backward" and (slope := self.leaky_slope()) is not None:
            return [twin, leaky_relu_backward_judge(slope)]
        if name == "flattening":
            return [twin, c_order_judge("y", lambda x: x.reshape(-1, 1), C_ORDER)]
        if name == "flattening_backward":
            inverse = c_order_judge("dLdx", None, "inverts a flattening in C order",
                                    backward=True)
            order = self.flattening_order()
            return {"F": [twin], "C": [inverse]}.get(order, [twin, inverse])
        return [twin]

    def judge_all(self, judges, matlab, cases, results, rng, messages=None):
        """The first verdict of ``judges`` that is right, else the first's."""
        if None in results:
            return failed(messages) if messages else Verdict("error")
        verdicts = []
        for judge in judges:
            with python_convention(matlab, cases[0]):
                verdicts.append(judge(cases, results, rng))
            if verdicts[-1].status in ("correct", "layout"):
                return verdicts[-1]
        return verdicts[0]

    def leaky_slope(self):
        """The slope below 0 of the module's relu, where it is a leaky one (else None)."""
        if "relu" not in self.module.names:
            return None
        note = self.verdict("relu").note
        match = re.search(r"a leaky ReLU \(slope ([-+0-9.e]+) below 0\)", note)
        return float(match.group(1)) if match else None

    def flattening_order(self):
        """'C' or 'F': the order of the module's flattening where it is right; else None."""
        if "flattening" not in self.module.names:
            return None
        verdict = self.verdict("flattening")
        if verdict.status not in ("correct", "layout"):
            return None
        return "C" if C_ORDER in verdict.note else "F"

    # -- get_mini_batch --------------------------------------------------------------------

    def check_mini_batch(self, rng):
        matlab_cases, cases = mini_batch_cases(rng)
        run = self.run("get_mini_batch", cases, probe_rng=True)
        if isinstance(run, Verdict):
            return run
        results, notes = self.results(run, 2)
        formats, judged = [], []
        for result, message in zip(results, run.messages):
            if result is None:
                judged.append(message or "returns no mini-batches")
                continue
            x, x_format = as_cells(result[0], 196)
            y, _ = as_cells(result[1], 10, x_format)
            formats.append(x_format)
            judged.append((x, y))
        if all(isinstance(j, str) for j in judged):
            return failed(run.messages)
        verdict = minibatch.get_mini_batch_judge(matlab_cases, judged, rng, BATCH_SIZE,
                                                 HARD_CODED)
        found = next((f for f in formats if f), None)
        self.batch_format = found
        if found and found != "columns":
            words = BATCH_FORMATS[found]
            if verdict.status == "correct":
                verdict = Verdict("layout", verdict.max_rel_error,
                                  "; ".join(n for n in (words, verdict.note) if n))
            else:
                verdict.note = "; ".join([verdict.note, words])
        if run.out.get("reseeds"):
            notes.append("reseeds NumPy's global generator on every call (np.random.seed): "
                         "every call shuffles the same way")
        verdict.note = "; ".join(n for n in [verdict.note, *notes, *run.notes] if n)
        return verdict

    # -- trainers --------------------------------------------------------------------------

    def verdict_of(self, layer):
        name = MATLAB_NAMES[layer]
        return self.verdict(name).status if name in self.module.names else "missing"

    def replaced(self, layer):
        """Whether a trainer runs with the checker's ``layer`` (MATLAB name) in place of the
        student's: theirs is missing, wrong or fails, or is a leaky ReLU (or its
        derivative)."""
        name = MATLAB_NAMES[layer]
        return (name not in self.module.names
                or self.verdict(name).status not in ("correct", "layout")
                or self.verdict(name).note.startswith(layers.LEAKY))

    def why_replaced(self, layer):
        name = MATLAB_NAMES[layer]
        if name not in self.module.names:
            return "yours is missing"
        if self.verdict(name).note.startswith(LEAKY_DERIVATIVE):
            return "yours is a leaky ReLU's derivative"
        if self.verdict(name).note.startswith(layers.LEAKY):
            return "yours is a leaky ReLU"
        return f"yours is {self.verdict(name).status}"

    def check_trainer(self, name, rng):
        """A trainer, followed through its own layer functions (the checker's where its are
        wrong or missing), given the mini-batches as its get_mini_batch makes them (or as it
        reads them); at the assignment's sizes where the tiny ones fail."""
        matlab = NAMES[name]
        network = training.TRAININGS[matlab]
        replaced = {layer: ("checker" if self.verdict_of(layer) != "missing" else
                            "checker_only") for layer in network.layers if self.replaced(layer)}
        data, labels = trainer_data(rng)
        if self.batch_format is None and "get_mini_batch" in self.module.names:
            self.verdict("get_mini_batch")
        own = self.batch_format
        formats = list(dict.fromkeys(f for f in [own, "columns", "array", "rows"] if f))
        first = None
        for batch_format in formats:
            verdict = self.trace(name, data, labels, batch_format, replaced)
            if first is None:
                first = verdict
            if verdict.status == "correct" or (verdict.status == "wrong" and training.FIRST_ONLY
                                               not in verdict.note):
                break
            if "did not return within" in verdict.note:
                break
        else:
            verdict = first
        if verdict.status == "error" and "did not return within" not in verdict.note:
            big_data, big_labels = assignment_data(rng)
            other = self.trace(name, big_data, big_labels, own or "columns", replaced)
            if other.status != "error":
                other.note = "; ".join(n for n in (
                    f"run on {len(big_data)} mini-batches of {BATCH_SIZE} (the assignment's "
                    f"sizes: it fails on {training.BATCHES} of {training.BATCH_SIZE}: "
                    f"{verdict.note})", other.note) if n)
                verdict = other
        if replaced:
            said = ", ".join(f"{MATLAB_NAMES[layer]} ({self.why_replaced(layer)})"
                             for layer in replaced)
            verdict.note = "; ".join(n for n in (verdict.note, "judged with the checker's own "
                                                 f"{said} in place of yours") if n)
        return verdict

    def trace(self, name, data, labels, batch_format, replaced):
        """One traced run of trainer ``name``, judged."""
        matlab = NAMES[name]
        network = training.TRAININGS[matlab]
        batch_size = data[0].shape[1]
        settings = {"layers": {layer: {"name": self.module.names.get(MATLAB_NAMES[layer],
                                                                    MATLAB_NAMES[layer]),
                                       "mode": replaced.get(layer, "student")}
                               for layer in network.layers},
                    "input_layer": network.input_layer,
                    "stop_after": (training.STEPS + 1) * batch_size + 1,
                    "flatten_order": self.flattening_order() or "F"}
        run = self.run(name, [as_batches(data, labels, batch_format)], mode="trace",
                       trace=settings)
        if isinstance(run, Verdict):
            return run
        message, trace = run.messages[0], [tuple(call) for call in run.out["trace"]]
        if message and "cnn-dual: enough steps recorded" not in message:
            wrong = training.judge_network(matlab, trace)
            if wrong is not None:
                wrong.note += f"; then it fails: {message}"
                return wrong
            return failed([message])
        results = run.results[0]
        own_network, order_note = feature_order(matlab, trace, network)
        verdict = training.judge_trace(matlab, trace, data, labels, results, own_network)
        if verdict.status == "wrong" and "is not a multiple" in verdict.note:
            why = miswired(matlab, trace)
            if why:
                verdict.note += f"; {why}"
        notes = [order_note] if order_note and verdict.status == "correct" else []
        if batch_format != "columns":
            notes.append(f"given the mini-batches as {BATCH_FORMATS[batch_format]}"
                         + (" (as its get_mini_batch makes them)" if batch_format ==
                            self.batch_format else ""))
        verdict.note = "; ".join(n for n in [verdict.note, *notes, *run.notes] if n)
        return verdict


# ---- mini-batches in Python ------------------------------------------------------------------

BATCH_FORMATS = {
    "columns": "a list of (196, b) arrays",
    "array": "a (K, 196, b) array of batches, not a list",
    "rows": "images and labels as rows: batches (b, 196) and (b, 10)",
    "array of rows": "a (K, b, 196) array of batches, images as rows",
}


def as_cells(value, height, known=None):
    """A Python get_mini_batch result as MATLAB's K x 1 cell array of height x b batches, and
    its format (BATCH_FORMATS' key; None when it is not a sequence of batches, then the value
    is given back for the judge to say so). ``known``: the format, where the images told it
    (labels of 10 in batches of 10 do not)."""
    rows = known in ("rows", "array of rows")
    if isinstance(value, np.ndarray) and value.dtype != object:
        if value.ndim == 3 and value.shape[1] == height and not rows:
            return _cells(list(value)), "array"
        if value.ndim == 3 and value.shape[2] == height:
            return _cells([b.T for b in value]), "array of rows"
        return value, None
    if isinstance(value, np.ndarray):
        value = list(value.ravel())
    if not isinstance(value, (list, tuple)):
        return value, None
    batches = []
    for item in value:
        try:
            batch = np.asarray(item, dtype=float)
        except (TypeError, ValueError):
            return value, None
        batches.append(batch)
    if all(b.ndim == 2 and b.shape[0] == height for b in batches) and not rows:
        return _cells(batches), "columns"
    if all(b.ndim == 2 and b.shape[1] == height for b in batches):
        return _cells([b.T for b in batches]), "rows"
    if all(b.ndim == 1 and b.size == height for b in batches):
        return _cells([b[:, None] for b in batches]), "columns"
    return value, None


def _cells(batches):
    cell = np.empty((len(batches), 1), dtype=object)
    for k, batch in enumerate(batches):
        cell[k, 0] = batch
    return cell


def as_batches(data, labels, batch_format):
    """The mini-batches (196 x b images, 10 x b labels) in ``batch_format``."""
    if batch_format == "array":
        return [np.stack(data), np.stack(labels)]
    if batch_format == "rows":
        return [[d.T.copy() for d in data], [y.T.copy() for y in labels]]
    if batch_format == "array of rows":
        return [np.stack([d.T for d in data]), np.stack([y.T for y in labels])]
    return [list(data), list(labels)]


def away_from_kinks(images, rng):
    """MNIST-like images whose background is not exactly 0 but a little above: a conv of an
    all-zero patch with a zero bias (the usual start) is exactly 0, a ReLU kink, and a block of
    them a pooling tie, where the true gradient is not one and any convention is right (the
    layer checks judge the conventions)."""
    return [np.where(x == 0, rng.uniform(1e-3, 1e-2, x.shape), x) for x in images]


def trainer_data(rng):
    """``checker.training.tiny_data``, away from kinks."""
    images, labels = training.tiny_data(rng)
    return away_from_kinks(images, rng), labels


def assignment_data(rng):
    """12,000 MNIST-like images in 375 mini-batches of 32, away from kinks (for a trainer
    that hard-codes the assignment's sizes)."""
    n = 12000 // BATCH_SIZE
    images = [rng.uniform(0.0, 1.0, (196, BATCH_SIZE)) * (rng.random((196, BATCH_SIZE)) < 0.25)
              for _ in range(n)]
    labels = []
    for _ in images:
        y = np.zeros((10, BATCH_SIZE))
        y[rng.integers(10, size=BATCH_SIZE), np.arange(BATCH_SIZE)] = 1.0
        labels.append(y)
    return away_from_kinks(images, rng), labels


# ---- Python's own judges ---------------------------------------------------------------------

def closer(other, primary):
    """Whether a wrong verdict on an alternative call says more than the primary's: the
    primary raised, or is further off."""
    far = float("inf")
    return primary.status != "wrong" or (
        other.max_rel_error if other.max_rel_error is not None else far) < (
        primary.max_rel_error if primary.max_rel_error is not None else far)


def leaky_relu_backward_judge(slope):
    """relu_backward judged as the derivative of a leaky ReLU of ``slope`` (the module's own
    relu), any value between the one-sided derivatives at 0."""

    def judge(cases, results, rng):
        judgement = Judgement()
        for (dldy, x, _), (dldx,) in zip(cases, results):
            true = dldy * reshape_f(np.where(x > 0, 1.0, slope), dldy.shape)
            kink = reshape_f(x, dldy.shape) == 0
            got = np.asarray(dldx, dtype=float) if np.size(dldx) == dldy.size else None
            if got is not None:  # at the kink, a convention
                true = np.where(kink, reshape_f(got, dldy.shape), true)
            judgement.compare("dLdx", dldx, true)
        verdict = judgement.verdict()
        if verdict.status in ("correct", "layout"):
            verdict.note = "; ".join(n for n in (
                f"{LEAKY_DERIVATIVE} (slope {slope:g} below 0, as its relu), allowed",
                verdict.note) if n)
        return verdict

    return judge


def c_order_judge(what, forward, note, backward=False):
    """flattening (``forward``) or its backward judged in C order (row after row)."""

    def judge(cases, results, rng):
        judgement = Judgement()
        (args, (got,)) = cases[0], results[0]
        if backward:
            dldy, x = args[0], args[1]
            want = np.reshape(dldy, np.shape(x))  # dl_dy's values, row after row
        else:
            want = forward(args[0])
        judgement.compare(what, got, want)
        verdict = judgement.verdict()
        if verdict.status in ("correct", "layout"):
            verdict.note = "; ".join(n for n in (
                f"{note}; the original's is F order (column after column), which its "
                "backward must invert", verdict.note) if n)
        return verdict

    return judge


# ---- reading a Python trainer's trace ----------------------------------------------------------

def feature_order(matlab, trace, network):
    """A CNN whose features reach fc in another order than the original's (a flattening in C
    order, a feature map read transposed) is the same network with w_fc's columns permuted:
    the order, found from the trace (each fc input against the port's features for the same
    image and parameters), and the network whose true gradient is read in it; (network, None)
    when the order is the original's or cannot be told."""
    if matlab != "TrainCNN":
        return network, None
    ours, theirs = [], []
    for p in training.passes(trace, network.input_layer):
        fcs = p.find("FC")
        params = p.parameters()
        if not fcs or len(params) < 2 or params[0] is None or params[1] is None:
            return network, None
        w_conv, b_conv = reshape_f(params[0], (3, 3, 1, -1)), reshape_f(params[1], (-1, 1))
        x = reshape_f(p.images()[0], (14, 14, 1))
        ours.append(flattening(pool2x2(relu(conv(x, w_conv, b_conv)))).ravel())
        theirs.append(np.ravel(np.asarray(fcs[0][1][0], dtype=float)))
    if not ours or any(t.size != ours[0].size for t in theirs):
        return network, None
    ours, theirs = np.array(ours), np.array(theirs)
    if np.allclose(ours, theirs, rtol=1e-9, atol=1e-12):
        return network, None
    order, free = [], list(range(ours.shape[1]))
    for j in range(theirs.shape[1]):  # column j of theirs is which of ours?
        match = next((i for i in free if np.allclose(ours[:, i], theirs[:, j], rtol=1e-9,
                                                     atol=1e-12)), None)
        if match is None:
            return network, None
        order.append(match)
        free.remove(match)
    order = np.array(order)

    def gradient(x, y, w_conv, b_conv, w_fc, b_fc):
        w_ours = np.empty_like(w_fc)
        w_ours[:, order] = w_fc
        loss, *grads = network.gradient(x, y, w_conv, b_conv, w_ours, b_fc)
        grads[2] = grads[2][:, order]
        return (loss, *grads)

    return replace(network, gradient=gradient), (
        "its features reach fc in another order than the original's column-major flattening "
        "(w_fc judged in its order)")


CHAINS = {  # each trainer's backward chain: (layer, which result is passed on) from the loss
    "TrainCNN": ("Loss_cross_entropy_softmax", "FC_backward", "Flattening_backward",
                 "Pool2x2_backward", "ReLu_backward", "Conv_backward"),
    "TrainMLP": ("Loss_cross_entropy_softmax", "FC_backward", "ReLu_backward", "FC_backward"),
    "TrainSLP": ("Loss_cross_entropy_softmax", "FC_backward"),
    "TrainSLP_linear": ("Loss_euclidean", "FC_backward"),
}
PASSED_ON = {"Loss_cross_entropy_softmax": 1, "Loss_euclidean": 1}
"""Which result a layer passes on backwards (its dl_dy; the first for the others)."""


def _values(value):
    array = np.asarray(value, dtype=float) if training.numeric(value) is not None else None
    return None if array is None else array.ravel(order="F")


def _equal(a, b):
    return a is not None and b is not None and a.size == b.size and np.array_equal(a, b)


def _made_by(calls, value, before):
    """The name of the last call before ``before`` whose first (or passed-on) result is
    ``value``."""
    for name, _, results in reversed(calls[:before]):
        for result in results[:2]:
            if _equal(_values(result), value):
                return name
    return None


def miswired(matlab, trace):
    """Why the steps are wrong, where the first pass shows it: a backward layer given another
    layer's result than the one before it in the chain (a layer's backward skipped), or given
    another input than its forward had (the pre-activation). None when the wiring is right."""
    found = training.passes(trace, training.TRAININGS[matlab].input_layer)
    if not found:
        return None
    calls = found[0].calls
    at = next((i for i, c in enumerate(calls) if c[0] == CHAINS[matlab][0]), None)
    if at is None:
        return None
    position = at
    for before, layer in zip(CHAINS[matlab], CHAINS[matlab][1:]):
        nxt = next((i for i in range(position + 1, len(calls)) if calls[i][0] == layer), None)
        if nxt is None:
            return None
        given = _values(calls[nxt][1][0]) if calls[nxt][1] else None
        passed = _values(calls[position][2][PASSED_ON.get(before, 0)]) \
            if len(calls[position][2]) > PASSED_ON.get(before, 0) else None
        if not _equal(given, passed):
            maker = _made_by(calls, given, nxt)
            if maker:
                return (f"{MATLAB_NAMES[layer]} is given {MATLAB_NAMES[maker]}'s result, not "
                        f"{MATLAB_NAMES[before]}'s: {MATLAB_NAMES[before]} is skipped")
            return f"{MATLAB_NAMES[layer]} is not given {MATLAB_NAMES[before]}'s result"
        position = nxt
    return _fed_otherwise(calls)


ORDINALS = ("first", "second", "third", "fourth", "fifth")


def _fed_otherwise(calls):
    """A backward layer whose input x is not its forward's (fc_backward given the
    pre-activation)."""
    for forward, backward in (("FC", "FC_backward"), ("Conv", "Conv_backward"),
                              ("Pool2x2", "Pool2x2_backward")):
        forwards = [i for i, c in enumerate(calls) if c[0] == forward]
        backwards = [i for i, c in enumerate(calls) if c[0] == backward]
        for f, b in zip(reversed(forwards), backwards):
            if len(calls[b][1]) < 2:
                continue
            given, wanted = _values(calls[b][1][1]), _values(calls[f][1][0])
            if not _equal(given, wanted):
                maker = _made_by(calls, given, b)
                made = _made_by(calls, wanted, f)
                which = (f" (of the {ORDINALS[forwards.index(f)]} {MATLAB_NAMES[forward]})"
                         if len(forwards) > 1 else "")
                if maker and made:
                    return (f"a layer fed the pre-activation: {MATLAB_NAMES[backward]}{which} "
                            f"is given {MATLAB_NAMES[maker]}'s result as x, where its "
                            f"{MATLAB_NAMES[forward]} was given {MATLAB_NAMES[made]}'s")
                return (f"{MATLAB_NAMES[backward]}{which} is given another x than its "
                        f"{MATLAB_NAMES[forward]} was")
    return None
