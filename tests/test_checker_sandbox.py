"""The checker's sandbox against hostile submissions: each contained and reported, the other
functions still judged, nothing outside changed, nothing left running; no bubblewrap is one
line and exit 2; a killed checker leaves no Octave behind."""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from conftest import ROOT, assert_one_line_error, load_script, run_main

check_matlab = load_script("check_matlab")
CHECKOUT = ("checker", "reference", "shared")


def digest(folders):
    """SHA-256 of every file under ``folders`` (of the checkout), by path."""
    found = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def processes_with(token):
    """The PIDs of processes whose command line holds ``token``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as file:
                    if token.encode() in file.read():
                        found.append(int(entry))
            except OSError:
                pass
    return [pid for pid in found if pid != os.getpid()]


class Listener:
    """A TCP listener on this machine's loopback that records whether anyone connected."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connected = False
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connected = True
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.fixture
def hostile(patched_matlab, tmp_path):
    """A copy of the patched original in which five functions attack (a marker in every
    path, so that what they leave can be found), and what they aim at."""
    token = uuid.uuid4().hex
    folder = tmp_path / f"hostile-{token}"
    shutil.copytree(patched_matlab, folder)
    outside = tmp_path / f"outside-{token}"  # under /tmp: the box sees an empty /tmp
    in_checkout = ROOT / "build" / f"pwned-{token}"  # in the checkout: read-only in the box
    listener = Listener()
    (folder / "Conv.m").write_text(f"""function y = Conv(x, w, b)
  fid = fopen('{outside}', 'w'); if fid > 0, fprintf(fid, 'x'); fclose(fid); end
  system('touch {outside}-touched {in_checkout}');
  fid = fopen('{ROOT}/checker/solution/Pool2x2.m', 'a'); if fid > 0, fprintf(fid, '%% x'); fclose(fid); end
  fid = fopen('{ROOT}/checker/octave/cnn_dual_run.m', 'a'); if fid > 0, fprintf(fid, '%% x'); fclose(fid); end
  fid = fopen('{folder}/ReLu_backward.m', 'w'); if fid > 0, fprintf(fid, 'x'); fclose(fid); end
  y = zeros(14, 14, 3);
end
""")
    (folder / "ReLu.m").write_text(f"""function y = ReLu(x)
  system('{sys.executable} -c "import socket; socket.create_connection((''127.0.0.1'', {listener.port}), timeout=3)"');
  y = max(0, x);
end
""")
    (folder / "Pool2x2.m").write_text(f"""function y = Pool2x2(x)
  system('sleep 600 {token} &');
  system('nohup sh -c "sleep 601 {token}" > /dev/null 2>&1 &');
  restoredefaultpath();
  y = zeros(7, 7, 3);
end
""")
    (folder / "FC.m").write_text("function y = FC(x, w, b)\n  a = zeros(50e9 / 8, 1);\n"
                                 "  y = a(1:10);\nend\n")
    (folder / "Flattening.m").write_text("function y = Flattening(x)\n  while true\n"
                                         "    disp(repmat('x', 1, 10000));\n  end\nend\n")
    yield folder, outside, in_checkout, listener, token
    listener.close()
    for pid in processes_with(token):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_hostile_code_is_contained_and_the_rest_still_judged(octave, hostile, capsys):
    folder, outside, in_checkout, listener, token = hostile
    before_checkout, before_folder = digest(CHECKOUT), digest_folder(folder)
    code, out, err = run_main(check_matlab, [folder, "--format", "json", "--quiet",
                                             "--timeout", "15"], capsys)
    assert "Traceback" not in err and code == 1
    functions = json.loads(out)["functions"]
    # each attack reported as its function's verdict
    assert functions["Conv"]["status"] == "wrong"  # all zeros
    assert functions["FC"]["status"] == "error" and "out of memory" in functions["FC"]["note"]
    assert functions["Flattening"] == {"status": "error", "max_rel_error": None,
                                       "note": "did not return within 15 s"}
    # the others judged as they are: restoredefaultpath in Pool2x2 reached no other run
    for name in ("ReLu", "ReLu_backward", "Pool2x2_backward", "Flattening_backward",
                 "FC_backward", "Loss_euclidean", "GetMiniBatch", "TrainSLP_linear"):
        assert functions[name]["status"] == "correct", (name, functions[name])
    # nothing outside changed, nothing reached, nothing left running
    assert not outside.exists() and not outside.with_name(outside.name + "-touched").exists()
    assert not in_checkout.exists()
    assert digest(CHECKOUT) == before_checkout
    assert digest_folder(folder) == before_folder
    assert not listener.connected
    assert processes_with(token) == []


def digest_folder(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_no_bubblewrap_is_one_line_and_exit_2(octave, patched_matlab, monkeypatch, capsys):
    real = shutil.which
    monkeypatch.setattr("checker.sandbox.shutil.which",
                        lambda name: None if name == "bwrap" else real(name))
    code, _, err = run_main(check_matlab, [patched_matlab, "--functions", "FC"], capsys)
    assert code == 2
    assert_one_line_error(code, err, "apt install bubblewrap", "--no-sandbox")
    code, out, err = run_main(check_matlab, [patched_matlab, "--functions", "FC", "--quiet",
                                             "--no-sandbox"], capsys)
    assert code == 0 and "1 correct" in out


def test_nothing_outlives_a_killed_checker(octave, tmp_path):
    """SIGKILL the checker while its Octave spins: the Octave (and its box) die with it."""
    token = uuid.uuid4().hex
    folder = tmp_path / "spin"
    folder.mkdir()
    (folder / "Conv.m").write_text("function y = Conv(x, w, b)\n  while true\n  end\nend\n")
    scratch = tmp_path / f"tmp-{token}"
    scratch.mkdir()
    checker = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "check_matlab.py"), str(folder), "--quiet",
         "--timeout", "300"], env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a guard against a hang, not a timing
        while not [p for p in processes_with(token) if p != checker.pid]:
            assert time.monotonic() < deadline, "the checker's Octave never started"
            time.sleep(0.1)
        checker.kill()
        checker.wait()
        deadline = time.monotonic() + 30
        while processes_with(token):
            assert time.monotonic() < deadline, f"left running: {processes_with(token)}"
            time.sleep(0.1)
    finally:
        checker.kill()
        checker.wait()
