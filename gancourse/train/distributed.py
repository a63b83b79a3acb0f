"""Training on several processes with torch.distributed (DDP). Used by ``torchrun -m gancourse train``.

``torchrun --nproc_per_node=N -m gancourse train dcgan ...`` starts N processes; each holds a
full copy of G and D wrapped in ``DistributedDataParallel``, trains on its own shard of the
in-memory data, and DDP averages the gradients during every backward pass, so the weights
stay identical on every rank. NCCL on GPUs, gloo on CPUs. Only rank 0 writes checkpoints,
grids and logs; the checkpoints hold the plain (unwrapped) weights, so they load in one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import nn

from ..config import GancourseError


@dataclass(frozen=True)
class Dist:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def init_from_env(device: torch.device) -> Dist | None:
    """Join the process group that torchrun describes in the environment; None when not under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    import torch.distributed as dist

    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Dist(rank, world, device)


def shard(images: torch.Tensor, labels: torch.Tensor | None, d: Dist):
    """This rank's share of the data: every ``world``-th image starting at ``rank``, equal sizes on every rank."""
    n = len(images) // d.world * d.world
    if n == 0:
        raise GancourseError(f"{len(images)} images cannot be shared by {d.world} processes: use fewer processes.")
    images = images[d.rank : n : d.world]  # (n / world, C, H, W)
    return images, None if labels is None else labels[d.rank : n : d.world]


def wrap(net: nn.Module, d: Dist, broadcast_buffers: bool = True) -> nn.Module:
    """DDP around one network (a translation ModuleDict is wrapped network by network).

    ``broadcast_buffers=False`` is for a network that runs several forwards before one backward (D sees
    the real and the fake batch separately): re-broadcasting its BatchNorm running statistics in place
    at the second forward invalidates the first one's graph on some torch versions (2.4: "modified by an
    inplace operation"). D's running statistics are never used (D only ever runs in training mode).
    """
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [d.device.index] if d.device.type == "cuda" else None
    if isinstance(net, nn.ModuleDict):
        return nn.ModuleDict({k: DDP(v, device_ids=ids, broadcast_buffers=broadcast_buffers) for k, v in net.items()})
    return DDP(net, device_ids=ids, broadcast_buffers=broadcast_buffers)


def barrier_and_close() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def unwrap_ddp(net: nn.Module) -> nn.Module:
    """The network inside a DistributedDataParallel wrapper (also inside a ModuleDict of them), else ``net``.

    Checkpoints, EMA and sampling use the plain network, so a checkpoint written by a
    ``torchrun`` job loads in a single process.
    """
    from torch.nn.parallel import DistributedDataParallel

    if isinstance(net, DistributedDataParallel):
        return net.module
    if isinstance(net, nn.ModuleDict) and any(isinstance(v, DistributedDataParallel) for v in net.values()):
        return nn.ModuleDict({k: unwrap_ddp(v) for k, v in net.items()})
    return net
