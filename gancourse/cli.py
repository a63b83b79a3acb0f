"""The command line: ``gancourse ...`` or ``python -m gancourse ...``. The only argparse in the package."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, replace
from pathlib import Path

from .config import GancourseError, config_from_dict, pick


def _model_config(kind: str, images_shape: tuple[int, ...], args: argparse.Namespace):
    from . import nets

    c, h, _ = images_shape
    if kind in ("gan", "mlp"):
        return nets.MLPConfig(img_shape=(c, h, h))
    if kind == "biggan":
        return _biggan_config(images_shape)
    if h not in (28, 64):
        raise GancourseError(f"{kind} works on 28x28 or 64x64 images, not {h}x{h}: use mnist, fashion-mnist or folder:PATH.")
    if kind == "dcgan":
        return nets.DCGANConfig(img_size=h, channels=c)
    return nets.CGANConfig(img_size=h, channels=c, discriminator=args.cond_d)


def _biggan_config(images_shape: tuple[int, ...]):
    from . import nets

    c, h, _ = images_shape
    if h != 28:
        raise GancourseError(f"biggan trains on 28x28 images (mnist, fashion-mnist), not {h}x{h}.")
    return nets.BigGANConfig(channels=c)


def time_limit(args: argparse.Namespace) -> list:
    """``--time-limit MIN`` as a callback: training stops after the current step and the run is saved as usual."""
    if args.time_limit is None:
        return []
    if args.time_limit <= 0:
        raise GancourseError(f"--time-limit must be a positive number of minutes, got {args.time_limit}.")
    from .callbacks import TimeBudget

    return [TimeBudget(args.time_limit * 60)]


def speed_options(args: argparse.Namespace, device) -> dict:
    """The trainer's speed flags (benchmarks/throughput.py measures them); cuDNN autotuning on CUDA."""
    if device.type == "cuda":
        import torch

        torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels
    return {"update": "simultaneous" if args.simultaneous else "alternating", "precision": args.precision,
            "channels_last": args.channels_last, "fused_adam": args.fused_adam, "dft_conv": args.dft_conv}


def _writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".gancourse-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise GancourseError(f"cannot write to {folder} ({e.strerror or e}): choose another --out.") from None


def _train(args: argparse.Namespace) -> Path:
    import torch

    from . import nets
    from .callbacks import Checkpoint, HistoryFile, TensorBoard, latest_checkpoint
    from .data import Batches, load_dataset
    from .distributed import barrier_and_close, init_from_env, shard, wrap
    from .recipes import recipe
    from .train import TrainConfig, Trainer, load_checkpoint
    from .utils import choose_device, physical_cores, seed_everything, unique_path
    from .viz import SampleGrid, plot_history, save_grid

    kind = args.model
    device = choose_device(args.device)
    d = init_from_env(device)  # under torchrun: this process's rank; None in a plain run
    if d is not None:
        device = d.device
        if kind in ("discogan", "cyclegan"):
            raise GancourseError(f"{kind} trains in one process: run it without torchrun.")
        if args.time_limit is not None:
            raise GancourseError("--time-limit could stop ranks at different steps: use --epochs with torchrun.")
    main_rank = d is None or d.main
    resume_from = None
    if args.resume:
        out = Path(args.out)
        resume_from = latest_checkpoint(out / "checkpoints")
        if resume_from is None:
            raise GancourseError(f"no checkpoint in {out / 'checkpoints'} to resume: drop --resume to start a new run.")
    else:
        out = unique_path(args.out) if main_rank else Path(args.out)  # never write into a user's earlier run
    if main_rank:
        _writable(out)
    if kind in ("discogan", "cyclegan"):
        from .cli_translation import train as train_translation

        train_translation(args, out, resume_from, device)  # the device chosen above
        print(f"wrote {_progress_gif(out)} and {out / 'history.json'}")
        return out

    seed_everything(args.seed)  # the same initial weights on every rank
    if device.type == "cpu":
        torch.set_num_threads(max(1, physical_cores() // (d.world if d else 1)))
    data = load_dataset(args.dataset, "train", root=args.data)
    how = recipe(kind)
    overrides = {"epochs": args.epochs, "seed": args.seed}
    if args.lr is not None:
        overrides.update(lr_g=args.lr, lr_d=args.lr)
    if args.loss is not None:
        overrides["loss"] = args.loss
    cfg = replace(how.train, **overrides)
    batch_size = args.batch_size or how.batch_size
    model_cfg = _model_config(kind, tuple(data.images.shape[1:]), args)
    if resume_from is not None:
        ckpt = load_checkpoint(resume_from)
        if ckpt["kind"] != kind:
            raise GancourseError(f"{resume_from} holds a {ckpt['kind']!r} model, not {kind!r}: train {ckpt['kind']} to resume it.")
        model_cfg = config_from_dict(nets.CONFIGS[kind], ckpt["config"])
        cfg = replace(config_from_dict(TrainConfig, ckpt["train_config"]), epochs=args.epochs)
    cfg = replace(cfg, **speed_options(args, device))
    G, D = nets.build(kind, asdict(model_cfg))
    if args.compile:
        G.compile()  # in place: checkpoints keep their plain parameter names
        D.compile()
    conditional = nets.is_conditional(kind)
    images, labels = data.images[: args.limit], data.labels[: args.limit]
    if d is not None:
        images, labels = shard(images, labels, d)  # this rank's share of the data
        G, D = wrap(G.to(device), d), wrap(D.to(device), d)  # DDP averages gradients across ranks
        seed_everything(args.seed + d.rank)  # each rank draws its own noise
    batches = Batches(images, labels if conditional else None, batch_size, device, seed=args.seed + (d.rank if d else 0))
    fixed_labels = torch.arange(cfg.n_fixed) % model_cfg.n_classes if conditional else None
    grids = SampleGrid(every=1, folder=out / "grids")
    callbacks = [grids, Checkpoint(out / "checkpoints", every_epochs=1, every_steps=args.checkpoint_every),
                 HistoryFile(out / "history.json")]
    if args.tensorboard:
        callbacks.append(TensorBoard(out / "tensorboard"))
    callbacks += time_limit(args)
    if not main_rank:
        callbacks = []  # only rank 0 writes checkpoints, grids and logs
    trainer = Trainer(G, D, batches, cfg, z_dim=model_cfg.z_dim, fixed_labels=fixed_labels, callbacks=callbacks,
                      device=device, progress=main_rank and not args.quiet, kind=kind, model_config=model_cfg,
                      d_step=how.d_step, g_step=how.g_step)
    if resume_from is not None:
        trainer.load_checkpoint(resume_from)
        if main_rank:
            print(f"resuming {resume_from} at epoch {trainer.epoch}, step {trainer.step}")
    if main_rank:
        ranks = f" per process x {d.world} processes (DDP, {'nccl' if device.type == 'cuda' else 'gloo'})" if d else ""
        print(f"training {kind} on {len(batches) * batch_size:,} images{ranks} ({data.source}) "
              f"for {cfg.epochs} epochs on {device}; writing to {out}/")
    trainer.fit()
    if d is not None:
        barrier_and_close()
        if not d.main:
            return out
    save_grid(trainer.sample_fixed(), out / "samples.png", nrow=8 if not conditional else model_cfg.n_classes)
    if trainer.history:
        plot_history(trainer.history, out / "losses.png")
    gif = _progress_gif(out)
    print(f"wrote {out / 'samples.png'}, {out / 'losses.png'}, {gif} and {out / 'history.json'}")
    return out


def _progress_gif(run: Path) -> str:
    """The run's progress GIF, or a note when it stopped before the first epoch ended (no grids yet)."""
    if not any((run / "grids").glob("epoch-*.png")):
        return "no progress.gif (training stopped before the first epoch ended)"
    return str(_make_gif(run))


def _make_gif(run: Path, target: Path | None = None) -> Path:
    import imageio.v3 as iio

    from .viz import save_gif

    frames = sorted((run / "grids").glob("epoch-*.png"))
    if not frames:
        raise GancourseError(f"no sample grids in {run / 'grids'}: is {run} a gancourse run folder?")
    target = target or run / "progress.gif"
    return save_gif([iio.imread(f) for f in frames], target, fps=4)


def _gif(args: argparse.Namespace) -> None:
    from .utils import unique_path

    run = Path(args.run_dir)
    out = unique_path(Path(args.out) if args.out else run / "progress.gif")
    print(f"wrote {_make_gif(run, out)}")


def _sample(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from . import nets
    from .recipes import ema_generator_state, sample_noise
    from .train import generate, load_checkpoint
    from .utils import unique_path
    from .viz import save_grid, to_uint8

    ckpt = load_checkpoint(args.checkpoint)
    G, _ = nets.build(ckpt["kind"], ckpt["config"])
    ema = None if args.no_ema else ema_generator_state(ckpt)
    try:
        G.load_state_dict(ema if ema is not None else ckpt["G"])
    except RuntimeError:
        raise GancourseError(f"{args.checkpoint}: the weights do not fit its own config; the file is damaged.") from None
    if args.truncation is not None and args.truncation <= 0:
        raise GancourseError(f"--truncation must be a positive threshold such as 0.5, got {args.truncation}.")
    out = unique_path(args.out)
    _writable(out.parent)
    z = sample_noise(args.n, G.cfg.z_dim, args.truncation, args.seed)  # (n, z_dim), truncated if asked
    labels = None
    if nets.is_conditional(ckpt["kind"]):
        n_classes = G.cfg.n_classes
        if args.labels:
            try:
                wanted = [int(v) for v in args.labels.split(",") if v.strip()]
            except ValueError:
                raise GancourseError(f"--labels {args.labels!r}: give class numbers like 0,1,7.") from None
            if not wanted or min(wanted) < 0 or max(wanted) >= n_classes:
                raise GancourseError(f"--labels must be numbers in 0..{n_classes - 1}, got {args.labels!r}.")
        else:
            wanted = list(range(n_classes))
        labels = torch.tensor(wanted * (args.n // len(wanted) + 1))[: args.n]  # (n,) cycling through the list
        images = to_uint8(generate(G, z, labels))
    elif args.labels:
        raise GancourseError(f"--labels needs a conditional model; {args.checkpoint} holds a {ckpt['kind']!r} model.")
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


def _translate(args: argparse.Namespace) -> None:
    from .cli_translation import translate

    translate(args)


def _evaluate(args: argparse.Namespace) -> None:
    import json

    from .evaluate import evaluate_samples, format_report, load_samples

    images, labels = load_samples(args.samples)
    report = evaluate_samples(images, labels, args.dataset, root=args.data, n_ref=args.n_ref, gan_train=args.gan_train)
    print(format_report(report))
    if args.json:
        out = Path(args.json)
        _writable(out.parent if str(out.parent) else Path("."))
        out.write_text(json.dumps(report, indent=1))
        print(f"wrote {out}")


def _train_classifier(args: argparse.Namespace) -> None:
    from .classifier import train_classifier

    r = train_classifier(args.dataset, root=args.data, epochs=args.epochs, seed=args.seed)
    print(f"{args.dataset} classifier: {r['test_accuracy']:.2%} test accuracy on {r['n_test']:,} images "
          f"(trained on {r['n_train']:,} from {r['source']}, {r['epochs']} epochs); saved to {r['path']}")


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


def _check(args: argparse.Namespace) -> int:
    import nbformat

    from .checks import OK
    from .grading import grade_notebook, notebook_lesson

    path = Path(args.notebook)
    if not path.is_file():
        raise GancourseError(f"no notebook at {path}: give the path of your lesson notebook, e.g. work/02_dcgan.ipynb.")
    lesson = args.lesson
    if lesson is None:
        try:
            lesson = notebook_lesson(nbformat.read(path, as_version=4))
        except Exception:
            raise GancourseError(f"{path} is not a readable notebook: open it in Jupyter and save it again.") from None
        if lesson is None:
            raise GancourseError(f"{path} has no '# Lesson NN' title: pass --lesson NN.")
    print(f"running {path} in fast mode (lesson {lesson}); this takes about a minute...")
    r = grade_notebook(path, lesson, path.stem, args.cell_timeout, args.timeout, hidden=False)
    for name, (ok, message) in r.checks.items():
        print(f"{OK if ok else '❌'} {name}: " + ("passes" if ok else message.replace("\n", "\n    ")))
    detail = f" ({r.status}: {r.detail})" if r.detail or r.status != "graded" else ""
    print(f"{r.score}/{len(r.checks)} exercises pass{detail}.")
    return 0 if r.score == len(r.checks) else 1


def _grade(args: argparse.Namespace) -> None:
    from .gradebook import grade_folder
    from .grading import find_submissions, lesson_checks
    from .utils import unique_path

    lesson = f"{int(args.lesson):02d}" if args.lesson.isdigit() else args.lesson
    try:
        lesson_checks(lesson)
    except ValueError:
        raise GancourseError(f"there is no lesson {args.lesson!r}: use a number such as 02.") from None
    try:
        found = find_submissions(args.submissions)
    except FileNotFoundError as e:
        raise GancourseError(f"{e}: give the folder of submitted notebooks.") from None
    if not found:
        raise GancourseError(f"no .ipynb files under {args.submissions}: give the folder of submitted notebooks.")
    out = unique_path(args.out)  # never overwrite an earlier grade table
    _writable(out.parent if str(out.parent) else Path("."))
    print(f"grading {len(found)} notebook(s) of lesson {lesson}, {args.jobs} at a time; writing {out}")
    results = grade_folder(args.submissions, lesson, out, args.jobs, args.cell_timeout, args.timeout)
    print(f"wrote {out} and {out.with_suffix('.md')}: mean score "
          f"{sum(r.score for r in results) / len(results):.2f} of {len(results[0].checks)}")


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
            t.add_argument("model", choices=["gan", "dcgan", "cgan", "discogan", "cyclegan", "biggan"],
                           help="model family (lessons 01, 02, 03, 04, 04, 05)")
        t.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist or folder:PATH (your own images)")
        t.add_argument("--epochs", type=int, default=pick(120 if name == "demo" else 25, 2))
        t.add_argument("--batch-size", type=int, default=None,
                       help="default: the model's recipe (32 for conv models: more updates per epoch on small data)")
        t.add_argument("--lr", type=float, default=None, help="both learning rates (default: the model's recipe)")
        t.add_argument("--loss", default=None, choices=["bce", "minimax", "hinge", "lsgan"],
                       help="default: the model's recipe (bce; hinge for biggan)")
        t.add_argument("--cond-d", default="projection", choices=["concat", "projection"], help="cgan discriminator")
        t.add_argument("--limit", type=int, default=pick(None, 2048), help="use only the first N images")
        t.add_argument("--seed", type=int, default=0)
        t.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
        t.add_argument("--data", default=None, help="data root (default: $GANCOURSE_DATA or ~/.cache/gancourse)")
        t.add_argument("--out", default=f"runs/{name}" if name == "demo" else None, help="run folder (never overwritten)")
        t.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
        t.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints")
        t.add_argument("--tensorboard", action="store_true", help="also log to TensorBoard (if installed)")
        t.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                       help="bf16 autocast (CUDA, or CPUs with native bf16); fp32 by default")
        t.add_argument("--simultaneous", action="store_true",
                       help="one G(z) forward for both updates (the TF tutorial's algorithm, not the alternating one)")
        t.add_argument("--channels-last", action="store_true", help="NHWC memory layout (faster convolutions on some machines)")
        t.add_argument("--fused-adam", action="store_true", help="Adam's fused kernel")
        t.add_argument("--dft-conv", action="store_true",
                       help="compute the convolutions on small maps in the DFT domain (same layers, fewer multiplications)")
        t.add_argument("--compile", action="store_true", help="torch.compile G and D (slow first steps)")
        t.add_argument("--time-limit", type=float, default=None, metavar="MIN",
                       help="stop after this many minutes of training (the run is saved as usual)")
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        if name == "train":  # lesson 04: two image domains instead of --dataset
            t.add_argument("--domains", default="bag-edges:bags",
                           help="discogan/cyclegan: offline domains A:B from bags, shoes, bag-edges")
            t.add_argument("--pix2pix", default=None, metavar="DIR", help="discogan/cyclegan: A|B images (edges2handbags)")
            t.add_argument("--folders", nargs=2, default=None, metavar=("A_DIR", "B_DIR"),
                           help="discogan/cyclegan: two folders of unpaired images (trainA trainB)")
            t.add_argument("--image-size", type=int, default=64, help="discogan/cyclegan on real data: 32 or 64")
            t.add_argument("--generator", default=None, choices=["encoder-decoder", "unet", "resnet"],
                           help="discogan/cyclegan generator (default: encoder-decoder / resnet)")
        t.set_defaults(func=_train, model="gan")

    g = sub.add_parser("gif", help="make progress.gif from a run's sample grids")
    g.add_argument("run_dir")
    g.add_argument("--out", default=None, help="default: RUN_DIR/progress.gif (never overwritten)")
    g.set_defaults(func=_gif)

    s = sub.add_parser("sample", help="sample a trained generator into a PNG grid or samples.npz")
    s.add_argument("checkpoint")
    s.add_argument("--n", type=int, default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default="samples.png", help="a .png grid or a .npz samples file")
    s.add_argument("--truncation", type=float, default=None, help="truncation trick: redraw |z| entries above this")
    s.add_argument("--no-ema", action="store_true", help="use G's raw weights even if the checkpoint has an EMA")
    s.add_argument("--labels", default=None, help="conditional models: classes to draw, e.g. 0,1,7 (default: cycle 0..9)")
    s.set_defaults(func=_sample)

    tr = sub.add_parser("translate", help="run a discogan/cyclegan generator on an image or a folder")
    tr.add_argument("checkpoint")
    tr.add_argument("--direction", default="AB", choices=["AB", "BA"])
    tr.add_argument("--input", required=True, help="an image file or a folder of images")
    tr.add_argument("--out", required=True, help="a .png file (file input) or a folder (folder input); never overwritten")
    tr.set_defaults(func=_translate)

    ev = sub.add_parser("evaluate", help="score a samples.npz with the course classifier (FD, KID, IS, PR, ...)")
    ev.add_argument("samples")
    ev.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    ev.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    ev.add_argument("--n-ref", type=int, default=5000, help="real training images in the reference set")
    ev.add_argument("--gan-train", action="store_true", help="conditional samples: train a classifier on them, test on real")
    ev.add_argument("--data", default=None)
    ev.set_defaults(func=_evaluate)

    tc = sub.add_parser("train-classifier", help="train the evaluation classifier and cache it in the data root")
    tc.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    tc.add_argument("--epochs", type=int, default=None)
    tc.add_argument("--seed", type=int, default=0)
    tc.add_argument("--data", default=None)
    tc.set_defaults(func=_train_classifier)

    le = sub.add_parser("lessons", help="generate lessons/ from solutions/")
    le.add_argument("--check", action="store_true", help="exit 1 and list the files if lessons/ is stale")
    le.add_argument("--solutions", default="solutions")
    le.add_argument("--out", default="lessons")
    le.set_defaults(func=_lessons)

    w = sub.add_parser("workspace", help="copy new lessons into your work folder (never overwrites)")
    w.add_argument("--lessons", default="lessons")
    w.add_argument("--work", default="work")
    w.set_defaults(func=_workspace)

    ck = sub.add_parser("check", help="run your lesson notebook in fast mode and show which exercises pass")
    ck.add_argument("notebook")
    ck.add_argument("--lesson", default=None, help="default: from the notebook's title")
    ck.add_argument("--cell-timeout", type=float, default=120)
    ck.add_argument("--timeout", type=float, default=600, help="seconds for the whole notebook")
    ck.set_defaults(func=_check)

    gr = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV (instructors)")
    gr.add_argument("submissions", help="a folder of .ipynb files, or nbgrader's submitted/<student>/... layout")
    gr.add_argument("--lesson", required=True, help="lesson number, e.g. 02")
    gr.add_argument("--out", default="grades.csv", help="CSV file (a Markdown summary is written beside it); never overwritten")
    gr.add_argument("--jobs", type=int, default=2, help="notebooks graded in parallel")
    gr.add_argument("--cell-timeout", type=float, default=120)
    gr.add_argument("--timeout", type=float, default=600, help="seconds per notebook")
    gr.set_defaults(func=_grade)

    d = sub.add_parser("data", help="load datasets and say where they came from")
    d.add_argument("names", nargs="+", choices=["mnist", "fashion-mnist"])
    d.add_argument("--split", default="train", choices=["train", "test", "all"])
    d.add_argument("--data", default=None)
    d.set_defaults(func=_data)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "func", None) is _train and args.out is None:
        args.out = f"runs/{args.model}"
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
