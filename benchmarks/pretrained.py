"""Train the generators the course ships (gancourse/pretrained.py) with the course's own registry and trainer.

    python benchmarks/pretrained.py [--epochs 15] [--minutes 40]

Lesson 07 measures these instead of training a GAN itself: lesson 03's class-conditional DCGAN (projection
discriminator, half the usual width so the file stays small) on Fashion-MNIST's 60,000 training images,
saved after its first epoch (``-early``) and at the end. Each file is written atomically and says how it
was made (epochs, minutes, the CPU).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gancourse import nets, registry  # noqa: E402
from gancourse.data import Batches, load_dataset  # noqa: E402
from gancourse.pretrained import pretrained_blob, pretrained_path  # noqa: E402
from gancourse.train import Callback, TimeBudget, Trainer  # noqa: E402
from gancourse.utils import atomic_save, seed_everything  # noqa: E402


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


class Snapshot(Callback):
    """Write G as a shipped file after the first epoch."""

    def __init__(self, name: str, config: dict, started: float):
        self.name, self.config, self.started = name, config, started

    def on_epoch_end(self, trainer: Trainer) -> None:
        if trainer.epoch == 1:
            save(self.name, self.config, trainer, self.started)


def save(name: str, config: dict, trainer: Trainer, started: float) -> None:
    minutes = (time.time() - started) / 60
    trained = (
        f"{trainer.epoch} epoch(s), {trainer.step} steps, {minutes:.0f} min on {torch.get_num_threads()} "
        f"threads of {cpu_name()}"
    )
    atomic_save(pretrained_blob("cgan", config, trainer.G, trained), pretrained_path(name))
    print(f"wrote {pretrained_path(name)}: {trained}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--minutes", type=float, default=40.0, help="stop after this many minutes of training")
    args = p.parse_args()
    seed_everything(0)
    data = load_dataset("fashion-mnist", "train")
    cfg = nets.CGANConfig(width=32, discriminator="projection")
    how = registry.get("cgan")
    G, D = registry.build("cgan", cfg)
    batches = Batches(data.images, data.labels, batch_size=64, seed=0)
    started = time.time()
    config = asdict(cfg)
    trainer = Trainer(
        G,
        D,
        batches,
        how.steps(cfg, how.train_config()),
        how.train_config(epochs=args.epochs),
        callbacks=[Snapshot("cgan-fashion-mnist-early", config, started), TimeBudget(args.minutes * 60)],
        kind="cgan",
    )
    trainer.fit()
    save("cgan-fashion-mnist", config, trainer, started)


if __name__ == "__main__":
    main()
