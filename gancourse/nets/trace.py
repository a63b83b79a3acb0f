"""A shape trace: run a network once and print what each block hands to the next. Introduced in lesson 02."""

from __future__ import annotations

import torch
from torch import nn

from ..tensors import eval_mode


def _blocks(net: nn.Module) -> list[tuple[str, nn.Module]]:
    """The network's direct children, with the layers of each ``nn.Sequential`` child listed one by one."""
    out = []
    for name, child in net.named_children():
        if isinstance(child, nn.Sequential):
            out += [(f"{name}.{i}", layer) for i, layer in child.named_children()]
        else:
            out.append((name, child))
    return out


@torch.no_grad()
def shape_trace(net: nn.Module, *inputs: torch.Tensor) -> torch.Tensor:
    """Print the output shape of every block of ``net`` on ``inputs`` (in eval mode) and return the output."""
    lines: list[str] = []
    hooks = [
        m.register_forward_hook(
            lambda m, args, out, name=name: lines.append(
                f"  {name:<12} {type(m).__name__:<18} -> "
                f"{tuple(out.shape) if torch.is_tensor(out) else type(out).__name__}"
            )
        )
        for name, m in _blocks(net)
    ]
    try:
        with eval_mode(net):
            out = net(*inputs)
    finally:
        for h in hooks:
            h.remove()
    shapes = ", ".join(str(tuple(x.shape)) for x in inputs)
    print(f"{type(net).__name__} on {shapes}:\n" + "\n".join(lines) + f"\n  = {tuple(out.shape)}")
    return out
