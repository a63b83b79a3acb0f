"""Tables that render as tables in Jupyter and read as text in a terminal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["Markdown", "markdown_table"]


class Markdown(str):
    """Markdown text: Jupyter renders it (``_repr_markdown_``); ``print`` and the terminal show the text itself."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:  # the plain-text view of a notebook's last expression, and IPython in a terminal
        return str(self)


def markdown_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric: Sequence[bool] | None = None,
    before: str = "",
    after: str = "",
) -> Markdown:
    """A Markdown table; ``numeric[i]`` right-aligns column ``i``; ``before``/``after`` are paragraphs around it."""
    numeric = list(numeric) if numeric is not None else [False] * len(header)
    if len(numeric) != len(header):
        raise ValueError(f"numeric has {len(numeric)} entries for {len(header)} columns")
    lines = [before, ""] if before else []
    lines += ["| " + " | ".join(header) + " |", "|" + "".join("---:|" if n else "---|" for n in numeric)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells for {len(header)} columns: {row!r}")
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    lines += ["", after] if after else []
    return Markdown("\n".join(lines))
