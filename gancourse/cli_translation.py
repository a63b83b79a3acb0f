"""``gancourse train discogan|cyclegan`` and ``gancourse translate``. Introduced in lesson 04.

The argument parser lives in ``cli.py``; these functions receive its parsed arguments.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .config import GancourseError, config_from_dict


def load_pair(args, split: str = "train"):
    """The two domains the arguments name: --pix2pix DIR, --folders A B, or --domains A:B (offline)."""
    from .domains import load_domains, load_folders, load_pix2pix

    if args.pix2pix and args.folders:
        raise GancourseError("give either --pix2pix DIR or --folders A_DIR B_DIR, not both.")
    if args.pix2pix:
        return load_pix2pix(args.pix2pix, args.image_size)
    if args.folders:
        return load_folders(args.folders[0], args.folders[1], args.image_size)
    return load_domains(args.domains, split, root=args.data)


def train(args, out: Path, resume_from: Path | None, device) -> Path:
    import torch

    from .callbacks import Checkpoint, HistoryFile, TensorBoard
    from .recipes import translation_config, translation_trainer
    from .train import TrainConfig, load_checkpoint
    from .translation import train_config
    from .utils import physical_cores, seed_everything
    from .viz import SampleGrid, plot_history, save_grid

    kind = args.model
    if args.simultaneous:
        raise GancourseError("--simultaneous is for the noise-to-image models; discogan/cyclegan keep their own steps.")
    seed_everything(args.seed)
    if device.type == "cpu":
        torch.set_num_threads(physical_cores())
    pair = load_pair(args)
    overrides = {"generator": args.generator} if args.generator else {}
    mcfg = translation_config(kind, pair.a.shape[-1], pair.a.shape[1], pair.b.shape[1], **overrides)
    tcfg = train_config(kind, epochs=args.epochs, seed=args.seed)
    if args.lr is not None:
        tcfg = replace(tcfg, lr_g=args.lr, lr_d=args.lr)
    if resume_from is not None:
        ckpt = load_checkpoint(resume_from)
        if ckpt["kind"] != kind:
            raise GancourseError(f"{resume_from} holds a {ckpt['kind']!r} model, not {kind!r}: train {ckpt['kind']} to resume it.")
        from .nets import TranslationConfig

        mcfg = config_from_dict(TranslationConfig, ckpt["config"])
        tcfg = replace(config_from_dict(TrainConfig, ckpt["train_config"]), epochs=args.epochs)
    from .cli import speed_options

    tcfg = replace(tcfg, **speed_options(args, device))
    callbacks = [SampleGrid(every=1, folder=out / "grids"),
                 Checkpoint(out / "checkpoints", every_epochs=1, every_steps=args.checkpoint_every),
                 HistoryFile(out / "history.json")]
    if args.tensorboard:
        callbacks.append(TensorBoard(out / "tensorboard"))
    from .cli import time_limit

    callbacks += time_limit(args)
    try:
        trainer = translation_trainer(kind, pair, model_config=mcfg, train_config=tcfg, batch_size=args.batch_size or 32,
                                      device=device, seed=args.seed, limit=args.limit, callbacks=callbacks,
                                      progress=not args.quiet)
    except ValueError as e:
        raise GancourseError(f"{e}.") from None
    if args.compile:
        trainer.G.compile()
        trainer.D.compile()
    if resume_from is not None:
        trainer.load_checkpoint(resume_from)
        print(f"resuming {resume_from} at epoch {trainer.epoch}, step {trainer.step}")
    print(f"training {kind} ({mcfg.generator} G) on {pair.source} for {tcfg.epochs} epochs on {device}; writing to {out}/")
    trainer.fit()
    save_grid(trainer.sample_fixed(), out / "samples.png", nrow=trainer.grid_nrow)
    if trainer.history:
        plot_history(trainer.history, out / "losses.png")
    print(f"wrote {out / 'samples.png'} (rows: A, A->B, A->B->A, B, B->A, B->A->B), {out / 'losses.png'}")
    if not (args.pix2pix or args.folders):
        from .translation_eval import evaluate_translation, format_translation

        report = evaluate_translation(trainer.G, load_pair(args, "test"))
        print(format_translation({kind: report}))
        (out / "evaluation.json").write_text(json.dumps(report, indent=1))
    return out


def _load_inputs(path: Path, size: int, channels: int):
    import numpy as np
    import torch

    from .imagefolder import image_files, load_image

    if not path.exists():
        raise GancourseError(f"--input {path} does not exist: give an image file or a folder of images.")
    files = image_files(path) if path.is_dir() else [path]
    arrays = [load_image(f, size, "L" if channels == 1 else "RGB") for f in files]
    return files, torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()  # (N, C, size, size) uint8


def translate(args) -> None:
    import imageio.v3 as iio

    from . import nets
    from .train import load_checkpoint
    from .translation_eval import translate as run_g
    from .utils import unique_path

    ckpt = load_checkpoint(args.checkpoint)
    if ckpt["kind"] not in ("discogan", "cyclegan"):
        raise GancourseError(f"{args.checkpoint} holds a {ckpt['kind']!r} model: translate needs a discogan or cyclegan checkpoint.")
    G, _ = nets.build(ckpt["kind"], ckpt["config"])
    try:
        G.load_state_dict(ckpt["G"])
    except RuntimeError:
        raise GancourseError(f"{args.checkpoint}: the weights do not fit its own config; the file is damaged.") from None
    cfg = config_from_dict(nets.TranslationConfig, ckpt["config"])
    c_in = cfg.channels_a if args.direction == "AB" else cfg.channels_b
    src = Path(args.input).expanduser()
    files, images = _load_inputs(src, cfg.image_size, c_in)
    out_images = run_g(G[args.direction], images).permute(0, 2, 3, 1).numpy()  # (N, S, S, C) uint8
    if src.is_dir():
        folder = unique_path(args.out)  # never write into an existing folder
        folder.mkdir(parents=True)
        for f, img in zip(files, out_images, strict=True):
            iio.imwrite(folder / (f.relative_to(src).as_posix().replace("/", "__").rsplit(".", 1)[0] + ".png"),
                        img[:, :, 0] if img.shape[2] == 1 else img)
        print(f"translated {len(files)} image(s) {args.direction[0]}->{args.direction[1]} into {folder}/")
    else:
        target = unique_path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        img = out_images[0]
        iio.imwrite(target, img[:, :, 0] if img.shape[2] == 1 else img)
        print(f"translated {src} {args.direction[0]}->{args.direction[1]} into {target}")
