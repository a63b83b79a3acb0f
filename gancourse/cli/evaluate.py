"""``gancourse evaluate``, ``train-classifier`` and ``data``: measuring samples and the data they are measured on."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..data import load_dataset
from ..evaluation import evaluate_samples, format_report, load_samples, train_classifier
from .common import writable


def evaluate(args: argparse.Namespace) -> None:
    images, labels = load_samples(args.samples)
    report = evaluate_samples(images, labels, args.dataset, root=args.data, n_ref=args.n_ref, gan_train=args.gan_train)
    print(format_report(report))
    if args.json:
        out = Path(args.json)
        writable(out.parent)
        out.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(f"wrote {out}")


def classifier(args: argparse.Namespace) -> None:
    r = train_classifier(args.dataset, root=args.data, epochs=args.epochs, seed=args.seed)
    print(
        f"{args.dataset} classifier: {r['test_accuracy']:.2%} test accuracy on {r['n_test']:,} images "
        f"(trained on {r['n_train']:,} from {r['source']}, {r['epochs']} epochs); saved to {r['path']}"
    )


def data(args: argparse.Namespace) -> None:
    for name in args.names:
        d = load_dataset(name, args.split, root=args.data)
        print(f"{name} ({args.split}): {len(d):,} images {tuple(d.images.shape[1:])} from {d.source}")
