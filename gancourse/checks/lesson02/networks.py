"""Lesson 02's DCGAN networks built from the student's blocks."""

from __future__ import annotations

from ..common import OK, fail, kinds, logit_range, output_range, shaped_output
from ..probes import probe_discriminator, probe_generator
from ..protocol import check, tensor


def _probe_g(seed: int, Generator) -> dict:
    return probe_generator(seed, Generator, 8)


@check(_probe_g)
def check_dcgan_generator(r: dict, seed: int) -> str:
    """G: (N, z_dim) -> (N, 1, 28, 28) in [-1, 1]: dense projection, transposed convolutions, BN except at the "
    "output."""
    z_dim = int(r["z_dim"])
    shaped_output(
        r["out"],
        "Generator",
        (8, z_dim),
        (8, 1, 28, 28),
        "follow the target shapes in the table; the shape trace shows where it goes wrong.",
    )
    layers = kinds(r["layers"])
    if layers.count("ConvTranspose2d") < 2 or {"Upsample", "MaxPool2d", "AvgPool2d"} & set(layers):
        fail(
            "G should grow the image with learnt transposed convolutions (7 -> 14 -> 28).\n"
            "Hint: the guideline table's first row: no fixed up-sampling, no pooling."
        )
    if "LeakyReLU" in layers or "ReLU" not in layers:
        fail("G's hidden non-linearity should be ReLU.\nHint: read the guideline table: LeakyReLU belongs to D.")
    if "BatchNorm1d" not in layers:
        fail(
            "G's dense projection is not normalised.\nHint: BatchNorm goes after every layer of G but the output, "
            "the dense one included (BatchNorm1d on (N, features))."
        )
    order = kinds(r["layers"], "ConvTranspose2d", "BatchNorm2d", "Tanh")
    if len(order) >= 2 and order[-2:] == ["BatchNorm2d", "Tanh"] or order and order[-1] == "BatchNorm2d":
        fail("G normalises its output layer.\nHint: BatchNorm on G's output would fix the images' mean and spread.")
    output_range(tensor(r, "extreme", "Generator's output"), "Generator")
    return f"{OK} Generator: (N, {z_dim}) -> dense 7x7x256 -> transposed convolutions -> (N, 1, 28, 28) in [-1, 1]."


def _probe_d(seed: int, Discriminator) -> dict:
    return probe_discriminator(seed, Discriminator, 8, eval_extreme=True)


@check(_probe_d)
def check_dcgan_discriminator(r: dict, seed: int) -> str:
    """D: (N, 1, 28, 28) -> (N,) logits with strided convolutions, LeakyReLU, no BN on the input layer."""
    shaped_output(
        r["out"],
        "Discriminator",
        (8, 1, 28, 28),
        (8,),
        "flatten the last feature map, map it to one number, and drop the size-1 dimension.",
    )
    convs = [d for d in r["layers"] if d["type"] == "Conv2d"]
    if len(convs) < 2 or any(c.get("stride") != [2, 2] for c in convs):
        fail(
            "D should shrink the image with stride-2 convolutions (28 -> 14 -> 7).\n"
            "Hint: build D from your down_block, which halves the side."
        )
    layers = kinds(r["layers"])
    if {"MaxPool2d", "AvgPool2d"} & set(layers):
        fail("D pools.\nHint: DCGAN lets strided convolutions learn the down-sampling.")
    if kinds(r["layers"], "Conv2d", "BatchNorm2d")[:2] == ["Conv2d", "BatchNorm2d"]:
        fail(
            "D normalises its first layer.\nHint: BatchNorm on D's input layer would hide the images' statistics "
            "from D (the guideline table says where BatchNorm must not go)."
        )
    if "LeakyReLU" not in layers or "ReLU" in layers:
        fail(
            "D's non-linearity should be LeakyReLU(0.2) throughout.\n"
            "Hint: a plain ReLU passes no gradient back to G where a unit is negative."
        )
    logit_range(tensor(r, "extreme", "Discriminator's output"), "Discriminator")
    return f"{OK} Discriminator: (N, 1, 28, 28) -> strided convolutions -> (N,) logits."
