import pytest
import torch

from gancourse import checks
from tests.check_cases import (
    ALL,
    CHECKS,
    CHECKS_BY_LESSON,
    IDS,
    LESSONS,
    MISTAKES,
    MISTAKES_02_03,
    NOTEBOOKS,
    SOLUTION,
    SOLUTIONS,
    TOY_MISTAKES,
    TOY_NETS,
)
from tests.notebook_code import ROOT, run_exercises


def _call(check, ns, name):
    return check(*(ns[n] for n in name)) if isinstance(name, tuple) else check(ns[name])


def test_every_check_cell_in_the_notebooks_is_tested():
    import re

    for lesson, nb in NOTEBOOKS.items():
        used = set(re.findall(r"checks\.(check_\w+)", (ROOT / "solutions" / nb).read_text()))
        assert used == {getattr(c, "func", c).__name__ for _, c in CHECKS_BY_LESSON[lesson]}, nb


@pytest.mark.parametrize("lesson, name, check", ALL, ids=IDS)
def test_checks_pass_on_the_solution(lesson, name, check, capsys):
    ns = run_exercises(SOLUTIONS[lesson])
    _call(check, ns, name)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(checks.OK)


@pytest.mark.parametrize("lesson, name, check", ALL, ids=IDS)
def test_unfilled_exercise_fails_with_a_helpful_message(lesson, name, check):
    ns = run_exercises(LESSONS[lesson])
    with pytest.raises(AssertionError, match="is not written yet: replace `raise NotImplementedError\\(\\)`") as e:
        _call(check, ns, name)
    assert e.value.__cause__ is None and e.value.__suppress_context__  # no torch traceback chained on


@pytest.mark.parametrize("what, change, hint", TOY_MISTAKES, ids=[m[0] for m in TOY_MISTAKES])
def test_toy_net_check_catches_typical_mistakes(what, change, hint):
    ns = run_exercises(SOLUTION, replace=change)
    with pytest.raises(AssertionError, match=hint) as e:
        _call(checks.check_toy_nets, ns, TOY_NETS)
    assert "Hint:" in str(e.value)


@pytest.mark.parametrize("lesson, what, change, name, hint", MISTAKES_02_03, ids=[m[1] for m in MISTAKES_02_03])
def test_checks_catch_typical_mistakes_02_03(lesson, what, change, name, hint):
    ns = run_exercises(SOLUTIONS[lesson], replace=change)
    with pytest.raises(AssertionError, match=hint) as e:
        _call(dict(CHECKS_BY_LESSON[lesson])[name], ns, name)
    assert "Hint:" in str(e.value)


@pytest.mark.parametrize("what, change, name, hint", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_checks_catch_typical_mistakes(what, change, name, hint):
    ns = run_exercises(SOLUTION, replace=change)
    with pytest.raises(AssertionError, match=hint) as e:
        _call(dict(CHECKS)[name], ns, name)
    assert "Hint:" in str(e.value) or "hint" in str(e.value).lower()


def test_student_exceptions_become_one_assertion():
    def broken(real_logits, fake_logits):
        return real_logits @ torch_ones_3x4()

    with pytest.raises(AssertionError, match="d_loss raised RuntimeError") as e:
        checks.check_d_loss(broken)
    assert e.value.__cause__ is None


def torch_ones_3x4():
    import torch

    return torch.ones(4, 3)


def test_generate_digit_may_read_the_noise_size_from_the_generator():
    """Every library generator names its noise size z_dim, as the students' own networks of lessons 01-02 do."""
    ns = run_exercises(SOLUTIONS["03"], replace=("G.cfg.z_dim", "G.z_dim"))
    checks.check_generate_digit(ns["generate_digit"])
    from gancourse import nets

    for G in (
        nets.ConditionalGenerator(nets.CGANConfig(width=4)),
        nets.DCGANGenerator(),
        nets.BigGANGenerator(),
        nets.MLPGenerator(),
        nets.PlaneGenerator(),
    ):
        assert G.z_dim == G.cfg.z_dim


def test_a_step_is_judged_relative_to_its_own_size():
    """Rounding-level differences between the student's process and the grader's pass; a second step does not."""
    from gancourse.checks.common import STEP_TOLERANCE, step_mismatch

    before = [torch.zeros(3, 3), torch.ones(4)]
    step = [torch.full((3, 3), -1e-3), torch.full((4,), 2e-3)]
    reference = [b + s for b, s in zip(before, step, strict=True)]
    rounded = [r + 1e-9 * torch.randn_like(r) for r in reference]
    worst, size = step_mismatch(rounded, before, reference)
    assert size == pytest.approx(2e-3, rel=1e-4) and worst < STEP_TOLERANCE * size
    twice = [b + 2 * s for b, s in zip(before, step, strict=True)]  # stale gradients added in: a whole step off
    worst, size = step_mismatch(twice, before, reference)
    assert worst == pytest.approx(2e-3, rel=1e-4) and worst > STEP_TOLERANCE * size
    assert step_mismatch("not a list", before, reference)[0] == float("inf")
