"""Training: the one model-agnostic trainer, its hook and steps protocols, speed options, EMA, DDP.

``Trainer`` runs any steps object (``steps.Steps``); ``GANSteps`` is the noise-to-image one
of lessons 01-03, 05 and 06 (with ``critic_step``), lesson 04's lives in ``gancourse.translation``. Nothing here imports
``nets`` or ``data``.
"""

from ..tensors import generate
from .augment import augmenter, diff_augment
from .callbacks import Checkpoint, EpochTimer, HistoryFile, TensorBoard, TimeBudget, save_history
from .checkpoint import (
    ema_generator_state,
    latest_checkpoint,
    load_checkpoint,
    newest_intact,
    remove_orphans,
)
from .distributed import unwrap_ddp
from .ema import ema_with_warmup
from .options import TrainConfig, make_optimizers
from .steps import GANSteps, Steps, d_step, g_step, simultaneous_step
from .trainer import Callback, Trainer, TrainingDiverged
from .wasserstein import (
    clip_weights,
    critic_gradient_norm,
    critic_step,
    no_penalty,
)

__all__ = [
    "EpochTimer",
    "augmenter",
    "diff_augment",
    "Trainer",
    "TrainConfig",
    "TrainingDiverged",
    "Callback",
    "make_optimizers",
    "Steps",
    "GANSteps",
    "d_step",
    "g_step",
    "simultaneous_step",
    "Checkpoint",
    "HistoryFile",
    "TensorBoard",
    "TimeBudget",
    "save_history",
    "load_checkpoint",
    "latest_checkpoint",
    "newest_intact",
    "remove_orphans",
    "ema_generator_state",
    "unwrap_ddp",
    "ema_with_warmup",
    "generate",
    "critic_step",
    "clip_weights",
    "no_penalty",
    "critic_gradient_norm",
]
