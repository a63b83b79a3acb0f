"""Lesson 07's distances between feature sets: the Fréchet distance and the unbiased MMD^2 of KID, compared with
the library and with cases whose answer is known by hand (identical sets, a shifted copy, one distribution)."""

from __future__ import annotations

import torch

from ...evaluation.metrics import frechet_distance, mmd2_unbiased
from ..common import OK, fail, run_student
from ..protocol import check, generator


def _gaussian_set(g: torch.Generator, n: int, d: int, scale: float = 1.0) -> torch.Tensor:
    """n points of a Gaussian with a random full covariance (A A^T), float64: (n, d)."""
    mix = torch.randn(d, d, generator=g, dtype=torch.float64) * scale  # (d, d)
    return torch.randn(n, d, generator=g, dtype=torch.float64) @ mix.T + torch.randn(
        d, generator=g, dtype=torch.float64
    )


def _fd_inputs(seed: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    g = generator(seed)
    a, b = _gaussian_set(g, 300, 6), _gaussian_set(g, 250, 6, scale=0.5)  # covariances that do not commute
    shift = torch.randn(6, generator=g, dtype=torch.float64)  # (6,)
    few_a, few_b = _gaussian_set(g, 20, 32), _gaussian_set(g, 24, 32)  # fewer samples than features: singular
    return {
        "same": (a, a.clone()),
        "shifted": (a, a + shift),
        "different": (a, b),
        "float32": (a.float(), b.float()),
        "singular": (few_a, few_b),
    }


COMPLEX = (
    "the square root of a non-symmetric matrix product can carry complex rounding parts; take it of a symmetric "
    "positive semi-definite matrix instead."
)


SHAPES = (
    "a feature set is (N, d), N samples of d features, and the two sets may differ in N; a covariance is the "
    "(d, d) matrix of the features over the samples (torch.cov treats rows as variables)."
)


def number(x, what: str, hint: str) -> float:
    """A real number from the student's answer (a Python number or a 0-d real tensor); fail otherwise."""
    if isinstance(x, torch.Tensor):
        if x.numel() != 1:
            fail(f"{what} returned a tensor of shape {tuple(x.shape)}, expected one number.\nHint: {hint}")
        if x.is_complex():
            fail(f"{what} returned a complex number.\nHint: {COMPLEX}")
        x = float(x)
    if isinstance(x, str) and "complex" in x:
        fail(f"{what} returned a complex number.\nHint: {COMPLEX}")
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        fail(f"{what} returned {x if isinstance(x, str) else type(x).__name__}, expected a number.\nHint: {hint}")
    return float(x)


def call_on_copies(what: str, fn, *tensors, **kwargs) -> tuple[object, bool]:
    """``fn(*copies)`` and whether it changed its inputs in place (the lesson reuses its reference set)."""
    copies = [t.clone() for t in tensors]
    try:
        got = run_student(what, fn, *copies, **kwargs)
    except AssertionError as e:
        first = str(e).splitlines()[0]
        if "not written yet" in first:
            raise
        raise AssertionError(f"{first}\nHint: {SHAPES}") from None
    return got, any(not torch.equal(c, t) for c, t in zip(copies, tensors, strict=True))


def unchanged(r: dict, what: str) -> None:
    if r.get("mutated"):
        fail(
            f"{what} changed the feature sets it was given.\nHint: the lesson passes the same reference set to "
            "every call; work on new tensors (in-place operations such as -= write into the caller's tensor, and "
            ".double() of a float64 tensor is that same tensor)."
        )


def _probe_fd(seed: int, frechet_distance) -> dict:
    out = {"mutated": False}
    for name, (a, b) in _fd_inputs(seed).items():
        got, changed = call_on_copies("frechet_distance", frechet_distance, a, b)
        out[name] = got if isinstance(got, (torch.Tensor, int, float)) else f"<{type(got).__name__}>"
        out["mutated"] |= changed
    return out


@check(_probe_fd)
def check_frechet_distance(r: dict, seed: int) -> str:
    """FD(a, b) of two feature sets: 0 for identical sets, |shift|^2 for a shifted copy, the library's value else."""
    cases = _fd_inputs(seed)
    unchanged(r, "frechet_distance")
    got = {k: number(r[k], "frechet_distance", "return the distance as a float or a 0-d tensor.") for k in cases}
    scale = float(torch.cov(cases["different"][0].T).trace())
    if abs(got["same"]) < 1e-3 * scale and abs(got["same"]) > 1e-6 * scale:
        fail(
            f"two identical feature sets have distance {got['same']:.4g}, expected 0 up to float64 rounding.\nHint: "
            "cast the features to float64 first: the trace terms cancel, and float32 leaves rounding of this size."
        )
    if got["same"] != got["same"] or abs(got["same"]) > 1e-6 * scale:
        fail(
            f"two identical feature sets have distance {got['same']:.4g}, expected 0.\nHint: equal means and equal "
            "covariances cancel exactly: check that the cross term uses the same covariances as the traces."
        )
    a, b = cases["shifted"]
    want = float((b.mean(0) - a.mean(0)).square().sum())
    if abs(got["shifted"] - want) > 1e-4 * max(1.0, want):
        fail(
            f"a copy shifted by a constant vector has distance {got['shifted']:.4f}, expected {want:.4f} (its squared "
            "length).\nHint: the covariance is of the d features over the N samples, a (d, d) matrix (torch.cov "
            "treats rows as variables); a shift moves the mean and leaves the covariance alone."
        )
    for name, tol in (("different", 1e-4), ("singular", 1e-4), ("float32", 1e-3)):
        want = frechet_distance(*cases[name])
        if not abs(got[name] - want) <= tol * max(1.0, want):
            what = {
                "different": "two sets whose covariances do not commute",
                "singular": "24 and 20 samples of 32 features (singular covariances)",
                "float32": "the same two sets given as float32",
            }[name]
            hint = {
                "different": "S_a S_b is not symmetric, so eigh (which reads one triangle) or an elementwise root "
                "of it is wrong; tr((S_a S_b)^1/2) equals tr((S_a^1/2 S_b S_a^1/2)^1/2), a symmetric matrix's. "
                "Use the unbiased covariance (divide by N - 1).",
                "singular": "compute in float64, and clamp at 0 the eigenvalues that rounding makes slightly "
                "negative (a singular covariance has many near 0) before any square root.",
                "float32": "cast the features to float64 first: the trace terms nearly cancel, and float32 loses "
                "the difference.",
            }[name]
            fail(f"for {what} you get {got[name]:.6g}, expected {want:.6g}.\nHint: {hint}")
    return f"{OK} frechet_distance: 0 for identical sets, the squared shift for a shifted copy, right on the rest."


def _mmd_inputs(seed: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    g = generator(seed)
    x, y = torch.randn(7, 4, generator=g, dtype=torch.float64), torch.randn(5, 4, generator=g, dtype=torch.float64)
    near = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64), torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    return {"sizes": (x, y + 0.5), "negative": (near[0], near[1].double()), "apart": (x[:, :3], y[:, :3] * 2 + 3)}


def _probe_mmd(seed: int, mmd2_unbiased) -> dict:
    out = {"mutated": False}
    for name, (x, y) in _mmd_inputs(seed).items():
        out[name], changed = call_on_copies("mmd2_unbiased", mmd2_unbiased, x, y)
        out["mutated"] |= changed
    return out


def _biased(x: torch.Tensor, y: torch.Tensor) -> float:
    d = x.shape[1]
    return float(
        (((x @ x.T) / d + 1) ** 3).mean() + (((y @ y.T) / d + 1) ** 3).mean() - 2 * (((x @ y.T) / d + 1) ** 3).mean()
    )


@check(_probe_mmd)
def check_mmd2(r: dict, seed: int) -> str:
    """The unbiased MMD^2 with the cubic polynomial kernel, for sets of different sizes, negative where it falls."""
    cases = _mmd_inputs(seed)
    unchanged(r, "mmd2_unbiased")
    hint = "return the estimate as a float or a 0-d tensor."
    got = {k: number(r[k], "mmd2_unbiased", hint) for k in cases}
    for name, (x, y) in cases.items():
        want = float(mmd2_unbiased(x, y))
        if abs(got[name] - want) <= 1e-6 * max(1.0, abs(want)):
            continue
        if abs(got[name] - _biased(x, y)) <= 1e-6 * max(1.0, abs(want)):
            fail(
                f"on {len(x)} and {len(y)} points you get {got[name]:.5f}, the biased (V-statistic) estimate; "
                f"expected {want:.5f}.\nHint: the unbiased estimate leaves out the pairs of a point with itself, "
                "k(x_i, x_i), and averages the remaining m(m - 1) pairs."
            )
        if want < 0 and abs(got[name]) < 1e-12:
            fail(
                f"two close pairs of points give {got[name]:.5f}, expected the negative {want:.5f}.\nHint: an unbiased "
                "estimate of a quantity that is 0 must sometimes be negative; clamping it at 0 brings back a bias."
            )
        fail(
            f"on {len(x)} and {len(y)} points of {x.shape[1]} features you get {got[name]:.5f}, expected {want:.5f}."
            "\nHint: k(a, b) = (a.b / d + 1)^3 with d the number of features; the within-set averages run over "
            "pairs i != j of that set (m(m - 1) and n(n - 1) of them), the cross term over all m n pairs."
        )
    return f"{OK} mmd2_unbiased: the unbiased estimate, for sets of different sizes and below 0 where it should be."
