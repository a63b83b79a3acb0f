"""Seeding, device choice, thread count, CPU facts and atomic file writes."""

from __future__ import annotations

import os
import platform
import random
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .config import GancourseError, banner


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds all CUDA devices


def choose_device(prefer: str | None = None) -> torch.device:
    """The device to train on: ``prefer`` if given, else CUDA, then Apple's MPS, then the CPU."""
    if prefer:
        dev = torch.device(prefer)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise GancourseError(f"device {prefer!r} was asked for but CUDA is not available: use --device cpu.")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@cache
def _cpuinfo() -> str:
    """The text of /proc/cpuinfo ("" where there is none), read once."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def cpu_flags() -> set[str]:
    """The instruction-set flags of the first CPU (e.g. ``avx2``, ``avx512_bf16``); empty where unknown."""
    for line in _cpuinfo().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_name() -> str:
    """The CPU's model name (e.g. "AMD EPYC"), or the machine type where Linux does not say."""
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_has_bf16() -> bool:
    """Native bf16 arithmetic (AVX-512 BF16 or AMX): where bf16 autocast is faster than fp32."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def physical_cores() -> int:
    """Physical CPU cores (hyper-threads excluded where Linux tells us), at least 1."""
    seen = set()
    phys = core = None
    for line in _cpuinfo().splitlines() + [""]:
        if line.startswith("physical id"):
            phys = line.split(":")[1].strip()
        elif line.startswith("core id"):
            core = line.split(":")[1].strip()
        elif not line.strip() and core is not None:
            seen.add((phys, core))
            phys = core = None
    try:
        if seen:
            return max(1, min(len(seen), len(os.sched_getaffinity(0))))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return max(1, len(seen))
    return max(1, (os.cpu_count() or 2) // 2)


def seed_and_threads(seed: int, device: torch.device, processes: int = 1) -> None:
    """Seed every generator, and on the CPU use one thread per physical core (shared by ``processes``),
    at most ``$GANCOURSE_THREADS`` (the grader's sandbox sets it: notebooks graded side by side share the cores)."""
    seed_everything(seed)
    if device.type == "cpu":
        cap = os.environ.get("GANCOURSE_THREADS", "")
        cores = max(1, physical_cores() // processes)
        torch.set_num_threads(min(cores, int(cap)) if cap.isdigit() and int(cap) > 0 else cores)


def rng_state() -> dict[str, Any]:
    """Every RNG state a training run draws from, as plain types and tensors."""
    np_state = np.random.get_state()
    state: dict[str, Any] = {
        "python": list(random.getstate()[1]),
        "python_version": random.getstate()[0],
        "python_gauss": random.getstate()[2],
        "numpy": {
            "keys": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "gauss": float(np_state[4]),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    random.setstate((state["python_version"], tuple(state["python"]), state["python_gauss"]))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].cpu().numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    torch.set_rng_state(
        state["torch"].cpu()
    )  # a checkpoint loaded with map_location="cuda" moved it: RNG states live on the CPU
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _atomic_write(path: str | os.PathLike[str], write) -> Path:
    """Call ``write(file)`` on a temporary file in the same folder, then rename it over ``path``.

    A crash half-way leaves the old file intact, never a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the user's usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_save(obj: Any, path: str | os.PathLike[str]) -> Path:
    """``torch.save`` atomically: a temporary file in the same folder, then a rename over ``path``."""
    return _atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write a text file atomically (used for grade tables that are rewritten as results arrive)."""
    return _atomic_write(path, lambda f: f.write(text.encode()))


def unique_path(path: str | os.PathLike[str]) -> Path:
    """``path`` if it does not exist yet, else ``name-2``, ``name-3``...: never overwrite a user's file."""
    path = Path(path)
    if not path.exists():
        return path
    i = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not candidate.exists():
            return candidate
        i += 1


def check_numpy_bridge() -> None:
    """Refuse, in one line, a torch built against NumPy 1.x running beside NumPy 2 ("Numpy is not available":
    Intel Macs, whose last torch wheel is 2.2.2), before a data cell fails with a traceback."""
    try:
        torch.from_numpy(np.zeros(1, dtype=np.uint8))
    except RuntimeError as e:
        raise GancourseError(
            f"torch {torch.__version__} cannot use NumPy {np.__version__} ({e}): install "
            "`pip install 'numpy<2'` in this environment, or use Google Colab."
        ) from None


def setup_notebook(seed: int = 0, device: str | None = None) -> torch.device:
    """The first call of every lesson: check the install, print the mode banner, seed everything, pick the device.

    On the CPU it also uses one thread per physical core, which is what PyTorch runs fastest with.
    """
    check_numpy_bridge()
    dev = choose_device(device)
    seed_and_threads(seed, dev)
    print(f"{banner()} Device: {dev}, seed {seed}.")
    return dev
