"""Generate the student notebooks in ``lessons/`` from the complete ones in ``solutions/``.

Introduced in lesson 01. A solution region is marked as nbgrader marks it::

    ### BEGIN SOLUTION
    ...the answer...
    ### END SOLUTION

and becomes, at the marker's indentation::

    # YOUR CODE HERE
    raise NotImplementedError()

Outputs and execution counts are dropped, so lessons are committed clean.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

from ..config import GancourseError
from .nbformat_lite import nbformat

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)", re.M | re.S)


def strip_solutions(source: str, where: str = "a cell", markdown: bool = False) -> str:
    """Replace every solution region in ``source`` with the exercise gap."""
    if source.count(BEGIN) != source.count(END):
        raise GancourseError(f"{where}: {source.count(BEGIN)} '{BEGIN}' but {source.count(END)} '{END}': pair them up.")

    def gap(m: re.Match) -> str:
        indent = m.group(1)
        if markdown:
            return f"{indent}YOUR ANSWER HERE{m.group(2)}"
        return f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError(){m.group(2)}"

    out = _REGION.sub(gap, source)
    if BEGIN in out or END in out:
        raise GancourseError(f"{where}: a solution marker is out of order or nested: fix the markers.")
    return out


def make_lesson(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The student version of one solution notebook."""
    lesson = copy.deepcopy(nb)
    for i, cell in enumerate(lesson.cells):
        where = f"{name}, cell {i + 1}"
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, where)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source, where, markdown=True)
    lesson.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    lesson.metadata["gancourse"] = {"generated": cells_digest(lesson)}
    return lesson


def cells_digest(nb) -> str:
    """SHA-256 of the cells' types and sources: what a student's edits change."""
    cells = [[c.cell_type, c.source] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def edited(path: Path) -> bool:
    """Whether someone changed or ran this generated notebook since it was written (unreadable counts)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return True
    if any(c.cell_type == "code" and (c.get("outputs") or c.get("execution_count")) for c in nb.cells):
        return True
    stored = nb.metadata.get("gancourse", {}).get("generated")
    return stored is not None and stored != cells_digest(nb)


def lesson_text(solution: Path) -> str:
    nb = nbformat.read(solution, as_version=4)
    return nbformat.writes(make_lesson(nb, solution.name)) + "\n"


def generate_lessons(
    solutions: str | Path = "solutions", lessons: str | Path = "lessons", check: bool = False, force: bool = False
) -> list[Path]:
    """Write ``lessons/`` from ``solutions/``; with ``check``, write nothing and return the stale files.

    ``lessons/`` is generated: students work on copies (``make lab`` copies it to ``work/``). A
    notebook there that someone edited or ran is never overwritten unless ``force``.
    """
    solutions, lessons = Path(solutions), Path(lessons)
    sources = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise GancourseError(f"no numbered notebooks (NN_topic.ipynb) in {solutions}/: run from the repository root.")
    texts = {src: lesson_text(src) for src in sources}
    stale = [
        lessons / s.name
        for s, text in texts.items()
        if (lessons / s.name).exists() and (lessons / s.name).read_text(encoding="utf-8") != text
    ]
    kept = [p for p in stale if edited(p)]
    if kept and not check and not force:
        raise GancourseError(
            f"{len(kept)} notebook(s) in {lessons}/ were edited or run since they were generated "
            f"({', '.join(p.name for p in kept)}): pass --force to overwrite them (the edits are "
            "lost), or give another --out."
        )
    changed = []
    for src, text in texts.items():
        dst = lessons / src.name
        if not dst.exists() or dst.read_text(encoding="utf-8") != text:
            changed.append(dst)
            if not check:
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_text(text, encoding="utf-8")
    expected = {s.name for s in sources}
    extra = [p for p in sorted(lessons.glob("[0-9][0-9]_*.ipynb")) if p.name not in expected]
    return changed + (extra if check else [])


def copy_to_workspace(lessons: str | Path = "lessons", work: str | Path = "work") -> list[Path]:
    """Copy lessons a student does not have yet into ``work/``; never overwrite their notebooks."""
    lessons, work = Path(lessons), Path(work)
    work.mkdir(parents=True, exist_ok=True)
    copied = []
    for src in sorted(lessons.glob("*.ipynb")):
        dst = work / src.name
        if not dst.exists():
            dst.write_bytes(src.read_bytes())
            copied.append(dst)
    return copied
