"""Pairs of exercise answers that share most of their code, the lesson's starter code excluded.

``copydetect`` does the work as MOSS does: the code is tokenised (names and literals lose their
spelling, so renaming changes nothing), hashed in k-grams and winnowed into fingerprints; the
starter cell's fingerprints are removed from every answer as boilerplate. The similarity of a pair
is the smaller of the two shares of each answer's tokens found in the other. Answers with fewer
than ``MIN_TOKENS`` own tokens are not compared: short answers are alike by nature.
"""

from __future__ import annotations

import io
from itertools import combinations

K, WINDOW = 15, 4  # k-gram length (noise threshold) and winnowing window: any shared run of 18 tokens is seen
MIN_TOKENS = 60
OFFICIAL = "(official solution)"


def _fingerprint(source: str, boilerplate: set[int] | None = None):
    from copydetect import CodeFingerprint

    return CodeFingerprint("cell.py", K, WINDOW, boilerplate=sorted(boilerplate or ()), fp=io.StringIO(source))


def similarity(a, b) -> float:
    """The smaller share of the two fingerprinted answers' tokens that the other one contains."""
    from copydetect import compare_files

    _, (share_a, share_b), _ = compare_files(a, b)
    return float(min(share_a, share_b))


def available() -> bool:
    try:
        import copydetect  # noqa: F401
    except ImportError:
        return False
    return True


def similar_pairs(
    answers: dict[str, str], starter: str, solution: str, threshold: float
) -> list[tuple[str, str, float]]:
    """``(student, other, similarity)`` for every pair at or above ``threshold``; ``other`` may be ``OFFICIAL``.

    Empty when copydetect is not installed (``pip install "gancourse[grading]"``): the report then says so.
    """
    if not available():
        return []
    starter_prints = _fingerprint(starter).hashes
    prints = {s: _fingerprint(src, starter_prints) for s, src in answers.items()}
    prints = {s: fp for s, fp in prints.items() if fp.token_coverage >= MIN_TOKENS}
    official = _fingerprint(solution, starter_prints)
    out = []
    for a, b in combinations(sorted(prints), 2):
        score = similarity(prints[a], prints[b])
        if score >= threshold:
            out.append((a, b, score))
    for a in sorted(prints):
        score = similarity(prints[a], official)
        if score >= threshold:
            out.append((a, OFFICIAL, score))
    return out
