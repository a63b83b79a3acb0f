import math

import numpy as np
import pytest
import torch

from gancourse.cli import main
from gancourse.config import GancourseError
from gancourse.evaluation import metrics as ev


def cloud(n=400, d=8, seed=0, shift=0.0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift


# ------------------------------------------------------------------ Fréchet distance


def test_fd_of_identical_sets_is_zero():
    a = cloud()
    assert ev.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_fd_by_hand_for_gaussians():
    # FD(N(m1, S1), N(m2, S2)) with diagonal covariances: |m1 - m2|^2 + sum (sqrt(s1) - sqrt(s2))^2
    a, b = cloud(n=20000, d=3, seed=1), cloud(n=20000, d=3, seed=2, shift=1.0, scale=2.0)
    want = 3 * 1.0**2 + 3 * (1 - 2) ** 2
    assert ev.frechet_distance(a, b) == pytest.approx(want, rel=0.05)


def test_fd_matches_scipy_sqrtm_on_correlated_features():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = cloud(d=6, seed=3) @ torch.randn(6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    b = cloud(d=6, seed=4, shift=0.3) @ torch.randn(
        6, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    ca, cb = np.cov(a.numpy().T), np.cov(b.numpy().T)
    covmean = scipy_linalg.sqrtm(ca @ cb).real
    want = ((a.mean(0) - b.mean(0)) ** 2).sum().item() + np.trace(ca + cb - 2 * covmean)
    assert ev.frechet_distance(a, b) == pytest.approx(want, rel=1e-6)


def test_fd_grows_monotonically_with_noise():
    a = cloud(seed=5)
    fds = [ev.frechet_distance(a, a + s * cloud(seed=6)) for s in (0.1, 0.3, 0.6, 1.0)]
    assert fds == sorted(fds) and fds[0] > 0


def test_fd_and_kid_agree_with_torchmetrics():
    fid_mod = pytest.importorskip("torchmetrics.image.fid")
    kid_mod = pytest.importorskip("torchmetrics.image.kid")

    class Features(torch.nn.Module):  # the "images" we pass are already features
        num_features = 8

        def forward(self, x):
            return x

    a, b = cloud(n=300, seed=7).float(), cloud(n=300, seed=8, shift=0.5, scale=1.3).float()
    fid = fid_mod.FrechetInceptionDistance(feature=Features(), normalize=True)
    fid.update(a, real=True)
    fid.update(b, real=False)
    assert ev.frechet_distance(a, b) == pytest.approx(float(fid.compute()), rel=1e-3)
    kid = kid_mod.KernelInceptionDistance(feature=Features(), subsets=1, subset_size=300, normalize=True)
    kid.update(a, real=True)
    kid.update(b, real=False)
    mean, _ = ev.kid(a, b, subset_size=300, n_subsets=1)
    assert mean == pytest.approx(float(kid.compute()[0]), rel=1e-3)


# ------------------------------------------------------------------ KID


def test_kid_is_unbiased_on_one_distribution():
    values = [
        ev.kid(cloud(n=200, seed=2 * i), cloud(n=200, seed=2 * i + 1), subset_size=200, n_subsets=1)[0]
        for i in range(40)
    ]
    t = torch.tensor(values)
    assert abs(t.mean()) < 3 * t.std() / math.sqrt(len(t))  # centred on 0, not on a positive bias
    assert (t < 0).any()  # an unbiased estimator must sometimes go below zero
    assert ev.kid(cloud(), cloud(seed=9, shift=1.0))[0] > 10 * t.std()


def test_kid_by_hand_on_two_points():
    x, y = torch.tensor([[1.0], [0.0]]), torch.tensor([[2.0], [1.0]])
    k = lambda a, b: (a * b + 1) ** 3  # noqa: E731  d = 1
    want = (2 * k(1, 0)) / 2 + (2 * k(2, 1)) / 2 - 2 * (k(1, 2) + k(1, 1) + k(0, 2) + k(0, 1)) / 4
    assert ev.kid(x, y, subset_size=2, n_subsets=1)[0] == pytest.approx(want)


# ------------------------------------------------------------------ precision / recall, density / coverage


def test_precision_recall_on_toy_clouds():
    real = cloud(n=500, d=2, seed=10)
    assert ev.precision_recall(real, cloud(n=500, d=2, seed=11)) > (0.9, 0.9)
    far = cloud(n=500, d=2, seed=12, shift=50.0)
    assert ev.precision_recall(real, far) == (0.0, 0.0)
    # a collapsed generator: every fake at the centre of the real cloud -> precise, but no recall
    collapsed = torch.zeros(500, 2, dtype=torch.float64) + 0.01 * cloud(n=500, d=2, seed=13)
    p, r = ev.precision_recall(real, collapsed)
    assert p == 1.0 and r < 0.1


def test_on_sphere_keeps_directions_only():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0], [-2.0, 0.0]])
    assert torch.allclose(ev.on_sphere(x), torch.tensor([[0.6, 0.8], [0.0, 0.0], [-1.0, 0.0]]))
    # a short feature vector near the origin is no longer "inside" a long real vector's big ball
    real = torch.tensor([[10.0, 0.0], [0.0, 10.0], [0.5, 0.5], [7.0, 7.0]])
    fake = torch.tensor([[-0.1, -0.2], [-0.2, -0.1]])
    assert (
        ev.precision_recall(real, fake, k=1)[0] == 1.0
        and ev.precision_recall(ev.on_sphere(real), ev.on_sphere(fake), k=1)[0] == 0.0
    )


def test_precision_recall_by_hand():
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])  # 3rd-nearest-neighbour radii: 3, 2, 2, 3
    fake = torch.tensor([[1.5], [10.0]])  # radii among fakes (k=1 here): 8.5, 8.5
    p, r = ev.precision_recall(real, fake, k=1)  # k=1 radii of reals: 1, 1, 1, 1
    assert p == 0.5  # 1.5 is within 1 of a real point, 10 is not
    assert r == 1.0  # every real point is within 8.5 of 1.5


def test_density_and_coverage_by_hand():
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])  # k=1 radii: 1, 1, 1, 1
    fake = torch.tensor([[0.5], [0.6], [9.0]])
    density, coverage = ev.density_coverage(real, fake, k=1)
    assert density == pytest.approx((2 + 2 + 0) / 3)  # 0.5 and 0.6 each lie in the balls of 0 and 1
    assert coverage == pytest.approx(2 / 4)


# ------------------------------------------------------------------ class statistics


def test_class_histogram_flags_collapse():
    collapsed = torch.nn.functional.one_hot(torch.full((100,), 3), 10).double()
    hist, entropy = ev.class_histogram(collapsed)
    assert hist[3] == 1.0 and entropy == 0.0
    uniform = torch.nn.functional.one_hot(torch.arange(100) % 10, 10).double()
    assert ev.class_histogram(uniform)[1] == pytest.approx(1.0)
    two = torch.nn.functional.one_hot(torch.arange(100) % 2, 10).double()
    assert ev.class_histogram(two)[1] == pytest.approx(math.log(2) / math.log(10))


def test_inception_score_and_label_accuracy_by_hand():
    confident = torch.nn.functional.one_hot(torch.arange(100) % 10, 10).double()
    assert ev.inception_score(confident) == pytest.approx(10.0, rel=1e-6)
    assert ev.inception_score(torch.full((50, 10), 0.1, dtype=torch.float64)) == pytest.approx(1.0)
    assert ev.label_accuracy(confident, torch.arange(100) % 10) == 1.0
    assert ev.label_accuracy(confident, (torch.arange(100) + 1) % 10) == 0.0


# ------------------------------------------------------------------ the classifier and the report


def test_bundled_classifier_loads_and_recognises_real_digits():
    import warnings

    from gancourse.data import load_dataset
    from gancourse.evaluation.classifier import accuracy, load_classifier

    clf = load_classifier("mnist", train_if_missing=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test = load_dataset("mnist", "test", download=False)
    assert accuracy(clf, test.images, test.labels) > 0.97


@pytest.fixture(scope="module")
def report():
    import warnings

    from gancourse.data import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = load_dataset("mnist", "train", download=False)
        return ev.evaluate_samples(real.images[:600], real.labels[:600], "mnist", n_ref=2000)


def test_report_separates_real_from_noise(report):
    s, floor, ceiling = report["samples"], report["floor"], report["ceiling"]
    assert s["fd"] < 5 * floor["fd"] < ceiling["fd"] / 10
    assert s["class_entropy"] > 0.95 and ceiling["class_entropy"] < s["class_entropy"]
    assert s["label_accuracy"] > 0.97 and ceiling["label_accuracy"] < 0.3
    assert s["coverage"] > 0.3 > ceiling["coverage"]
    # the k-NN metrics: uniform noise is outside the real manifold, held-out real digits inside it
    assert ceiling["precision"] < 0.05 and ceiling["recall"] < 0.05 and ceiling["density"] < 0.05
    assert floor["precision"] > 0.8 and floor["recall"] > 0.8 and s["precision"] > 0.8
    table = ev.format_report(report)
    assert (
        "| Fréchet distance ↓ |" in table
        and "real test images (best case)" in table
        and "uniform noise (worst case)" in table
    )


def test_evaluation_callback_adds_numbers_and_raises_the_alarm():
    from gancourse.data import Batches
    from gancourse.evaluation import Evaluation, ModeCollapseWarning
    from gancourse.registry import build
    from gancourse.train import GANSteps, TrainConfig, Trainer

    torch.manual_seed(0)
    G, D = build("dcgan", {"width": 4})
    imgs = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    cb = Evaluation("mnist", every=1, n=200, alarm_entropy=1.01)  # an untrained G always trips a 1.01 alarm
    t = Trainer(
        G,
        D,
        Batches(imgs, batch_size=32),
        GANSteps(100),
        TrainConfig(epochs=1, log_every=1),
        callbacks=[cb],
        progress=False,
    )
    with pytest.warns(ModeCollapseWarning, match="mode collapse alarm at epoch 1"):
        t.fit()
    row = t.history[-1]
    assert set(row) == {"step", "epoch", "fd", "class_entropy"} and row["fd"] > 0


# ------------------------------------------------------------------ the CLI and its errors


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


def test_cli_evaluate_prints_table_and_writes_json(tmp_path, capsys):
    import json
    import warnings

    from gancourse.data import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = load_dataset("mnist", "test", download=False)
    f = _npz(tmp_path / "s.npz", images=real.images[:300].numpy(), labels=real.labels[:300].numpy())
    with pytest.warns(UserWarning):
        assert main(["evaluate", f, "--json", str(tmp_path / "r.json"), "--n-ref", "1000"]) == 0
    out = capsys.readouterr().out
    assert "| label accuracy ↑ |" in out
    saved = json.loads((tmp_path / "r.json").read_text())
    assert set(saved) >= {"samples", "floor", "ceiling"} and saved["samples"]["n"] == 300


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"images": np.zeros((0, 1, 28, 28), np.uint8)}, "holds no images"),
        ({"images": np.zeros((5, 1, 28, 28), np.float32)}, "expected uint8"),
        ({"images": np.zeros((5, 28, 28), np.uint8)}, r"expected \(N, 1, 28, 28\)"),
        ({"images": np.zeros((5, 3, 64, 64), np.uint8)}, r"expected \(N, 1, 28, 28\)"),
        ({"pictures": np.zeros((5, 1, 28, 28), np.uint8)}, "no 'images' array"),
        ({"images": np.zeros((5, 1, 28, 28), np.uint8), "labels": np.zeros(4, np.int64)}, "expected int64"),
        ({"images": np.zeros((5, 1, 28, 28), np.uint8), "labels": np.zeros(5, np.int32)}, "expected int64"),
        ({"images": np.zeros((2, 1, 28, 28), np.uint8), "labels": np.array([0, 12])}, "0..9"),
    ],
)
def test_cli_evaluate_bad_files(tmp_path, capsys, arrays, message):
    f = _npz(tmp_path / "bad.npz", **arrays)
    assert main(["evaluate", f]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gancourse: error:") and "\n" not in err
    assert __import__("re").search(message, err)


def test_cli_evaluate_missing_and_garbage(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.npz")]) == 2
    assert "no samples file" in capsys.readouterr().err
    (tmp_path / "g.npz").write_bytes(b"garbage")
    assert main(["evaluate", str(tmp_path / "g.npz")]) == 2
    assert "not a readable .npz" in capsys.readouterr().err


def test_load_samples_error_type(tmp_path):
    with pytest.raises(GancourseError):
        ev.load_samples(tmp_path / "missing.npz")
