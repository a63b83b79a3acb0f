"""docs/architecture.md's walkthrough is true: the template model trains through the CLI with one register call."""

import importlib.util
import sys

import pytest

from gancourse import registry
from gancourse.cli import main
from gancourse.train import load_checkpoint
from tests.notebook_code import ROOT


@pytest.fixture
def template(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))  # the entry lives for this test only
    spec = importlib.util.spec_from_file_location("template_model", ROOT / "docs" / "template_model.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.register_template()


def test_the_template_model_trains_samples_and_rebuilds_from_its_checkpoint(template, tmp_path):
    out = tmp_path / "run"
    argv = ["train", "template", "--epochs", "1", "--limit", "128", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    path = next((out / "checkpoints").glob("ckpt-*.pt"))
    ckpt = load_checkpoint(path)
    assert ckpt["kind"] == "template" and ckpt["config"]["img_shape"] == (1, 28, 28) and ckpt["step"] == 2
    G, D = registry.build("template", ckpt["config"])  # the file alone rebuilds the networks
    G.load_state_dict(ckpt["G"])
    assert G.z_dim == 64 and main(["sample", str(path), "--n", "4", "--out", str(tmp_path / "s.npz")]) == 0


def test_the_architecture_page_names_every_part_of_the_package():
    package = ROOT / "gancourse"
    parts = {p.stem for p in package.glob("*.py") if not p.name.startswith("_")}
    parts |= {p.name for p in package.iterdir() if (p / "__init__.py").is_file() and p.name not in ("weights",)}
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(part for part in parts if f"`{part}`" not in text)
    assert not missing, f"docs/architecture.md does not describe {missing}"
