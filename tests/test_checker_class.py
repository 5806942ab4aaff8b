"""check_matlab.py --class: a folder of submissions (folders and .zip files, the .m files one
level down or not), grades.csv and feedback with the same verdicts as each folder alone, bad
submissions as rows that say so, and a rerun that reuses what did not change."""

import csv
import json
import shutil
import zipfile

import pytest

from checker.judging import STATUSES
from conftest import run_main, load_script
from test_check_matlab import plant

check_matlab = load_script("check_matlab")
FILES = ("FC.m", "FC_backward.m", "Loss_euclidean.m", "TrainSLP_linear.m")
ONLY = ["--functions", "FC,FC_backward,Loss_euclidean,TrainSLP_linear"]


@pytest.fixture(scope="module")
def classroom(octave, patched_matlab, tmp_path_factory):
    """Five submissions: alice (right), bob.zip (a sign error, one folder down), carol (no .m
    file), dave.zip (not a zip), eve.zip (a file outside itself)."""
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    alice = submissions / "alice"
    alice.mkdir(parents=True)
    for name in FILES:
        shutil.copy(patched_matlab / name, alice / name)
    bob = plant(patched_matlab, root / "bob" / "hw4" / "Codes", "Loss_euclidean",
                "dLdy = transpose(-2 * (y - y_tilde));", "dLdy = transpose(2 * (y - y_tilde));")
    with zipfile.ZipFile(submissions / "bob.zip", "w") as zipped:
        for name in FILES:
            zipped.write(bob / name, f"hw4/Codes/{name}")
    (submissions / "carol").mkdir()
    (submissions / "carol" / "notes.txt").write_text("no code")
    (submissions / "dave.zip").write_bytes(b"not a zip at all")
    with zipfile.ZipFile(submissions / "eve.zip", "w") as zipped:
        zipped.writestr("../FC.m", "function y = FC(x, w, b)\n y = 0;\nend\n")
    return root, submissions, bob


def run_class(submissions, out, capsys, *flags):
    code, stdout, err = run_main(check_matlab, ["--class", submissions, "--out", out, "--quiet",
                                                *ONLY, *flags], capsys)
    assert "Traceback" not in err, err
    return code


def grades(out):
    with open(out / "grades.csv", newline="") as file:
        return list(csv.reader(file))


def test_grades_feedback_and_the_same_verdicts_as_alone(classroom, tmp_path, capsys):
    root, submissions, bob = classroom
    out = tmp_path / "report"
    assert run_class(submissions, out, capsys, "--jobs", "2") == 1  # bob, carol, dave, eve fail
    rows = grades(out)
    assert rows[0] == ["submission", *ONLY[1].split(","), *STATUSES]
    table = {row[0]: dict(zip(rows[0][1:], row[1:])) for row in rows[1:]}
    assert list(table) == ["alice", "bob", "carol", "dave", "eve"]
    assert table["alice"]["TrainSLP_linear"] == "correct" and table["alice"]["correct"] == "4"
    assert table["alice"]["missing"] == "0"
    assert table["bob"]["Loss_euclidean"] == "wrong"
    for name in ("carol", "dave", "eve"):
        assert table[name]["error"] == "4", table[name]
    # the same verdicts as each folder checked alone
    for name, folder in (("alice", submissions / "alice"), ("bob", bob)):
        code, stdout, _ = run_main(check_matlab, [folder, "--format", "json", "--quiet", *ONLY],
                                   capsys)
        alone = json.loads(stdout)["functions"]
        assert {f: v["status"] for f, v in alone.items()} == {
            f: s for f, s in table[name].items() if f not in STATUSES}
    bob_feedback = (out / "feedback" / "bob.md").read_text()
    assert bob_feedback.startswith("# bob\n\n**Fix first: `Loss_euclidean`** (wrong): dLdy has "
                                   "the opposite sign")
    assert "Every function you handed in is right." in (out / "feedback" / "alice.md").read_text()
    assert "defines none of the assignment's functions" in (out / "feedback" / "carol.md").read_text()
    assert "not a readable .zip" in (out / "feedback" / "dave.md").read_text()
    assert "a file outside itself: ../FC.m" in (out / "feedback" / "eve.md").read_text()
    assert not (submissions / "FC.m").exists()


def test_a_rerun_reuses_what_did_not_change(classroom, tmp_path, capsys):
    root, submissions, _ = classroom
    out = tmp_path / "report"
    run_class(submissions, out, capsys)
    cache = {p.name: p.stat().st_mtime_ns for p in (out / ".cache").iterdir()}
    assert set(cache) == {"alice.json", "bob.json", "carol.json", "dave.json", "eve.json"}
    before = (out / "grades.csv").read_text()
    run_class(submissions, out, capsys)
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".cache").iterdir()} == cache
    assert (out / "grades.csv").read_text() == before
    # alice changes a file: hers alone is checked again
    (submissions / "alice" / "Loss_euclidean.m").write_text(
        (submissions / "alice" / "Loss_euclidean.m").read_text().replace("-2 *", "-1 *"))
    try:
        run_class(submissions, out, capsys)
        after = {p.name: p.stat().st_mtime_ns for p in (out / ".cache").iterdir()}
        assert after["alice.json"] != cache["alice.json"]
        assert {k: v for k, v in after.items() if k != "alice.json"} == {
            k: v for k, v in cache.items() if k != "alice.json"}
        assert grades(out)[1][ONLY[1].split(",").index("Loss_euclidean") + 1] == "wrong"
    finally:
        (submissions / "alice" / "Loss_euclidean.m").write_text(
            (submissions / "alice" / "Loss_euclidean.m").read_text().replace("-1 *", "-2 *"))


def test_no_submissions_is_one_line(tmp_path, capsys):
    code, _, err = run_main(check_matlab, ["--class", tmp_path, "--out", tmp_path / "r"], capsys)
    assert code == 1 and "holds no submissions" in err and len(err.strip().splitlines()) == 1
