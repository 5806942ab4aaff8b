"""The original's .m files (fetched by ``get_data.py --matlab``, never committed) and the
project's patches of its errata (``docs/errata/*.patch``), applied with GNU patch."""

import hashlib
import shutil
import subprocess
from pathlib import Path

from shared.downloads import MATLAB_FILES
from shared.errors import CnnDualError

ERRATA = Path(__file__).resolve().parents[1] / "docs" / "errata"
ERRATA_PATCHES = sorted(ERRATA.glob("E*.patch"))
"""E1 (Pool2x2_backward returns the spatial gradient), E2 (TrainCNN's conv weight step),
E3 (the perceptrons' weight steps): a few lines each, in ``patch -p1`` form."""


def check_original(folder):
    """``folder`` holds the original's .m files, unchanged (their SHA-256), else CnnDualError
    saying what is missing or changed and how to fetch them."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CnnDualError(f"{folder}: no such folder; fetch the original's .m files with "
                           "python scripts/get_data.py --matlab (into data/matlab)")
    missing = [name for name in MATLAB_FILES if not (folder / name).is_file()]
    if missing:
        raise CnnDualError(f"{folder} lacks the original's {', '.join(missing)}; fetch them with "
                           "python scripts/get_data.py --matlab (into data/matlab)")
    changed = [name for name, sha in MATLAB_FILES.items()
               if hashlib.sha256((folder / name).read_bytes()).hexdigest() != sha]
    if changed:
        raise CnnDualError(f"{', '.join(changed)} in {folder} {'differs' if len(changed) == 1 else 'differ'} "
                           "from the original's (SHA-256); "
                           "fetch the original with python scripts/get_data.py --matlab --force")
    return folder


def copy_m_files(source, target):
    """Copy ``source``'s .m files into the folder ``target`` (created)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for file in Path(source).glob("*.m"):
        shutil.copy(file, target / file.name)
    return target


def apply_patches(folder, patches=ERRATA_PATCHES):
    """Apply ``patches`` to the .m files in ``folder`` (a copy: never the user's files)."""
    executable = shutil.which("patch")
    if executable is None:
        raise CnnDualError("GNU patch is needed to apply docs/errata/*.patch: on Debian or "
                           "Ubuntu, sudo apt install patch")
    for patch in patches:
        done = subprocess.run([executable, "-p1", "--quiet", "--forward", "--batch",
                               "--no-backup-if-mismatch", "-r", "-", "-d", str(folder),
                               "-i", str(patch)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            reason = " ".join((done.stdout + done.stderr).split())
            raise CnnDualError(f"{patch.name} does not apply to {folder} ({reason})")
    return folder
