"""Reading checkpoints: safe loading, the format version, the kind check, G's EMA weights.

A checkpoint is one ``.pt`` file written atomically by ``Trainer.save_checkpoint``:
``{"format", "kind", "config", "train_config", "G", "D", "opt_G", "opt_D", "ema", "step",
"epoch", "rng", "fixed_inputs", "fixed_noise", "state", "history", ...}``, tensors and plain
types only, so it loads with ``torch.load(weights_only=True)`` and no code from the file runs.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..config import GancourseError

FORMAT = 2  # 1: up to gancourse 0.1.0 (fixed_noise/fixed_labels); 2: fixed_inputs of the steps object


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu", kind: str | None = None) -> dict:
    """Load a checkpoint safely; with ``kind``, refuse one that holds another model kind."""
    path = Path(path)
    if not path.is_file():
        raise GancourseError(f"no checkpoint at {path}: check the path (runs live under runs/<name>/).")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        raise GancourseError(
            f"{path} is not a readable gancourse checkpoint ({type(e).__name__}): {e}".splitlines()[0]
        ) from None
    if not isinstance(ckpt, dict) or "G" not in ckpt or "kind" not in ckpt:
        raise GancourseError(f"{path} is not a gancourse checkpoint (no 'kind'/'G' entries).")
    version = ckpt.get("format", 1)
    if version > FORMAT:
        raise GancourseError(
            f"{path} has checkpoint format {version}; this gancourse reads formats 1 to {FORMAT}: "
            "upgrade gancourse (pip install -U gancourse or git pull)."
        )
    if kind is not None and ckpt["kind"] != kind:
        raise GancourseError(
            f"{path} holds a {ckpt['kind']!r} model, not {kind!r}: pick a {kind} run, "
            f"or use {ckpt['kind']} to continue this one."
        )
    return ckpt


def fixed_inputs(ckpt: dict) -> tuple[torch.Tensor, ...] | None:
    """The fixed grid inputs; format 1 stored noise and labels (or lesson 04's images) separately."""
    if ckpt.get("fixed_inputs") is not None:
        return tuple(ckpt["fixed_inputs"])
    if ckpt.get("fixed_noise") is None:
        return None
    labels = ckpt.get("fixed_labels")
    return (ckpt["fixed_noise"],) if labels is None else (ckpt["fixed_noise"], labels)


def ema_generator_state(ckpt: dict) -> dict | None:
    """G's EMA weights from a checkpoint (AveragedModel keeps them under 'module.'), or None."""
    ema = ckpt.get("ema")
    if not ema:
        return None
    return {k.removeprefix("module."): v for k, v in ema.items() if k.startswith("module.")}


def newest_intact(folder: str | Path, kind: str) -> tuple[Path | None, list[str]]:
    """The newest checkpoint in ``folder`` that loads, and one line for each newer one that does not."""
    skipped = []
    for path in sorted(Path(folder).glob("ckpt-*.pt"), reverse=True):
        try:
            ckpt = load_checkpoint(path)
        except GancourseError as e:
            skipped.append(f"skipping {path.name}, it cannot be read ({str(e).split(': ', 1)[-1][:120]})")
            continue
        if ckpt["kind"] != kind:
            load_checkpoint(path, kind=kind)  # the clear error for the wrong model kind
        return path, skipped
    return None, skipped


def remove_orphans(folder: str | Path) -> int:
    """Delete the temporary files a killed run left half-written (``.ckpt-*.tmp``); return how many."""
    orphans = list(Path(folder).glob(".ckpt-*.tmp"))
    for p in orphans:
        p.unlink(missing_ok=True)
    return len(orphans)


def latest_checkpoint(folder: str | Path) -> Path | None:
    """The newest ``ckpt-*.pt`` in ``folder`` (names sort by step), or None."""
    found = sorted(Path(folder).glob("ckpt-*.pt"))
    return found[-1] if found else None
