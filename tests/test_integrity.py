"""The integrity report: from the sources alone, which exercises use the course's own implementation, copy the
official solution, or share their code with another submission; an honest submission is not flagged."""

from pathlib import Path

import nbformat
import pytest

from gancourse.authoring.lessons import make_lesson
from gancourse.grading import similarity
from gancourse.grading.integrity import imports, integrity_report, normalised, references

SOLUTION = Path(__file__).resolve().parents[1] / "solutions" / "01_gan.ipynb"

# Answers written independently of the solution (the report does not run them).
HONEST = {
    "toy-nets": """class ToyGenerator(nn.Module):
    def __init__(self, z_dim=2, hidden=128):
        super().__init__()
        self.z_dim = z_dim
        self.l1, self.l2, self.out = nn.Linear(z_dim, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 2)

    def forward(self, z):
        return self.out(torch.relu(self.l2(torch.relu(self.l1(z)))))


class ToyDiscriminator(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden))
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.head(F.leaky_relu(self.body(x), 0.2))[:, 0]
""",
    "11": """def d_loss(real_logits, fake_logits):
    bce = nn.BCEWithLogitsLoss()
    return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
""",
    "19": """def d_step(D, opt_D, real, fake, d_loss):
    for p in D.parameters():
        p.grad = None
    r, f = D(real), D(fake.detach())
    loss = d_loss(r, f)
    loss.backward()
    opt_D.step()
    with torch.no_grad():
        return {"loss_D": loss.detach(), "D(x)": r.sigmoid().mean(), "D(G(z))": f.sigmoid().mean()}
""",
}
RENAMED = HONEST["19"].replace("r, f", "a, b").replace("r.sig", "a.sig").replace("f.sig", "b.sig").replace("loss", "L")


def _notebook(tmp_path, student, answers):
    """The lesson as handed out, with ``answers`` (cell id -> source) in its exercise cells."""
    nb = make_lesson(nbformat.read(SOLUTION, as_version=4))
    for cell in nb.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.id]
    path = tmp_path / f"{student}.ipynb"
    nbformat.write(nb, path)
    return student, path


@pytest.fixture()
def report(tmp_path):
    solution = {c.id: c.source for c in nbformat.read(SOLUTION, as_version=4).cells}
    found = [
        _notebook(tmp_path, "honest", HONEST),
        _notebook(tmp_path, "other_honest", {"11": HONEST["11"].replace("bce", "crit")}),
        _notebook(tmp_path, "alias", {"11": "from gancourse.losses import d_loss_bce as d_loss\n"}),
        _notebook(tmp_path, "wrapper", {"16": "def g_loss(s):\n    return losses.g_loss_nonsaturating(s)\n"}),
        _notebook(
            tmp_path,
            "importer",
            {"16": "import importlib\ng_loss = importlib.import_module('gancourse.losses').g_loss_bce"},
        ),
        _notebook(tmp_path, "copier", {"19": solution["19"], "toy-nets": solution["toy-nets"]}),
        _notebook(tmp_path, "renamer", {"19": RENAMED}),
    ]
    return integrity_report(found, SOLUTION)


def test_an_honest_submission_is_not_flagged(report):
    assert report["other_honest"].text() == ""  # its d_loss says what honest's says, in its own words
    assert list(report["honest"].by_exercise) == ["d_step"]  # only where renamer copied it


def test_the_courses_own_implementation_is_named(report):
    assert report["alias"].by_exercise["d_loss"] == ["uses gancourse.losses.d_loss_bce"]
    assert report["wrapper"].by_exercise["g_loss"] == ["uses gancourse.losses.g_loss_nonsaturating"]
    assert "the string 'gancourse.losses'" in report["importer"].by_exercise["g_loss"][0]
    assert "d_step" not in report["alias"].by_exercise  # d_step's own parameter d_loss is not the alias


def test_the_official_solution_is_recognised(report):
    assert report["copier"].by_exercise["d_step"] == ["the official solution, verbatim"]
    assert report["copier"].by_exercise["ToyGenerator, ToyDiscriminator"] == ["the official solution, verbatim"]


def test_a_renamed_copy_of_another_submission_is_found_both_ways(report):
    assert any(w.endswith("like renamer") for w in report["honest"].by_exercise["d_step"])
    assert any(w.endswith("like honest") for w in report["renamer"].by_exercise["d_step"])


def test_without_copydetect_the_rest_still_works(tmp_path, monkeypatch):
    monkeypatch.setattr(similarity, "available", lambda: False)
    found = [_notebook(tmp_path, "honest", HONEST), _notebook(tmp_path, "renamer", {"19": RENAMED})]
    flags = integrity_report(found, SOLUTION)
    assert flags["honest"].text() == "" and flags["renamer"].text() == ""


def test_helpers_by_hand():
    bound = imports(
        ["from gancourse import losses as L\nimport gancourse.nets as nets\nfrom gancourse.data import ring"]
    )
    assert bound == {"L": "gancourse.losses", "nets": "gancourse.nets", "ring": "gancourse.data.ring"}
    assert references("y = L.d_loss_bce(a, b) + ring(3).sum()", bound) == {
        "gancourse.losses.d_loss_bce",
        "gancourse.data.ring",
    }
    assert references("def f(L):\n    return 1", bound) == set()  # a parameter is not a use
    src = 'def f(x):\n    """doc"""\n    # note\n    return  x+1\n'
    assert normalised(src) == normalised("def f(x):\n    return x + 1") and normalised("def (") is None


def test_a_copied_copy_is_more_similar_than_independent_answers():
    copied = similarity._fingerprint(RENAMED)
    assert similarity.similarity(similarity._fingerprint(HONEST["19"]), copied) == pytest.approx(1.0)
    other = "def d_step(D, opt, x, y, fn):\n    opt.zero_grad()\n    l = fn(D(x), D(y.detach()))\n    l.backward()\n"
    assert similarity.similarity(similarity._fingerprint(other), copied) < 0.5
