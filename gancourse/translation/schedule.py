"""The learning-rate schedule of lesson 04: constant, then linearly down to zero."""

from __future__ import annotations

from ..train import Callback


def lr_factor(epoch: int, epochs: int, decay_from: float) -> float:
    """The seed's schedule: lr = lr0 while epoch < epoch_step, then lr0 · (epochs - epoch) / (epochs - epoch_step).

    ``epoch_step = round(decay_from · epochs)``; ``epoch`` counts from 0, so the last epoch runs at
    lr0 / (epochs - epoch_step) and the rate reaches 0 when training ends.
    """
    step = min(int(round(decay_from * epochs)), epochs - 1)
    return 1.0 if epoch < step else max(0.0, (epochs - epoch) / (epochs - step))


class LinearDecay(Callback):
    """Set both optimizers' learning rates from the epoch: exact on resume, as it keeps no state."""

    def __init__(self, decay_from: float = 0.5, epochs: int | None = None):
        self.decay_from, self.epochs = decay_from, epochs

    def _apply(self, trainer) -> None:
        epochs = self.epochs or trainer.cfg.epochs
        f = lr_factor(trainer.epoch, epochs, self.decay_from)
        for opt, base in ((trainer.opt_G, trainer.cfg.lr_g), (trainer.opt_D, trainer.cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = base * f

    def on_fit_start(self, trainer) -> None:
        self._apply(trainer)

    def on_epoch_end(self, trainer) -> None:
        self._apply(trainer)
