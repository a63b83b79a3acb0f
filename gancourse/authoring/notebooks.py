"""Where the course's notebooks are: inside the installed package, or beside it in a checkout.

A wheel carries ``solutions/`` and ``lessons/`` as ``gancourse/solutions`` and ``gancourse/lessons``
(pyproject's ``package-dir``), so ``pip install gancourse`` is enough for ``gancourse workspace``,
``check`` and ``grade``. A checkout (``pip install -e .``) reads the folders at the repository root,
where instructors edit them.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from ..config import GancourseError

__all__ = ["course_folder"]

FOLDERS = ("solutions", "lessons")


def course_folder(name: str) -> Path:
    """The folder of the course's ``"solutions"`` or ``"lessons"`` notebooks."""
    if name not in FOLDERS:
        raise ValueError(f"course_folder({name!r}): choose one of {', '.join(FOLDERS)}")
    package = Path(str(importlib.resources.files("gancourse")))
    for folder in (package / name, package.parent / name):  # installed wheel, then checkout
        if any(folder.glob("[0-9][0-9]_*.ipynb")):
            return folder
    raise GancourseError(
        f"the course's {name} notebooks are missing from {package}: reinstall gancourse "
        "(pip install --force-reinstall gancourse)."
    )
