"""``gancourse lessons``, ``workspace`` and ``check``: the course's own tools (``grade`` is in :mod:`.grade`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..authoring.lessons import copy_to_workspace, generate_lessons
from ..authoring.nbformat_lite import nbformat
from ..authoring.notebooks import course_folder
from ..checks import OK
from ..config import GancourseError
from ..grading.notebook import grade_notebook, notebook_lesson


def lessons(args: argparse.Namespace) -> int:
    changed = generate_lessons(args.solutions, args.out, check=args.check, force=args.force)
    if args.check:
        if changed:
            print("lessons/ is stale; run `gancourse lessons` to regenerate:\n  " + "\n  ".join(map(str, changed)))
            return 1
        print("lessons/ is up to date.")
        return 0
    print(f"wrote {len(changed)} lesson(s)" + (":\n  " + "\n  ".join(map(str, changed)) if changed else ""))
    return 0


def workspace(args: argparse.Namespace) -> None:
    copied = copy_to_workspace(args.lessons or course_folder("lessons"), args.work)
    kept = sorted(p.name for p in Path(args.work).glob("*.ipynb") if Path(args.work, p.name) not in copied)
    print(
        f"{args.work}/: copied {len(copied)} new lesson(s)"
        + (f"; kept your {len(kept)} existing notebook(s) untouched" if kept else "")
    )


def check(args: argparse.Namespace) -> int:
    path = Path(args.notebook)
    if not path.is_file():
        raise GancourseError(f"no notebook at {path}: give the path of your lesson notebook, e.g. work/02_dcgan.ipynb.")
    lesson = args.lesson
    if lesson is None:
        try:
            lesson = notebook_lesson(nbformat.read(path, as_version=4))
        except Exception:
            raise GancourseError(f"{path} is not a readable notebook: open it in Jupyter and save it again.") from None
        if lesson is None:
            raise GancourseError(f"{path} has no '# Lesson NN' title: pass --lesson NN.")
    print(f"running {path} in fast mode (lesson {lesson}); this takes about a minute...")
    r = grade_notebook(
        path,
        lesson,
        path.stem,
        args.cell_timeout,
        args.timeout,
        hidden=False,
        progress=lambda line: print(line, flush=True),
    )
    if r.status == "graded" and r.detail:
        print(f"note: {r.detail}")
    for name, (ok, message) in r.checks.items():
        print(f"{OK if ok else '❌'} {name}: " + ("passes" if ok else message.replace("\n", "\n    ")))
    detail = f" ({r.status}: {r.detail})" if r.detail or r.status != "graded" else ""
    print(f"{r.score}/{len(r.checks)} exercises pass{detail}.")
    return 0 if r.score == len(r.checks) else 1
