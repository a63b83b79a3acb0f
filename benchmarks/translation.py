"""Translation benchmark (lesson 04): DiscoGAN and CycleGAN for the same wall-clock budget on offline domains.

    python benchmarks/translation.py --budget-min 10 --domains bag-edges:bags --out docs/translation.md

Each model first times a few steps to choose how many epochs fit the budget (so its learning
rate decays to zero inside it, as its schedule intends); a time budget still stops it. Then it
is evaluated on the test split with ``gancourse.translation_eval`` and the table is written as
Markdown and JSON, with the machine. Grids (rows A, A->B, A->B->A, B, B->A, B->A->B) go beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import torch

from gancourse.data.domains import load_domains
from gancourse.train import TimeBudget
from gancourse.translation import evaluate_translation, format_translation, translation_trainer
from gancourse.translation import translation_train_config as train_config
from gancourse.utils import physical_cores, seed_everything, unique_path
from gancourse.viz import save_grid

sys.path.insert(0, str(Path(__file__).parent))
from quality import machine  # noqa: E402
from report import save_report  # noqa: E402


def seconds_per_epoch(method: str, pair, batch_size: int, steps: int = 12) -> float:
    trainer = translation_trainer(method, pair, batch_size=batch_size, progress=False)
    batches = iter(trainer.batches)
    trainer.train_step(next(batches))  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(next(batches))
    return (time.perf_counter() - start) / steps * len(trainer.batches)


def run(method: str, pair, test, budget_s: float, batch_size: int, seed: int, out: Path) -> dict:
    seed_everything(seed)
    epochs = max(1, int(budget_s / seconds_per_epoch(method, pair, batch_size)))
    seed_everything(seed)
    trainer = translation_trainer(
        method,
        pair,
        train_config=train_config(method, epochs=epochs, seed=seed),
        batch_size=batch_size,
        seed=seed,
        callbacks=[TimeBudget(budget_s)],
        progress=False,
    )
    start = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - start
    report = evaluate_translation(trainer.G, test)
    report.update(steps=trainer.step, epochs_planned=epochs, epochs_done=trainer.epoch, train_seconds=round(seconds, 1))
    save_grid(
        trainer.sample_fixed(), unique_path(out.with_name(f"{out.stem}-{method}.png")), nrow=trainer.steps.grid_nrow
    )
    print(f"{method}: {trainer.step} steps, {trainer.epoch}/{epochs} epochs in {seconds:.0f} s", flush=True)
    return report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget-min", type=float, default=10.0)
    p.add_argument("--domains", default="bag-edges:bags")
    p.add_argument("--methods", default="discogan,cyclegan")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="docs/translation.md")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    torch.set_num_threads(physical_cores())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pair, test = load_domains(args.domains, "train"), load_domains(args.domains, "test")
    reports = {
        m: run(m, pair, test, args.budget_min * 60, args.batch_size, args.seed, out) for m in args.methods.split(",")
    }
    steps = ", ".join(
        f"{m}: {r['steps']:,} steps ({r['epochs_done']} of {r['epochs_planned']} planned epochs, "
        f"{r['train_seconds']:.0f} s)"
        for m, r in reports.items()
    )
    text = (
        f"### {args.domains}, {args.budget_min:g} min of training per model\n\nMachine: {machine()}.\n"
        f"Data: {pair.source}; batch {args.batch_size}. {steps}.\n\n{format_translation(reports)}\n"
    )
    print(text)
    save_report(
        out, {"machine": machine(), "budget_min": args.budget_min, "domains": args.domains, "reports": reports}, text
    )


if __name__ == "__main__":
    main()
