"""The speed users meet: ``gancourse train`` images/s per epoch after the first, with and without flags.

    python benchmarks/epoch_rate.py --dataset fashion-mnist --batch-size 256 --epochs 3 [--limit 10240] [--tf-python PY]

Each configuration is one real ``gancourse train dcgan`` process (data loading, autotuning, sample
grids, checkpoints and the history file included), one after the other on this machine; the rate
is the one the command prints and keeps in ``RUN/speed.json``. ``--tf-python`` also times the
TensorFlow tutorial's ``train_step`` (``tf_tutorial.py``) in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

import gancourse
from gancourse.speed import native_bf16
from gancourse.utils import choose_device

sys.path.insert(0, str(Path(__file__).parent))
from quality import machine  # noqa: E402
from report import save_report  # noqa: E402
from throughput import bracketed_by_tensorflow, tensorflow_tutorial  # noqa: E402

PACKAGE_ROOT = Path(gancourse.__file__).resolve().parents[1]  # the folder holding the gancourse measured

CONFIGS = {
    "defaults (no flags)": [],
    "defaults + bf16 autocast": ["--precision", "bf16"],
    "before issue 19: torch layers, NCHW, Adam per tensor, fp32": [
        "--conv",
        "torch",
        "--no-channels-last",
        "--no-fused-adam",
        "--precision",
        "fp32",
    ],
}


def run(model: str, flags: list[str], args, folder: Path) -> dict:
    """One ``gancourse train`` process of the gancourse this benchmark imported: ``python -m`` puts the working
    folder first on ``sys.path``, so the process runs in the folder that holds that package."""
    out = folder / f"run-{len(list(folder.iterdir()))}"
    dataset = args.dataset
    if dataset.startswith("folder:"):  # a relative folder is the caller's, not the package root's
        dataset = "folder:" + str(Path(dataset.removeprefix("folder:")).resolve())
    cmd = [
        sys.executable,
        "-m",
        "gancourse",
        "train",
        model,
        "--dataset",
        dataset,
        "--batch-size",
        str(args.batch_size),
        "--epochs",
        str(args.epochs),
        "--quiet",
        "--out",
        str(out),
        *flags,
    ]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.device:
        cmd += ["--device", args.device]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=PACKAGE_ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads((out / "speed.json").read_text(encoding="utf-8"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="dcgan")
    p.add_argument("--dataset", default="fashion-mnist")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--limit", type=int, default=None, help="images per epoch (default: the whole training set)")
    p.add_argument("--device", default=None)
    p.add_argument("--configs", default=None, help="indices into CONFIGS (default: all; bf16 only where native)")
    p.add_argument("--tf-python", default=None)
    p.add_argument("--out", default=None, help="JSON file for the results")
    args = p.parse_args(argv)
    device = torch.device(args.device) if args.device else choose_device()
    picked = args.configs.split(",") if args.configs else ["0", "2"] + (["1"] if native_bf16(device) else [])
    names = [list(CONFIGS)[int(i)] for i in picked]

    def every_config() -> dict:
        rows = {}
        with tempfile.TemporaryDirectory() as tmp:
            for name in names:
                rows[name] = run(args.model, CONFIGS[name], args, Path(tmp))
                print(json.dumps({name: rows[name]}), flush=True)
        return rows

    yardstick = (lambda: tensorflow_tutorial(args.tf_python, args.batch_size, 20, None)) if args.tf_python else None
    rows, tf = bracketed_by_tensorflow(yardstick, every_config)
    lines = [
        f"`gancourse train {args.model} --batch-size {args.batch_size}`, {args.dataset}"
        f"{f' (first {args.limit:,} images)' if args.limit else ''}, {args.epochs} epochs; {machine()}",
        "",
        "| configuration | images/s per epoch after the first | epoch seconds | callbacks' share | precision |"
        + (" vs TensorFlow tutorial |" if tf else ""),
        "|---|---:|---|---:|---|" + ("---:|" if tf else ""),
    ]
    for name, r in rows.items():
        ratio = f" {r['images_per_s'] / tf['images_per_s']:.2f}× |" if tf else ""
        lines.append(
            f"| {name} | {r['images_per_s']:,.0f} | {', '.join(f'{s:.1f}' for s in r['epoch_seconds'])} | "
            f"{100 * r['callbacks_share']:.1f} % | {r['precision']} |{ratio}"
        )
    if tf:
        lines += [
            "",
            f"TensorFlow {tf['tensorflow']} tutorial `train_step`, same batch, the same run: "
            f"{tf['images_per_s']:,.0f} images/s (steps after warm-up; the better of "
            f"{', '.join(f'{v:,.0f}' for v in tf['runs'])}, timed before and after the course's runs).",
        ]
    print("\n".join(lines))
    if args.out:
        save_report(args.out, {"machine": machine(), "rows": rows, "tensorflow_tutorial": tf}, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
