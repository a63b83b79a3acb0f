"""One sandboxed process per graded notebook, and the guarantee that nothing of it outlives grading.

The modes (:mod:`.choice` picks one): ``namespaces`` (root: ``unshare``, then :mod:`.namespaces` locks
the filesystem and drops to a fresh uid), ``bubblewrap`` (any user on Linux, :mod:`.bubblewrap`), a
container (:mod:`.container`), or ``none``: its own session and process group and the same resource
limits, but the grader's rights; the grader says so loudly. Leaving the ``with`` block kills the process
group (and removes the container), then every process that carries the sandbox's uid or marker, and
checks that none is left.
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
from pathlib import Path

from .bubblewrap import bwrap_binary, bwrap_command, counts_processes_per_namespace
from .choice import UNSHARE, needed_paths, protection
from .container import ENGINES, IMAGE, container_command, remove_container, signal_container
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


_SHIM = (
    "import os, sys\npid = os.fork()\nif pid == 0:\n"
    "    os.execv(sys.executable, [sys.executable, '-m', 'gancourse.sandbox.runner', *sys.argv[1:]])\n"
    "os.waitpid(pid, 0)\n"
)


class Sandbox:
    """``with Sandbox(hide, limits) as box:``: ``box.req_w``/``box.rep_r`` talk to the runner; leaving kills all."""

    def __init__(self, hide: list[Path], limits: Limits = Limits(), mode: str | None = None, image: str = IMAGE):
        self.mode = mode or protection()
        self.limits, self.hide, self.image = limits, [str(Path(p).resolve()) for p in hide], image
        # a uid no one else has, so its processes are all ours; under bubblewrap the instructor's own (never swept)
        self.uid = 100_000 + secrets.randbelow(1 << 30) if self.mode == "namespaces" else None
        self.marker = f"GANCOURSE_SANDBOX_ID={secrets.token_hex(12)}"
        self.name = f"{PREFIX}{secrets.token_hex(8)}"  # the container's name
        self.survivors: list[int] = []

    def _env(self, work: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": work,
            "LANG": "C.UTF-8",
            "GANCOURSE_FAST": "1",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": f"{work}/.mpl",
            "OMP_NUM_THREADS": str(self.limits.threads),
            "GANCOURSE_THREADS": str(self.limits.threads),
            self.marker.split("=")[0]: self.marker.split("=")[1],
        }

    def _command(self, fds: list[int]) -> list[str]:
        """The command line that starts the runner in this mode, talking over ``fds`` (request in, reply out)."""
        if self.mode in ENGINES:
            env = {k: v for k, v in self._env("/work").items() if k != "PATH"}
            return container_command(self.mode, self.image, self.name, self.limits, env)
        if self.mode == "none":  # a shim in between: the runner's parent is the shim, never this grader
            return [sys.executable, "-c", _SHIM, *map(str, fds)]
        rlimits = dict(self.limits.rlimits())
        if self.mode == "namespaces" or counts_processes_per_namespace():
            rlimits["RLIMIT_NPROC"] = self.limits.processes
        spec = {"work": self.work, "env": self._env(self.work), "limits": rlimits, "fds": fds}
        if self.mode == "namespaces":
            spec |= {"hide": self.hide, "need": needed_paths(), "work_mb": self.limits.work_mb, "uid": self.uid}
        inner = [sys.executable, "-m", "gancourse.sandbox.namespaces", json.dumps(spec)]
        if self.mode == "namespaces":
            return [*UNSHARE, *inner]
        bwrap = bwrap_binary()
        return bwrap_command(bwrap, self.work, self.limits.work_mb, self.hide, needed_paths(), inner)

    def __enter__(self) -> Sandbox:
        sweep_stale()
        self.work = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
        os.mkdir(self.work + "-keep", 0o700)
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        stdio = self.mode in ENGINES  # a container's runner reads stdin and answers on stdout
        self.proc = subprocess.Popen(
            self._command([0, 1] if stdio else [req_r, rep_w]),
            pass_fds=() if stdio else (req_r, rep_w),
            stdin=req_r if stdio else subprocess.DEVNULL,
            stdout=rep_w if stdio else subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.work,
            env=None if stdio else self._env(self.work),  # an engine's client needs the grader's own environment
            preexec_fn=self._limit_here if self.mode == "none" else None,
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
        if self.mode == "none" and isinstance(said, dict) and isinstance(said.get("pid"), int):
            self._pid = said["pid"]

    def runner_pid(self) -> int:
        """The runner's pid as this machine sees it: the descendant that runs it, or what the runner said."""
        if getattr(self, "_pid", None):
            return self._pid
        todo = [self.proc.pid]
        while todo:  # unshare -> runner; bwrap -> bwrap's init -> runner
            pid = todo.pop(0)
            try:
                if b"gancourse.sandbox.runner" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
                todo += map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii").split())
            except OSError:
                continue
        return self.proc.pid

    def interrupt(self) -> None:
        """KeyboardInterrupt in the running cell, as Jupyter's stop button."""
        if self.mode in ENGINES:
            return signal_container(self.mode, self.name, "INT")
        try:
            os.kill(self.runner_pid(), signal.SIGINT)
        except ProcessLookupError:
            pass

    def alive(self) -> list[int]:
        """Processes this notebook started that still run: the sandbox's uid, or its marker in the environment."""
        return [] if self.mode in ENGINES else processes_of(self.uid, self.marker.encode())

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
        if self.mode in ENGINES and not remove_container(self.mode, self.name):
            self.survivors.append(-1)  # the engine still lists the container
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
