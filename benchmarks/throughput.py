"""Training throughput of every lesson model: the course trainer against its earlier selves and a seed-style loop.

    python benchmarks/throughput.py --batch-size 256 --steps 10 --min-seconds 20 --out benchmarks/results/throughput.md

Every column uses the same network, batch size, loss, precision (fp32) and thread count, measured
one after the other in one run. The seed-style reference is described in ``reference_loops.py``.

The course side is ``gancourse.train.Trainer`` with in-memory batches, measured as users meet
it and as it was before:

* **before**: one G forward per step, torch's own layers, NCHW, Adam per tensor, fp32, BigGAN's
  resampling unfolded (the defaults up to issue 19), and the two-forward step before that;
* **defaults**: ``TrainConfig()`` as it is now: fused Adam where available, each convolution's
  algorithm and each network's memory layout timed on this machine (``autotune.py``: torch's,
  the four-phase decomposition, the DFT; the same function), BigGAN's resampling folded into its
  convolutions (``nets/resampling.py``, the same function), fp32; where the hardware has bf16
  natively, also with ``precision="bf16"``;
* **simultaneous**: the defaults with the TF tutorial's update (a different algorithm).

Images per second count real images consumed by D updates. For BigGAN and WGAN-GP both sides use
their recipe's loss with one D step per G step, so the loops compare like for like. Lesson 04's
translation models (``discogan``, ``cyclegan``) run lesson 04's trainer on Fashion-MNIST's
bag edges and bags; their rate counts pairs (one image of each domain), and they have no seed-style
reference or simultaneous update (their steps already run each generator once). ``--device cuda``
runs every side on the GPU (the reference's batches are copied there per step, as the seed's loop would).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from gancourse import registry
from gancourse.data import Batches, load_dataset
from gancourse.data.domains import UnpairedBatches, load_domains
from gancourse.speed import native_bf16
from gancourse.train import Trainer
from gancourse.translation import translation_train_config as translation_config
from gancourse.translation import translation_trainer
from gancourse.utils import choose_device

sys.path.insert(0, str(Path(__file__).parent))
from quality import MODELS, machine  # noqa: E402
from reference_loops import Timing, TwoForwardSteps, build, plain_steps, reference, sync, unfolded  # noqa: E402
from report import save_report  # noqa: E402

TRANSLATION = tuple(k for k in registry.kinds() if registry.get(k).data == "domains")
DOMAINS = "bag-edges:bags"  # lesson 04's pair


BEFORE = {"conv": "torch", "channels_last": False, "fused_adam": False, "precision": "fp32"}  # defaults up to issue 19


def tensorflow_tutorial(python: str, batch_size: int, steps: int, threads: int | None) -> dict | None:
    """The TF tutorial's train_step timed by ``tf_tutorial.py`` in ``python`` (None where that fails)."""
    cmd = [
        python,
        str(Path(__file__).with_name("tf_tutorial.py")),
        "--batch-size",
        str(batch_size),
        "--steps",
        str(steps),
        "--threads",
        str(threads or 0),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"TensorFlow tutorial not measured: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def bracketed_by_tensorflow(
    tf_run: Callable[[], dict | None] | None, measure: Callable[[], Any]
) -> tuple[Any, dict | None]:
    """``measure()`` with the TensorFlow tutorial timed just before and just after it (``tf_run``; None: not timed).

    The better TF run counts, and both are kept under ``"runs"``: a slow spell of a shared machine during
    one of them cannot make the course look faster than it is.
    """
    before = tf_run() if tf_run else None
    result = measure()
    runs = [r for r in (before, tf_run() if tf_run else None) if r]
    best = max(runs, key=lambda r: r["images_per_s"], default=None)
    return result, None if best is None else {**best, "runs": [r["images_per_s"] for r in runs]}


def timed_epoch(trainer: Trainer, timed: Callable[[int], Any], timing: Timing, available: int, device) -> float:
    """Images/s of one epoch over ``timed(n)`` (n batches) through the trainer's own loop, after its first
    step (autotuning where the options are "auto", cached after) and a warm-up epoch over the batches it
    was built with, whose pace sets n (``timing``; at most ``available`` batches)."""
    trainer.train_step(next(iter(trainer.batches)))
    sync(device)
    start = time.perf_counter()
    trainer.fit(1)
    sync(device)
    trainer.batches = timed(timing.count((time.perf_counter() - start) / len(trainer.batches), available))
    start = time.perf_counter()
    trainer.fit(2)
    sync(device)
    return len(trainer.batches) * trainer.batches.batch_size / (time.perf_counter() - start)


def course(
    kind: str,
    data,
    batch_size: int,
    timing: Timing = Timing(),
    two_forward: bool = False,
    device=torch.device("cpu"),
    old_blocks: bool = False,
    **speed,
) -> float:
    G, D, _, _ = build(kind, data, device)
    if old_blocks:  # BigGAN's resampling unfolded, as before issue 19
        G, D = unfolded(G), unfolded(D)
    how = registry.get(kind)
    labels = data.labels if how.conditional else None
    cfg = replace(how.train, d_steps=1, ema_decay=0.0, lr_g=2e-4, lr_d=2e-4, beta1=0.5, epochs=1, log_every=20, **speed)
    steps_obj = TwoForwardSteps.like(how, G, cfg) if two_forward else how.steps(G.cfg, cfg, data)
    batches = lambda n, seed: Batches(data.images, labels, batch_size, device, limit=batch_size * n, seed=seed)  # noqa: E731
    trainer = Trainer(G, D, batches(timing.warmup, 0), steps_obj, cfg, progress=False, device=device)
    return timed_epoch(trainer, lambda n: batches(n, 1), timing, len(data.images) // batch_size, device)


def translation(
    kind: str, pair, batch_size: int, timing: Timing = Timing(), device=torch.device("cpu"), **speed
) -> float:
    """Pairs/s of lesson 04's trainer for ``kind`` (its recipe, seed 0) with the speed options ``speed``."""
    torch.manual_seed(0)
    cfg = translation_config(kind, epochs=1, log_every=20, **speed)
    trainer = translation_trainer(
        kind,
        pair,
        train_config=cfg,
        batch_size=batch_size,
        device=device,
        limit=batch_size * timing.warmup,
        progress=False,
    )
    timed = lambda n: UnpairedBatches(pair.a, pair.b, batch_size, device, seed=1, limit=batch_size * n)  # noqa: E731
    return timed_epoch(trainer, timed, timing, min(len(pair.a), len(pair.b)) // batch_size, device)


def measure(kind: str, data, batch_size: int, timing: Timing, device: torch.device) -> dict:
    """Every column for one model, one after the other (None where a column does not apply to it)."""
    native = native_bf16(device)
    if kind in TRANSLATION:
        run = lambda **kw: translation(kind, data, batch_size, timing, device=device, **kw)  # noqa: E731
    else:
        run = lambda **kw: course(kind, data, batch_size, timing, device=device, **kw)  # noqa: E731
    plain = plain_steps(kind)  # False for WGAN-GP and the translation kinds
    before = BEFORE if kind in TRANSLATION else {**BEFORE, "old_blocks": True}
    return {
        "model": kind,
        "reference": reference(kind, data, batch_size, timing, device=device) if plain else None,
        "two_forward": run(two_forward=True, **before) if plain else None,
        "before": run(**before),
        "defaults": run(),
        "defaults_bf16": run(precision="bf16") if native else None,
        "simultaneous": run(update="simultaneous") if "simultaneous" in registry.get(kind).updates else None,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=10, help="at least this many timed steps per column")
    p.add_argument(
        "--min-seconds",
        type=float,
        default=20.0,
        help="and at least this long by the warm-up's pace (never more than one pass over the data)",
    )
    p.add_argument(
        "--models", default=",".join(MODELS + TRANSLATION), help="comma-separated (default: every lesson model)"
    )
    p.add_argument("--threads", type=int, default=None, help="default: torch's choice")
    p.add_argument("--out", default="benchmarks/results/throughput.md", help="never written over: -2, -3... if taken")
    p.add_argument(
        "--tf-python",
        default=None,
        help="a Python with TensorFlow: times the TF tutorial's DCGAN in the "
        "same run (default: this Python, if it has TensorFlow)",
    )
    p.add_argument("--device", default=None, help="cpu or cuda (default: the best available)")
    args = p.parse_args()
    if args.tf_python is None and importlib.util.find_spec("tensorflow") is not None:
        args.tf_python = sys.executable
    warnings.simplefilter("ignore")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device(args.device)
    data = load_dataset("fashion-mnist", "train")
    pair = load_domains(DOMAINS) if set(args.models.split(",")) & set(TRANSLATION) else None
    timing = Timing(args.steps, args.min_seconds)

    def every_model() -> list[dict]:
        rows = []
        for kind in args.models.split(","):
            rows.append(measure(kind, pair if kind in TRANSLATION else data, args.batch_size, timing, device))
            print(rows[-1], flush=True)
        return rows

    yardstick = (
        (lambda: tensorflow_tutorial(args.tf_python, args.batch_size, args.steps, args.threads))
        if args.tf_python
        else None
    )
    rows, tf = bracketed_by_tensorflow(yardstick, every_model)
    text = report(rows, tf, args.batch_size, timing)
    print(text)
    save_report(
        args.out, {"machine": machine(), "batch_size": args.batch_size, "rows": rows, "tensorflow_tutorial": tf}, text
    )


def report(rows: list[dict], tf: dict | None, batch_size: int, timing: Timing) -> str:
    def cell(v, ref):
        return "–" if v is None else f"{v:,.0f}" if ref is None else f"{v:,.0f} ({v / ref:.2f}×)"

    columns = ("two_forward", "before", "defaults", "defaults_bf16", "simultaneous")
    lines = [
        f"### Training throughput in images/s, batch {batch_size}, at least {timing.steps} timed steps and "
        f"{timing.seconds:g} s per column after {timing.warmup} warm-up steps (at most one pass over the data)",
        "",
        f"Machine: {machine()}. Ratios in brackets are against the seed-style reference measured in the same "
        "run; the last column is the defaults against the defaults before issue 19. "
        f"Translation models: pairs/s on {DOMAINS}, lesson 04's trainer.",
        "",
        "| model | seed-style reference, fp32 | two G forwards per step (before the steps protocol) | "
        "before issue 19: torch layers, NCHW, Adam per tensor, fp32 | **defaults now** (autotuned layers and layout, "
        "fused Adam, fp32) | defaults in bf16 (native bf16 only) | defaults + simultaneous update | defaults / "
        "before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ref = r["reference"]
        cells = [
            r["model"],
            cell(ref, None),
            *(cell(r[c], ref) for c in columns),
            f"**{r['defaults'] / r['before']:.2f}×**",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    dcgan = next((r for r in rows if r["model"] == "dcgan"), None)
    if tf is not None and dcgan is not None:
        lines += [
            "",
            f"TensorFlow {tf['tensorflow']} tutorial's DCGAN (`benchmarks/tf_tutorial.py`, `tf.function`, same batch "
            f"and threads, the same run, the better of {len(tf['runs'])} runs: "
            f"{', '.join(f'{v:.0f}' for v in tf['runs'])}): **{tf['images_per_s']:.0f}** images/s. "
            "The course's DCGAN against it: "
            f"before {dcgan['before'] / tf['images_per_s']:.2f}×, defaults "
            f"{dcgan['defaults'] / tf['images_per_s']:.2f}×, "
            "with the simultaneous update "
            f"{dcgan['simultaneous'] / tf['images_per_s']:.2f}×.",
        ]
    elif dcgan is not None:
        lines += [
            "",
            "TensorFlow not measured: pass `--tf-python` (a Python with TensorFlow) to time its tutorial in the "
            "same run.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
