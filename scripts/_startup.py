"""The first import of every script (``import _startup``), before anything heavy.

1. Ctrl-C and SIGTERM are one line from here on (shared/signals.py): while the script imports
   numpy, scipy, matplotlib and the project (a second or two) and parses its arguments, they end
   it at once with ``error: interrupted; nothing was written`` and exit code 130 (SIGTERM: 143);
   ``shared.cli.run_cli`` takes over for the run itself. Only when the script is the program
   (``python scripts/x.py``), not when a test imports it, nor in a worker process that runs it
   as ``__mp_main__``.
2. The checkout's root goes first on sys.path: the scripts run from a plain checkout (before pip
   install), from any working directory, and never pick up another checkout's editable install.
3. When matplotlib's own folders cannot be written (a read-only HOME, an unwritable
   MPLCONFIGDIR), it gets one of its own in the temporary directory, instead of making a fresh
   one on every run and saying so in two lines of stderr.

Python puts a script's folder first on sys.path, so that this module is found from there.
"""

import os
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(HERE)


def _is_a_script_run():
    """Whether the program is a script of this folder (``python scripts/x.py``)."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if getattr(main, "__name__", None) != "__main__" or main_file is None:
        return False  # a test, a notebook; a spawned worker runs the script as __mp_main__
    return os.path.dirname(os.path.realpath(main_file)) == HERE


def _writable_dir(path):
    """Whether matplotlib could use folder ``path``: an existing writable folder, or one it can
    create (its nearest existing parent is a writable folder). Creates nothing."""
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def matplotlib_folders():
    """The folders matplotlib keeps its configuration and font cache in (matplotlib's
    ``_get_config_or_cache_dir``): MPLCONFIGDIR for both when set; else, on Linux and FreeBSD,
    XDG_CONFIG_HOME and XDG_CACHE_HOME (default ~/.config, ~/.cache) + /matplotlib;
    elsewhere ~/.matplotlib."""
    if os.environ.get("MPLCONFIGDIR"):
        return [os.path.abspath(os.environ["MPLCONFIGDIR"])]
    home = os.path.expanduser("~")
    if sys.platform.startswith(("linux", "freebsd")):
        return [os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
                             "matplotlib"),
                os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"),
                             "matplotlib")]
    return [os.path.join(home, ".matplotlib")]


def give_matplotlib_a_folder():
    """Set MPLCONFIGDIR to a private folder of the temporary directory when a folder of
    ``matplotlib_folders`` cannot be written, before matplotlib is imported. The folder is kept
    (the font cache is built once, not on every run); one that is not this user's own private
    folder (a symbolic link, another owner, other people's permissions) is not used: a fresh
    one then, as matplotlib would make."""
    if all(_writable_dir(folder) for folder in matplotlib_folders()):
        return
    import tempfile  # only here: a few milliseconds

    uid = os.getuid() if hasattr(os, "getuid") else None
    folder = os.path.join(tempfile.gettempdir(), f"cnn-dual-matplotlib-{'user' if uid is None else uid}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        folder = None
    if folder is not None:
        try:
            info = os.lstat(folder)
            own = os.path.isdir(folder) and not os.path.islink(folder) and (
                uid is None or (info.st_uid == uid and info.st_mode & 0o077 == 0))
        except OSError:
            own = False
        if not own or not os.access(folder, os.W_OK | os.X_OK):
            folder = None
    if folder is None:
        try:
            folder = tempfile.mkdtemp(prefix="cnn-dual-matplotlib-")
        except OSError:
            return  # no writable temporary directory either: matplotlib says so itself
    os.environ["MPLCONFIGDIR"] = folder


sys.path.insert(0, ROOT)

if _is_a_script_run():
    from shared.signals import exit_at_once_on_signals

    exit_at_once_on_signals()
    give_matplotlib_a_folder()
