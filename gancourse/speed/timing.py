"""What autotuning measures: the first step's shapes and inputs (:class:`Recorder`), and forward +
backward times of one layer or one network on this machine (on copies: the run is untouched)."""

from __future__ import annotations

import copy
import time

import torch
from torch import nn

from .algorithms import conv_layers, set_algorithm, set_algorithms
from .options import channels_last as to_channels_last

REPEATS = 1  # timed runs after one warm-up (autotune.py times every candidate in several rounds and keeps the best)
GPU_INNER = 10  # runs per timed measurement on a GPU
SAMPLE = 16  # inputs kept per layer to check a faster algorithm's output against torch's
CPU_TIMING_BATCH = 64  # CPUs cost about the same per image from here on: time a slice of the batch, 4x sooner


class Recorder:
    """Forward pre-hooks, while a ``with`` block runs, on each named network and its convolutions."""

    def __init__(self, nets: dict[str, nn.Module]):
        self.nets = nets
        self.inputs: dict[str, tuple] = {}  # network -> (args, kwargs) of its first call, detached
        self.shapes: dict[str, dict[str, list[int]]] = {name: {} for name in nets}  # network -> layer -> input shape
        self.samples: dict[str, dict[str, torch.Tensor]] = {name: {} for name in nets}  # ... -> a slice of that input
        self._handles: list = []

    def __enter__(self) -> Recorder:
        for name, net in self.nets.items():
            self._handles.append(net.register_forward_pre_hook(self._on_net(name), with_kwargs=True))
            for layer_name, layer in conv_layers(net).items():
                self._handles.append(layer.register_forward_pre_hook(self._on_layer(name, layer_name)))
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()

    def _on_net(self, name):
        def hook(module, args, kwargs):
            if name not in self.inputs:
                keep = lambda v: v.detach().clone() if torch.is_tensor(v) else v  # noqa: E731
                self.inputs[name] = (tuple(keep(a) for a in args), {k: keep(v) for k, v in kwargs.items()})

        return hook

    def _on_layer(self, name, layer_name):
        def hook(module, args):
            x = args[0]
            if torch.is_tensor(x) and x.ndim == 4 and layer_name not in self.shapes[name]:
                self.shapes[name][layer_name] = list(x.shape)  # (N, C, H, W)
                self.samples[name][layer_name] = x[:SAMPLE].detach().clone()  # (<= SAMPLE, C, H, W)

        return hook


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _best_time(run, device: torch.device) -> float:
    """Seconds of ``run()``: one warm-up (primitive creation, caches), then the minimum of ``REPEATS``.

    On a GPU one run of these small layers takes microseconds, below the noise of a host timer and a
    sync: each measurement there averages ``GPU_INNER`` runs between two syncs.
    """
    run()
    inner = GPU_INNER if device.type == "cuda" else 1
    best = float("inf")
    for _ in range(REPEATS):
        _sync(device)
        start = time.perf_counter()
        for _ in range(inner):
            run()
        _sync(device)
        best = min(best, (time.perf_counter() - start) / inner)
    return best


def _forward_backward(net: nn.Module, args: tuple, kwargs: dict):
    def run():
        out = net(*args, **kwargs)
        out = out[0] if isinstance(out, (tuple, list)) else out
        out.float().square().mean().backward()  # a gradient at every output, as training has

    return run


def _timing_batch(n: int, device: torch.device) -> int:
    return n if device.type == "cuda" else min(n, CPU_TIMING_BATCH)


def _sliced(inputs: tuple, n: int, keep: int) -> tuple:
    """The first ``keep`` items of every batch-sized tensor among a network's inputs."""
    cut = lambda v: v[:keep] if torch.is_tensor(v) and v.ndim and len(v) == n else v  # noqa: E731
    args, kwargs = inputs
    return tuple(cut(a) for a in args), {k: cut(v) for k, v in kwargs.items()}


def time_layer(layer: nn.Module, algorithm: str, shape: list[int], fmt: bool, device, autocast) -> float:
    """Seconds of one forward + backward of ``layer`` computed by ``algorithm`` (inf where that algorithm fails:
    the first step already ran with torch's, so torch's always works)."""
    try:
        return _time_layer(layer, algorithm, shape, fmt, device, autocast)
    except RuntimeError:
        if algorithm == "torch":
            raise
        return float("inf")


def _time_layer(layer: nn.Module, algorithm: str, shape: list[int], fmt: bool, device, autocast) -> float:
    shape = [_timing_batch(shape[0], device), *shape[1:]]
    trial = set_algorithm(copy.deepcopy(layer), algorithm)
    trial = trial.to(memory_format=torch.channels_last) if fmt else trial
    g = torch.Generator(device=device).manual_seed(0)
    x = torch.randn(shape, generator=g, device=device)  # (N, C, H, W)
    x = (to_channels_last(x) if fmt else x).requires_grad_()
    with autocast():
        return _best_time(_forward_backward(trial, (x,), {}), device)


def time_net(net: nn.Module, plan, inputs: tuple, device, autocast) -> float:
    """Seconds of one forward + backward of a copy of ``net`` computed as ``plan`` says, on its recorded inputs."""
    trial = copy.deepcopy(net)  # BatchNorm statistics and dropout of the copy only
    set_algorithms(trial, plan.layers)
    n = next((len(v) for v in inputs[0] if torch.is_tensor(v) and v.ndim), 0)
    args, kwargs = _sliced(inputs, n, _timing_batch(n, device))
    if plan.channels_last:
        trial, args = trial.to(memory_format=torch.channels_last), to_channels_last(args)
    with autocast():
        return _best_time(_forward_backward(trial, args, kwargs), device)
