"""Pick, on this machine, the fastest exact way to compute each network: ``cudnn.benchmark`` for the course.

The trainer's speed options (``TrainConfig.conv``, ``channels_last``) default to "auto". Then the
first training step runs with torch's own layers while :class:`Recorder` notes each convolution's
input shape and each network's inputs; afterwards :func:`tune` times, on this machine, at these shapes:

1. each convolution's forward + backward with every algorithm that computes it exactly
   (``algorithms.candidates``: torch's, the four-phase decomposition, the DFT), in both memory formats,
   once that algorithm's output has been checked against torch's on the layer's recorded input
   (an algorithm that disagrees is never used for that layer, and the run says so once);
2. each network's forward + backward on a copy, in each memory format, with that format's fastest layers;

and keeps the fastest (a :class:`Plan` per network), unless it beats torch's own way (torch's layers in
the first allowed format) by less than 3 %: two timed runs cannot tell a smaller gain from noise, and a
noise-level "win" can lose in training. Every choice gives the same function up to float
rounding, so the training maths never depend on it. Plans are cached per machine, torch version,
thread count, precision and shapes in ``<cache>/autotune.json`` (later runs start at once and use the
same algorithms) and stored in checkpoints (a resumed run computes exactly as the first did).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import partial

import torch
from torch import nn

from ..config import cache_root
from ..utils import atomic_write_text, cpu_flags, cpu_name
from .algorithms import agrees, candidates, conv_layers
from .timing import Recorder, time_layer, time_net

CACHE_NAME = "autotune.json"
TUNE_FROM_STEPS, TUNE_FROM_SECONDS = (
    200,
    120,
)  # shorter runs use cached plans only: timing would cost more than it saves
MARGIN = 0.97  # a plan replaces torch's own way only if its network time is at most 97 % of torch's
ROUNDS = 3  # each candidate is timed this many times, in turn with the others (_fastest)
RULES = 3  # part of the cache key: plans chosen under an older rule are timed again


@dataclass
class Plan:
    """How one network computes: its memory format and each convolution's algorithm (torch's when absent)."""

    channels_last: bool = False
    layers: dict[str, str] = field(default_factory=dict)
    ms: float | None = None  # the network's measured forward + backward, milliseconds


def machine() -> str:
    """What the timings depend on: the device, its instruction sets, torch's version and its threads."""
    if torch.cuda.is_available():
        device = torch.cuda.get_device_name()
    else:
        device = cpu_name() + " " + " ".join(sorted(f for f in cpu_flags() if f.startswith(("avx", "amx", "fma"))))
    return f"{device} | torch {torch.__version__} | {torch.get_num_threads()} threads"


_TOLD: set[tuple[str, str]] = set()  # (layer's repr, algorithm) refusals already said in this process


def checked_candidates(net_name: str, layer_name: str, layer: nn.Module, sample: torch.Tensor, say=print) -> list[str]:
    """The algorithms that can compute ``layer`` and give torch's output on ``sample`` (torch's always)."""
    kept = []
    for algorithm in candidates(layer):
        if agrees(layer, algorithm, sample):
            kept.append(algorithm)
        elif (repr(layer), algorithm) not in _TOLD:
            _TOLD.add((repr(layer), algorithm))
            say(
                f"gancourse: {net_name}.{layer_name} keeps torch's convolution: the {algorithm} algorithm's output "
                "differs from torch's on this layer's input"
            )
    return kept


def _fastest(runs: dict) -> dict:
    """Seconds of each ``runs[key]()``, timed in turn ``ROUNDS`` times and each one's best kept: on a shared
    machine a slow spell then slows every candidate alike instead of deciding between them."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(ROUNDS if len(runs) > 1 else 1):
        for key, run in runs.items():
            best[key] = min(best[key], run())
    return best


def plan_network(
    net: nn.Module,
    shapes: dict[str, list[int]],
    inputs: tuple,
    device,
    autocast,
    formats=(False, True),
    algorithm: str | None = None,
    samples: dict | None = None,
    name: str = "net",
    say=print,
) -> Plan:
    """The fastest :class:`Plan` for ``net`` at the recorded shapes (``algorithm`` fixes the layers' algorithm).

    ``samples`` holds each layer's recorded input: an algorithm is a candidate only where it agrees with torch there.
    """
    layers = conv_layers(net)
    allowed = {
        layer: checked_candidates(name, layer, layers[layer], samples[layer], say)
        if samples
        else candidates(layers[layer])
        for layer in shapes
    }
    plans = []
    for fmt in formats:
        plan = Plan(channels_last=fmt)
        for layer, shape in shapes.items():
            options = allowed[layer]
            if algorithm:  # set by hand: that algorithm where it applies, torch's elsewhere; nothing to time
                options = [algorithm if algorithm in options else "torch"]
            times = _fastest({a: partial(time_layer, layers[layer], a, shape, fmt, device, autocast) for a in options})
            choice = min(times, key=times.get) if len(options) > 1 else options[0]
            if choice != "torch":
                plan.layers[layer] = choice
        plans.append(plan)
    torch_way = next((p for p in plans if (p.channels_last, p.layers) == (formats[0], {})), None)
    if torch_way is None and not algorithm:  # not among the candidates: time torch's own way as a whole network too
        torch_way = Plan(channels_last=formats[0])
        plans.append(torch_way)
    times = _fastest({i: partial(time_net, net, plan, inputs, device, autocast) for i, plan in enumerate(plans)})
    for i, plan in enumerate(plans):
        plan.ms = round(times[i] * 1000, 3)
    best = min(plans, key=lambda p: p.ms)
    if algorithm:
        return best
    return best if best.ms <= MARGIN * torch_way.ms else torch_way


def cache_key(name: str, net: nn.Module, shapes: dict, inputs: tuple, precision: str, formats, algorithm) -> str:
    args, kwargs = inputs
    described = [list(v.shape) if torch.is_tensor(v) else repr(v) for v in (*args, *kwargs.values())]
    layers = {n: repr(m) for n, m in conv_layers(net).items()}
    text = json.dumps(
        [machine(), name, type(net).__name__, layers, shapes, described, precision, list(formats), algorithm, RULES],
        sort_keys=True,
    )
    return hashlib.sha1(text.encode()).hexdigest()


_MEMORY: dict[str, dict] = {}  # this process's plans, so that two trainers in one process agree


def _read_cache() -> dict:
    """The cached plans; an unreadable file, or an entry that is not a plan, counts as not cached."""
    try:
        entries = json.loads((cache_root() / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    fields = set(Plan.__dataclass_fields__)
    return (
        {k: v for k, v in entries.items() if isinstance(v, dict) and set(v) == fields}
        if isinstance(entries, dict)
        else {}
    )


def _write_cache(key: str, plan: Plan) -> None:
    entries = {**_read_cache(), key: asdict(plan)}
    try:
        atomic_write_text(cache_root() / CACHE_NAME, json.dumps(entries, indent=1, sort_keys=True))
    except OSError:
        pass  # a read-only cache folder only costs the timing again next time


def worth_timing(steps: int, budget_s: float | None) -> bool:
    """Whether a run of ``steps`` steps (or a ``budget_s`` time budget) pays for a few seconds of timing."""
    return steps >= TUNE_FROM_STEPS and (budget_s is None or budget_s >= TUNE_FROM_SECONDS)


def tune(
    recorder: Recorder,
    device: torch.device,
    precision: str,
    formats=(False, True),
    algorithm: str | None = None,
    measure: bool = True,
    say=print,
) -> dict[str, Plan]:
    """A :class:`Plan` for every recorded network with convolutions: from this process, the cache, or
    timed now (``measure``; ``say`` tells). Networks without convolutions keep torch's defaults."""
    autocast = lambda: torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")  # noqa: E731
    plans = {}
    for name, net in recorder.nets.items():
        if name not in recorder.inputs or not recorder.shapes[name]:
            continue
        shapes, inputs = recorder.shapes[name], recorder.inputs[name]
        key = cache_key(name, net, shapes, inputs, precision, formats, algorithm)
        known = _MEMORY.get(key) or _read_cache().get(key)
        if known is None and not (measure or algorithm):
            continue
        if known is None:
            if not algorithm:
                say(f"gancourse: timing {name}'s layers on this machine, once (cached in {cache_root() / CACHE_NAME})")
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                plan = plan_network(
                    net, shapes, inputs, device, autocast, formats, algorithm, recorder.samples[name], name, say
                )
            _write_cache(key, plan)
            known = asdict(plan)
        _MEMORY[key] = known
        plans[name] = Plan(**known)
    return plans
