"""Lesson 09's recipe ablation at equal steps: which generator, which training recipe.

    python benchmarks/stylegan_recipe.py [--steps 1200] [--n-eval 1000] [--runs stylegan:dcgan,stylegan:stylegan]

Each run is ``generator:recipe``. Generators: ``stylegan`` (the library's pieces, the lesson's default config) and
``dcgan`` (lesson 02's). Recipes: ``dcgan`` (lesson 02's: Adam beta = (0.5, 0.999), raw weights), ``adam0`` (Adam
beta = (0, 0.99), raw weights) and ``stylegan`` (the registry's StyleGAN recipe: ``adam0`` plus sampling from the
EMA of G's weights). Every run trains against lesson 02's discriminator on Fashion-MNIST, seed 0, for the same
number of steps (the lesson's table compares equal wall time instead), and is scored like the lesson: FD,
precision and recall (k = 3) on the course classifier's features against held-out test images. One thread per
run, so that two runs side by side do not share a core; steps are fixed, so timing does not change the result.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gancourse import nets, registry  # noqa: E402
from gancourse.data import Batches, load_dataset  # noqa: E402
from gancourse.evaluation import embed, frechet_distance, load_classifier, on_sphere, precision_recall  # noqa: E402
from gancourse.tensors import generate, to_uint8  # noqa: E402
from gancourse.train import Callback, Trainer  # noqa: E402
from gancourse.utils import seed_everything  # noqa: E402

GENERATORS = {"stylegan": lambda: nets.StyleGenerator(nets.StyleGANConfig()), "dcgan": lambda: nets.DCGANGenerator()}


def recipe(name: str):
    """The TrainConfig of a recipe name (see the module's docstring)."""
    if name == "adam0":
        return replace(registry.get("stylegan").train, ema_decay=0.0)
    return registry.get(name).train


class StopAt(Callback):
    def __init__(self, steps: int):
        self.steps = steps

    def on_log(self, trainer: Trainer, row: dict) -> None:
        trainer.should_stop = trainer.step >= self.steps


def run(generator: str, recipe_name: str, steps: int, n_eval: int) -> dict:
    seed_everything(0)
    G = GENERATORS[generator]()
    cfg = replace(recipe(recipe_name), epochs=10**6, log_every=20)
    batches = Batches(load_dataset("fashion-mnist", "train").images, batch_size=32, seed=0)
    trainer = Trainer(
        G,
        nets.DCGANDiscriminator(nets.DCGANConfig()),
        batches,
        registry.get(generator).steps(G.cfg, cfg),
        cfg,
        callbacks=[StopAt(steps)],
        kind=generator,
        progress=False,
    )
    start = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - start
    clf = load_classifier("fashion-mnist")
    ref = embed(clf, load_dataset("fashion-mnist", "test").images[:n_eval])[0]
    torch.manual_seed(1)
    feats = embed(clf, to_uint8(generate(trainer.sampler(), torch.randn(n_eval, G.cfg.z_dim))))[0]
    precision, recall = precision_recall(on_sphere(ref), on_sphere(feats), k=3)
    return {
        "generator": generator,
        "recipe": recipe_name,
        "steps": trainer.step,
        "seconds": round(seconds),
        "fd": round(frechet_distance(ref, feats), 1),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1200)
    p.add_argument("--n-eval", type=int, default=1000)
    p.add_argument("--runs", default="stylegan:dcgan,stylegan:adam0,stylegan:stylegan,dcgan:stylegan")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    print("| generator | recipe | steps | seconds (1 thread) | FD ↓ | precision ↑ | recall ↑ |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for spec in args.runs.split(","):
        r = run(*spec.split(":"), args.steps, args.n_eval)
        print(
            f"| {r['generator']} | {r['recipe']} | {r['steps']} | {r['seconds']} | {r['fd']} | {r['precision']} | "
            f"{r['recall']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
