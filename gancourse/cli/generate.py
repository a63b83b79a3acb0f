"""``gancourse sample``, ``translate`` and ``gif``: pictures from a checkpoint or a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import torch

from .. import registry
from ..config import GancourseError
from ..data.imagefolder import image_files, load_images
from ..nets.biggan import truncated_noise
from ..tensors import generate, to_uint8
from ..train import load_checkpoint
from ..translation import translate_images
from ..utils import unique_path
from ..viz import save_grid
from .common import make_gif, writable


def _wanted_labels(spec: str | None, n_classes: int) -> list[int]:
    if not spec:
        return list(range(n_classes))
    try:
        wanted = [int(v) for v in spec.split(",") if v.strip()]
    except ValueError:
        raise GancourseError(f"--labels {spec!r}: give class numbers like 0,1,7.") from None
    if not wanted or min(wanted) < 0 or max(wanted) >= n_classes:
        raise GancourseError(f"--labels must be numbers in 0..{n_classes - 1}, got {spec!r}.")
    return wanted


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def _image_out(out: str, also: tuple[str, ...] = ()) -> None:
    if Path(out).suffix.lower() not in IMAGE_SUFFIXES + also:
        raise GancourseError(f"--out {out}: give a file ending in {', '.join(IMAGE_SUFFIXES + also)}.")


def sample(args: argparse.Namespace) -> None:
    _image_out(args.out, (".npz",))
    ckpt = load_checkpoint(args.checkpoint)
    kind = registry.get(ckpt["kind"])
    if kind.data != "images":
        raise GancourseError(f"{args.checkpoint} holds a {kind.name} translator: use `gancourse translate` instead.")
    if args.labels and not kind.conditional:
        raise GancourseError(f"--labels needs a conditional model; {args.checkpoint} holds a {kind.name!r} model.")
    G = registry.generator_from_checkpoint(ckpt, args.checkpoint, ema=not args.no_ema)
    out = unique_path(args.out)
    writable(out.parent)
    z = truncated_noise(args.n, G.cfg.z_dim, args.truncation, torch.Generator().manual_seed(args.seed))  # (n, z_dim)
    labels = None
    if kind.conditional:
        wanted = _wanted_labels(args.labels, G.cfg.n_classes)
        labels = torch.tensor(wanted * (args.n // len(wanted) + 1))[: args.n]  # (n,) cycling through the list
        images = to_uint8(generate(G, z, labels))
    else:
        images = to_uint8(generate(G, z))  # (n, C, H, W) uint8
    if out.suffix == ".npz":
        arrays = {"images": images.numpy()}
        if labels is not None:
            arrays["labels"] = labels.numpy().astype(np.int64)
        np.savez_compressed(out, **arrays)
    else:
        save_grid(images, out, nrow=G.cfg.n_classes if labels is not None and not args.labels else None)
    print(f"wrote {args.n} samples to {out}")


def _write_png(path: Path, img: np.ndarray) -> None:
    iio.imwrite(path, img[:, :, 0] if img.shape[2] == 1 else img)  # (S, S) grey or (S, S, 3)


def translate(args: argparse.Namespace) -> None:
    if not Path(args.input).expanduser().is_dir():
        _image_out(args.out)
    ckpt = load_checkpoint(args.checkpoint)
    if registry.get(ckpt["kind"]).data != "domains":
        raise GancourseError(
            f"{args.checkpoint} holds a {ckpt['kind']!r} model: translate needs a discogan or cyclegan checkpoint."
        )
    G = registry.generator_from_checkpoint(ckpt, args.checkpoint, ema=False)
    cfg, _ = registry.configs_from_checkpoint(ckpt)
    src = Path(args.input).expanduser()
    if not src.exists():
        raise GancourseError(f"--input {src} does not exist: give an image file or a folder of images.")
    files = image_files(src) if src.is_dir() else [src]
    images = load_images(files, cfg.image_size, cfg.channels_a if args.direction == "AB" else cfg.channels_b)
    out_images = translate_images(G[args.direction], images).permute(0, 2, 3, 1).numpy()  # (N, S, S, C) uint8
    way = f"{args.direction[0]}->{args.direction[1]}"
    if src.is_dir():
        folder = unique_path(args.out)  # never write into an existing folder
        folder.mkdir(parents=True)
        for f, img in zip(files, out_images, strict=True):
            _write_png(folder / (f.relative_to(src).as_posix().replace("/", "__").rsplit(".", 1)[0] + ".png"), img)
        print(f"translated {len(files)} image(s) {way} into {folder}/")
    else:
        target = unique_path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_png(target, out_images[0])
        print(f"translated {src} {way} into {target}")


def gif(args: argparse.Namespace) -> None:
    run = Path(args.run_dir)
    out = unique_path(Path(args.out) if args.out else run / "progress.gif")
    print(f"wrote {make_gif(run, out)}")
