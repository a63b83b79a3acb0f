"""Your own images as a dataset: ``load_dataset("folder:PATH")``. Introduced in lesson 02.

Every image is decoded once, converted to RGB or grey, resized so its shorter side is
``size`` and centre-cropped to ``size x size``; the result is one uint8 tensor, so training
does no per-sample work. Sub-folders are searched too.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from ..config import GancourseError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def image_files(folder: str | Path) -> list[Path]:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise GancourseError(f"image folder {folder} does not exist: check the path after 'folder:'.")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
    if not files:
        raise GancourseError(
            f"image folder {folder} holds no images ({', '.join(sorted(EXTENSIONS))}): put your pictures in it."
        )
    return files


MAX_PIXELS = 64_000_000  # Pillow refuses twice this; a bigger header is a bomb, never a training image


@contextmanager
def open_image(path: Path):
    """``PIL.Image.open`` for user files: a bomb, a broken or a foreign file becomes one line naming the file."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(path) as im:
            yield im
    except Image.DecompressionBombError:
        raise GancourseError(
            f"{path} claims to be larger than {MAX_PIXELS:,} pixels (a decompression bomb or a "
            "huge photo): shrink it or delete it."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise GancourseError(f"cannot read image {path} ({type(e).__name__}): delete or replace that file.") from None


def load_image(path: Path, size: int, mode: str):
    """One image as a (size, size, channels) uint8 array: shorter side resized, then centre-cropped."""
    from PIL import Image

    with open_image(path) as im:
        im = im.convert(mode)
        w, h = im.size
        scale = size / min(w, h)
        im = im.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BICUBIC)
        w, h = im.size
        left, top = (w - size) // 2, (h - size) // 2
        im = im.crop((left, top, left + size, top + size))
        arr = np.asarray(im, dtype=np.uint8)
    return arr if arr.ndim == 3 else arr[:, :, None]


def stack_images(arrays: list[np.ndarray]) -> torch.Tensor:
    """Decoded (S, S, C) uint8 arrays -> one uint8 tensor (N, C, S, S)."""
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()  # (N, C, S, S)


PROGRESS_FROM = 500  # smaller folders decode in a blink


def load_images(files: list[Path], size: int, channels: int, progress: bool = True) -> torch.Tensor:
    """The given image files as uint8 (N, channels, size, size), grey (1) or RGB (3); a bar while a large
    folder (``PROGRESS_FROM`` files or more) decodes."""
    from tqdm.auto import tqdm

    mode = "L" if channels == 1 else "RGB"
    shown = tqdm(files, desc="decoding images", unit="image", disable=not progress or len(files) < PROGRESS_FROM)
    return stack_images([load_image(p, size, mode) for p in shown])


def load_image_folder(folder: str | Path, size: int = 64, channels: int | None = None) -> tuple[torch.Tensor, str]:
    """All images under ``folder`` as uint8 ``(N, C, size, size)``.

    ``channels`` is 1 (grey) or 3 (RGB); by default RGB unless every image is greyscale.
    """
    files = image_files(folder)
    if channels is None:
        grey = True
        for p in files:
            with open_image(p) as im:
                grey = grey and im.mode in ("L", "1", "I;16")
        channels = 1 if grey else 3
    if channels not in (1, 3):
        raise GancourseError(f"channels must be 1 or 3, got {channels}.")
    images = load_images(files, size, channels)  # (N, C, size, size)
    return images, f"{len(files):,} images in {Path(folder).expanduser()} ({size}x{size}, {channels} channel(s))"
