"""The command line's parser: the only argparse in the package. ``gancourse ...`` or ``python -m gancourse ...``."""

from __future__ import annotations

import argparse

from .. import __version__, registry
from ..config import pick
from ..losses import LOSSES
from ..sandbox.choice import MODES
from ..sandbox.container import IMAGE
from ..speed.options import CONV_CHOICES, PRECISIONS
from . import course, evaluate, generate, grade
from .options import train_options
from .train import train
from .types import OneLineParser, augment_policy, positive, share, whole


def _train(args: argparse.Namespace):
    return train(train_options(args))


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="gancourse", description="GAN course tools.")
    p.add_argument("--version", action="version", version=f"gancourse {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    for name, help_ in (("train", "train a model"), ("demo", "train the lesson-01 GAN headless (make demo)")):
        t = sub.add_parser(name, help=help_)
        if name == "train":
            t.add_argument(
                "model",
                choices=registry.kinds(),
                help="model kind: "
                + ", ".join(
                    f"{k} (lesson {registry.get(k).lesson})" if registry.get(k).lesson else k for k in registry.kinds()
                ),
            )
        t.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist or folder:PATH (your own images)")
        t.add_argument("--epochs", type=whole(1), default=pick(120 if name == "demo" else 25, 2))
        t.add_argument(
            "--batch-size",
            type=whole(1),
            default=None,
            help="default: the model's recipe (32 for conv models: more updates per epoch on small data)",
        )
        t.add_argument("--lr", type=positive, default=None, help="both learning rates (default: the model's recipe)")
        t.add_argument(
            "--loss", default=None, choices=list(LOSSES), help="default: the model's recipe (bce; hinge for biggan)"
        )
        t.add_argument("--cond-d", default="projection", choices=["concat", "projection"], help="cgan discriminator")
        t.add_argument("--limit", type=whole(1), default=pick(None, 2048), help="use only the first N images")
        t.add_argument("--seed", type=int, default=0)
        t.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
        t.add_argument("--data", default=None, help="data root (default: $GANCOURSE_DATA or ~/.cache/gancourse)")
        t.add_argument(
            "--out", default=f"runs/{name}" if name == "demo" else None, help="run folder (never overwritten)"
        )
        t.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
        t.add_argument("--checkpoint-every", type=whole(1), default=500, help="steps between checkpoints")
        t.add_argument("--tensorboard", action="store_true", help="also log to TensorBoard (if installed)")
        t.add_argument(
            "--precision",
            default=None,
            choices=PRECISIONS,
            help="bf16: autocast where the hardware has bf16 natively (CUDA, AVX-512 BF16/AMX); default: the "
            "recipe's (fp32)",
        )
        t.add_argument(
            "--simultaneous",
            action="store_true",
            help="one G(z) forward for both updates (the TF tutorial's algorithm, not the alternating one)",
        )
        t.add_argument(
            "--conv",
            default="auto",
            choices=CONV_CHOICES,
            help="how convolutions compute (the same function): auto times each layer on this machine",
        )
        t.add_argument(
            "--channels-last",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="NHWC memory layout (default: timed on this machine)",
        )
        t.add_argument(
            "--fused-adam",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Adam's fused kernel (default: where this torch has one)",
        )
        t.add_argument(
            "--augment",
            type=augment_policy,
            default=None,
            metavar="POLICY",
            help="DiffAugment before D, e.g. color,translation,cutout (default: the model's recipe: none)",
        )
        t.add_argument("--compile", action="store_true", help="torch.compile G and D (slow first steps)")
        t.add_argument(
            "--time-limit",
            type=positive,
            default=None,
            metavar="MIN",
            help="stop after this many minutes of training (the run is saved as usual)",
        )
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        if name == "train":  # lesson 04: two image domains instead of --dataset
            t.add_argument(
                "--domains",
                default="bag-edges:bags",
                help="offline domains A:B from bags, shoes, bag-edges (pix2pix: bag-edges:bags, the paired ones)",
            )
            t.add_argument(
                "--pix2pix", default=None, metavar="DIR", help="discogan/cyclegan/pix2pix: A|B images (edges2handbags)"
            )
            t.add_argument(
                "--folders",
                nargs=2,
                default=None,
                metavar=("A_DIR", "B_DIR"),
                help="discogan/cyclegan: two folders of unpaired images (trainA trainB)",
            )
            t.add_argument("--image-size", type=int, default=64, help="discogan/cyclegan on real data: 32 or 64")
            t.add_argument(
                "--generator",
                default=None,
                choices=["encoder-decoder", "unet", "resnet"],
                help="discogan/cyclegan generator (default: encoder-decoder / resnet)",
            )
        t.set_defaults(func=_train, model="gan")

    g = sub.add_parser("gif", help="make progress.gif from a run's sample grids")
    g.add_argument("run_dir")
    g.add_argument("--out", default=None, help="default: RUN_DIR/progress.gif (never overwritten)")
    g.set_defaults(func=generate.gif)

    s = sub.add_parser("sample", help="sample a trained generator into a PNG grid or samples.npz")
    s.add_argument("checkpoint")
    s.add_argument("--n", type=whole(1), default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default="samples.png", help="a .png grid or a .npz samples file")
    s.add_argument("--truncation", type=positive, default=None, help="truncation trick: redraw |z| entries above this")
    s.add_argument("--no-ema", action="store_true", help="use G's raw weights even if the checkpoint has an EMA")
    s.add_argument(
        "--labels", default=None, help="conditional models: classes to draw, e.g. 0,1,7 (default: cycle 0..9)"
    )
    s.set_defaults(func=generate.sample)

    tr = sub.add_parser("translate", help="run a discogan/cyclegan generator on an image or a folder")
    tr.add_argument("checkpoint")
    tr.add_argument("--direction", default="AB", choices=["AB", "BA"])
    tr.add_argument("--input", required=True, help="an image file or a folder of images")
    tr.add_argument(
        "--out", required=True, help="a .png file (file input) or a folder (folder input); never overwritten"
    )
    tr.set_defaults(func=generate.translate)

    ev = sub.add_parser("evaluate", help="score a samples.npz with the course classifier (FD, KID, IS, PR, ...)")
    ev.add_argument("samples")
    ev.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    ev.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    ev.add_argument("--n-ref", type=whole(10), default=5000, help="real training images in the reference set")
    ev.add_argument(
        "--gan-train", action="store_true", help="conditional samples: train a classifier on them, test on real"
    )
    ev.add_argument("--data", default=None)
    ev.set_defaults(func=evaluate.evaluate)

    tc = sub.add_parser("train-classifier", help="train the evaluation classifier and cache it in the data root")
    tc.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    tc.add_argument("--epochs", type=whole(1), default=None)
    tc.add_argument("--seed", type=int, default=0)
    tc.add_argument("--data", default=None)
    tc.set_defaults(func=evaluate.classifier)

    le = sub.add_parser("lessons", help="generate lessons/ from solutions/")
    le.add_argument("--check", action="store_true", help="exit 1 and list the files if lessons/ is stale")
    le.add_argument("--solutions", default="solutions")
    le.add_argument("--out", default="lessons")
    le.add_argument("--force", action="store_true", help="overwrite lesson notebooks even where someone edited them")
    le.set_defaults(func=course.lessons)

    w = sub.add_parser("workspace", help="copy new lessons into your work folder (never overwrites)")
    w.add_argument("--lessons", default=None, help="folder of lesson notebooks (default: the course's own)")
    w.add_argument("--work", default="work", help="your folder")
    w.set_defaults(func=course.workspace)

    ck = sub.add_parser("check", help="run your lesson notebook in fast mode and show which exercises pass")
    ck.add_argument("notebook")
    ck.add_argument("--lesson", default=None, help="default: from the notebook's title")
    ck.add_argument("--cell-timeout", type=positive, default=120)
    ck.add_argument("--timeout", type=positive, default=600, help="seconds for the whole notebook")
    ck.set_defaults(func=course.check)

    gr = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV (instructors)")
    gr.add_argument("submissions", help="a folder of .ipynb files, or nbgrader's submitted/<student>/... layout")
    gr.add_argument("--lesson", required=True, help="lesson number, e.g. 02")
    gr.add_argument(
        "--out", default="grades.csv", help="CSV file (a Markdown summary is written beside it); never overwritten"
    )
    gr.add_argument("--jobs", type=whole(1), default=2, help="notebooks graded in parallel")
    gr.add_argument("--cell-timeout", type=positive, default=120)
    gr.add_argument("--timeout", type=positive, default=600, help="seconds per notebook")
    gr.add_argument("--memory", type=whole(256), default=2048, help="MiB of data memory one notebook may use")
    gr.add_argument(
        "--processes", type=whole(8), default=16, help="processes and threads one notebook may run (sandbox only)"
    )
    gr.add_argument(
        "--sandbox",
        choices=MODES,
        default="auto",
        help="isolation of each notebook: auto picks the strongest here (namespaces as root, bubblewrap, none); "
        "docker/podman run the image built by `docker build -t gancourse-grader .`",
    )
    gr.add_argument("--image", default=IMAGE, help="the container image for --sandbox docker/podman")
    gr.add_argument("--due", help="due date and time, e.g. 2026-12-01T23:59 (local time unless it names a zone)")
    gr.add_argument(
        "--late-penalty",
        help="share of the points per started day late (default 10%%/day with --due); nbgrader's timestamp.txt "
        "gives the submission time, else the file's modification time",
    )
    gr.add_argument("--canvas", metavar="ROSTER.csv", help="Canvas gradebook export: writes <out>-canvas.csv to import")
    gr.add_argument("--assignment", help="the Canvas column (default: gancourse lesson NN, or the roster's NAME (id))")
    gr.add_argument("--format", choices=["csv", "moodle"], default="csv", help="moodle: also <out>-moodle.csv")
    gr.add_argument(
        "--similarity",
        type=share,
        default=0.9,
        help="integrity report: flag answers sharing at least this share of their code (0-1, default 0.9)",
    )
    gr.add_argument(
        "--points",
        action="append",
        default=[],
        metavar="NAME=N[,NAME=N]",
        help="points for a check (e.g. up_block=2,quiz=0.5); every other check is worth 1",
    )
    gr.set_defaults(func=grade.grade)

    d = sub.add_parser("data", help="load datasets and say where they came from")
    d.add_argument("names", nargs="+", choices=["mnist", "fashion-mnist"])
    d.add_argument("--split", default="train", choices=["train", "test", "all"])
    d.add_argument("--data", default=None)
    d.set_defaults(func=evaluate.data)
    return p
