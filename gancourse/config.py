"""Course-wide settings: fast mode, the data root, and dataclass helpers.

Everything here is standard library only, so every other module may import it.
Fast mode is read from the environment exactly once, at import time:

* ``GANCOURSE_FAST=1`` (or ``true``/``yes``) turns it on, ``GANCOURSE_FAST=0`` forces it off;
* otherwise it is on whenever ``CI`` is set, so continuous integration never trains for long.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, TypeVar

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class GancourseError(Exception):
    """An error caused by the user's input or files; its message says what to do."""


def _read_fast(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    value = environ.get("GANCOURSE_FAST")
    if value is not None:
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
        raise GancourseError(f"GANCOURSE_FAST={value!r} is not understood: use 1 or 0.")
    return bool(environ.get("CI"))


_FAST = _read_fast()


def fast() -> bool:
    """True when fast mode is on (``GANCOURSE_FAST=1`` or ``CI`` set)."""
    return _FAST


def pick(normal: Any, fast_value: Any) -> Any:
    """Return ``fast_value`` in fast mode and ``normal`` otherwise.

    >>> epochs = pick(30, 1)
    """
    return fast_value if _FAST else normal


def banner() -> str:
    """One line that says which mode the notebook runs in (printed by ``setup_notebook``)."""
    if _FAST:
        return "gancourse: FAST MODE is on (GANCOURSE_FAST=1 or CI): tiny data and few steps, samples will look rough."
    return "gancourse: full mode (set GANCOURSE_FAST=1 for a quick smoke run)."


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Where datasets live: ``root`` if given, else ``$GANCOURSE_DATA``, else ``~/.cache/gancourse``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("GANCOURSE_DATA")
    if env:
        return Path(env).expanduser()
    return _user_cache()


def cache_root() -> Path:
    """Where the course keeps what it measured on this machine (autotuning): ``$GANCOURSE_CACHE`` or
    ``~/.cache/gancourse``."""
    env = os.environ.get("GANCOURSE_CACHE")
    if env:
        return Path(env).expanduser()
    return _user_cache()


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gancourse"


T = TypeVar("T")


def config_from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a config dataclass from ``asdict(cfg)`` (as stored in a checkpoint).

    Lists are turned back into tuples where the field's default is a tuple, and an
    unknown key is an error, so a checkpoint from another model kind is caught early.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise GancourseError(
            f"{cls.__name__} has no field(s) {', '.join(unknown)}: was this config saved by another model kind?"
        )
    kwargs = {}
    for name, value in data.items():
        default = fields[name].default
        if isinstance(value, list) and isinstance(default, tuple):
            value = tuple(value)
        kwargs[name] = value
    return cls(**kwargs)
