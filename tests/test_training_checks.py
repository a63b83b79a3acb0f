"""For every lesson: a submission whose training cell would crash cannot get full marks.

Each case plants a mistake that makes the lesson's own training path stop (checked here by running
that path), and the lesson's hidden training check (gancourse/checks/training.py) must fail on it with
the error line, whatever the public checks say. The solutions pass, on several grader seeds."""

import pytest

from gancourse.checks import OK
from gancourse.checks.protocol import CHECKS
from gancourse.grading.notebook import lesson_checks
from tests.check_cases import NOTEBOOKS
from tests.notebook_code import ROOT, exercise_sources, run_exercises

CRASHES = [  # (lesson, what, planted mistake, a word of the error it must report)
    ("01", "d_step without its return", ('    return {\n        "loss_D"', '    logs = {\n        "loss_D"'), "None"),
    (
        "01",
        "toy G with a hard-coded noise size",
        ("nn.Linear(z_dim, hidden), nn.ReLU(),", "nn.Linear(3, hidden), nn.ReLU(),"),
        "shape",
    ),
    (
        "02",
        "init without the bias guard",
        ("        if m.bias is not None:\n            nn.init.zeros_(m.bias)", "        nn.init.zeros_(m.bias)"),
        "NoneType",
    ),
    (
        "03",
        "generate_digit ignores n",
        [("torch.randn(n, G.cfg.z_dim", "torch.randn(16, G.cfg.z_dim"), ("torch.full((n,)", "torch.full((16,)")],
        "(160, 1, 28, 28)",
    ),
    ("04", "g_update without its loss", ("    opt_G.step()\n    return loss", "    opt_G.step()"), "None"),
    (
        "05",
        "CBN with fixed channels",
        ("self.bn = nn.BatchNorm2d(channels, affine=False)", "self.bn = nn.BatchNorm2d(64, affine=False)"),
        "running_mean",
    ),
    (
        "06",
        "critic for one batch size",
        ("return self.head(self.body(x)).squeeze(1)", "return self.head(self.body(x)).view(64)"),
        "shape",
    ),
    (
        "07",
        "FD returning a pair",
        ("    return (mu_a - mu_b).square().sum()", "    return cross, (mu_a - mu_b).square().sum()"),
        "tuple",
    ),
    (
        "08",
        "G's objective as a Python number",
        (
            "return adv * fool + lam * (fake - target).abs().mean()",
            "return float(adv * fool + lam * (fake - target).abs().mean())",
        ),
        "float",
    ),
    (
        "09",
        "noise drawn for one map size",
        (
            "noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)",
            "noise = torch.randn(x.shape[0], 1, 5, 5, device=x.device, dtype=x.dtype)",
        ),
        "size",
    ),
    (
        "09",
        "noise module the recipe's EMA cannot copy",
        (
            "self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))",
            "self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))\n"
            "        self.seeds = (s for s in range(2**31))",
        ),
        "pickle",
    ),
]


def _hidden_training(lesson: str):
    spec = next(s for s in lesson_checks(lesson) if s.check.startswith(f"hidden_lesson{lesson}_"))
    return spec, CHECKS[spec.check]


def _judge(lesson: str, ns: dict, seed: int) -> str:
    spec, chk = _hidden_training(lesson)
    return chk.judge(chk.ask(seed, *(ns[n] for n in spec.names)), seed)


@pytest.mark.parametrize("lesson", sorted(NOTEBOOKS))
def test_the_solution_trains_down_its_lessons_path(lesson):
    ns = run_exercises(exercise_sources(ROOT / "solutions" / NOTEBOOKS[lesson]))
    for seed in (1, 12345, 2**31 - 2):
        assert _judge(lesson, ns, seed).startswith(OK)


@pytest.mark.parametrize("lesson, what, planted, says", CRASHES, ids=[c[1] for c in CRASHES])
def test_a_submission_whose_training_would_crash_never_gets_full_marks(lesson, what, planted, says):
    ns = run_exercises(exercise_sources(ROOT / "solutions" / NOTEBOOKS[lesson]), planted)
    with pytest.raises(AssertionError, match="with your pieces, the lesson's .* stopped") as failed:
        _judge(lesson, ns, 7)
    assert says in str(failed.value), str(failed.value)
    assert "Hint:" in str(failed.value)


def test_every_lesson_has_its_training_check():
    assert sorted({lesson for lesson, *_ in CRASHES}) == sorted(NOTEBOOKS)
    for lesson in NOTEBOOKS:
        assert _hidden_training(lesson)[0].name in (
            "hidden: trains as the lesson does",
            "hidden: measures as the lesson does",
        )


def test_a_loss_that_is_not_finite_fails_wherever_it_was_logged():
    from gancourse.checks.training import hidden_lesson01_trains, worst_loss

    assert worst_loss([{"loss_D": 0.5}, {"loss_D": float("nan")}, {"loss_G": 2.0}]) == float("inf")
    assert worst_loss([{"loss_D": -3.0, "D(x)": 9.0}]) == 3.0 and worst_loss([]) == 0.0
    with pytest.raises(AssertionError, match="not finite"):
        hidden_lesson01_trains.judge(
            {"error": None, "worst_loss": worst_loss([{"loss_G": 1.0}, {"loss_G": float("nan")}])}, 1
        )
