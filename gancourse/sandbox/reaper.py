"""Finding what a sandbox left running, and the folders a killed grader left behind.

A process belongs to a sandbox when it runs under the sandbox's uid (nobody else has it) or
carries the sandbox's random marker in its environment; zombies are already dead and do not
count. Work folders are named ``gancourse-grade-<grader pid>-<random>``, so a folder whose
grader no longer runs can be removed without touching a live batch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "gancourse-grade-"  # work folders are PREFIX<grader pid>-<random>


def sweep_stale() -> int:
    """Remove work folders that a grader killed mid-batch left behind (their grader pid no longer runs)."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = folder.name.removeprefix(PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _proc_uid(pid: str) -> int | None:
    """The real uid of a live process (None for a zombie: already dead, waiting to be reaped)."""
    try:
        status = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8", errors="replace").splitlines()
            if ":" in line
        )
    except OSError:
        return None
    return None if status.get("State", "").strip().startswith(("Z", "X")) else int(status["Uid"].split()[0])


def _has_marker(pid: str, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


def processes_of(uid: int | None, marker: bytes) -> list[int]:
    """Live processes with this uid (None: any uid) or this marker in their environment (none without /proc)."""
    if not os.path.isdir("/proc"):
        return []
    mine = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        if int(pid) == os.getpid():
            continue
        owner = _proc_uid(pid)
        if owner is not None and ((uid is not None and owner == uid) or _has_marker(pid, marker)):
            mine.append(int(pid))
    return mine
