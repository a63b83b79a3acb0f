"""Lesson 01's 2-D toy: mixtures with known densities, point batches, coverage, KDE, D*, and the film."""

import math

import matplotlib
import pytest
import torch

from gancourse.config import GancourseError
from gancourse.data.plane import GaussianMixture, PointBatches, ring, single_gaussian
from gancourse.evaluation.plane import kde_density, mode_coverage, optimal_discriminator, plane_mesh
from gancourse.nets.plane import PlaneConfig, PlaneDiscriminator, PlaneGenerator
from gancourse.train import GANSteps, TrainConfig, Trainer
from gancourse.viz.plane import PlaneFrame, PlaneFrames, d_surface, plane_frames, plane_gif, plot_coverage

matplotlib.use("Agg")


def test_ring_has_its_modes_on_a_circle():
    r = ring(modes=8, radius=2.0, std=0.05)
    assert r.n_modes == 8 and r.centres.norm(dim=1).allclose(torch.full((8,), 2.0, dtype=torch.float64))
    assert r.centres[0].tolist() == pytest.approx([2.0, 0.0]) and r.centres[2].tolist() == pytest.approx([0.0, 2.0])


def test_density_by_hand():
    g = single_gaussian((1.0, 1.0), std=0.5)
    peak = 1 / (2 * math.pi * 0.25)  # 1 / (2 pi s^2) at the centre
    one_sigma = peak * math.exp(-0.5)  # |x - c| = s
    got = g.density(torch.tensor([[1.0, 1.0], [1.5, 1.0]]))
    assert got.tolist() == pytest.approx([peak, one_sigma])
    two = GaussianMixture(torch.tensor([[0.0, 0.0], [10.0, 0.0]]), std=1.0)  # far apart: half the peak each
    assert float(two.density(torch.tensor([[0.0, 0.0]]))) == pytest.approx(0.5 / (2 * math.pi), rel=1e-9)


def test_density_integrates_to_one():
    _, _, mesh = plane_mesh(3.0, 301)
    cell = (6.0 / 300) ** 2
    assert float(ring().density(mesh).sum() * cell) == pytest.approx(1.0, abs=1e-3)


def test_samples_are_seeded_and_follow_the_mixture():
    r = ring()
    a, b = r.sample(4000, torch.Generator().manual_seed(3)), r.sample(4000, torch.Generator().manual_seed(3))
    assert a.shape == (4000, 2) and a.dtype == torch.float32 and torch.equal(a, b)
    assert mode_coverage(a, r).modes == 8 and mode_coverage(a, r).high_quality > 0.98  # 3 std holds 98.9 % in 2-D


def test_bad_mixtures_are_refused():
    with pytest.raises(GancourseError, match=r"\(K, 2\)"):
        GaussianMixture(torch.zeros(3), 1.0)
    with pytest.raises(GancourseError, match="positive"):
        GaussianMixture(torch.zeros(1, 2), 0.0)


def test_point_batches_are_reproducible_and_resume_mid_epoch():
    src = PointBatches(ring(), batch_size=8, steps=5, seed=1)
    first = [(x, y) for x, y in src]
    assert len(src) == 5 and all(x.shape == (8, 2) and y is None for x, y in first)
    again = PointBatches(ring(), batch_size=8, steps=5, seed=1)
    assert all(torch.equal(a, b) for (a, _), (b, _) in zip(first, again, strict=True))
    it = iter(src)  # the second epoch, interrupted after 3 batches as a checkpoint would
    seen = [next(it)[0] for _ in range(3)]
    state = src.state_dict(position=3)
    rest_of_epoch = [x for x, _ in it]
    resumed = PointBatches(ring(), batch_size=8, steps=5, seed=99)
    resumed.load_state_dict(state)
    rest = [x for x, _ in resumed]
    assert len(seen) == 3 and len(rest) == 2
    assert all(torch.equal(a, b) for a, b in zip(rest, rest_of_epoch, strict=True))
    assert not torch.equal(rest[0], first[3][0])  # a new epoch draws new points
    with pytest.raises(GancourseError, match="at least 1"):
        PointBatches(ring(), batch_size=0)


def test_mode_coverage_by_hand():
    r = ring(std=0.1)
    on_modes = r.centres.float().repeat(10, 1)  # 80 points, 10 on each centre
    cov = mode_coverage(on_modes, r)
    assert (cov.modes, cov.high_quality) == (8, 1.0) and cov.per_mode == pytest.approx((0.125,) * 8)
    one = r.centres[:1].float().repeat(50, 1)
    far = torch.zeros(50, 2)  # the origin is 2 from every centre: 20 std, never high quality
    cov = mode_coverage(torch.cat([one, far]), r)
    assert (cov.modes, cov.high_quality) == (1, 0.5) and str(cov) == "1/8 modes covered, 50% high-quality samples"
    edge = r.centres[:1].float() + torch.tensor([[0.29, 0.0]])  # 2.9 std: inside; 3.1 std: outside
    assert mode_coverage(edge, r).modes == 1 and mode_coverage(edge + 0.02, r).modes == 0
    few = torch.cat([r.centres[:1].float(), torch.zeros(199, 2)])  # 1 of 200 = 0.5 % < the 1 % needed
    assert mode_coverage(few, r).modes == 0 and mode_coverage(few, r, min_share=0.005).modes == 1


def test_kde_by_hand_and_in_chunks():
    h = 0.5
    one = kde_density(torch.zeros(1, 2), torch.tensor([[0.0, 0.0], [0.5, 0.0]]), h)
    assert one.tolist() == pytest.approx([1 / (2 * math.pi * h * h), math.exp(-0.5) / (2 * math.pi * h * h)])
    pts, query = torch.randn(300, 2), torch.randn(50, 2)
    assert torch.allclose(kde_density(pts, query, 0.3, chunk=7), kde_density(pts, query, 0.3))


def test_optimal_discriminator_by_hand():
    got = optimal_discriminator(torch.tensor([1.0, 3.0, 0.0, 0.0]), torch.tensor([3.0, 1.0, 2.0, 0.0]))
    assert got.tolist() == [0.25, 0.75, 0.0, 0.5]


def test_plane_mesh_rows_run_along_y():
    xs, ys, mesh = plane_mesh(1.0, 3)
    assert xs.tolist() == [-1.0, 0.0, 1.0] and mesh.shape == (9, 2)
    assert mesh[:3].tolist() == [[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0]]  # row 0 is y = -1


def test_reference_networks_shapes():
    G, D = PlaneGenerator(PlaneConfig(z_dim=5)), PlaneDiscriminator()
    assert G(torch.randn(7, 5)).shape == (7, 2) and D(torch.randn(7, 2)).shape == (7,)


def test_frames_record_the_game(tmp_path):
    torch.manual_seed(0)
    G, D = PlaneGenerator(), PlaneDiscriminator()
    film = PlaneFrames(ring(), n_points=200, resolution=20)
    Trainer(
        G,
        D,
        PointBatches(ring(), 64, 5),
        GANSteps(2),
        TrainConfig(epochs=3, log_every=5),
        callbacks=[film],
        progress=False,
    ).fit()
    assert [f.step for f in film.frames] == [0, 5, 10, 15]
    f = film.frames[-1]
    assert f.surface.shape == (20, 20) and ((f.surface >= 0) & (f.surface <= 1)).all() and f.fake.shape == (200, 2)
    assert not (film.frames[0].fake == f.fake).all()  # G moved
    D.train()
    surface = d_surface(D, 3.0, 20)
    assert D.training and surface == pytest.approx(f.surface, abs=1e-6)  # same D, mode restored
    assert plane_frames(film.frames, ring(), cols=3).axes
    assert plot_coverage({"a": film.frames}).axes
    gif = plane_gif(film.frames, ring(), tmp_path / "g.gif")
    assert gif.read_bytes()[:6] == b"GIF89a"
    with pytest.raises(ValueError, match="no frames"):
        plane_frames([], ring())


def test_a_critics_surface_is_its_score_scaled_within_the_frame():
    """Lesson 06: f(x) has no probability meaning; the surface keeps its ordering, spans [0, 1] exactly."""
    from torch import nn

    class Slope(nn.Module):  # f(x) = 5·x_1: rises along x
        def forward(self, x):
            return 5 * x[:, 0]

    Slope.parameters = lambda self: iter([torch.zeros(1)])  # a device to read
    surface = d_surface(Slope(), 3.0, 11, critic=True)
    assert surface.min() == 0.0 and surface.max() == 1.0
    assert surface[0] == pytest.approx(torch.linspace(0, 1, 11).numpy(), abs=1e-6)  # linear in f, along x
    assert (d_surface(Slope(), 3.0, 11) > 0.99).any()  # as a D, sigmoid(15) saturates instead
    fig = plane_frames(
        [PlaneFrame(0, surface, torch.zeros(3, 2).numpy(), mode_coverage(torch.zeros(3, 2), ring()), True)],
        ring(),
        cols=1,
    )
    assert fig.axes[-1].get_ylabel() == "critic f(x), scaled per frame"
