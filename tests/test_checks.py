import pytest

from gancourse import checks
from tests.notebook_code import ROOT, exercise_sources, run_exercises

SOLUTION = exercise_sources(ROOT / "solutions" / "01_gan.ipynb")
LESSON = exercise_sources(ROOT / "lessons" / "01_gan.ipynb")

CHECKS = [
    ("Generator", checks.check_generator),
    ("Discriminator", checks.check_discriminator),
    ("d_loss", checks.check_d_loss),
    ("g_loss", checks.check_g_loss),
    ("d_step", checks.check_d_step),
    ("g_step", checks.check_g_step),
]


@pytest.mark.parametrize("name, check", CHECKS)
def test_checks_pass_on_the_solution(name, check, capsys):
    ns = run_exercises(SOLUTION)
    check(ns[name])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(checks.OK)


@pytest.mark.parametrize("name, check", CHECKS)
def test_unfilled_exercise_fails_with_a_helpful_message(name, check):
    ns = run_exercises(LESSON)
    with pytest.raises(AssertionError, match="is not written yet: replace `raise NotImplementedError\\(\\)`") as e:
        check(ns[name])
    assert e.value.__cause__ is None and e.value.__suppress_context__  # no torch traceback chained on


MISTAKES = [
    # (what the student got wrong, planted change, check, hint the check must give)
    ("no tanh on G", ("nn.Linear(width, 28 * 28), nn.Tanh()]", "nn.Linear(width, 28 * 28)]"), "Generator", "nn.Tanh()"),
    ("G without BatchNorm", ("nn.BatchNorm1d(h, momentum=0.2), ", ""), "Generator", "BatchNorm1d"),
    ("G returns flat vectors", ("view(-1, 1, 28, 28)", "view(-1, 784)"), "Generator", r"expected \(16, 1, 28, 28\)"),
    ("sigmoid on D's output", ("layers += [nn.Linear(width, 1)]", "layers += [nn.Linear(width, 1), nn.Sigmoid()]"),
     "Discriminator", "ends with a sigmoid"),
    ("ReLU in D", ("nn.LeakyReLU(0.2)", "nn.ReLU()"), "Discriminator", "LeakyReLU"),
    ("D returns (N, 1)", ("self.net(x).squeeze(1)", "self.net(x)"), "Discriminator", r"\(16,\)"),
    ("swapped D labels", ("real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))",
                          "real = F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))\n"
                          "    fake_logits = -fake_logits"), "d_loss", "labels are swapped"),
    ("averaged D terms", ("return real + fake", "return (real + fake) / 2"), "d_loss", "do not divide by 2"),
    ("sigmoid before BCE-with-logits", ("real_logits, torch.ones_like(real_logits))",
                                        "torch.sigmoid(real_logits), torch.ones_like(real_logits))\n"
                                        "    fake_logits = torch.sigmoid(fake_logits)"), "d_loss", "sigmoid is applied before"),
    ("wrong target in g_loss", ("return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
                                "return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))"),
     "g_loss", "target label is wrong"),
    ("minimax g_loss", ("return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
                        "return -F.softplus(fake_logits).mean()"), "g_loss", "minimax"),
    ("no detach in the D step", ("fake = G(z).detach()", "fake = G(z)"), "d_step", "detach"),
    ("missing zero_grad in the D step", ("opt_D.zero_grad(set_to_none=True)", "pass"), "d_step", "zero_grad"),
    ("changing G in the D step", ("opt_D.step()", "opt_D.step()\n    with torch.no_grad():\n        next(G.parameters()).mul_(0.5)"),
     "d_step", "step only opt_D"),
    ("missing zero_grad in the G step", ("opt_G.zero_grad(set_to_none=True)", "pass"), "g_step", "zero_grad"),
    ("wrong target in the G step", ("loss = g_loss(D(G(z)))",
                                    "loss = F.binary_cross_entropy_with_logits(D(G(z)), torch.zeros(len(z)))"),
     "g_step", "wrong target label"),
    ("detach in the G step", ("loss = g_loss(D(G(z)))", "loss = g_loss(D(G(z).detach()))"), "g_step", "did not change G"),
]


@pytest.mark.parametrize("what, change, name, hint", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_checks_catch_typical_mistakes(what, change, name, hint):
    ns = run_exercises(SOLUTION, replace=change)
    check = dict(CHECKS)[name]
    with pytest.raises(AssertionError, match=hint) as e:
        check(ns[name])
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
