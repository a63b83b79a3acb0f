"""Speed: the same training maths computed faster on this machine, behind one small interface.

The trainer builds a :class:`StepRunner` from its ``TrainConfig`` and hands it every step
(``runner.run(step, batch, nets)``); ``worth_timing`` says whether a run is long enough to time
layers. Inside, each concern is one module:

    options      the speed fields' choices, bf16 and fused-Adam availability, refusals, memory layouts
    algorithms   exact ways to compute a convolution, attached to a layer instance (class and repr stay)
    phases       a stride-2 convolution as one stride-1 convolution on its four phases (the maths)
    dftconv      convolutions as matrix products in the DFT domain (the maths)
    timing       the first step's recorder, and forward + backward times of a layer or a network
    autotune     the plan per network: checked algorithms and a memory layout, timed, cached
    runner       the :class:`StepRunner` the trainer calls

Nothing here imports the trainer, a network family or a dataset.
"""

from .autotune import worth_timing
from .options import check_precision, fused_adam_available, native_bf16, resolve_fused_adam
from .runner import StepRunner

__all__ = ["StepRunner", "worth_timing", "check_precision", "fused_adam_available", "native_bf16", "resolve_fused_adam"]
