"""What runs inside the box for ``checker.python_check``: one student's Python module, one
function of it, in a fresh process of its own (``python -I -B python_box.py JOB``).

``JOB`` is the run's scratch folder (the only writable one; the arguments after it are the
checker's own import paths, numpy's and the project's). It holds ``in.json`` and ``in.npz``:
the module, the function, its cases (argument lists, :func:`encode`-d) and, for a
trainer, how its layer functions are wrapped. The run writes ``out.json`` and ``out.npz``: each
case's results or its error (one line naming the student's file and line), and for a trainer
the calls its layer functions made. Only numbers and plain structures cross: the parent reads
them back with ``np.load(allow_pickle=False)`` and ``json``, never with pickle, so nothing the
student's code leaves in the folder can run outside the box.

How the module is loaded (never as a script, its ``__main__`` block left alone):

- its statements run one by one, each with a share of a time budget: one that raises or runs
  too long (a training at import, data the box does not have) is skipped and noted, the others
  still define the module's functions and globals;
- modules a submission may import but the check does not need are stubbed: display libraries
  always (matplotlib, tqdm: a no-op, a pass-through), image libraries where they are not
  installed (cv2, ...: a call to them fails, named), and the folder's driver (a module that
  imports the checked one back, ``main_functions``), which is never run;
- NumPy's removed aliases (``np.int``, ``np.float``, ``np.asscalar``, ...) are restored, and a
  1-element array stored into a scalar slot (``y[i, j] = w @ x + b``: refused by NumPy 2.4) or
  converted by ``float()``/``int()`` is read as its value; each use is recorded, so that the
  verdict says which NumPy the code was written for.
"""

import sys

if __name__ == "__main__":  # the checker's own import paths first (-I ignores PYTHONPATH)
    sys.path[:0] = sys.argv[2:]

import ast
import copy
import errno
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import operator
import os
import signal
import time
import traceback
import types
from pathlib import Path

import numpy as np

# ---- values across the box's wall: JSON and a .npz of plain arrays -------------------------

MAX_ITEMS = 100_000
"""The most values (arrays, list items) a run may send back: more is cut, and says so."""


class Opaque:
    """A value that is not numbers or a plain structure (a function, a class instance): its
    type's name only."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<{self.kind}>"


def encode(value, arrays, budget=None):
    """``value`` as JSON, its numeric arrays put into ``arrays`` ({key: ndarray}) and named by
    key: an array {"$a": key}, a list {"$l": [...]}, a tuple {"$t": [...]}, an object array
    {"$o": [...], "shape": [...]}, a dict {"$d": {...}}, a string {"$s": ...}; None, bools,
    ints and floats as themselves (a float that is not finite as an array); anything else
    {"$x": its type's name}."""
    budget = budget if budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        return {"$x": "more values than the checker reads"}
    if value is None or isinstance(value, (bool, int, str)) and not isinstance(value, np.generic):
        if isinstance(value, str):
            return {"$s": value[:10_000]}
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 53:
            value = float(value)
        return value
    if isinstance(value, float) and np.isfinite(value):
        return value
    if isinstance(value, (list, tuple)):
        items = [encode(v, arrays, budget) for v in value]
        return {"$l" if isinstance(value, list) else "$t": items}
    if isinstance(value, dict):
        return {"$d": {str(k): encode(v, arrays, budget) for k, v in value.items()}}
    if isinstance(value, (np.ndarray, np.generic, float, complex)):
        array = np.asarray(value)
        if array.dtype == object:
            return {"$o": [encode(v, arrays, budget) for v in array.ravel()],
                    "shape": list(array.shape)}
        if array.dtype.kind in "biufc":
            key = f"a{len(arrays)}"
            arrays[key] = np.array(array)
            return {"$a": key}
    return {"$x": type(value).__name__}


def decode(value, arrays):
    """The value :func:`encode` wrote (arrays from ``arrays``, an npz opened without pickle)."""
    if isinstance(value, list):
        return [decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "$a" in value:
        return np.asarray(arrays[value["$a"]])
    if "$l" in value:
        return [decode(v, arrays) for v in value["$l"]]
    if "$t" in value:
        return tuple(decode(v, arrays) for v in value["$t"])
    if "$o" in value:
        items = [decode(v, arrays) for v in value["$o"]]
        array = np.empty(len(items), dtype=object)
        array[:] = items if items else []
        return array.reshape(value["shape"])
    if "$d" in value:
        return {k: decode(v, arrays) for k, v in value["$d"].items()}
    if "$s" in value:
        return value["$s"]
    if "$x" in value:
        return Opaque(value["$x"])
    raise ValueError(f"not a value the checker wrote: {str(value)[:80]}")


def write(folder, stem, contents):
    """``contents`` to ``folder``/stem.json and stem.npz."""
    arrays = {}
    text = json.dumps(encode(contents, arrays))
    np.savez(Path(folder) / f"{stem}.npz", **arrays)
    (Path(folder) / f"{stem}.json").write_text(text)


def read(folder, stem):
    """What :func:`write` wrote (never unpickles)."""
    with np.load(Path(folder) / f"{stem}.npz", allow_pickle=False) as arrays:
        loaded = {k: arrays[k] for k in arrays.files}
    return decode(json.loads((Path(folder) / f"{stem}.json").read_text()), loaded)


# ---- NumPy of another era ---------------------------------------------------------------------

NUMPY_ALIASES = {  # removed name -> (its value, the NumPy that removed it)
    "int": (int, "1.24"), "float": (float, "1.24"), "bool": (bool, "1.24"),
    "object": (object, "1.24"), "complex": (complex, "1.24"), "str": (str, "1.24"),
    "long": (int, "1.24"), "unicode": (str, "1.24"),
    "asscalar": (lambda a: np.asarray(a).item(), "1.23"),
    "float_": (np.float64, "2.0"), "complex_": (np.complex128, "2.0"),
    "NaN": (np.nan, "2.0"), "NAN": (np.nan, "2.0"), "Inf": (np.inf, "2.0"),
    "Infinity": (np.inf, "2.0"), "infty": (np.inf, "2.0"), "PINF": (np.inf, "2.0"),
    "NINF": (-np.inf, "2.0"), "PZERO": (0.0, "2.0"), "NZERO": (-0.0, "2.0"),
    "product": (np.prod, "2.0"), "cumproduct": (np.cumprod, "2.0"),
    "sometrue": (np.any, "2.0"), "alltrue": (np.all, "2.0"), "round_": (np.round, "2.0"),
    "string_": (np.bytes_, "2.0"), "unicode_": (np.str_, "2.0"), "cfloat": (np.complex128, "2.0"),
    "longfloat": (np.longdouble, "2.0"), "singlecomplex": (np.complex64, "2.0"),
    "clongfloat": (np.clongdouble, "2.0"), "longcomplex": (np.clongdouble, "2.0"),
    "bool8": (np.bool_, "2.0"), "int0": (np.intp, "2.0"), "uint0": (np.uintp, "2.0"),
    "mat": (np.asmatrix, "2.0"), "msort": (lambda a: np.sort(a, axis=0), "2.0"),
    "trapz": (getattr(np, "trapezoid", None), "2.0"), "in1d": (np.isin, "2.4"),
    "row_stack": (np.vstack, "2.4"),
}

SHIMS = {}
"""What the compatibility shims did in this run: {description: first student line}."""


def used(description):
    """Record a shim's use, with the student's line that needed it."""
    if description not in SHIMS:
        SHIMS[description] = student_line(sys._getframe(2))


FOLDER = None
"""The student's folder (its frames are the ones an error names)."""


def student_line(frame):
    """'cnn.py line 12' for the innermost frame of the student's files at or above ``frame``."""
    while frame is not None:
        if FOLDER is not None and Path(frame.f_code.co_filename).parent == FOLDER:
            return f"{Path(frame.f_code.co_filename).name} line {frame.f_lineno}"
        frame = frame.f_back
    return ""


def restore_numpy_aliases():
    """NumPy's removed aliases, restored (each use recorded) through its module __getattr__."""
    original = getattr(np, "__getattr__", None)

    def getattr_(name):
        if name in NUMPY_ALIASES and NUMPY_ALIASES[name][0] is not None:
            value, removed = NUMPY_ALIASES[name]
            used(f"np.{name} (removed in NumPy {removed})")
            return value
        if original is None:
            raise AttributeError(f"module 'numpy' has no attribute '{name}'")
        return original(name)

    np.__getattr__ = getattr_


SCALAR_SLOT = ("a 1-element array used as a number (stored into a scalar slot, or given to "
               "float() or int(): deprecated since NumPy 1.25, refused by the NumPy here, "
               f"{np.__version__})")


def _one_value(value):
    return isinstance(value, np.ndarray) and value.ndim > 0 and value.size == 1


def setitem(value, target, index):
    """``target[index] = value``; a 1-element array stored into a scalar slot as its value."""
    try:
        target[index] = value
    except (ValueError, TypeError):
        if not (_one_value(value) and isinstance(target, np.ndarray)):
            raise
        target[index] = value.item()
        used(SCALAR_SLOT)


def augitem(target, index, op, value):
    """``target[index] op= value``, with :func:`setitem`'s allowance."""
    setitem(getattr(operator, op)(target[index], value), target, index)


def to_number(kind):
    def convert(value):
        try:
            return kind(value)
        except TypeError:
            if not _one_value(value):
                raise
            used(SCALAR_SLOT)
            return kind(value.item())
    return convert


OPERATORS = {ast.Add: "iadd", ast.Sub: "isub", ast.Mult: "imul", ast.Div: "itruediv",
             ast.FloorDiv: "ifloordiv", ast.Mod: "imod", ast.Pow: "ipow", ast.MatMult: "imatmul",
             ast.BitAnd: "iand", ast.BitOr: "ior", ast.BitXor: "ixor"}


class Compatible(ast.NodeTransformer):
    """The student's code with ``a[i] = v``, ``a[i] op= v``, ``float(v)``, ``int(v)`` routed
    through :func:`setitem`, :func:`augitem` and :func:`to_number` (the same operations, in
    the same order, that also accept a 1-element array where a number belongs)."""

    def visit_Assign(self, node):
        self.generic_visit(node)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            index = _index(target.slice)
            if index is not None:
                call = _call("_cnn_dual_setitem", [node.value, _load(target.value), index])
                return ast.copy_location(ast.Expr(call), node)
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if isinstance(node.target, ast.Subscript) and type(node.op) in OPERATORS:
            index = _index(node.target.slice)
            if index is not None:
                call = _call("_cnn_dual_augitem", [_load(node.target.value), index,
                                                   ast.Constant(OPERATORS[type(node.op)]),
                                                   node.value])
                return ast.copy_location(ast.Expr(call), node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in ("float", "int") and \
                len(node.args) == 1 and not node.keywords and \
                not isinstance(node.args[0], ast.Starred):
            node.func = ast.copy_location(ast.Name(f"_cnn_dual_{node.func.id}", ast.Load()),
                                          node.func)
        return node


def _load(node):
    node = copy.deepcopy(node)
    for child in ast.walk(node):
        if hasattr(child, "ctx"):
            child.ctx = ast.Load()
    return node


def _call(name, args):
    return ast.Call(ast.Name(name, ast.Load()), args, [])


def _index(node):
    """A subscript's index as an expression (slices as slice(...)), or None (a starred one)."""
    if isinstance(node, ast.Slice):
        parts = [_load(p) if p is not None else ast.Constant(None)
                 for p in (node.lower, node.upper, node.step)]
        return ast.copy_location(_call("_cnn_dual_slice", parts), node)
    if isinstance(node, ast.Tuple):
        items = [_index(e) for e in node.elts]
        if any(i is None for i in items):
            return None
        return ast.copy_location(ast.Tuple(items, ast.Load()), node)
    if isinstance(node, ast.Starred):
        return None
    return _load(node)


HELPERS = {"_cnn_dual_setitem": setitem, "_cnn_dual_augitem": augitem,
           "_cnn_dual_float": to_number(float), "_cnn_dual_int": to_number(int),
           "_cnn_dual_slice": slice}


# ---- modules the check does not need ---------------------------------------------------------

DISPLAY = ("matplotlib", "tqdm", "seaborn", "IPython", "google.colab", "ipywidgets")
"""Display libraries: always stubbed (nothing is shown; importing matplotlib costs a second)."""

IMAGE = ("cv2", "PIL", "skimage", "imageio", "sklearn", "tensorflow", "keras", "pandas")
"""Other libraries a submission imports without needing them for the homework: stubbed only
where they are not installed (a call to them then fails, naming them)."""


class Dummy:
    """What a display call returns: absorbs any further use (``fig, ax = plt.subplots()``)."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return Dummy()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Dummy()

    def __getitem__(self, key):
        return Dummy()

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter((Dummy(), Dummy()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def tqdm(iterable=None, *args, **kwargs):
    """tqdm, passed through: the iterable itself (or a bar that does nothing)."""
    return iterable if iterable is not None else Dummy()


def stub_display(name):
    module = types.ModuleType(name)
    module.__path__ = []  # a package: its submodules are stubs too
    if name.split(".")[0] == "tqdm":
        module.tqdm = tqdm
        module.trange = lambda *args, **kwargs: range(*args)
        module.tqdm_notebook = tqdm
    module.__getattr__ = lambda attr: Dummy() if not attr.startswith("__") else \
        _no_attribute(name, attr)
    return module


def _no_attribute(name, attr):
    raise AttributeError(f"module '{name}' has no attribute '{attr}'")


def stub_missing(name, why):
    """A module that is not there: any use of what it holds fails, saying so."""
    module = types.ModuleType(name)
    module.__path__ = []

    def attribute(attr):
        if attr.startswith("__"):
            _no_attribute(name, attr)

        def missing(*args, **kwargs):
            raise ModuleNotFoundError(f"{name}.{attr}: {why}")
        return missing

    module.__getattr__ = attribute
    return module


class Stubs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the stubbed modules first: ``stubs`` {top-level name: maker}."""

    def __init__(self, stubs):
        self.stubs = stubs

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.stubs:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return self.stubs[spec.name.split(".")[0]](spec.name)

    def exec_module(self, module):
        pass


LAZY = ("scipy", "sklearn", "pandas", "torch", "skimage")
"""Libraries loaded only when first used (``importlib.util.LazyLoader``): a submission imports
``scipy.io`` for its driver's loadmat, which would cost each run half a second."""


class Lazy(importlib.abc.MetaPathFinder):
    """Finds LAZY's modules as the other finders do, with their loaders made lazy."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in LAZY:
            return None
        for finder in sys.meta_path:
            if finder is self or isinstance(finder, Stubs) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


def install_stubs(drivers):
    """Stub the display libraries, the missing image libraries and the ``drivers``; load
    LAZY's libraries when first used."""
    stubs = {name: stub_display for name in DISPLAY}
    for name in IMAGE:
        if importlib.util.find_spec(name) is None:
            stubs[name] = lambda full, n=name: stub_missing(full, f"{n} is not installed where "
                                                                  "the checker runs")
    for name in drivers:
        stubs[name] = lambda full: stub_missing(full, "the folder's driver is not run by the "
                                                      "checker")
    sys.meta_path.insert(0, Lazy())
    sys.meta_path.insert(0, Stubs(stubs))


# ---- loading the module, statement by statement ---------------------------------------------

class Budget(BaseException):
    """The import's time budget ran out (raised by SIGALRM in the statement running)."""


def load(path, name, seconds, skip=()):
    """The module at ``path`` as ``name``, its statements run one by one within ``seconds`` in
    all (a statement after them within a second): -> (module, notes). A statement that raises
    or overruns is skipped (noted), and so is
    one at a line of ``skip`` (one that overran in an earlier run). Raises SyntaxError when the
    file does not compile."""
    source = Path(path).read_text(encoding="utf-8", errors="replace")
    tree = ast.parse(source, filename=str(path))
    tree = ast.fix_missing_locations(Compatible().visit(tree))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__dict__.update(HELPERS)
    sys.modules[name] = module
    notes = []
    flags = 0
    deadline = time.monotonic() + seconds

    def alarm(signum, frame):
        raise Budget()

    signal.signal(signal.SIGALRM, alarm)
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                feature = getattr(__import__("__future__"), alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
            continue
        if statement.lineno in skip:
            notes.append(f"line {statement.lineno} was not run (at an earlier import it ran "
                         f"for more than {seconds:g} s)")
            continue
        code = compile(ast.Module([statement], type_ignores=[]), str(path), "exec",
                       flags=flags, dont_inherit=True)
        # what is left of the budget, and a second at least: a def after a stopped statement
        # still defines its function
        signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1.0))
        try:
            exec(code, module.__dict__)
        except Budget:
            notes.append(f"line {statement.lineno} ran for more than {seconds:g} s at import "
                         "(module-level code: a training?) and was stopped")
        except BaseException as exc:  # noqa: B036 (SystemExit, anything): noted, skipped
            unbound = ""
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                unbound = ", leaving " + ", ".join(
                    (a.asname or a.name).split(".")[0] for a in statement.names) + " undefined"
            notes.append(f"line {statement.lineno} raised at import "
                         f"({one_line(exc)}) and was skipped{unbound}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    return module, notes


def one_line(exc, where=True):
    """``ExcType: message (cnn.py line 12, in conv)``: the innermost frame of the student's
    files."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:  # (Python ignores SIGXFSZ)
        text = f"it printed (or wrote) more than the output limit ({text})"
    text = text[:300]
    if where:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if FOLDER is not None and Path(f.filename).parent == FOLDER]
        if frames:
            text += f" ({Path(frames[-1].filename).name} line {frames[-1].lineno}, in " \
                    f"{frames[-1].name})"
    return text


# ---- calling a function ----------------------------------------------------------------------

def arguments_for(function, args, names):
    """The arguments to call ``function`` with: all of ``args``, or without the trailing ``y``
    when it takes one fewer (the 2023 signatures). -> (args, note)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return args, None
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return args, None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if len(positional) == len(args) - 1 and names and names[-1] == "y" \
            and len(required) <= len(args) - 1:
        return args[:-1], "takes no y (the 2023 signature)"
    return args, None


def same_value(a, b):
    try:
        return type(a) is type(b) and np.array_equal(np.asarray(a), np.asarray(b),
                                                     equal_nan=True)
    except (TypeError, ValueError):
        return True


def call_cases(function, cases, names, probe_rng):
    """Each case's results (a list: the returned tuple's items, or the one value) or error."""
    results, messages, mutated, signature = [], [], set(), None
    for args in cases:
        kept = copy.deepcopy(args)
        given, note = arguments_for(function, copy.deepcopy(args), names)
        signature = signature or note
        try:
            value = function(*given)
        except BaseException as exc:  # noqa: B036 (the student's error, exit: one line)
            results.append(None)
            messages.append(one_line(exc))
            continue
        results.append(list(value) if isinstance(value, tuple) else [value])
        messages.append("")
        mutated.update(names[i] for i, (a, b) in enumerate(zip(kept, given))
                       if not same_value(a, b))
    reseeds = False
    if probe_rng and cases and messages[0] == "":
        reseeds = reseeds_rng(function, cases[-1], names)
    return {"results": results, "messages": messages, "mutated": sorted(mutated),
            "signature": signature, "reseeds": reseeds}


def reseeds_rng(function, args, names):
    """Whether ``function`` reseeds NumPy's global generator (``np.random.seed(37)`` inside):
    called from two different states, it leaves the same state behind."""
    after = []
    for seed in (1, 2):
        np.random.seed(seed)
        try:
            function(*arguments_for(function, copy.deepcopy(args), names)[0])
        except Exception:
            return False
        after.append(np.random.get_state()[1].copy())
    return bool(np.array_equal(*after))


# ---- a trainer, traced through its layer functions -------------------------------------------

class Stop(BaseException):
    """Enough steps recorded (a BaseException: a student's ``except Exception`` lets it by)."""


def as_results(value):
    return list(value) if isinstance(value, tuple) else [value]


def snapshot(values):
    """Copies of ``values`` as they are now (the trace keeps them)."""
    return [np.array(v, dtype=float) if _numeric(v) else copy.deepcopy(v) for v in values]


def _numeric(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (TypeError, ValueError):
        return False


class Tracer:
    """The layer functions of a module, wrapped: each call recorded (MATLAB names, as the
    checker's training judge reads them), run on copies of its arguments (a layer that changes
    them in place does not reach the trainer), by the student's function or the checker's
    (``modes``); the run stops after the input layer's ``stop_after``-th call on an image."""

    def __init__(self, module, settings):
        self.module = module
        self.trace = []
        self.settings = settings
        self.calls = 0
        self.stopped = False

    def install(self):
        for matlab, layer in self.settings["layers"].items():
            theirs = getattr(self.module, layer["name"], None) if layer["name"] else None
            wrapped = self.wrapper(matlab, layer["mode"], theirs)
            if layer["name"]:
                setattr(self.module, layer["name"], wrapped)

    def wrapper(self, matlab, mode, theirs):
        def layer(*args, **kwargs):
            if kwargs and theirs is not None:  # keywords, as the student's names them
                bound = inspect.signature(theirs).bind(*args, **kwargs)
                args = tuple(bound.args)
            if self.stopped:  # a loop that went on after the stop (a bare except)
                raise Stop()
            if mode == "student":
                out = as_results(theirs(*copy.deepcopy(args)))
            else:
                like = None
                if mode == "checker" and theirs is not None:
                    try:
                        like = as_results(theirs(*copy.deepcopy(args)))
                    except Exception:
                        like = None
                from checker import python_layers  # the reference's layers, any layout
                out = python_layers.checker_layer(matlab, copy.deepcopy(list(args)), like,
                                                  self.settings)
            self.trace.append([matlab, snapshot(args), snapshot(out)])
            if matlab == self.settings["input_layer"] and args and np.size(args[0]) == 196:
                self.calls += 1
                if self.calls >= self.settings["stop_after"]:
                    self.stopped = True
                    raise Stop()
            return out[0] if len(out) == 1 else tuple(out)
        return layer


def run_trainer(module, spec, data):
    tracer = Tracer(module, spec["trace"])
    tracer.install()
    function = getattr(module, spec["function"])
    message, results = "", None
    try:
        results = as_results(function(*copy.deepcopy(data)))
    except Stop:
        message = "cnn-dual: enough steps recorded"
    except BaseException as exc:  # noqa: B036 (the student's, whatever it is)
        message = "cnn-dual: enough steps recorded" if tracer.stopped else one_line(exc)
    return {"results": [results], "messages": [message], "trace": tracer.trace}


# ---- the run -------------------------------------------------------------------------------

def main(job):
    global FOLDER
    job = Path(job)
    spec = read(job, "in")
    FOLDER = Path(spec["folder"])
    sys.path.insert(0, str(FOLDER))
    out = {"load_notes": [], "failure": None}
    install_stubs(spec["drivers"])
    restore_numpy_aliases()
    np.random.seed(spec.get("seed", 0))
    try:
        module, notes = load(spec["module"], spec["module_name"], spec["import_seconds"],
                             spec.get("skip_lines", ()))
        out["load_notes"] += notes
    except SyntaxError as exc:
        out["failure"] = (f"{Path(spec['module']).name} does not compile: line {exc.lineno}: "
                          f"{exc.msg}")
    if out["failure"] is None:
        if not callable(getattr(module, spec["function"], None)):
            out["failure"] = (f"{spec['function']} is not defined once the module is loaded"
                              + (f" ({'; '.join(out['load_notes'])})" if out["load_notes"]
                                 else ""))
        elif spec["mode"] == "trace":
            out.update(run_trainer(module, spec, spec["cases"][0]))
        else:
            out.update(call_cases(getattr(module, spec["function"]), spec["cases"],
                                  spec["parameters"], spec.get("probe_rng", False)))
    out["shims"] = [f"{what} at {where}" if where else what for what, where in SHIMS.items()]
    write(job, "out", out)


if __name__ == "__main__":
    main(sys.argv[1])
    sys.stdout.flush()
    os._exit(0)  # no atexit handlers or threads of the student's left to run
