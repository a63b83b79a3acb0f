"""Helpers shared by the commands: writable output folders and run GIFs."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio

from ..config import GancourseError
from ..viz import save_gif


def writable(folder: Path) -> None:
    """Create ``folder`` and prove it can be written, or say which --out to choose instead."""
    folder = Path(folder) if str(folder) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".gancourse-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise GancourseError(f"cannot write to {folder} ({e.strerror or e}): choose another --out.") from None


def make_gif(run: Path, target: Path | None = None) -> Path:
    """An animated GIF of a run's per-epoch grids (``run/grids/epoch-*.png``)."""
    frames = sorted((run / "grids").glob("epoch-*.png"))
    if not frames:
        raise GancourseError(f"no sample grids in {run / 'grids'}: is {run} a gancourse run folder?")
    return save_gif([iio.imread(f) for f in frames], target or run / "progress.gif", fps=4)


def progress_gif(run: Path) -> str:
    """The run's progress GIF, or a note when it stopped before the first epoch ended (no grids yet)."""
    if not any((run / "grids").glob("epoch-*.png")):
        return "no progress.gif (training stopped before the first epoch ended)"
    return str(make_gif(run))
