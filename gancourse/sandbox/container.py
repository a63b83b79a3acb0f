"""The sandbox in a container, for instructors on macOS and Windows (or anyone with Docker or Podman).

``gancourse grade --sandbox docker`` (or ``podman``) runs each notebook in a fresh container of the
course's image, built once from the repository's ``Dockerfile``::

    docker build -t gancourse-grader .

(with network, once; grading is offline from then on). The container has no network, a read-only
root filesystem, a private tmpfs work folder, no capabilities, an unprivileged user, and memory, CPU,
process, file-size and open-file limits. The grader talks to the runner over the container's stdin
and stdout with the same frames as every sandbox; the container is removed when its notebook is done.
"""

from __future__ import annotations

import shutil
import subprocess

IMAGE = "gancourse-grader"
ENGINES = ("docker", "podman")


def engine_problem(engine: str, image: str) -> str | None:
    """Why ``engine`` cannot run ``image`` here, in one line that says what to do; None when it can."""
    exe = shutil.which(engine)
    if exe is None:
        return f"--sandbox {engine}: {engine} is not installed; install it, or grade on Linux with bubblewrap"
    try:
        done = subprocess.run([exe, "image", "inspect", image], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return f"--sandbox {engine}: {engine} did not answer in 120 s; is its engine running?"
    if done.returncode == 0:
        return None
    said = (done.stderr.strip().splitlines() or ["no answer"])[0]
    if "daemon" in said.lower() or "connect" in said.lower():
        return f"--sandbox {engine}: no {engine} engine runs ({said}); start it (Docker Desktop, podman machine start)"
    return f"--sandbox {engine}: no image {image!r}; build it once in the course's folder: {engine} build -t {image} ."


def container_command(engine: str, image: str, name: str, limits, env: dict[str, str]) -> list[str]:
    """``engine run`` for one notebook: the runner reads requests on stdin and answers on stdout."""
    args = [engine, "run", "--rm", "-i", "--name", name, "--network", "none", "--read-only"]
    args += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "65534:65534"]
    args += ["--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m"]
    args += ["--cpus", str(limits.threads), "--pids-limit", str(limits.processes)]
    args += [
        "--ulimit",
        f"data={limits.memory_mb << 20}",
        "--ulimit",
        f"cpu={limits.cpu_s}",
    ]  # MemoryError, as elsewhere
    args += ["--ulimit", f"fsize={limits.file_mb << 20}", "--ulimit", f"nofile={limits.open_files}"]
    args += ["--ulimit", "core=0", "--tmpfs", f"/work:rw,size={limits.work_mb}m,mode=1777", "--workdir", "/work"]
    args += ["--tmpfs", "/tmp:rw,size=64m,mode=1777"]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    return [*args, image, "python", "-m", "gancourse.sandbox.runner", "0", "1"]


def signal_container(engine: str, name: str, sig: str) -> None:
    subprocess.run([engine, "kill", "--signal", sig, name], capture_output=True, timeout=60)


def remove_container(engine: str, name: str) -> bool:
    """Remove the container (and all it runs); True when the engine no longer lists it."""
    subprocess.run([engine, "rm", "-f", name], capture_output=True, timeout=120)
    listed = subprocess.run(
        [engine, "ps", "-aq", "--filter", f"name=^{name}$"], capture_output=True, text=True, timeout=60
    )
    return listed.returncode == 0 and not listed.stdout.strip()
