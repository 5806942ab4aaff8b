"""Run a Python script and report its peak resident memory: scripts/benchmark.py's memory row.

    python speed/peak_rss.py SCRIPT [ARGS ...]

Runs SCRIPT as ``python SCRIPT ARGS`` would (its folder first on the path), then prints
``peak_rss_kb=N`` to standard error: the kernel's high-water mark of this process's own
memory (VmHWM, Linux), read at the end. (A parent cannot ask for it: the child's ru_maxrss
also counts the parent's memory, inherited by the fork before the exec.) Exits with the
script's exit code.
"""

import os
import runpy
import sys


def main(argv):
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))  # the script's folder, not speed/
    try:
        runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    with open("/proc/self/status") as status:
        peak_kb = int(status.read().split("VmHWM:")[1].split()[0])
    print(f"peak_rss_kb={peak_kb}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
