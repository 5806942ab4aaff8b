"""Every script runs from a plain checkout, before any pip install, from any working directory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPTS = sorted(p.name for p in (ROOT / "scripts").glob("*.py") if not p.name.startswith("_"))


def dependency_paths():
    """The directories numpy, scipy, ... come from (a .venv inside the project included), without
    the project's own root, tests/ and scripts/ that pytest or the script itself put there."""
    own = {ROOT, ROOT / "tests", ROOT / "scripts"}
    return [p for p in sys.path if p and Path(p).is_dir() and Path(p).resolve() not in own]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_help_runs_from_a_plain_checkout_in_another_directory(script, tmp_path):
    # Why this proves it: -S skips the site module, so no .pth file runs and no editable install
    # (of this checkout or another) is visible; PYTHONPATH brings only the dependencies, and
    # directories on PYTHONPATH never run .pth files either. The working directory is elsewhere
    # and Python puts scripts/, not the root, first on sys.path. So `import shared` can succeed
    # only through the sys.path line of its first import, scripts/_startup.py, found
    # from its own location.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(dependency_paths())
    done = subprocess.run([sys.executable, "-S", str(ROOT / "scripts" / script), "--help"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert not any(tmp_path.iterdir())  # --help writes nothing, here or anywhere relative


def test_every_package_is_installed():
    # pip install . takes the packages pyproject.toml's search finds: folders with an
    # __init__.py whose dotted name matches an include pattern. Every folder of code must be one.
    from fnmatch import fnmatch

    tomllib = pytest.importorskip("tomllib")  # (Python >= 3.11)
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]["include"]
    folders = {p.parent for top in ("reference", "dual", "shared", "speed", "mains")
               for p in (ROOT / top).rglob("*.py")}
    dotted = {str(f.relative_to(ROOT)).replace("/", ".") for f in folders}
    found = {str(f.relative_to(ROOT)).replace("/", ".") for f in folders
             if (f / "__init__.py").is_file()}
    assert dotted == {name for name in found if any(fnmatch(name, pattern) for pattern in include)}
