"""Two image domains for unpaired translation. Introduced in lesson 04.

Offline domains, cut from Fashion-MNIST (28x28, grey):

* ``bags``: class 8 (Bag);
* ``shoes``: classes 5, 7 and 9 (Sandal, Sneaker, Ankle boot);
* ``bag-edges``: Sobel edge maps of the bag images, the small analogue of edges2handbags.
  Edge map i is made from bag i; that pairing is hidden from training (the two domains are
  shuffled independently) and used only to evaluate.

A domain pair is written ``A:B``, e.g. ``bag-edges:bags`` or ``bags:shoes`` (DiscoGAN's
handbag <-> shoe relation). Real data: ``load_pix2pix`` splits A|B side-by-side images
(edges2handbags) and ``load_folders`` reads two folders (CycleGAN's ``trainA/``, ``trainB/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..config import GancourseError
from .batches import Batches
from .datasets import load_dataset
from .imagefolder import image_files, load_image_folder, open_image, stack_images

DOMAIN_CLASSES = {"bags": (8,), "shoes": (5, 7, 9), "bag-edges": (8,)}
DOMAINS = tuple(DOMAIN_CLASSES)

# Sobel kernels: d/dx and d/dy of a 3x3 neighbourhood
SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
SOBEL_Y = SOBEL_X.T


@dataclass
class DomainPair:
    """uint8 images of domain A ``(N_A, C_A, S, S)`` and B ``(N_B, C_B, S, S)``.

    ``paired`` is True when ``a[i]`` and ``b[i]`` show the same object (evaluation only).
    ``target_classes`` are the Fashion-MNIST classes of each domain, or None for real data.
    """

    a: torch.Tensor
    b: torch.Tensor
    names: tuple[str, str]
    paired: bool
    source: str
    target_classes: tuple[tuple[int, ...] | None, tuple[int, ...] | None] = (None, None)


def sobel_edges(images: torch.Tensor, threshold: float = 0.25) -> torch.Tensor:
    """Edge maps of uint8 ``(N, 1, H, W)`` images: uint8 ``(N, 1, H, W)``, white lines on black.

    magnitude = sqrt((Kx * I)^2 + (Ky * I)^2) with the Sobel kernels Kx, Ky; each map is
    scaled to its own maximum, and values below ``threshold`` become 0 (a clean sketch).
    """
    x = images.float() / 255.0  # (N, 1, H, W) in [0, 1]
    k = torch.stack([SOBEL_X, SOBEL_Y]).unsqueeze(1)  # (2, 1, 3, 3)
    g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k)  # (N, 2, H, W): d/dx, d/dy
    mag = g.pow(2).sum(1, keepdim=True).sqrt()  # (N, 1, H, W)
    mag = mag / mag.amax(dim=(2, 3), keepdim=True).clamp_min(1e-8)  # each map in [0, 1]
    mag = torch.where(mag < threshold, torch.zeros_like(mag), mag)
    return (mag * 255).round().to(torch.uint8)


def load_domain(name: str, split: str = "train", root=None) -> torch.Tensor:
    """One offline domain as uint8 ``(N, 1, 28, 28)``, in Fashion-MNIST's order."""
    if name not in DOMAIN_CLASSES:
        raise GancourseError(
            f"unknown domain {name!r}: choose from {', '.join(DOMAINS)} (e.g. --domains bag-edges:bags)."
        )
    data = load_dataset("fashion-mnist", split, root=root)
    keep = torch.isin(data.labels, torch.tensor(DOMAIN_CLASSES[name]))
    images = data.images[keep]  # (N, 1, 28, 28)
    return sobel_edges(images) if name == "bag-edges" else images


def load_domains(spec: str, split: str = "train", root=None) -> DomainPair:
    """``"A:B"`` -> a :class:`DomainPair` of offline Fashion-MNIST domains."""
    parts = spec.split(":")
    if len(parts) != 2 or not all(parts):
        raise GancourseError(f"--domains wants A:B, e.g. bag-edges:bags or bags:shoes, not {spec!r}.")
    a_name, b_name = parts
    if a_name == b_name:
        raise GancourseError(f"domains A and B are both {a_name!r}: pick two different domains.")
    a, b = load_domain(a_name, split, root), load_domain(b_name, split, root)
    paired = {a_name, b_name} == {"bag-edges", "bags"}
    return DomainPair(
        a,
        b,
        (a_name, b_name),
        paired,
        f"Fashion-MNIST {split} ({len(a):,} {a_name}, {len(b):,} {b_name})",
        (DOMAIN_CLASSES[a_name], DOMAIN_CLASSES[b_name]),
    )


def load_pix2pix(folder: str | Path, size: int = 64) -> DomainPair:
    """pix2pix-format images (A | B side by side, e.g. edges2handbags) split into two domains.

    The left half of each image is A and the right half B; each half is resized to
    ``size x size`` RGB. The halves stay paired (``paired=True``), for evaluation only.
    """
    from PIL import Image

    a_list, b_list = [], []
    for path in image_files(folder):
        with open_image(path) as im:
            im = im.convert("RGB")
            w, h = im.size
            if w % 2:
                raise GancourseError(
                    f"{path} is {w} px wide, an odd width: pix2pix images are A|B halves of equal width."
                )
            left, right = im.crop((0, 0, w // 2, h)), im.crop((w // 2, 0, w, h))  # A is the left half, B the right
            a_list.append(np.asarray(left.resize((size, size), Image.Resampling.BICUBIC), dtype=np.uint8))
            b_list.append(np.asarray(right.resize((size, size), Image.Resampling.BICUBIC), dtype=np.uint8))
    a, b = stack_images(a_list), stack_images(b_list)  # (N, 3, size, size) each
    return DomainPair(a, b, ("A", "B"), True, f"{len(a):,} A|B images in {Path(folder).expanduser()} ({size}x{size})")


def load_folders(folder_a: str | Path, folder_b: str | Path, size: int = 64) -> DomainPair:
    """Two folders of unpaired images (CycleGAN's ``trainA/`` and ``trainB/``) at ``size x size`` RGB."""
    a, src_a = load_image_folder(folder_a, size, channels=3)
    b, src_b = load_image_folder(folder_b, size, channels=3)
    return DomainPair(a, b, (Path(folder_a).name or "A", Path(folder_b).name or "B"), False, f"A: {src_a}; B: {src_b}")


def load_pair(
    domains: str = "bag-edges:bags",
    split: str = "train",
    root=None,
    pix2pix: str | Path | None = None,
    folders: tuple[str | Path, str | Path] | None = None,
    image_size: int = 64,
) -> DomainPair:
    """The two domains of a run: a pix2pix folder, two folders, or offline domains ``A:B`` (``split`` applies)."""
    if pix2pix and folders:
        raise GancourseError("give either --pix2pix DIR or --folders A_DIR B_DIR, not both.")
    if pix2pix:
        return load_pix2pix(pix2pix, image_size)
    if folders:
        return load_folders(folders[0], folders[1], image_size)
    return load_domains(domains, split, root=root)


class UnpairedBatches:
    """Batches ``((a, b), None)`` from two domains, each shuffled with its own permutation.

    An epoch has ``min(len(A), len(B)) // batch_size`` batches; images come out in [-1, 1].
    Resumes mid-epoch like :class:`gancourse.data.Batches`.
    """

    def __init__(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        batch_size: int = 32,
        device="cpu",
        seed: int = 0,
        limit: int | None = None,
    ):
        self.a = Batches(a, None, batch_size, device, seed=seed, limit=limit)
        self.b = Batches(b, None, batch_size, device, seed=seed + 1, limit=limit)  # independent order
        self.device = self.a.device
        self.batch_size = batch_size

    def __len__(self) -> int:
        return min(len(self.a), len(self.b))

    def __iter__(self):
        for (xa, _), (xb, _) in zip(self.a, self.b, strict=False):  # zip stops at the shorter domain
            yield (xa, xb), None

    def state_dict(self, position: int = 0) -> dict:
        return {"a": self.a.state_dict(position), "b": self.b.state_dict(position)}

    def load_state_dict(self, state: dict) -> None:
        self.a.load_state_dict(state["a"])
        self.b.load_state_dict(state["b"])
