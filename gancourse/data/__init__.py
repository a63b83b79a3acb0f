"""Data: datasets as uint8 tensors, in-memory batches, image folders and translation domains.

Imports only ``config`` and ``tensors``; nothing here knows about networks or training.
"""

from .batches import Batches
from .datasets import (
    DataFileError,
    DataNotFoundError,
    FallbackDataWarning,
    ImageData,
    load_dataset,
    read_idx,
)
from .domains import DomainPair, UnpairedBatches, load_domains, load_pair, sobel_edges
from .imagefolder import load_image_folder
from .paired import PairedBatches, crop_to, pad_to, paired
from .plane import GaussianMixture, PointBatches, ring, single_gaussian

__all__ = [
    "PairedBatches",
    "crop_to",
    "pad_to",
    "paired",
    "Batches",
    "DataFileError",
    "DataNotFoundError",
    "FallbackDataWarning",
    "ImageData",
    "load_dataset",
    "read_idx",
    "DomainPair",
    "UnpairedBatches",
    "load_domains",
    "load_pair",
    "sobel_edges",
    "load_image_folder",
    "GaussianMixture",
    "PointBatches",
    "ring",
    "single_gaussian",
]
