"""Grade one notebook. Introduced for instructors; ``gancourse check`` uses the same path for students.

The trust boundary (the reasons are in :mod:`gancourse.checks.protocol`):

* the student's process is a :class:`~.sandbox.Sandbox` running :mod:`gancourse.sandbox.runner`; it receives
  the official lesson's cells with only the submission's exercise cells (:mod:`.submission`),
  then one probe request per check, and answers each with plain values;
* this process draws each check's seed, opens the answer with ``weights_only=True`` and runs
  the verdict itself: patching ``eval``, the checks, ``display``, IPython hooks or anything else
  in the student's process changes values at most, and wrong values fail;
* per-cell and per-notebook time limits interrupt endless loops; a dead process, invalid JSON,
  another lesson's notebook or a broken channel each give a result, never an exception.
"""

from __future__ import annotations

import ast
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..authoring.nbformat_lite import nbformat
from ..authoring.notebooks import course_folder
from ..checks import HIDDEN
from ..checks.protocol import CHECKS
from ..sandbox.container import IMAGE
from ..sandbox.frames import ChannelError, load_values, receive, receive_json, send_json
from ..sandbox.launcher import Limits, Sandbox
from .submission import assemble

_CHECK_CALL = re.compile(r"^checks\.(check_\w+)\((.*)\)\s*$", re.M)
_TITLE = re.compile(r"^#\s*Lesson\s+(\d\d)", re.M)


@dataclass(frozen=True)
class CheckSpec:
    """One graded check: its column name, the check, constant arguments and the student's objects it takes."""

    name: str
    check: str
    consts: tuple = ()
    names: tuple[str, ...] = ()


@dataclass
class Result:
    """One graded notebook: the student, a status ("graded" or why it could not be), and each check's result."""

    student: str
    path: str
    lesson: str
    status: str = "graded"
    detail: str = ""
    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)
    seconds: float = 0.0
    sha256: str = ""

    @property
    def score(self) -> int:
        return sum(ok for ok, _ in self.checks.values())

    def note(self, text: str) -> None:
        self.detail = f"{self.detail}; {text}" if self.detail else text


def _spec(m: re.Match) -> CheckSpec:
    args = ast.parse(f"f({m.group(2)})", mode="eval").body.args
    consts = tuple(a.value for a in args if isinstance(a, ast.Constant))
    names = tuple(a.id for a in args if isinstance(a, ast.Name))
    name = m.group(1).removeprefix("check_")
    return CheckSpec(name, m.group(1), consts, names)


def solution_path(lesson: str, solutions: Path | None = None) -> Path:
    """Lesson ``lesson``'s solution notebook in ``solutions`` (default: the course's own)."""
    solutions = Path(solutions) if solutions is not None else course_folder("solutions")
    found = sorted(solutions.glob(f"{lesson}_*.ipynb"))
    if not found:
        raise ValueError(f"no solution notebook for lesson {lesson} in {solutions}")
    return found[0]


def lesson_checks(lesson: str, solutions: Path | None = None, hidden: bool = True) -> list[CheckSpec]:
    """The lesson's public checks (the check cells of its solution notebook), then its hidden ones."""
    nb = nbformat.read(solution_path(lesson, solutions), as_version=4)
    public = [_spec(m) for c in nb.cells if c.cell_type == "code" for m in _CHECK_CALL.finditer(c.source)]
    secret = [CheckSpec(name, check, (), names) for name, check, names in HIDDEN.get(lesson, [])]
    return public + (secret if hidden else [])


def notebook_lesson(nb) -> str | None:
    """The lesson number in the notebook's title ("# Lesson 02 ..."), or None."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = _TITLE.search(cell.source)
            if m:
                return m.group(1)
    return None


_VERDICTS = threading.Lock()  # verdicts seed torch's global generator: one at a time when notebooks run side by side


def judge(spec: CheckSpec, payload: bytes, seed: int) -> tuple[bool, str]:
    """The verdict, in this process, on the values the student's process sent."""
    try:
        report = load_values(payload)
        with _VERDICTS:
            return True, CHECKS[spec.check].judge(report, seed, *spec.consts)
    except ChannelError as e:
        return False, f"{e}: resubmit"
    except AssertionError as e:
        return False, str(e).strip() or "AssertionError"


def _ask(box: Sandbox, request: dict, timeout: float, read=receive):
    """Send one request; past ``timeout`` interrupt the runner (Jupyter's stop button) and wait 15 s more.

    Returns ``(answer, interrupted)``; ``TimeoutError`` when even the interrupt gets no answer.
    """
    send_json(box.req_w, request)
    try:
        return read(box.rep_r, timeout), False
    except TimeoutError:
        box.interrupt()
        return read(box.rep_r, 15), True


def _run_cells(
    box: Sandbox,
    parts,
    result: Result,
    cell_timeout: float,
    notebook_timeout: float,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Run the cells in the sandbox; return the first error a cell raised ("" if none)."""
    start, first_error = time.monotonic(), ""
    for i, (where, source) in enumerate(zip(parts.ids, parts.sources, strict=True), 1):
        began = time.monotonic()
        left = notebook_timeout - (time.monotonic() - start)
        if left <= 0:
            result.note(f"stopped at {where}: the notebook ran over {notebook_timeout:g} s")
            break
        reply, interrupted = _ask(
            box, {"op": "cell", "source": source}, max(5.0, min(cell_timeout, left)), receive_json
        )
        if interrupted:
            result.note(f"{where} hit the time limit and was interrupted")
        error = reply.get("error") if isinstance(reply, dict) else "a malformed answer"
        if error and not first_error:
            first_error = f"{where} raised {error}"
        if progress is not None:
            how = f"raised {error}" if error else "interrupted" if interrupted else "ok"
            progress(f"  [{i}/{len(parts.ids)}] {where}: {how} ({time.monotonic() - began:.1f} s)")
    return first_error


def _fail_rest(result: Result, specs: list[CheckSpec], why: str) -> None:
    for spec in specs:
        result.checks.setdefault(spec.name, (False, f"not checked: {why}"))


def grade_notebook(
    path: str | Path,
    lesson: str,
    student: str | None = None,
    cell_timeout: float = 120,
    notebook_timeout: float = 600,
    solutions: Path | None = None,
    hidden: bool = True,
    limits: Limits = Limits(),
    hide: tuple[Path, ...] = (),
    progress: Callable[[str], None] | None = None,
    sandbox: str = "auto",
    image: str = IMAGE,
) -> Result:
    """Run and grade one notebook; every failure mode becomes a :class:`Result`, never an exception.

    ``progress``, if given, receives one line per cell as it finishes (``gancourse check`` prints them).
    """
    path = Path(path)
    specs = lesson_checks(lesson, solutions, hidden)
    result = Result(student or path.stem, str(path), lesson)
    try:
        raw = path.read_bytes()
        result.sha256 = hashlib.sha256(raw).hexdigest()
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as e:
        return _give_up(
            result,
            specs,
            "invalid notebook",
            f"cannot read the notebook ({type(e).__name__}): resubmit a .ipynb saved by Jupyter",
        )
    found = notebook_lesson(nb)
    if found is not None and found != lesson:
        return _give_up(result, specs, "wrong lesson", f"this is lesson {found}'s notebook, not lesson {lesson}'s")
    official = solution_path(lesson, solutions)
    parts = assemble(official, nb)
    start, first_error = time.monotonic(), ""
    mode = None if sandbox == "auto" else sandbox
    with Sandbox([path.parent, official.parent, *hide], limits, mode, image) as box:
        try:
            box.hello(max(60.0, cell_timeout))
            first_error = _run_cells(box, parts, result, cell_timeout, notebook_timeout, progress)
            for spec in specs:
                seed = 1 + secrets.randbelow(2**31 - 2)
                request = {
                    "op": "probe",
                    "check": spec.check,
                    "consts": list(spec.consts),
                    "names": list(spec.names),
                    "seed": seed,
                }
                result.checks[spec.name] = judge(spec, _ask(box, request, cell_timeout)[0], seed)
        except (ChannelError, TimeoutError, OSError) as e:
            why = str(e) if isinstance(e, ChannelError) else "the notebook's process stopped answering"
            result.status, result.detail = "process died", f"{why} (after {time.monotonic() - start:.0f} s)"
            _fail_rest(result, specs, why)
    if box.survivors:
        result.note(f"{len(set(box.survivors))} leftover process(es) of this notebook were killed after grading")
    for text in [first_error, *parts.notes]:
        if text:
            result.note(text)
    result.seconds = round(time.monotonic() - start, 1)
    return result


def _give_up(result: Result, specs: list[CheckSpec], status: str, why: str) -> Result:
    result.status, result.detail = status, why
    result.checks = {spec.name: (False, why) for spec in specs}
    return result
