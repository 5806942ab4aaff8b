"""A whole class at once: one folder or .zip per student, one report.

``check_class(submissions, out)`` checks every submission (a folder, or a .zip unpacked into a
temporary folder, its ``.m`` files possibly one level down) as ``check_folder`` does, several
at once, and writes into ``out``:

- ``grades.csv``: a row per submission (its name, each function's status, then the count of
  each status), sorted by name;
- ``feedback/<name>.md``: each function's verdict and note, and what to fix first;
- ``.cache/<name>.json``: the report of a submission with a fingerprint of its files and the
  check's settings: a rerun reuses it unless the files (or settings) changed.

One bad submission (no .m files, a broken archive, a crash of the checker) is a row that says
so; it never stops the class.
"""

import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm  # the plain bar, also in a notebook (no widget warnings)

from checker.check import FUNCTIONS, TRAINERS, Report, check_folder
from checker.judging import FAULTS, STATUSES, Verdict
from checker.report import as_markdown
from shared.cli import describe
from shared.errors import CnnDualError
from shared.file_set import atomic_write

CACHE_VERSION = 1
"""Bumped when the checker's verdicts change meaning: older cached reports are not reused."""

MAX_UNPACKED = 64 << 20
"""The most bytes a submission's archive may unpack to (a homework's .m files are kilobytes)."""


@dataclass(frozen=True)
class Checker:
    """What checks a submission: ``check(folder, **options)`` -> a Report; the function names
    it reports (in order) and which of them are trainers (fixed last)."""

    check: Callable
    names: tuple
    trainers: tuple
    language: str = "matlab"


MATLAB = Checker(check_folder, tuple(FUNCTIONS), TRAINERS)
"""The MATLAB checker (``check_matlab.py``); ``checker.python_check.PYTHON``: Python's."""


@dataclass(frozen=True)
class Submission:
    """One student's work: its name (the folder's, or the archive's without .zip) and path."""

    name: str
    path: Path


def submissions(folder):
    """The submissions in ``folder``: its subfolders and .zip files, by name. CnnDualError when
    it is not a folder or holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CnnDualError(f"{folder}: no such folder of submissions")
    found = [Submission(p.stem if p.suffix.lower() == ".zip" else p.name, p)
             for p in sorted(folder.iterdir())
             if not p.name.startswith(".") and (p.is_dir() or (
                 p.is_file() and p.suffix.lower() == ".zip"))]
    if not found:
        raise CnnDualError(f"{folder} holds no submissions (a folder or a .zip per student)")
    names = [s.name for s in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CnnDualError(f"two submissions named {', '.join(twice)} in {folder} "
                           "(a folder and a .zip?)")
    return found


def fingerprint(submission, settings):
    """A digest of the submission's files (names and contents) and the check's settings."""
    digest = hashlib.sha256(json.dumps([CACHE_VERSION, settings], sort_keys=True).encode())
    path = submission.path
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path.parent)).encode() + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()


def unpack(archive, target):
    """Unpack a submission's .zip into ``target``, refusing absolute or escaping names and
    archives that unpack to more than MAX_UNPACKED bytes."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                raise CnnDualError(f"{archive.name} unpacks to more than "
                                   f"{MAX_UNPACKED >> 20} MB")
            for member in members:
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise CnnDualError(f"{archive.name} holds a file outside itself: "
                                       f"{member.filename}")
            zipped.extractall(target)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CnnDualError(f"{archive.name} is not a readable .zip ({describe(exc)})") from None
    return Path(target)


def check_submission(submission, options, checker=MATLAB):
    """The report (as a dict) of one submission; any failure becomes a report saying so."""
    names = options.get("functions") or list(checker.names)
    try:
        with tempfile.TemporaryDirectory(prefix="cnn-dual-class-") as work:
            folder = (unpack(submission.path, work) if submission.path.is_file()
                      else submission.path)
            report = checker.check(folder, **options)
            contents = report.as_dict()
    except CnnDualError as exc:
        contents = failed_report(submission, describe(exc), names)
    except Exception as exc:  # the checker's own fault: said, and the class goes on
        contents = failed_report(submission, f"the checker failed on it ({describe(exc)})",
                                 names)
    contents["folder"] = str(submission.path)
    return contents


def failed_report(submission, why, names=tuple(FUNCTIONS)):
    verdicts = {name: Verdict("error", None, why).as_dict() for name in names}
    return {"ok": False, "folder": str(submission.path), "functions": verdicts,
            "failed": why}


def check_class(folder, out, jobs=None, progress=True, checker=MATLAB, **options):
    """Check every submission in ``folder`` with ``checker`` (MATLAB's by default); write
    ``out``/grades.csv and feedback/*.md. ``options``: its check's (for MATLAB's: engine,
    seed, timeout, engine_options, strict). Returns {name: report dict}. ``jobs``: checks at
    once (default: the cores)."""
    found = submissions(folder)
    out = Path(out)
    cache = out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    settings = {k: v for k, v in options.items() if k != "progress"}
    key_settings = settings if checker.language == "matlab" else {
        **settings, "language": checker.language}
    reports, todo = {}, []
    for submission in found:
        key = fingerprint(submission, key_settings)
        cached = _read_cache(cache / f"{submission.name}.json", key)
        if cached is not None:
            reports[submission.name] = cached
        else:
            todo.append((submission, key))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    bar = tqdm(total=len(found), initial=len(found) - len(todo), desc="checking",
               unit="submission", disable=not progress)
    with bar, ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(check_submission, s, settings, checker): (s, key)
                   for s, key in todo}
        try:
            for future in as_completed(futures):
                submission, key = futures[future]
                contents = future.result()
                reports[submission.name] = contents
                if "failed" not in contents or "the checker failed" not in contents["failed"]:
                    with atomic_write(cache / f"{submission.name}.json", "w") as file:
                        json.dump({"key": key, "report": contents}, file)
                bar.set_postfix_str(submission.name)
                bar.update()
        except BaseException:
            for future in futures:
                future.cancel()
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            raise
    write_grades(out / "grades.csv", found, reports, options.get("functions")
                 or list(checker.names))
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for submission in found:
        with atomic_write(feedback / f"{submission.name}.md", "w") as file:
            file.write(feedback_text(submission.name, reports[submission.name],
                                     checker.trainers))
    return reports


def _read_cache(path, key):
    try:
        contents = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return contents["report"] if contents.get("key") == key else None


def write_grades(path, found, reports, names):
    """grades.csv: submission, each checked function's status, the count of each status."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["submission", *names, *STATUSES])
    for submission in found:
        functions = reports[submission.name]["functions"]
        statuses = [functions[name]["status"] for name in names]
        writer.writerow([submission.name, *statuses, *(statuses.count(s) for s in STATUSES)])
    with atomic_write(path, "w") as file:
        file.write(text.getvalue())


def feedback_text(name, contents, trainers=TRAINERS):
    """A submission's feedback: what to fix first, then every verdict with its note."""
    report = Report(Path(contents["folder"]), contents.get("engine", "GNU Octave"),
                    contents.get("seed", 0), seconds=contents.get("seconds", 0.0))
    report.verdicts = {n: Verdict(**v) for n, v in contents["functions"].items()}
    lines = [f"# {name}", ""]
    if "failed" in contents:
        lines += [f"Not checked: {contents['failed']}.", ""]
        return "\n".join(lines)
    first = first_to_fix(report.verdicts, trainers)
    if first is None:
        lines += ["Every function you handed in is right.", ""]
    else:
        verdict = report.verdicts[first]
        lines += [f"**Fix first: `{first}`** ({verdict.status}): {verdict.note}", ""]
    return "\n".join(lines + [as_markdown(report), ""])


def first_to_fix(verdicts, trainers=TRAINERS):
    """The function to fix first: a failing layer function before a Train*.m (a trainer is
    judged with the checker's layer in place of a wrong one, but runs with the student's);
    then the other faults, then layouts, in the assignment's order."""
    for statuses in (FAULTS, ("unsupported",), ("layout",)):
        for group in ([n for n in verdicts if n not in trainers], list(trainers)):
            for name in group:
                if name in verdicts and verdicts[name].status in statuses:
                    return name
    return None
