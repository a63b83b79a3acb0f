#!/usr/bin/env python3
"""A stand-in for ``docker``/``podman`` where no engine runs (tests/test_container.py puts it first on PATH).

It answers the five commands the grader uses: ``image inspect`` (the image exists), ``run`` (records its
arguments in ``$FAKE_ENGINE_LOG``, applies ``--env`` and ``--workdir``, then execs the container's command
here, ``python`` being this interpreter and ``/work`` a fresh folder), ``kill --signal``, ``rm -f`` and ``ps``.
"""

import json
import os
import signal
import sys
import tempfile
from pathlib import Path

STATE = Path(os.environ["FAKE_ENGINE_STATE"])
IMAGE = os.environ.get("FAKE_ENGINE_IMAGE", "gancourse-grader")
VALUED = {"--name", "--network", "--security-opt", "--user", "--memory", "--memory-swap", "--cpus", "--pids-limit"}
VALUED |= {"--ulimit", "--tmpfs", "--workdir", "--env", "--cap-drop"}


def pid_of(name: str) -> int | None:
    try:
        pid = int((STATE / name).read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def run(args: list[str]) -> None:
    with open(os.environ["FAKE_ENGINE_LOG"], "a") as log:
        log.write(json.dumps(args) + "\n")
    i, opts = 0, {"--env": []}
    while args[i] != IMAGE:
        if args[i] in VALUED:
            opts.setdefault(args[i], [])
            opts[args[i]].append(args[i + 1])
            i += 2
        else:
            i += 1
    work = tempfile.mkdtemp(prefix="fake-container-")
    env = {"PATH": os.environ["PATH"]}
    env |= {k: v.replace("/work", work) for k, v in (e.split("=", 1) for e in opts["--env"])}
    (STATE / opts["--name"][0]).write_text(str(os.getpid()))
    os.chdir(work)
    cmd = [sys.executable if a == "python" else a for a in args[i + 1 :]]
    os.execve(sys.executable, cmd, env)


def main(argv: list[str]) -> int:
    if argv[:2] == ["image", "inspect"]:
        return 0 if argv[2] == IMAGE else 1
    if argv[0] == "run":
        run(argv[1:])
    if argv[0] == "kill":
        pid = pid_of(argv[-1])
        if pid:
            os.kill(pid, getattr(signal, "SIG" + argv[argv.index("--signal") + 1]))
        return 0
    if argv[0] == "rm":
        pid = pid_of(argv[-1])
        if pid:
            os.kill(pid, signal.SIGKILL)
        (STATE / argv[-1]).unlink(missing_ok=True)
        return 0
    if argv[0] == "ps":
        name = argv[-1].removeprefix("name=^").removesuffix("$")
        print(name if pid_of(name) else "")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
