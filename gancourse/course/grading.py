"""Run a student's notebook and grade it with the course's own checks. Introduced for instructors.

``grade_notebook(path, lesson)`` executes one notebook with nbclient in its own kernel, in
fast mode, in a temporary working copy, then runs the lesson's checks in that kernel:

* the student's check cells (any cell calling ``checks.check_...``) are removed and the
  grader appends its own, taken from the solution notebook, plus the hidden checks of
  ``gancourse.checks.hidden``; deleting or editing a check cell changes nothing;
* the ``gancourse.checks`` modules are reloaded first, so a redefined check is undone;
* each result travels back as display data tagged with a per-run random key, so printed
  text cannot forge one;
* per-cell and per-notebook time limits interrupt endless loops; a dead kernel, invalid
  JSON, another lesson's notebook or flooding output each give a result, never an exception.

This is not a sandbox: student code runs with the grader's rights (in a temporary folder).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..checks.hidden import HIDDEN

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
MIME = "application/x-gancourse-grade+json"
_CHECK_CALL = re.compile(r"^checks\.(check_\w+)\((.*)\)\s*$", re.M)
_TITLE = re.compile(r"^#\s*Lesson\s+(\d\d)", re.M)
OUTPUT_CAP = 200_000  # characters of stdout/stderr a cell may print before the rest is dropped

_PRELUDE = """\
import sys as _gc_sys

class _GcCapped:
    def __init__(self, stream, cap):
        self._stream, self._cap, self.written = stream, cap, 0
    def write(self, text):
        if self.written < self._cap:
            text = text[: self._cap - self.written]
            self.written += len(text)
            if self.written >= self._cap:
                text += "\\n[gancourse grade: output truncated]\\n"
            return self._stream.write(text)
        return len(text)
    def __getattr__(self, name):
        return getattr(self._stream, name)

_gc_sys.stdout, _gc_sys.stderr = _GcCapped(_gc_sys.stdout, {cap}), _GcCapped(_gc_sys.stderr, {cap})

def _gc_reset(*args):
    for s in (_gc_sys.stdout, _gc_sys.stderr):
        if isinstance(s, _GcCapped):
            s.written = 0

get_ipython().events.register("pre_run_cell", _gc_reset)
"""

_GRADER_CELL = """\
def _gc_grade():
    import contextlib, importlib, io
    import gancourse.checks, gancourse.checks._common, gancourse.checks.hidden
    for _m in [m for n, m in list(__import__("sys").modules.items()) if n.startswith("gancourse.checks.")]:
        importlib.reload(_m)
    checks = importlib.reload(gancourse.checks)
    result = {{"key": {key!r}, "name": {name!r}}}
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            eval({call!r}, {{**globals(), "checks": checks, "hidden": gancourse.checks.hidden}})
        result.update(passed=True, message=buf.getvalue().strip().splitlines()[-1] if buf.getvalue().strip() else "ok")
    except AssertionError as e:
        result.update(passed=False, message=str(e).strip() or "AssertionError")
    except NameError as e:
        result.update(passed=False, message=f"{{e}}: the exercise cell did not run, or its name was changed.")
    except BaseException as e:
        result.update(passed=False, message=f"{{type(e).__name__}}: {{e}}".splitlines()[0])
    from IPython.display import display
    display({{{mime!r}: result}}, raw=True)

_gc_grade()
"""


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
    last_cell: int = -1

    @property
    def score(self) -> int:
        return sum(ok for ok, _ in self.checks.values())


def lesson_checks(lesson: str, solutions: Path = SOLUTIONS, hidden: bool = True) -> list[tuple[str, str]]:
    """``(name, call)`` for the lesson's public checks (from its solution notebook) and hidden ones."""
    found = sorted(solutions.glob(f"{lesson}_*.ipynb"))
    if not found:
        raise ValueError(f"no solution notebook for lesson {lesson} in {solutions}")
    nb = nbformat.read(found[0], as_version=4)
    calls = [m for c in nb.cells if c.cell_type == "code" for m in _CHECK_CALL.finditer(c.source)]
    public = [(m.group(1).removeprefix("check_"), f"checks.{m.group(1)}({m.group(2)})") for m in calls]
    return public + (HIDDEN.get(lesson, []) if hidden else [])


def notebook_lesson(nb) -> str | None:
    """The lesson number in the notebook's title ("# Lesson 02 ..."), or None."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = _TITLE.search(cell.source)
            if m:
                return m.group(1)
    return None


def _graded_copy(nb, checks: list[tuple[str, str]], key: str):
    """The student's cells without their check cells, behind our prelude and followed by our checks."""
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells.append(nbformat.v4.new_code_cell(_PRELUDE.format(cap=OUTPUT_CAP)))
    out.cells += [c for c in nb.cells if c.cell_type == "code" and "checks.check_" not in c.source]
    start = len(out.cells)
    for name, call in checks:
        out.cells.append(nbformat.v4.new_code_cell(_GRADER_CELL.format(key=key, name=name, call=call, mime=MIME)))
    return out, start


def grade_notebook(path: str | Path, lesson: str, student: str | None = None, cell_timeout: float = 120,
                   notebook_timeout: float = 600, solutions: Path = SOLUTIONS, hidden: bool = True) -> Result:
    """Execute and grade one notebook; every failure mode becomes a :class:`Result`, never an exception."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    path = Path(path)
    checks = lesson_checks(lesson, solutions, hidden)
    result = Result(student or path.stem, str(path), lesson)
    fail_all = lambda status, why: _fail_all(result, checks, status, why)  # noqa: E731
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:
        return fail_all("invalid notebook", f"cannot read the notebook ({type(e).__name__}): resubmit a .ipynb saved by Jupyter")
    found = notebook_lesson(nb)
    if found is not None and found != lesson:
        return fail_all("wrong lesson", f"this is lesson {found}'s notebook, not lesson {lesson}'s")
    key = secrets.token_hex(8)
    graded, first_check = _graded_copy(nb, checks, key)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gancourse-grade-") as work:
        shutil.copy2(path, Path(work) / path.name)  # the student's code sees a copy, never the instructor's folder
        env = {**os.environ, "GANCOURSE_FAST": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
        client = NotebookClient(graded, timeout=cell_timeout, allow_errors=True, interrupt_on_timeout=True,
                                error_on_timeout={"ename": "CellTimeout", "evalue": f"cell ran over {cell_timeout:g} s",
                                                  "traceback": []},
                                kernel_name="python3", resources={"metadata": {"path": work}})
        try:
            with client.setup_kernel(env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                for i, cell in enumerate(graded.cells):
                    left = notebook_timeout - (time.monotonic() - start)
                    if left <= 0 and i < first_check:
                        result.detail = f"stopped at cell {i}: the notebook ran over {notebook_timeout:g} s"
                        break
                    client.timeout = max(5, min(cell_timeout, left)) if i < first_check else cell_timeout
                    began = time.monotonic()
                    client.execute_cell(cell, i)
                    _note_problems(result, cell, i, timed_out=time.monotonic() - began >= client.timeout - 0.5)
                    cell.outputs = [o for o in cell.outputs if o.get("output_type") in ("display_data", "error")]
                if i < first_check:  # the notebook limit stopped us before the checks: run them anyway
                    for j in range(first_check, len(graded.cells)):
                        client.timeout = cell_timeout
                        client.execute_cell(graded.cells[j], j)
        except DeadKernelError:
            result.status, result.detail = "kernel died", f"the kernel died ({_where(result)}): look for os._exit, crashes or memory blow-ups"
        except Exception as e:
            result.status, result.detail = "error", f"{type(e).__name__}: {e}".splitlines()[0]
    result.seconds = round(time.monotonic() - start, 1)
    for name, _ in checks:  # collect what the grader cells reported
        result.checks[name] = (False, "not checked: " + (result.detail or "the check did not report"))
    for cell in graded.cells[first_check:]:
        for o in cell.get("outputs", []):
            r = o.get("data", {}).get(MIME) if o.get("output_type") == "display_data" else None
            if isinstance(r, dict) and r.get("key") == key and r.get("name") in result.checks:
                result.checks[r["name"]] = (bool(r["passed"]), str(r["message"]))
    return result


def _fail_all(result: Result, checks, status: str, why: str) -> Result:
    result.status, result.detail = status, why
    result.checks = {name: (False, why) for name, _ in checks}
    return result


def _note_problems(result: Result, cell, i: int, timed_out: bool) -> None:
    """Remember which cell ran last, and cells that hit the time limit (cell 0 is the grader's prelude)."""
    result.last_cell = i
    if timed_out or any(o.get("output_type") == "error" and o.get("ename") == "CellTimeout" for o in cell.outputs):
        result.detail = (result.detail + "; " if result.detail else "") + f"code cell {i} hit the time limit and was interrupted"


def _where(result: Result) -> str:
    return f"in code cell {result.last_cell + 1}"


def find_submissions(folder: str | Path) -> list[tuple[str, Path]]:
    """``(student, notebook)`` for a folder of ``.ipynb`` files or nbgrader's ``submitted/<student>/...``."""
    folder = Path(folder)
    if folder.is_file():
        return [(folder.stem, folder)]
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is neither a notebook nor a folder of notebooks")
    out = []
    for p in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in p.parts:
            continue
        rel = p.relative_to(folder)
        out.append((rel.parts[0] if len(rel.parts) > 1 else p.stem, p))
    return out
