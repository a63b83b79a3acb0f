"""gancourse: a Jupyter course on Generative Adversarial Networks in PyTorch.

Modules import one way: config/utils -> data, nets, losses -> train -> viz -> checks, lessons, cli.
"""

from .config import GancourseError, fast

__version__ = "0.1.0"
__all__ = ["GancourseError", "fast", "__version__"]
