"""One sandboxed process per graded notebook, and the guarantee that nothing of it outlives grading.

Protection ``namespaces`` (Linux, grader running as root, ``unshare`` from util-linux): the
runner gets its own PID, mount, network, IPC and hostname namespaces (see :mod:`.namespaces`): a read-only
filesystem except its own tmpfs work folder, the grader's folders hidden, no network, resource
limits, and a fresh unprivileged uid. Protection ``none`` (anywhere else): its own session and
process group and the same resource limits, but it runs with the grader's rights; the grader
says so loudly. Either way :meth:`Sandbox.close` kills the process group, then every process
that carries the sandbox's uid or marker, and checks that none is left.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .reaper import PREFIX, processes_of, sweep_stale


@dataclass(frozen=True)
class Limits:
    """What one notebook may use. Memory counts data (heap and anonymous mappings), not address space."""

    memory_mb: int = 2048  # a graded lesson peaks near 1 GiB
    processes: int = 16  # tasks of the sandbox's uid, threads included (a graded lesson runs 4-5)
    cpu_s: int = 1800
    file_mb: int = 256
    open_files: int = 512
    work_mb: int = 512
    threads: int = 2  # torch/OpenMP threads (notebooks graded side by side share the cores)

    def rlimits(self) -> dict[str, int]:
        return {
            "RLIMIT_DATA": self.memory_mb << 20,
            "RLIMIT_CPU": self.cpu_s,
            "RLIMIT_FSIZE": self.file_mb << 20,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_CORE": 0,
        }


UNSHARE = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc", "--uts"]


@cache
def protection() -> str:
    """``namespaces`` when this machine can build the full sandbox, else ``none`` (``GANCOURSE_SANDBOX=none`` "
    "forces it)."""
    if os.environ.get("GANCOURSE_SANDBOX") == "none" or not sys.platform.startswith("linux"):
        return "none"
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return "none"
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=30)
    return "namespaces" if probe.returncode == 0 else "none"


def describe(mode: str) -> str:
    if mode == "namespaces":
        return (
            "sandbox: own PID/mount/network namespaces, read-only filesystem except a private work folder, "
            "grader folders hidden, no network, unprivileged uid, memory/process/CPU/file limits"
        )
    return (
        "WARNING: no sandbox on this machine (needs Linux, root and util-linux's unshare): student code runs "
        "with your rights and can read or change your files; only time, memory and CPU limits apply"
    )


_SHIM = (
    "import os, sys\npid = os.fork()\nif pid == 0:\n"
    "    os.execv(sys.executable, [sys.executable, '-m', 'gancourse.sandbox.runner', *sys.argv[1:]])\n"
    "os.waitpid(pid, 0)\n"
)


def needed_paths() -> list[str]:
    """What the runner must read: the interpreter, the virtual environment and every import folder."""
    paths = {os.path.realpath(sys.executable), sys.prefix, sys.base_prefix, *(p for p in sys.path if p)}
    return sorted(p for p in paths if os.path.exists(p))


class Sandbox:
    """``with Sandbox(hide, limits) as box:``: ``box.fds`` talk to the runner; leaving kills all it started."""

    def __init__(self, hide: list[Path], limits: Limits = Limits(), mode: str | None = None):
        self.mode = mode or protection()
        self.limits, self.hide = limits, [str(Path(p).resolve()) for p in hide]
        self.uid = 100_000 + secrets.randbelow(1 << 30)  # a uid no one else has: its processes are all ours
        self.marker = f"GANCOURSE_SANDBOX_ID={secrets.token_hex(12)}"
        self.survivors: list[int] = []

    def __enter__(self) -> Sandbox:
        sweep_stale()
        self.work = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
        os.mkdir(self.work + "-keep", 0o700)
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.work,
            "LANG": "C.UTF-8",
            "GANCOURSE_FAST": "1",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": f"{self.work}/.mpl",
            "OMP_NUM_THREADS": str(self.limits.threads),
            "GANCOURSE_THREADS": str(self.limits.threads),
            self.marker.split("=")[0]: self.marker.split("=")[1],
        }
        if self.mode == "namespaces":
            spec = {
                "work": self.work,
                "hide": self.hide,
                "need": needed_paths(),
                "work_mb": self.limits.work_mb,
                "uid": self.uid,
                "env": env,
                "limits": {**self.limits.rlimits(), "RLIMIT_NPROC": self.limits.processes},
                "fds": [req_r, rep_w],
            }
            cmd = [*UNSHARE, sys.executable, "-m", "gancourse.sandbox.namespaces", json.dumps(spec)]
            preexec = None
        else:  # a shim in between: the runner's parent is the shim, never this grader
            cmd = [sys.executable, "-c", _SHIM, str(req_r), str(rep_w)]
            preexec = self._limit_here
        self.proc = subprocess.Popen(
            cmd,
            pass_fds=(req_r, rep_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.work,
            env=env,
            preexec_fn=preexec,
        )
        os.close(req_r)
        os.close(rep_w)
        return self

    def _limit_here(self) -> None:  # runs in the child before exec (protection "none")
        for name, value in self.limits.rlimits().items():
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):  # a limit this platform does not let us lower (macOS and RLIMIT_DATA)
                pass

    def hello(self, timeout: float) -> None:
        """Wait until the runner is ready; it says its pid (useful where there is no /proc)."""
        from .frames import receive_json

        said = receive_json(self.rep_r, timeout)
        if self.mode != "namespaces" and isinstance(said, dict) and isinstance(said.get("pid"), int):
            self._pid = said["pid"]

    def runner_pid(self) -> int:
        """The runner's pid as this machine sees it: the child of ``unshare``, or what the runner said."""
        if self.mode != "namespaces" and getattr(self, "_pid", None):
            return self._pid
        try:
            kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text(encoding="ascii").split()
            return int(kids[0]) if kids else self.proc.pid
        except OSError:
            return self.proc.pid

    def interrupt(self) -> None:
        """KeyboardInterrupt in the running cell, as Jupyter's stop button."""
        try:
            os.kill(self.runner_pid(), signal.SIGINT)
        except ProcessLookupError:
            pass

    def alive(self) -> list[int]:
        """Processes this notebook started that still run: the sandbox's uid, or its marker in the environment."""
        return processes_of(self.uid, self.marker.encode())

    def __exit__(self, *exc) -> None:
        for fd in (self.req_w, self.rep_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        deadline = time.monotonic() + 2.0  # the namespace's members die with its PID 1, give them a moment
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(50):  # anything still there left the group (setsid, double fork): kill it by uid or marker
            left = self.alive()
            if not left:
                break
            self.survivors += left
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.work + "-keep", ignore_errors=True)
