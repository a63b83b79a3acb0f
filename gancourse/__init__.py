"""gancourse: a Jupyter course on Generative Adversarial Networks in PyTorch.

Each folder is one concern, and imports point one way, down this list (``tests/test_layers.py``
checks it by reading the source):

    config, utils, tensors      settings and fast mode; seeding, devices, CPU facts, atomic writes; image scaling
    losses, data, nets          loss functions; datasets and batches; network families
    speed                       the same step computed faster: checked convolution algorithms, layouts, autotuning
    train                       the one trainer, its callback and steps protocols, EMA, DDP
    evaluation, viz             the course classifier and metrics; grids, curves, GIFs, widgets
    translation                 lesson 04's steps, image pool, schedule, recipe and evaluation
    registry                    one entry per model kind: configs, builders, recipes
    checks                      the notebooks' check cells (one module per lesson, hidden checks beside)
    authoring                   lessons generated from the solutions, workspaces, Colab
    sandbox, grading            an isolated process per notebook; grades, tables and feedback
    cli                         the command line

Importing ``gancourse`` loads only ``config``.
"""

from .config import GancourseError, fast

__version__ = "0.1.0"
__all__ = ["GancourseError", "fast", "__version__"]
