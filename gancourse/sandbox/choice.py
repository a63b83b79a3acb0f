"""Which sandbox this machine allows, and the line that tells the instructor what they got.

``auto`` takes the strongest: ``namespaces`` (Linux as root with util-linux's ``unshare``: a fresh uid
too, :mod:`.namespaces`), then ``bubblewrap`` (Linux as anyone, :mod:`.bubblewrap`), then ``none``.
Containers (:mod:`.container`) are asked for by name. ``GANCOURSE_SANDBOX=none`` forces ``none``
under ``auto`` (the tests cover that path too); nothing else turns protection off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache

from . import bubblewrap
from .bubblewrap import bwrap_binary
from .container import ENGINES, IMAGE, engine_problem

UNSHARE = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc", "--uts"]
MODES = ("auto", "namespaces", "bubblewrap", "docker", "podman", "none")


@cache
def _root_namespaces() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=30).returncode == 0


@cache
def _bubblewrap() -> str | None:
    bwrap = bwrap_binary()
    return bwrap if bwrap and bubblewrap.probe(bwrap, needed_paths()) else None


def protection(requested: str = "auto", image: str = IMAGE) -> str:
    """The sandbox to use: ``auto`` picks the strongest this machine allows (``namespaces`` as root,
    ``bubblewrap`` as anyone on Linux, else ``none``; ``GANCOURSE_SANDBOX=none`` forces none). A mode asked
    for by name that cannot run raises ``ValueError`` with one line that says what to do."""
    linux = sys.platform.startswith("linux")
    if requested == "auto":
        if os.environ.get("GANCOURSE_SANDBOX") == "none" or not linux:
            return "none"
        return "namespaces" if _root_namespaces() else "bubblewrap" if _bubblewrap() else "none"
    if requested in ENGINES:
        problem = engine_problem(requested, image)
        if problem:
            raise ValueError(problem)
    elif requested == "namespaces" and not (linux and _root_namespaces()):
        raise ValueError("--sandbox namespaces needs Linux, root and util-linux's unshare: use --sandbox bubblewrap")
    elif requested == "bubblewrap" and not (linux and _bubblewrap()):
        raise ValueError(f"--sandbox bubblewrap cannot build its namespaces here: {bubblewrap.INSTALL}")
    elif requested not in MODES:
        raise ValueError(f"--sandbox {requested}: choose one of {', '.join(MODES)}")
    return requested


def describe(mode: str) -> str:
    if mode in ("namespaces", "bubblewrap"):
        who = "a fresh unprivileged uid" if mode == "namespaces" else "no capabilities, your home folder hidden"
        return (
            f"sandbox ({mode}): own PID/mount/network namespaces, read-only filesystem except a private work folder, "
            f"grader folders hidden, no network, {who}, memory/process/CPU/file limits"
        )
    if mode in ENGINES:
        return f"sandbox ({mode}): one container per notebook, no network, read-only, memory/process/CPU limits"
    return (
        "WARNING: no sandbox on this machine: student code runs with your rights and can read or change your "
        f"files; only time, memory and CPU limits apply. On Linux {bubblewrap.INSTALL}; elsewhere use --sandbox docker"
    )


def needed_paths() -> list[str]:
    """What the runner must read: the interpreter, the virtual environment, every import folder and this package
    (an editable install imports it from its checkout, which need not be on ``sys.path``)."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    paths = {os.path.realpath(sys.executable), sys.prefix, sys.base_prefix, package, *(p for p in sys.path if p)}
    return sorted(p for p in paths if os.path.exists(p))
