"""Feedback while things run: the training bar (steps, or seconds of a time budget)."""

import time

from gancourse.train import TimeBudget
from gancourse.train import trainer as trainer_module
from gancourse.train.progress import ProgressBar
from tests.conftest import make_trainer


def test_step_bar_counts_steps_and_shows_losses(capsys):
    bar = ProgressBar(5)
    for _ in range(5):
        bar.advance()
    bar.show(5, {"d_loss": 0.25})
    bar.close()
    err = capsys.readouterr().err
    assert "5/5" in err and "d_loss=0.250" in err


def test_budget_bar_shows_seconds_spent_out_of_the_budget(capsys):
    bar = ProgressBar(10_000, budget_s=3)
    bar.start -= 2.2  # as if 2.2 s had passed
    bar.advance()  # steps do not move a time bar
    bar.show(7, {"g_loss": 1.5})
    bar.close()
    err = capsys.readouterr().err
    assert "time budget" in err and "2/3 s" in err and "step=7" in err and "g_loss=1.500" in err


def test_trainer_with_a_time_budget_draws_a_time_bar(monkeypatch):
    made = []
    monkeypatch.setattr(
        trainer_module,
        "ProgressBar",
        lambda steps, budget, enabled: made.append((steps, budget)) or ProgressBar(steps, budget, False),
    )
    make_trainer(epochs=1).fit()
    make_trainer(epochs=1, callbacks=[TimeBudget(60)]).fit()
    assert made == [(8, None), (8, 60)]


def test_time_budget_stops_training_at_a_log_row():
    t = make_trainer(epochs=1000, callbacks=[TimeBudget(0.2)])
    start = time.perf_counter()
    t.fit()
    assert t.epoch < 1000 and time.perf_counter() - start < 30
