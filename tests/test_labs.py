"""Labs, not tours: in every lesson the model that trains is built from the student's exercise code.

For each lesson a known-wrong piece is planted in the exercise cells. The lesson's check must reject
it, and the cell that builds what the lesson trains must pick it up (so the wrong piece would train),
and the training cell must train exactly those networks.
"""

import nbformat
import pytest
import torch
from torch import nn

from gancourse import checks
from gancourse.authoring.colab import install_cell
from tests.notebook_code import ROOT, exercise_sources, run_exercises

ALL_LESSONS = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def code_cells(name: str) -> list[str]:
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def run_lab(name: str, replace: tuple[str, str], build_marker: str | None, extra: str = "") -> tuple[dict, str]:
    """Exec the exercises (one planted mistake) and the build cell; return the namespace and the training cell."""
    cells = code_cells(name)
    build = next((i for i, c in enumerate(cells) if build_marker and build_marker in c), None)
    ns = run_exercises(exercise_sources(ROOT / "solutions" / name), replace)  # one planted mistake, checked to hit once
    exec(extra, ns)
    if build is None:
        return ns, ""
    exec(compile(cells[build], "<build>", "exec"), ns)
    training = next(c for c in cells[build + 1 :] if "Trainer(" in c or "trainer(" in c)
    return ns, training


def test_lesson_02_trains_the_students_dcgan():
    ns, training = run_lab(
        "02_dcgan.ipynb",
        (
            "nn.ConvTranspose2d(c_in, c_out, 5, stride, padding=2,",
            "nn.ConvTranspose2d(c_in, c_out, 3, stride, padding=1,",
        ),
        "G, D = Generator(Z_DIM), Discriminator()  # your networks",
        "Z_DIM = 100\n",
    )
    with pytest.raises(AssertionError, match="kernel"):
        checks.check_up_block(ns["up_block"])
    kernels = {m.kernel_size for m in ns["G"].modules() if isinstance(m, nn.ConvTranspose2d)}
    assert (3, 3) in kernels  # the student's (wrong) block is inside the generator that trains
    assert "Trainer(G, D, batches" in training


def test_lesson_02_init_is_the_students():
    ns, _ = run_lab(
        "02_dcgan.ipynb",
        ("nn.init.normal_(m.weight, 0.0, 0.02)", "nn.init.normal_(m.weight, 0.0, 0.5)"),
        "G, D = Generator(Z_DIM), Discriminator()  # your networks",
        "Z_DIM = 100\n",
    )
    with pytest.raises(AssertionError, match=r"N\(0, 0.02\)"):
        checks.check_dcgan_init(ns["dcgan_init"])
    w = next(m.weight for m in ns["D"].modules() if isinstance(m, nn.Conv2d))
    assert w.std() > 0.2  # the networks that train start from the student's initialisation


def test_lesson_03_trains_the_students_conditioning():
    ns, training = run_lab(
        "03_conditional_gan.ipynb",
        ("torch.cat([z, F.one_hot(y, n_classes).float()], dim=1)", "torch.cat([z, F.one_hot(y).float()], dim=1)"),
        "G = nets.ConditionalGenerator(cfg, label_input=label_input)",
        "from gancourse import nets\n",
    )
    with pytest.raises(AssertionError, match="tell F.one_hot how many classes"):
        checks.check_label_input(ns["label_input"])
    assert ns["G"].label_input is ns["label_input"] and ns["D"].label_maps is ns["label_maps"]
    with pytest.raises(RuntimeError):  # the wrong piece is what G runs: a batch without 9s breaks its input
        ns["G"](torch.randn(4, 100), torch.tensor([0, 1, 2, 3]))
    assert "Trainer(G, D, batches" in training


def _lesson_04_step(ns):
    """One training step of the steps object the notebook builds from the student's pieces, on tiny networks."""
    from gancourse import registry
    from gancourse.data import DomainPair
    from gancourse.translation import (
        translation_config,
        translation_steps,
        translation_train_config,
    )

    images = torch.randint(0, 256, (8, 1, 28, 28), dtype=torch.uint8)
    pair = DomainPair(images, images.flip(-1), ("A", "B"), False, "random")
    steps = translation_steps(
        "cyclegan",
        pair,
        translation_train_config("cyclegan"),
        pool=ns["ImagePool"],
        d_update=ns["d_update"],
        g_update=ns["g_update"],
    )
    G, D = registry.build("cyclegan", translation_config("cyclegan", 28, 1, 1, width=4, n_res=1))
    opt_G, opt_D = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
    x = images[:4].float() / 127.5 - 1
    logs = steps.step(G, D, opt_G, opt_D, ((x, x.flip(-1)), None), update_g=True)
    return steps, logs


def test_lesson_04_trains_the_students_updates_and_pool():
    ns, _ = run_lab(
        "04_discogan_cyclegan.ipynb",
        ("pool_a.query(fake_a.detach()), pool_b.query(fake_b.detach())", "fake_a.detach(), fake_b.detach()"),
        None,
    )
    with pytest.raises(AssertionError, match="pool was never asked"):
        checks.check_d_update(ns["d_update"])
    steps, logs = _lesson_04_step(ns)
    assert isinstance(steps.pool_a, ns["ImagePool"]) and steps.pool_a.images == []  # the wrong update skipped the pool
    assert {"loss_D", "loss_G"} <= set(logs)
    good, _ = run_lab("04_discogan_cyclegan.ipynb", ("def d_update(", "def d_update("), None)
    steps, _ = _lesson_04_step(good)
    assert len(steps.pool_a.images) == 4  # the student's own update filled the student's own pool
    training = code_cells("04_discogan_cyclegan.ipynb")
    assert any('"pool": ImagePool, "d_update": d_update, "g_update": g_update' in c for c in training)


def test_lesson_05_builds_and_trains_the_students_biggan():
    ns, training = run_lab(
        "05_biggan.ipynb",
        ("return self.bn(x) * gamma + beta  # (N, C, H, W)", "return self.bn(x) * gamma  # (N, C, H, W)"),
        "G_big = nets.BigGANGenerator(bcfg, cbn=ConditionalBN)",
        "from gancourse import nets\n",
    )
    with pytest.raises(AssertionError, match="shift is missing"):
        checks.check_conditional_bn(ns["ConditionalBN"])
    cbns = [m for m in ns["G_big"].modules() if type(m).__name__ == "ConditionalBN"]
    assert len(cbns) == 4 and all(type(m) is ns["ConditionalBN"] for m in cbns)  # the student's layer, in every block
    assert ns["D_big"].projection is ns["projection_logits"]
    assert "cbn=ConditionalBN" in training and "losses.GANLoss(d_hinge, g_hinge)" in training
    assert "truncated_z(n, G.cfg.z_dim, truncation)" in training


def test_lesson_06_trains_with_the_students_critic_and_penalty():
    ns, _ = run_lab(
        "06_wgan_gp.ipynb",
        ("(1 - eps) * fake.detach()).requires_grad_(True)", "(1 - eps) * real.detach()).requires_grad_(True)"),
        None,
    )
    with pytest.raises(AssertionError, match="at the real samples"):
        checks.check_gradient_penalty(ns["gradient_penalty"])
    training = next(c for c in code_cells("06_wgan_gp.ipynb") if "wgan_steps = " in c)
    line = next(x for x in training.splitlines() if x.startswith("wgan_steps = "))
    exec(
        "from functools import partial\nfrom gancourse import losses\nfrom gancourse.train import GANSteps\n" + line, ns
    )
    steps = ns["wgan_steps"]
    assert steps.d_step.func is ns["critic_step"] and steps.d_step.keywords["penalty"] is ns["gradient_penalty"]
    assert steps.loss.d is ns["critic_loss"] and steps.loss.g is ns["g_loss"]
    assert 'train_for_budget("wgan-gp", Critic(), wgan_steps)' in training
    from gancourse import nets

    G, D = nets.DCGANGenerator(nets.DCGANConfig(width=4)), ns["Critic"](width=4)
    real = torch.rand(4, 1, 28, 28) * 2 - 1
    logs = steps.step(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()), (real, None), True)
    assert {"W", "GP", "loss_G"} <= set(logs)


@pytest.mark.parametrize("name", ALL_LESSONS)
def test_fast_mode_sizes_live_in_the_setup_cell_only(name):
    """Teaching cells read like the full course: only the set-up cell (after Colab's install cell) mentions fast "
    "mode."""
    cells = code_cells(f"{name}.ipynb")
    assert cells[0] == install_cell() and "config.pick(" in cells[1]
    assert [i for i, c in enumerate(cells) if "config." in c or "GANCOURSE_FAST" in c] == [1]


@pytest.mark.parametrize("name", ALL_LESSONS)
def test_every_lesson_ends_with_explore_tasks_and_a_quiz(name):
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    explore = text.split("\n## Explore\n", 1)[1].split("\n#", 1)[0]
    assert len([line for line in explore.splitlines() if line[:2].rstrip(".").isdigit()]) >= 3
    assert "checks.check_quiz(" in nb.cells[-1].source
