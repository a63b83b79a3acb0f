"""Network families, one per file. Introduced lesson by lesson: ``mlp`` in 01."""

from .mlp import MLPConfig, MLPDiscriminator, MLPGenerator

__all__ = ["MLPConfig", "MLPGenerator", "MLPDiscriminator", "build"]


def build(kind: str, config: dict):
    """Rebuild ``(G, D)`` of model ``kind`` from ``asdict(config)``, as stored in a checkpoint."""
    from ..config import GancourseError, config_from_dict

    families = {"mlp": (MLPConfig, MLPGenerator, MLPDiscriminator)}
    if kind not in families:
        raise GancourseError(f"unknown model kind {kind!r}: this gancourse knows {', '.join(families)}.")
    cfg_cls, g_cls, d_cls = families[kind]
    cfg = config_from_dict(cfg_cls, config)
    return g_cls(cfg), d_cls(cfg)
