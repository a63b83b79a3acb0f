"""The split checks: a verdict reached on a report that crossed the grader's channel, for any seed."""

import pytest
import torch

import gancourse.checks  # noqa: F401 - registers every check, the hidden ones too
from gancourse.checks.protocol import CHECKS, Check, values
from gancourse.sandbox.frames import ChannelError, dump_values, load_values
from tests.check_cases import (
    ALL,
    CHECKS_BY_LESSON,
    IDS,
    MISTAKES,
    MISTAKES_02_03,
    SOLUTIONS,
    TOY_MISTAKES,
    TOY_NETS,
)
from tests.notebook_code import run_exercises


def _objects(lesson, name, check):
    ns = run_exercises(SOLUTIONS[lesson])
    consts = getattr(check, "args", ())  # functools.partial for the quiz: the lesson number
    names = name if isinstance(name, tuple) else (name,)
    return getattr(check, "func", check), consts, [ns[n] for n in names]


@pytest.mark.parametrize("lesson, name, check", ALL, ids=IDS)
def test_solution_passes_for_grader_seeds_across_the_channel(lesson, name, check):
    check, consts, objects = _objects(lesson, name, check)
    for seed in range(1, 11):  # the grader draws a fresh seed per check: no seed may fail the solution
        report = load_values(dump_values(check.ask(seed, *consts, *objects)))
        assert check.judge(report, seed, *consts).startswith("\u2705")


def test_a_report_from_another_seed_fails():
    """Answers computed for the notebook's fixed inputs do not pass for the grader's seed."""
    check, consts, objects = _objects("01", "d_loss", CHECKS["check_d_loss"])
    with pytest.raises(AssertionError, match="expected"):
        check.judge(check.ask(0, *objects), 7)


@pytest.mark.parametrize("report", [{}, {"value": "tensor"}, {"value": [1.0]}, None, {"failed": "their message"}])
def test_malformed_reports_fail_with_a_message(report):
    with pytest.raises(AssertionError) as e:
        CHECKS["check_d_loss"].judge(report, 3)
    assert str(e.value).strip()


def test_values_keeps_plain_data_only():
    out = values({"t": torch.ones(2, requires_grad=True) * 2, "m": torch.nn.Linear(1, 1), 3: [1, "a", None]})
    assert not out["t"].requires_grad and out["m"] == "<Linear>" and out[3] == [1, "a", None]


def test_the_channel_refuses_code():
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(ChannelError):
        load_values(pickle.dumps(Evil()))


def test_every_check_is_registered_once():
    assert all(isinstance(c, Check) for c in CHECKS.values()) and len(CHECKS) == 60


GRADER_MISTAKES = (
    [("01", *m) for m in MISTAKES]
    + list(MISTAKES_02_03)
    + [("01", what, change, TOY_NETS, hint) for what, change, hint in TOY_MISTAKES]
)


@pytest.mark.parametrize("lesson, what, change, name, hint", GRADER_MISTAKES, ids=[m[1] for m in GRADER_MISTAKES])
def test_mistakes_fail_for_grader_seeds_too(lesson, what, change, name, hint):
    """Every planted mistake fails with its hint on the grader's side, whatever seed it draws."""
    ns = run_exercises(SOLUTIONS[lesson], replace=change)
    check = dict((n, c) for n, c in CHECKS_BY_LESSON[lesson])[name]
    check, consts = getattr(check, "func", check), getattr(check, "args", ())
    objects = [ns[n] for n in (name if isinstance(name, tuple) else (name,))]
    for seed in (3, 77, 1234):
        with pytest.raises(AssertionError, match=hint):
            check.judge(load_values(dump_values(check.ask(seed, *consts, *objects))), seed, *consts)


@pytest.mark.parametrize(
    "change, hint",
    [
        (None, None),
        (
            (
                "def __init__(self, hidden=128):\n        super().__init__()\n",
                "def __init__(self, hidden=128):\n        super().__init__()\n        hidden = 128\n",
            ),
            "every hidden nn.Linear",
        ),
        (("nn.Linear(z_dim, hidden), nn.ReLU(),", "nn.Linear(2, hidden), nn.ReLU(),"), "ToyGenerator.forward raised"),
    ],
)
def test_hidden_toy_sizes_catches_fixed_sizes(change, hint):
    ns = run_exercises(SOLUTIONS["01"], replace=change)
    check = CHECKS["hidden_toy_sizes"]

    def grade():
        return check.judge(load_values(dump_values(check.ask(5, ns["ToyGenerator"], ns["ToyDiscriminator"]))), 5)

    if hint is None:
        assert grade().startswith("\u2705")
    else:
        with pytest.raises(AssertionError, match=hint):
            grade()
