"""The command line: ``gancourse ...`` or ``python -m gancourse ...``.

``parser`` builds the only argparse parser; each command group has its module (``train``,
``generate``, ``evaluate``, ``course``) and receives typed options or parsed arguments. Nothing
below this package imports it.
"""

from __future__ import annotations

import sys

from ..config import GancourseError
from .parser import build_parser

__all__ = ["build_parser", "main"]


def _tolerant_streams() -> None:
    """A terminal whose encoding cannot show "✅" or "→" (Windows' cp1252 when output is redirected, a C locale)
    gets escapes for them instead of a UnicodeEncodeError half-way through a command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _tolerant_streams()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help (0) or a refused argument (2, already said in one line)
        return e.code if isinstance(e.code, int) else 2
    try:
        rc = args.func(args)
    except GancourseError as e:
        print(f"gancourse: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gancourse: interrupted; completed checkpoints are kept.", file=sys.stderr)
        return 130
    return rc if isinstance(rc, int) else 0
