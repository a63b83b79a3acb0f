"""Quality benchmark: train each lesson model for a fixed wall-clock budget, then evaluate 5,000 samples.

    python benchmarks/quality.py --budget-min 10 --dataset mnist --out docs/quality-mnist.md

Prints one Markdown table (with the real-data floor and the uniform-noise ceiling) and writes
JSON next to the Markdown file. Numbers depend on the machine: the table records it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import torch

from gancourse import registry
from gancourse.data import Batches, load_dataset
from gancourse.evaluation import evaluate_samples
from gancourse.tensors import to_uint8
from gancourse.train import Callback, TimeBudget, Trainer
from gancourse.utils import cpu_flags, cpu_name, physical_cores, seed_everything, unique_path
from gancourse.viz import save_grid

sys.path.insert(0, str(Path(__file__).parent))
from report import save_report  # noqa: E402

# every registered kind that trains on one image dataset; configs, batch sizes, losses and steps come from its entry
MODELS = tuple(k for k in registry.kinds() if registry.get(k).data == "images")


def model_config(kind: str, data):
    """The config ``gancourse train KIND`` would use on this data (cgan: the projection discriminator)."""
    return registry.get(kind).make_config(data, registry.ModelOptions())


def machine() -> str:
    """The machine a number was measured on: CPU, its vector flags, threads, device, versions."""
    flags = sorted(f for f in cpu_flags() if f in {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"})
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
    return (
        f"{cpu_name()} ({', '.join(flags) or 'no AVX2'}), {os.cpu_count()} logical cores, "
        f"{torch.get_num_threads()} torch threads, {dev}; "
        f"torch {torch.__version__}, Python {platform.python_version()}"
    )


class StepLimit(Callback):
    """Stop after ``steps`` steps (at a log row): runs compared at equal steps, e.g. fp32 against bf16."""

    def __init__(self, steps: int):
        self.steps = steps

    def on_log(self, trainer: Trainer, row: dict) -> None:
        trainer.should_stop = trainer.step >= self.steps


BEFORE = {"conv": "torch", "channels_last": False, "fused_adam": False}  # the defaults up to issue 19


def run_model(
    kind: str,
    dataset: str,
    budget_s: float,
    n_samples: int,
    seed: int,
    out_dir: Path,
    steps: int | None = None,
    precision: str = "fp32",
    device=None,
    speed: str = "defaults",
    recipe: dict | None = None,
) -> dict:
    seed_everything(seed)
    how = registry.get(kind)
    batch_size = how.batch_size
    data = load_dataset(dataset, "train")
    model_cfg = model_config(kind, data)
    extra = {**(BEFORE if speed == "before" else {}), **(recipe or {})}  # e.g. {"augment": ..., "ema_decay": ...}
    train_cfg = how.train_config(epochs=10**6, log_every=20, precision=precision, **extra)  # the budget decides
    G, D = registry.build(kind, asdict(model_cfg))
    device = device or torch.device("cpu")
    batches = Batches(
        data.images, data.labels if how.conditional else None, batch_size=batch_size, seed=seed, device=device
    )
    limit = TimeBudget(budget_s) if steps is None else StepLimit(steps)
    trainer = Trainer(
        G,
        D,
        batches,
        how.steps(model_cfg, train_cfg, data),
        train_cfg,
        callbacks=[limit],
        progress=False,
        kind=kind,
        device=device,
    )
    start = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - start
    inputs = trainer.steps.fixed_inputs(n_samples, torch.Generator().manual_seed(seed + 1), trainer.device)  # (z[, y])
    labels = inputs[1].cpu() if how.conditional else None
    G = trainer.sampler()  # BigGAN samples from its EMA
    images = to_uint8(
        torch.cat([trainer.steps.sample(G, tuple(t[i : i + 500] for t in inputs)) for i in range(0, n_samples, 500)])
    )
    images = images.cpu()
    save_grid(
        images[:100], unique_path(out_dir / f"quality-{dataset}-{kind}.png"), nrow=10
    )  # never over an earlier run
    report = evaluate_samples(images, labels, dataset, gan_train=how.conditional, seed=seed)
    label = kind + "".join(f" {k}={v}" for k, v in (recipe or {}).items())
    return {
        "model": label,
        "speed": speed,
        "precision": trainer.precision,
        "steps": trainer.step,
        "epochs": round(trainer.step / len(batches), 1),
        "train_seconds": round(seconds, 1),
        "images_per_s": round(trainer.step * batch_size / seconds),
        "batch_size": batch_size,
        "report": report,
    }


def table(rows: list[dict], dataset: str, budget_min: float, steps: int | None = None) -> str:
    floor, ceiling = rows[0]["report"]["floor"], rows[0]["report"]["ceiling"]
    head = (
        "| model | steps (epochs) | FD ↓ | FD / floor | KID ↓ | IS ↑ | precision | recall | density | coverage "
        "| class entropy | label acc. | GAN-train |"
    )
    lines = [head, "|" + "---|" * 13]

    def fmt(name, r, steps=""):
        la = f"{r['label_accuracy']:.3f}" if "label_accuracy" in r else "–"
        gt = f"{r['gan_train']:.3f}" if "gan_train" in r else "–"
        ratio = r["fd"] / floor["fd"] if floor["fd"] > 0 else float("nan")
        return (
            f"| {name} | {steps} | {r['fd']:.2f} | {ratio:.1f}× | {r['kid']:.4f} | {r['is']:.2f} | "
            f"{r['precision']:.3f} "
            f"| {r['recall']:.3f} | {r['density']:.3f} | {r['coverage']:.3f} | {r['class_entropy']:.3f} | {la} | {gt} |"
        )

    lines.append(fmt("floor: real test images", floor))
    for row in rows:
        lines.append(fmt(row["model"], row["report"]["samples"], f"{row['steps']:,} ({row['epochs']})"))
    lines.append(fmt("ceiling: uniform noise", ceiling))
    ref = rows[0]["report"]["reference"]
    what = f"{steps:,} steps" if steps else f"{budget_min:g} min of training"
    precisions = ", ".join(sorted({r.get("precision", "fp32") for r in rows}))
    return (
        f"### {dataset}, {what} per model ({precisions})\n\nMachine: {machine()}.\n"
        f"Reference: {ref}. {rows[0]['report']['samples']['n']:,} samples per model.\n\n" + "\n".join(lines) + "\n"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget-min", type=float, default=10.0, help="training minutes per model")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--n-samples", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="Markdown file for the table (JSON is written beside it)")
    p.add_argument("--steps", type=int, default=None, help="train for this many steps instead of --budget-min")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--device", default=None, help="cpu or cuda (default: the CPU)")
    p.add_argument(
        "--augment", default=None, help="a DiffAugment policy, e.g. color,translation,cutout (default: the recipe's)"
    )
    p.add_argument(
        "--ema", type=float, default=None, help="EMA decay of G's weights to sample from (default: the recipe's)"
    )
    p.add_argument(
        "--speed",
        default="defaults",
        choices=["defaults", "before"],
        help="before: torch's layers, NCHW and Adam per tensor (the defaults up to issue 19)",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(physical_cores())
    warnings.simplefilter("ignore")  # the offline-data notice is in the table's reference line
    out_dir = Path(args.out).parent if args.out else Path("benchmarks/results")
    out_dir.mkdir(parents=True, exist_ok=True)
    recipe = {k: v for k, v in (("augment", args.augment), ("ema_decay", args.ema)) if v is not None}
    rows = []
    for kind in args.models.split(","):
        print(
            f"{kind}: training for {args.steps or args.budget_min} {'steps' if args.steps else 'min'}...",
            file=sys.stderr,
            flush=True,
        )
        rows.append(
            run_model(
                kind,
                args.dataset,
                args.budget_min * 60,
                args.n_samples,
                args.seed,
                out_dir,
                args.steps,
                args.precision,
                torch.device(args.device) if args.device else None,
                args.speed,
                recipe,
            )
        )
    md = table(rows, args.dataset, args.budget_min, args.steps)
    print(md)
    if args.out:
        save_report(
            args.out, {"machine": machine(), "budget_min": args.budget_min, "steps": args.steps, "rows": rows}, md
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
