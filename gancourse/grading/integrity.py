"""How each exercise passed: the integrity report an instructor reads beside the grade tables.

A grade certifies working code, not authorship: the course's reference implementations ship in the
package and its solutions are public. So for each exercise cell of each submission the grader notes,
from the source alone (nothing is run):

* **reference**: it uses a ``gancourse`` name that neither the lesson's starter cell nor the official
  solution's cell uses: an alias (``d_loss = losses.d_loss_bce``), an import, a call into the library,
  or a string naming the package (``importlib.import_module("gancourse...")``);
* **solution**: it equals the official solution's cell after normalisation (the syntax tree without
  comments, docstrings and layout), when that answer is long enough to tell;
* **similar**: :mod:`.similarity` finds it as close to another submission's cell, the starter code excluded.

The flags go into ``grades.csv`` (column ``integrity``) and ``<table>-integrity.md``; the feedback files a
student receives never show them. A flag is a reason to look, not a verdict.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ..authoring.lessons import BEGIN, make_lesson
from ..authoring.nbformat_lite import nbformat
from .similarity import OFFICIAL, similar_pairs

MIN_ANSWER_CHARS = 80  # an answer shorter than this (normalised, beyond the starter) anyone may write identically


@dataclass(frozen=True)
class Exercise:
    """One exercise cell of the lesson: its id, the names it defines (its label), the starter and the answer."""

    cell_id: str
    label: str
    starter: str
    solution: str


@dataclass
class Flags:
    """What the report says about one submission: exercise label -> reasons to look."""

    student: str
    by_exercise: dict[str, list[str]] = field(default_factory=dict)

    def add(self, label: str, why: str) -> None:
        self.by_exercise.setdefault(label, []).append(why)

    def text(self) -> str:
        return "; ".join(f"{label}: {', '.join(whys)}" for label, whys in self.by_exercise.items())


def _defined(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def exercises(solution: Path) -> list[Exercise]:
    """The lesson's exercise cells, from its solution notebook and the lesson generated from it."""
    official = nbformat.read(solution, as_version=4)
    starters = {c.id: c.source for c in make_lesson(official, solution.name).cells}
    out = []
    for cell in official.cells:
        if cell.cell_type == "code" and BEGIN in cell.source:
            label = ", ".join(_defined(cell.source)) or f"cell {cell.id}"
            out.append(Exercise(cell.id, label, starters[cell.id], cell.source))
    return out


def imports(sources: list[str]) -> dict[str, str]:
    """Local name -> the ``gancourse`` object it is bound to, from every import in ``sources``."""
    bound = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == "gancourse":
                        bound[a.asname or a.name.split(".")[0]] = a.name if a.asname else "gancourse"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gancourse":
                bound |= {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names}
    return bound


def references(source: str, bound: dict[str, str]) -> set[str]:
    """The ``gancourse`` objects ``source`` uses (dotted names), and any string that names the package."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    bound = bound | imports([source])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            names = [f"{mod}.{a.name}" if mod else a.name for a in node.names]
            found |= {n for n in names if n.split(".")[0] == "gancourse"}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "gancourse" in node.value:
            found.add(f"the string {node.value[:40]!r}")
        elif isinstance(node, ast.Attribute | ast.Name):
            chain, base = [], node
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                found.add(".".join([bound[base.id], *chain]))
    return {f for f in found if not any(g.startswith(f + ".") for g in found)}  # the longest chain of each use


def normalised(source: str) -> str | None:
    """The code without comments, docstrings and layout (None if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def _cells(path: Path) -> list | None:
    try:
        return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    except Exception:
        return None  # the grade's row already says the notebook is unreadable


def _verbatim(source: str, ex: Exercise) -> bool:
    answer = normalised(ex.solution) or ""
    return len(answer) - len(normalised(ex.starter) or "") >= MIN_ANSWER_CHARS and normalised(source) == answer


def _similar(flags: dict[str, Flags], label: str, answers: dict[str, str], ex: Exercise, threshold: float) -> None:
    for a, b, score in similar_pairs(answers, ex.starter, ex.solution, threshold):
        if b != OFFICIAL:
            flags[a].add(label, f"{score:.0%} like {b}")
            flags[b].add(label, f"{score:.0%} like {a}")
        elif "the official solution, verbatim" not in flags[a].by_exercise.get(label, []):
            flags[a].add(label, f"{score:.0%} like the official solution")


def integrity_report(found: list[tuple[str, Path]], solution: Path, threshold: float = 0.9) -> dict[str, Flags]:
    """Flags per student (see the module's docstring) for the submissions ``found`` of one lesson: per exercise,
    then for all the exercises of a notebook together (copying spread over many short answers)."""
    lesson_bound = imports([c.source for c in _cells(solution) or []])
    exs = exercises(solution)
    answers: dict[str, dict[str, str]] = {}
    flags = {student: Flags(student) for student, _ in found}
    for student, path in found:
        cells = _cells(path)
        if cells is None:
            continue
        mine = {c.get("id"): c.source for c in cells}
        answers[student] = {}
        for ex in exs:
            source = mine.get(ex.cell_id)
            if source is None or normalised(source) == normalised(ex.starter):
                continue  # missing or untouched: the grade says so
            answers[student][ex.label] = source
            allowed = references(ex.starter, lesson_bound) | references(ex.solution, lesson_bound)
            extra = sorted(references(source, lesson_bound) - allowed)
            if extra:
                flags[student].add(ex.label, "uses " + ", ".join(extra))
            if _verbatim(source, ex):
                flags[student].add(ex.label, "the official solution, verbatim")
    for ex in exs:
        _similar(flags, ex.label, {s: a[ex.label] for s, a in answers.items() if ex.label in a}, ex, threshold)
    whole = Exercise("", "", "\n".join(e.starter for e in exs), "\n".join(e.solution for e in exs))
    together = {s: "\n".join(a.values()) for s, a in answers.items() if len(a) > 1}
    _similar(flags, "all exercises together", together, whole, threshold)
    return flags
