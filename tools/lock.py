"""Write the constraints file from the running environment: ``python tools/lock.py requirements/constraints.txt``.

Run it (``make lock``) in a .venv that has just passed ``make test``: the file then pins exactly the
set CI tested. ``make setup``, ``.ci/run`` and ``environment.yml`` install with ``-c`` on it, so an
upstream release cannot change a student's set-up until someone re-locks and the tests pass again.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from pathlib import Path

SKIP = {"gancourse", "pip"}  # the project itself; pip upgrades itself first


def pins() -> list[str]:
    seen = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in SKIP:
            seen[name.lower()] = f"{name}=={dist.version}"
    return [seen[k] for k in sorted(seen)]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/lock.py requirements/constraints.txt", file=sys.stderr)
        return 2
    out = Path(argv[0])
    head = [
        "# The exact set `make test` passed with (written by `make lock`: tools/lock.py).",
        f"# Locked on Python {platform.python_version()}, {platform.system()} {platform.machine()}.",
        "# Used as constraints (pip install -c): a package that a platform does not need is not installed.",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(head + pins()) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(pins())} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
