"""Argument types that refuse nonsense with one line (``--epochs 0``, ``--lr nan``), and a parser that says it in one.

argparse turns the ``ArgumentTypeError`` into ``gancourse: error: argument --n: must be 1 or more, got -5``.
"""

from __future__ import annotations

import argparse
import math
import sys


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line (and the subcommand's --help is named) instead of a usage dump."""

    def add_argument(self, *args, **kwargs):
        """argparse's, and every option's help ends with its default (``--help`` shows what you get)."""
        action = super().add_argument(*args, **kwargs)
        shown = (
            action.option_strings and action.help is not argparse.SUPPRESS and "%(default)" not in (action.help or "")
        )
        if shown and action.default is not None and action.default is not False and action.default != argparse.SUPPRESS:
            action.help = f"{action.help} (default: %(default)s)" if action.help else "default: %(default)s"
        return action

    def error(self, message: str):  # noqa: D102 - argparse's hook
        print(f"gancourse: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def whole(minimum: int):
    """A whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def positive(text: str) -> float:
    """A finite number > 0 (learning rates, thresholds, minutes, seconds)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


def share(text: str) -> float:
    """A share in (0, 1], e.g. a similarity threshold."""
    value = positive(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, got {text}")
    return value


def augment_policy(text: str) -> str:
    """A DiffAugment policy such as ``color,translation,cutout`` (checked against the known transforms)."""
    from ..config import GancourseError
    from ..train.augment import parse_policy

    try:
        return ",".join(parse_policy(text))
    except GancourseError as e:
        raise argparse.ArgumentTypeError(str(e).rstrip(".")) from None
