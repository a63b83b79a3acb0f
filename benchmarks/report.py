"""Where the benchmarks write: a Markdown table and its JSON beside it, never over an earlier run's files."""

from __future__ import annotations

import json
from pathlib import Path


def free_stem(stem: Path, suffixes: tuple[str, ...]) -> Path:
    """``stem``, else ``stem-2``, ``stem-3``...: the first for which no ``stem + suffix`` exists yet."""
    n, candidate = 1, stem
    while any(candidate.with_name(candidate.name + s).exists() for s in suffixes):
        n += 1
        candidate = stem.with_name(f"{stem.name}-{n}")
    return candidate


def save_report(out: str | Path, data: dict, text: str | None = None, extra: tuple[str, ...] = ()) -> Path:
    """Write ``STEM.json`` (and ``STEM.md`` with ``text``) for ``out`` = ``STEM[.md|.json]``; returns the stem used.

    ``extra`` names more suffixes the caller will write with the same stem (a plot), so that the
    stem is free for all of them. A stem taken by an earlier run becomes ``STEM-2`` (said on stdout).
    """
    out = Path(out)
    wanted = out.with_suffix("") if out.suffix in (".md", ".json") else out
    stem = free_stem(wanted, (".md", ".json", *extra))
    stem.parent.mkdir(parents=True, exist_ok=True)
    if text is not None:
        stem.with_name(stem.name + ".md").write_text(text, encoding="utf-8")
    stem.with_name(stem.name + ".json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    if stem != wanted:
        print(f"{wanted}.* exist from an earlier run: wrote {stem}.* instead")
    return stem
