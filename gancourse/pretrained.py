"""Small trained generators the course ships, so lessons that study a GAN need not train one first.

``load_pretrained("cgan-fashion-mnist")`` rebuilds G from the file alone (its kind and config are stored in
it, as in every checkpoint) and returns it in eval mode on the CPU. The files hold G's weights in float16
(half the size; they are cast back to float32 on loading) and say how they were made: the command is
``python benchmarks/pretrained.py``, which trains them with the course's own registry and trainer.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .config import GancourseError
from .registry import build

FOLDER = Path(__file__).parent / "weights"
SHIPPED = {  # name -> what it is
    "cgan-fashion-mnist": "lesson 03's class-conditional DCGAN (projection D, width 32), Fashion-MNIST, full run",
    "cgan-fashion-mnist-early": "the same run after its first epoch",
}


def pretrained_path(name: str) -> Path:
    if name not in SHIPPED:
        raise GancourseError(f"no shipped generator {name!r}: pick one of {', '.join(SHIPPED)}.")
    return FOLDER / f"{name}.pt"


def load_pretrained(name: str) -> nn.Module:
    """The shipped generator ``name``, rebuilt from its file, float32, in eval mode on the CPU."""
    path = pretrained_path(name)
    if not path.is_file():
        raise GancourseError(f"{path} is missing: make it with `python benchmarks/pretrained.py`.")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    G, _ = build(blob["kind"], blob["config"])
    G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["G"].items()})
    G.trained = blob.get("trained", "")  # how it was made: data, epochs, time, machine
    return G.eval()


def pretrained_blob(kind: str, config: dict, G: nn.Module, trained: str) -> dict:
    """What a shipped file holds: the kind, the config, G's weights in float16 and how they were made."""
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.cpu() for k, v in G.state_dict().items()}
    return {"kind": kind, "config": config, "G": state, "trained": trained}
