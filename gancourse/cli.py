"""The command line: ``gancourse ...`` or ``python -m gancourse ...``. The only argparse in the package."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from .config import GancourseError, pick


def _train(args: argparse.Namespace) -> Path:
    import torch

    from . import nets
    from .callbacks import Checkpoint
    from .data import Batches, load_dataset
    from .train import TrainConfig, Trainer
    from .utils import choose_device, physical_cores, seed_everything, unique_path
    from .viz import SampleGrid, plot_history, save_gif, save_grid

    seed_everything(args.seed)
    device = choose_device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(physical_cores())
    data = load_dataset(args.dataset, "train", root=args.data)
    out = unique_path(args.out)  # never write into a user's earlier run
    model_cfg = nets.MLPConfig(img_shape=tuple(data.images.shape[1:]))
    G, D = nets.build(args.model, {**model_cfg.__dict__})
    batches = Batches(data.images, None, args.batch_size, device, seed=args.seed, limit=args.limit)
    cfg = replace(TrainConfig(), epochs=args.epochs, lr_g=args.lr, lr_d=args.lr, loss=args.loss, seed=args.seed)
    grids = SampleGrid(every=max(1, args.epochs // 20))
    trainer = Trainer(G, D, batches, cfg, z_dim=model_cfg.z_dim, callbacks=[grids, Checkpoint(out / "checkpoints", every_epochs=10)],
                      device=device, progress=not args.quiet, kind=args.model, model_config=model_cfg)
    print(f"training {args.model} on {len(batches) * args.batch_size:,} {args.dataset} images ({data.source}) "
          f"for {args.epochs} epochs on {device}; writing to {out}/")
    trainer.fit()
    save_grid(trainer.sample_fixed(), out / "samples.png", nrow=8)
    plot_history(trainer.history, out / "losses.png")
    save_gif(grids.frames, out / "progress.gif")
    print(f"wrote {out / 'samples.png'}, {out / 'losses.png'} and {out / 'progress.gif'}")
    return out


def _sample(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from . import nets
    from .train import generate, load_checkpoint
    from .utils import unique_path
    from .viz import save_grid, to_uint8

    ckpt = load_checkpoint(args.checkpoint)
    G, _ = nets.build(ckpt["kind"], ckpt["config"])
    G.load_state_dict(ckpt["G"])
    torch.manual_seed(args.seed)
    z = torch.randn(args.n, G.cfg.z_dim)  # (n, z_dim)
    images = to_uint8(generate(G, z))  # (n, C, H, W) uint8
    out = unique_path(args.out)
    if out.suffix == ".npz":
        np.savez_compressed(out, images=images.numpy())
    else:
        save_grid(images, out)
    print(f"wrote {args.n} samples to {out}")


def _lessons(args: argparse.Namespace) -> int:
    from .lessons import generate_lessons

    changed = generate_lessons(args.solutions, args.out, check=args.check)
    if args.check:
        if changed:
            print("lessons/ is stale; run `gancourse lessons` to regenerate:\n  " + "\n  ".join(map(str, changed)))
            return 1
        print("lessons/ is up to date.")
        return 0
    print(f"wrote {len(changed)} lesson(s)" + (":\n  " + "\n  ".join(map(str, changed)) if changed else ""))
    return 0


def _workspace(args: argparse.Namespace) -> None:
    from .lessons import copy_to_workspace

    copied = copy_to_workspace(args.lessons, args.work)
    kept = sorted(p.name for p in Path(args.work).glob("*.ipynb") if Path(args.work, p.name) not in copied)
    print(f"{args.work}/: copied {len(copied)} new lesson(s)" + (f"; kept your {len(kept)} existing notebook(s) untouched" if kept else ""))


def _data(args: argparse.Namespace) -> None:
    from .data import load_dataset

    for name in args.names:
        d = load_dataset(name, args.split, root=args.data)
        print(f"{name} ({args.split}): {len(d):,} images {tuple(d.images.shape[1:])} from {d.source}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gancourse", description="GAN course tools.")
    sub = p.add_subparsers(dest="command", required=True)

    for name, help_ in (("train", "train a model"), ("demo", "train the lesson-01 GAN headless (make demo)")):
        t = sub.add_parser(name, help=help_)
        if name == "train":
            t.add_argument("model", choices=["mlp"], help="model family")
        t.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
        t.add_argument("--epochs", type=int, default=pick(120, 2))
        t.add_argument("--batch-size", type=int, default=64)
        t.add_argument("--lr", type=float, default=2e-4)
        t.add_argument("--loss", default="bce", choices=["bce", "minimax", "hinge", "lsgan"])
        t.add_argument("--limit", type=int, default=pick(None, 2048), help="use only the first N images")
        t.add_argument("--seed", type=int, default=0)
        t.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
        t.add_argument("--data", default=None, help="data root (default: $GANCOURSE_DATA or ~/.cache/gancourse)")
        t.add_argument("--out", default=f"runs/{name if name == 'demo' else 'mlp'}", help="run folder (never overwritten)")
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        t.set_defaults(func=_train, model="mlp")

    s = sub.add_parser("sample", help="sample a trained generator into a PNG grid or samples.npz")
    s.add_argument("checkpoint")
    s.add_argument("--n", type=int, default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default="samples.png", help="a .png grid or a .npz samples file")
    s.set_defaults(func=_sample)

    le = sub.add_parser("lessons", help="generate lessons/ from solutions/")
    le.add_argument("--check", action="store_true", help="exit 1 and list the files if lessons/ is stale")
    le.add_argument("--solutions", default="solutions")
    le.add_argument("--out", default="lessons")
    le.set_defaults(func=_lessons)

    w = sub.add_parser("workspace", help="copy new lessons into your work folder (never overwrites)")
    w.add_argument("--lessons", default="lessons")
    w.add_argument("--work", default="work")
    w.set_defaults(func=_workspace)

    d = sub.add_parser("data", help="load datasets and say where they came from")
    d.add_argument("names", nargs="+", choices=["mnist", "fashion-mnist"])
    d.add_argument("--split", default="train", choices=["train", "test", "all"])
    d.add_argument("--data", default=None)
    d.set_defaults(func=_data)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rc = args.func(args)
    except GancourseError as e:
        print(f"gancourse: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gancourse: interrupted; completed checkpoints are kept.", file=sys.stderr)
        return 130
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
