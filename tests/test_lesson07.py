"""Lesson 07 (measuring a GAN): the library's metrics on hand-computed cases, the injection point the lesson
uses, the shipped generators, and the hidden check that runs the student's metrics down the lesson's path."""

import pytest
import torch

from gancourse.checks.protocol import CHECKS
from gancourse.config import GancourseError
from gancourse.evaluation import frechet_distance, kid, mmd2_unbiased, precision_recall
from gancourse.pretrained import SHIPPED, load_pretrained, pretrained_path
from tests.check_cases import NOTEBOOKS
from tests.notebook_code import ROOT, exercise_sources, run_exercises
from tests.test_labs import code_cells


def test_mmd2_unbiased_by_hand():
    # d = 2, k(a, b) = (a.b / 2 + 1)^3: within x and within y the one off-diagonal pair has a.b = 0, so k = 1;
    # across, a.b is 1 twice (k = 3.375) and 0 twice (k = 1): mean 2.1875. MMD^2_u = 1 + 1 - 2 * 2.1875.
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[1.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    assert float(mmd2_unbiased(x, y)) == pytest.approx(-2.375)
    # the biased V-statistic keeps k(x_i, x_i): (2 * 3.375 + 2) / 4 + (8 + 1 + 2) / 4 - 2 * 2.1875 = 0.5625
    assert float(mmd2_unbiased(x, y)) != pytest.approx(0.5625)


def test_mmd2_unbiased_averages_to_zero_for_one_distribution():
    g = torch.Generator().manual_seed(0)
    values = [
        float(mmd2_unbiased(torch.randn(20, 3, generator=g), torch.randn(30, 3, generator=g))) for _ in range(400)
    ]
    mean, sem = torch.tensor(values).mean(), torch.tensor(values).std() / 20
    assert abs(mean) < 3 * sem and min(values) < 0  # unbiased: no offset, and single estimates fall below 0


def test_frechet_distance_by_hand():
    # 1-D: a = {0, 2}: mean 1, variance 2; b = {0, 4}: mean 2, variance 8. FD = 1 + 2 + 8 - 2 sqrt(16) = 3
    a, b = torch.tensor([[0.0], [2.0]]), torch.tensor([[0.0], [4.0]])
    assert frechet_distance(a, b) == pytest.approx(3.0)


def test_precision_recall_by_hand():
    # real 0, 1, 2, 3 (k = 1: every radius 1); fake 0.5 is inside, 10 is not: precision 1/2. The fakes' radii are
    # 9.5 (each other's distance), so all four reals lie within 9.5 of 0.5: recall 1.
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    fake = torch.tensor([[0.5], [10.0]])
    assert precision_recall(real, fake, k=1) == pytest.approx((0.5, 1.0))


def test_kid_takes_the_students_estimator():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(50, 4, generator=g), torch.randn(60, 4, generator=g) + 0.3
    calls = []

    def mine(x, y):
        calls.append((len(x), len(y)))
        return mmd2_unbiased(x, y)

    assert kid(a, b, subset_size=20, n_subsets=7, mmd2=mine) == kid(a, b, subset_size=20, n_subsets=7)
    assert calls == [(20, 20)] * 7


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_generators_rebuild_from_their_files(name):
    blob = torch.load(pretrained_path(name), weights_only=True)
    assert blob["kind"] == "cgan" and blob["config"]["width"] == 32 and "epoch" in blob["trained"]
    assert all(v.dtype == torch.float16 for v in blob["G"].values() if v.is_floating_point())
    G = load_pretrained(name)
    assert not G.training and next(G.parameters()).dtype == torch.float32
    images = G(torch.randn(4, G.cfg.z_dim), torch.arange(4))
    assert images.shape == (4, 1, 28, 28) and images.abs().max() <= 1
    assert pretrained_path(name).stat().st_size < 2_500_000  # small enough to ship (float16)


def test_the_two_shipped_generators_differ_in_what_they_generate():
    from gancourse.checks.lesson07.lesson_path import lesson_features

    final_feats, early_feats = lesson_features(0)
    assert frechet_distance(final_feats, early_feats) > 1.0


def test_an_unknown_shipped_generator_is_one_line():
    with pytest.raises(GancourseError, match="pick one of") as e:
        load_pretrained("stylegan-ffhq")
    assert "\n" not in str(e.value)


def _solution():
    return run_exercises(exercise_sources(ROOT / "solutions" / NOTEBOOKS["07"]))


def test_measuring_path_rejects_metrics_that_spoil_the_reference_set():
    planted = ("    mu_a, mu_b = a.mean(0), b.mean(0)", "    a -= a.mean(0)\n    mu_a, mu_b = a.mean(0), b.mean(0)")
    ns = run_exercises(exercise_sources(ROOT / "solutions" / NOTEBOOKS["07"]), planted)
    hidden = CHECKS["hidden_lesson07_measures"]
    report = hidden.ask(3, ns["frechet_distance"], ns["mmd2_unbiased"], ns["precision_recall"])
    with pytest.raises(AssertionError, match="spoiled reference set"):
        hidden.judge(report, 3)


def test_the_lesson_measures_with_the_students_functions():
    """Every experiment cell after the checks calls the student's three functions, not the library's."""
    cells = code_cells("07_measuring_gans.ipynb")
    first_experiment = next(i for i, c in enumerate(cells) if "sizes = [" in c)
    later = "\n".join(cells[first_experiment:])
    assert "mmd2=mmd2_unbiased" in later and "frechet_distance(ref" in later and "precision_recall(on_sphere" in later
    setup = cells[1]
    assert "import frechet_distance" not in setup and "precision_recall" not in setup and "mmd2" not in setup
    ns = _solution()
    assert {"frechet_distance", "mmd2_unbiased", "precision_recall"} <= set(ns)
