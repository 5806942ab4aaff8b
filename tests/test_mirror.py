"""The dual twin mirrors the reference file by file: every backward function of the original
and TrainCNN's loop body are the reference's lines, except where a hand-derived local
derivative becomes a contraction with dual parts (README, "The dual twin").

Each pair is diffed with docstrings, comments, blank lines and imports aside; the lines that
differ are counted and listed here, so that a change to either side shows up as a change to
this table.
"""

import ast
import difflib
import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# file -> {function: how many code lines differ, removed from the reference plus added in the
# twin}. Where a function takes errata, 4 of them say which it accepts: the def line (default
# "keep" / "fix") and its check_errata line. Where seeds are read off, one line names them
# (``seeded = ...``), so that the read-off (seeding.dual_part) takes their tag.
MIRRORS = {
    "relu_backward.py": {"relu_backward": 2},  # dydx: the sign formula -> the dual part
    # the first maximum by index -> the dual part of the max over seeded positions; no E1 branch
    "pool2x2_backward.py": {"pool2x2_backward": 11},
    "flattening_backward.py": {"flattening_backward": 3},  # reshape -> times the Jacobian
    # dydx = w and dydw = x' -> FC run seeded; dldb = sum(dldy) -> dldy times dydb
    "fc_backward.py": {"fc_backward": 8},
    # the patches -> Conv run on a seeded filter; dldb = sum -> dldy times dydb
    "conv_backward.py": {"conv_backward": 10},
    # dldy = y_tilde - y -> the dual part of the loss run on seeded scores
    "loss_cross_entropy_softmax.py": {"loss_cross_entropy_softmax": 10},
    "train_cnn.py": {"forward_backward": 4},  # only which errata it accepts: the rest is equal
    # dldy = -2 (y - y_tilde) -> the dual part of the loss run on seeded predictions
    "loss_euclidean.py": {"loss_euclidean": 7},
    # the perceptrons' loop bodies: only which errata they accept (their backward layers are
    # dual/'s, imported under the same names)
    "train_slp_linear.py": {"slp_linear_forward_backward": 4},
    "train_slp.py": {"slp_forward_backward": 4},
    "train_mlp.py": {"mlp_forward_backward": 4},
}


def code_lines(source, function):
    """The lines of ``function`` in ``source``: no docstring, comments or blank lines."""
    tree = ast.parse(source)
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    skip = set()
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        skip = set(range(body[0].lineno, body[0].end_lineno + 1))  # the docstring
    text = "\n".join(source.splitlines()[node.lineno - 1:node.end_lineno])
    without_comments = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.COMMENT:
            without_comments.append(token)
    stripped = tokenize.untokenize(without_comments).splitlines()
    return [" ".join(line.split()) for number, line in enumerate(stripped, node.lineno)
            if number not in skip and line.strip()]


def changed_lines(name, function):
    ours = code_lines((ROOT / "reference" / name).read_text(), function)
    twin = code_lines((ROOT / "dual" / name).read_text(), function)
    return [line for line in difflib.ndiff(ours, twin) if line[:1] in "+-"]


@pytest.mark.parametrize("name, function", [(n, f) for n, fs in MIRRORS.items() for f in fs])
def test_the_twin_differs_only_where_the_derivative_does(name, function):
    changed = changed_lines(name, function)
    assert len(changed) == MIRRORS[name][function], "\n" + "\n".join(changed)


@pytest.mark.parametrize("name, function", [(n, f) for n, fs in MIRRORS.items() for f in fs])
def test_the_twin_has_the_references_signature(name, function):
    def parameters(side):
        tree = ast.parse((ROOT / side / name).read_text())
        node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
        return [a.arg for a in node.args.args]

    assert parameters("dual") == parameters("reference")


def test_every_backward_of_the_original_has_a_twin():
    backward = {p.name for p in (ROOT / "reference").glob("*_backward.py")}
    assert backward == {n for n in MIRRORS if n.endswith("_backward.py")}
    assert all((ROOT / "dual" / n).exists() for n in MIRRORS)
