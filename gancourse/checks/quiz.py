"""The self-check quizzes that end every lesson. The check says which answers are right, never what they are.

Answers are stored as salted SHA-256 digests, so reading this file does not give them away at a glance.
"""

from __future__ import annotations

import hashlib

from .common import OK, fail
from .protocol import check

# lesson -> question -> (digest of the right letter, what to re-read when it is wrong)
QUIZZES: dict[str, dict[int, tuple[str, str]]] = {
    "01": {
        1: ("9d85f57e188003af", "Exercise 8: what D returns, and where the sigmoid is applied"),
        2: ("f010d06b8ec997f9", "why the minimax G loss saturates (its slope with respect to D's logit)"),
        3: ("771a538f684f2725", "Exercise 4: what detach() does to G's graph"),
        4: ("cbf718d0c1b4dc89", "the section on reading the loss curves"),
    },
    "02": {
        1: ("b3aa7111a5d0c850", "Exercise 1's size formula"),
        2: ("8537fc4c01fa6f1b", "the guideline table, BatchNorm row"),
        3: ("8936618b3b53c034", "Exercise 2: what BatchNorm does to each channel's mean"),
        4: ("311a8356aab96ef4", "the section on walking through the latent space"),
    },
    "03": {
        1: ("f8d9234358c1fc4f", "Exercise 2: which classes a batch may lack"),
        2: ("2f2e29f6dad3d330", "the projection discriminator's formula"),
        3: ("8b2ecf4d6805efb6", "how the class x noise grid is laid out"),
    },
    "04": {
        1: ("06610f3b693d7dbb", "why the cycle loss is needed at all"),
        2: ("30d1ee40324a736b", "Exercise 2: what the pool hands back once it is full"),
        3: ("dedfcc7bdec33eb6", "the discriminator update: what is detached, and why"),
    },
    "05": {
        1: ("d60c0abbda7bbcda", "the truncation trick: fidelity against variety"),
        2: ("f0293720a230f7b8", "the hinge loss: where each term stops pushing"),
        3: ("d1d9f67279c0575d", "spectral norm: what it bounds, and what it only approximates"),
        4: ("a54fdecf5540e1a7", "the EMA of G's weights and its warm-up"),
    },
    "06": {
        1: ("e84fb1c4ea115296", "section 1: what JS and W say about two point masses that do not overlap"),
        2: ("d3e496f6e52e9d39", "Exercise 2: where the penalty is taken, and why one norm per sample"),
        3: ("148d2f2d85b929fc", "Exercise 4: why the critic has no BatchNorm"),
    },
    "07": {
        1: ("e1de92a9a9cbc578", "section 5: what the FD estimator does as N grows"),
        2: ("b5c1ae220557dd93", "section 3: the unbiased estimate and the pairs it leaves out"),
        3: ("ce333e214406cd9f", "section 6: truncation and the precision-recall curve"),
        4: ("01e8c3b9e5bbe989", "section 8: what sample-based metrics cannot see"),
    },
    "08": {
        1: ("68216090947bc20a", "Exercise 1: which encoder output each decoder level takes, and along which axis"),
        2: ("1b316698656e990d", "section 3: the receptive field, walked back from one output pixel"),
        3: ("0688af958de37ecc", "Exercise 3: what the conditional discriminator judges"),
        4: ("ce0f0859a9b39d03", "section 4: what the L1 term alone asks of G"),
    },
    "09": {
        1: ("3808aa789bb35f9c", "Exercise 2: which statistics AdaIN erases"),
        2: ("77d6c988c68a1927", "Exercise 4 and the mixing grid: what each resolution controls"),
        3: ("4f7452ca3f4fd30d", "Exercise 5: the centre of W"),
        4: ("3533a3858402d9cc", "Exercise 3: the shape of the noise and of its scale"),
    },
}


def _digest(lesson: str, question: int, answer: str) -> str:
    return hashlib.sha256(f"gancourse-quiz:{lesson}:{question}:{answer}".encode()).hexdigest()[:16]


def _probe_quiz(seed: int, lesson: str, answers) -> dict:
    return {"answers": answers if isinstance(answers, dict) else f"<{type(answers).__name__}>"}


@check(_probe_quiz, consts=1)
def check_quiz(r: dict, seed: int, lesson: str) -> str:
    """Say which quiz answers are right; for a wrong or missing one, name what to re-read."""
    quiz, answers = QUIZZES[lesson], r["answers"]
    if not isinstance(answers, dict):
        fail("answers should be a dict {question number: letter}, as in the cell above.")
    missing = [q for q in quiz if answers.get(q) is None]
    if len(missing) == len(quiz):
        fail(
            "the quiz is not written yet: replace `raise NotImplementedError()` under `# YOUR CODE HERE` with your "
            'answers, e.g. answers = {1: "a", ...}, run that cell, then run this check again.\n'
            "Hint: each answer is the letter of one option."
        )
    if missing:
        fail(
            f"question(s) {', '.join(map(str, missing))} have no answer yet.\n"
            'Hint: replace each None by a letter, e.g. "a".'
        )
    wrong = [q for q in quiz if _digest(lesson, q, str(answers[q]).strip().lower()) != quiz[q][0]]
    if wrong:
        fail(
            f"{len(quiz) - len(wrong)} of {len(quiz)} right; not yet: "
            + "; ".join(f"question {q} (re-read {quiz[q][1]})" for q in wrong)
            + ".\n"
            "Hint: change only the answers named here; the others are right."
        )
    return f"{OK} quiz: all {len(quiz)} answers right."
