"""The untrusted side of grading: runs a notebook's cells and answers probes, nothing else.

Started by :mod:`.launcher` (``python -m gancourse.sandbox.runner IN OUT``) in the sandbox, with
``IN``/``OUT`` the pipe descriptors of :mod:`.frames` (``0 1`` in a container: the frames then keep
stdin and stdout, and the notebook's own prints go to ``/dev/null``). Cells run in an IPython shell (magics and
``display`` work as in Jupyter, without a kernel). A probe request names a check, the student's
objects by name and a seed; the answer is the probe's report of plain values. The verdict is
never computed here: whatever this process does, it can only send values.
"""

from __future__ import annotations

import os
import signal
import sys

from .frames import dump_values, receive_json, send, send_json


def _error_line(result) -> str | None:
    err = result.error_before_exec or result.error_in_exec
    return None if err is None else f"{type(err).__name__}: {err}".splitlines()[0][:300]


def _probe(shell, req: dict) -> bytes:
    from .. import checks  # noqa: F401 - registers every check, the hidden ones too
    from ..checks.protocol import CHECKS

    if req["check"] not in CHECKS:
        return dump_values({"failed": f"this course has no check {req['check']!r}: update gancourse"})
    missing = [n for n in req["names"] if n not in shell.user_ns]
    if missing:
        report = {"failed": f"{missing[0]} is not defined: the exercise cell did not run, or its name was changed."}
    else:
        report = CHECKS[req["check"]].ask(req["seed"], *req["consts"], *(shell.user_ns[n] for n in req["names"]))
    return dump_values(report)


def _keep_stdio(fd_in: int, fd_out: int) -> tuple[int, int]:
    """Move the channel off descriptors 0 and 1, so a notebook's ``print`` cannot write into it."""
    if not {fd_in, fd_out} & {0, 1}:
        return fd_in, fd_out
    fd_in, fd_out = os.dup(fd_in), os.dup(fd_out)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    return fd_in, fd_out


def main(fd_in: int, fd_out: int) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    fd_in, fd_out = _keep_stdio(fd_in, fd_out)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a background grader's SIG_IGN must not stick
    shell = InteractiveShell.instance(colors="nocolor")
    send_json(fd_out, {"pid": os.getpid()})  # ready; the pid lets the grader interrupt a cell where there is no /proc
    while True:
        req = receive_json(fd_in)
        if req["op"] == "cell":
            try:
                error = _error_line(shell.run_cell(req["source"], store_history=False))
            except KeyboardInterrupt:
                error = "KeyboardInterrupt: interrupted"
            send_json(fd_out, {"error": error})
        elif req["op"] == "probe":
            try:
                answer = _probe(shell, req)
            except KeyboardInterrupt:
                answer = dump_values({"failed": "the check ran over its time limit (an endless loop?)"})
            except Exception as e:  # e.g. a report torch cannot save
                answer = dump_values({"failed": f"the check could not report: {type(e).__name__}: {e}".splitlines()[0]})
            send(fd_out, answer)
        else:
            return


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
