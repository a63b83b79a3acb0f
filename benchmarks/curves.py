"""Quality against compute: lesson 05's cDCGAN and BigGAN scored at the same training wall-clock times.

    python benchmarks/curves.py --dataset fashion-mnist --budget-s 300 --every-s 30 --out docs/curves-fashion-mnist

Each model trains with its recipe (defaults: autotuned layers, fused Adam, fp32) for
``--budget-s`` seconds of training; every ``--every-s`` seconds the clock stops while the course
classifier scores ``--n`` samples (from the EMA of G where the recipe keeps one): Fréchet distance
in its feature space and label accuracy. Where the curves cross, BigGAN overtakes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import torch

from gancourse import registry
from gancourse.data import Batches, load_dataset
from gancourse.evaluation.callback import Evaluation
from gancourse.train import Callback, Trainer
from gancourse.utils import choose_device, seed_everything

sys.path.insert(0, str(Path(__file__).parent))
from quality import machine, model_config  # noqa: E402
from report import save_report  # noqa: E402


class Curve(Callback):
    """Stop the clock every ``every_s`` seconds of training to score the samples; stop at ``budget_s``."""

    def __init__(self, evaluation: Evaluation, budget_s: float, every_s: float):
        self.evaluation, self.budget_s, self.every_s = evaluation, budget_s, every_s
        self.points: list[dict] = []
        self.trained_s, self._mark, self._next = 0.0, 0.0, every_s

    def _clock(self, trainer) -> None:
        if trainer.device.type == "cuda":
            torch.cuda.synchronize(trainer.device)
        now = time.perf_counter()
        self.trained_s += now - self._mark
        self._mark = now

    def on_fit_start(self, trainer) -> None:
        self.evaluation.on_fit_start(trainer)
        self._mark = time.perf_counter()

    def on_log(self, trainer, row: dict) -> None:
        self._clock(trainer)
        if self.trained_s >= self._next or self.trained_s >= self.budget_s:
            self.points.append(
                {"train_s": round(self.trained_s, 1), "step": trainer.step, **self.evaluation.measure(trainer)}
            )
            print(json.dumps(self.points[-1]), file=sys.stderr, flush=True)
            self._next += self.every_s
        trainer.should_stop = self.trained_s >= self.budget_s
        self._mark = time.perf_counter()  # scoring time is not training time


def curve(kind: str, dataset: str, budget_s: float, every_s: float, n: int, device, seed: int = 0) -> dict:
    seed_everything(seed)
    how = registry.get(kind)
    data = load_dataset(dataset, "train")
    model_cfg, train_cfg = model_config(kind, data), how.train_config(epochs=10**6, log_every=10, seed=seed)
    G, D = registry.build(kind, asdict(model_cfg))
    batches = Batches(data.images, data.labels, how.batch_size, device, seed=seed)
    timer = Curve(Evaluation(dataset, n=n, seed=seed + 1), budget_s, every_s)
    trainer = Trainer(
        G,
        D,
        batches,
        how.steps(model_cfg, train_cfg, data),
        train_cfg,
        callbacks=[timer],
        device=device,
        progress=False,
        kind=kind,
    )
    trainer.fit()
    return {
        "model": kind,
        "batch_size": how.batch_size,
        "precision": trainer.precision,
        "plans": trainer.speed_plans,
        "points": timer.points,
    }


def plot(results: list[dict], path: Path, dataset: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    for r in results:
        t = [p["train_s"] for p in r["points"]]
        a.plot(t, [p["fd"] for p in r["points"]], marker="o", label=r["model"])
        b.plot(t, [p.get("label_accuracy", float("nan")) for p in r["points"]], marker="o", label=r["model"])
    a.set(xlabel="training seconds", ylabel="Fréchet distance (course classifier) ↓", yscale="log", title=dataset)
    b.set(xlabel="training seconds", ylabel="label accuracy ↑", title=dataset)
    a.legend(), b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="cgan,biggan")
    p.add_argument("--dataset", default="fashion-mnist", choices=["mnist", "fashion-mnist"])
    p.add_argument("--budget-s", type=float, default=300)
    p.add_argument("--every-s", type=float, default=30)
    p.add_argument("--n", type=int, default=2000, help="samples scored at each point")
    p.add_argument("--device", default=None)
    p.add_argument("--out", default="benchmarks/results/curves", help="stem: writes STEM.json and STEM.png")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    device = choose_device(args.device)
    results = [curve(k, args.dataset, args.budget_s, args.every_s, args.n, device) for k in args.models.split(",")]
    stem = save_report(args.out, {"machine": machine(), "dataset": args.dataset, "results": results}, extra=(".png",))
    plot(results, stem.with_name(stem.name + ".png"), args.dataset)
    for r in results:
        print(
            r["model"], [(p["train_s"], round(p["fd"], 2), round(p.get("label_accuracy", 0), 3)) for p in r["points"]]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
