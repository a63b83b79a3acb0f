"""The throughput benchmark's pieces: the old two-forward step it compares against, and the TensorFlow yardstick."""

import importlib.util
import json
import sys

import pytest
import torch

from gancourse import losses
from gancourse.nets import MLPConfig, MLPDiscriminator, MLPGenerator
from gancourse.train import GANSteps
from tests.notebook_code import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_loops import Timing, TwoForwardSteps  # noqa: E402
from throughput import tensorflow_tutorial  # noqa: E402

CFG = MLPConfig(z_dim=8, img_shape=(1, 4, 4), g_hidden=(16,), d_hidden=(16,))


def one_step(steps_cls):
    torch.manual_seed(0)
    G, D = MLPGenerator(CFG), MLPDiscriminator(CFG)
    calls = []
    G.register_forward_hook(lambda *_: calls.append(1))
    opt_G, opt_D = (torch.optim.Adam(n.parameters(), 1e-3) for n in (G, D))
    real = torch.rand(16, 1, 4, 4) * 2 - 1
    torch.manual_seed(1)
    steps_cls(CFG.z_dim, losses.get_loss("bce")).step(G, D, opt_G, opt_D, (real, None), update_g=True)
    return [p.detach().clone() for p in [*G.parameters(), *D.parameters()]], len(calls)


def test_two_forward_step_is_the_same_update_with_one_more_generator_call():
    one, n_one = one_step(GANSteps)
    two, n_two = one_step(TwoForwardSteps)
    assert (n_one, n_two) == (1, 2)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(one, two, strict=True))


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None, reason="this Python has TensorFlow")
def test_without_tensorflow_the_yardstick_is_skipped_with_a_reason(capsys):
    assert tensorflow_tutorial(sys.executable, batch_size=8, steps=1, threads=1) is None
    assert "TensorFlow tutorial not measured" in capsys.readouterr().err


@pytest.mark.parametrize(
    "per_step, available, expected",
    [
        (0.5, 100, 40),  # 10 steps would take 5 s: 20 s at 0.5 s a step is 40 steps
        (5.0, 100, 10),  # slow steps: the minimum of 10 already lasts 50 s
        (0.01, 60, 60),  # never more than one pass over the data
        (0.0, 100, 10),  # no pace measured: the minimum
        (1.0, 0, 1),  # at least one step
    ],
)
def test_each_column_is_timed_long_enough_by_the_warm_up_pace(per_step, available, expected):
    assert Timing(steps=10, seconds=20.0).count(per_step, available) == expected


def test_report_puts_each_column_against_the_reference_and_tensorflow():
    from throughput import report

    rows = [
        {
            "model": "dcgan",
            "reference": 100.0,
            "two_forward": 90.0,
            "before": 110.0,
            "defaults": 150.0,
            "defaults_bf16": None,
            "simultaneous": 170.0,
        },
        {
            "model": "cyclegan",
            "reference": None,
            "two_forward": None,
            "before": 40.0,
            "defaults": 50.0,
            "defaults_bf16": None,
            "simultaneous": None,
        },
    ]
    tf = {"tensorflow": "2.21.0", "images_per_s": 125.0, "runs": [118.0, 125.0]}  # before and after the course
    text = report(rows, tf, batch_size=256, timing=Timing(10, 20.0))
    assert "at least 10 timed steps and 20 s per column after 2 warm-up steps" in text
    assert "| dcgan | 100 | 90 (0.90×) | 110 (1.10×) | 150 (1.50×) | – | 170 (1.70×) | **1.36×** |" in text
    assert "| cyclegan | – | – | 40 | 50 | – | – | **1.25×** |" in text  # no reference: plain rates, and the gain
    assert "**125** images/s" in text and "before 0.88×, defaults 1.20×" in text
    assert "the better of 2 runs: 118, 125" in text


def test_every_lesson_model_gets_a_row_and_only_the_columns_it_has(monkeypatch):
    """Translation and WGAN-GP have no seed-style loop; WGAN-GP and translation no simultaneous update."""
    import throughput

    calls = []

    def course(kind, *a, **kw):
        calls.append((kind, kw))
        return 200.0 if kw.get("two_forward") else 100.0

    monkeypatch.setattr(throughput, "course", course)
    monkeypatch.setattr(throughput, "native_bf16", lambda device: False)  # no bf16 column on any machine
    monkeypatch.setattr(throughput, "translation", lambda kind, *a, **kw: 50.0 if "old_blocks" not in kw else None)
    monkeypatch.setattr(throughput, "reference", lambda *a, **kw: 80.0)
    rows = {
        k: throughput.measure(k, None, 8, Timing(1), torch.device("cpu"))
        for k in ("dcgan", "biggan", "wgan-gp", "cyclegan")
    }
    assert set(throughput.MODELS + throughput.TRANSLATION) >= set(rows)
    assert rows["dcgan"]["reference"] == 80.0 and rows["dcgan"]["two_forward"] == 200.0
    assert rows["biggan"]["two_forward"] == 200.0 and rows["biggan"]["simultaneous"] == 100.0
    assert rows["wgan-gp"]["reference"] is None and rows["wgan-gp"]["simultaneous"] is None
    assert rows["cyclegan"]["before"] == 50.0 and rows["cyclegan"]["reference"] is None
    assert rows["cyclegan"]["two_forward"] is None and rows["cyclegan"]["simultaneous"] is None
    # the columns before issue 19 compute BigGAN's blocks unfolded, as they were; the defaults fold them
    old = [kw.get("old_blocks", False) for kind, kw in calls if kind == "biggan"]
    assert old == [True, True, False, False]  # two forwards, before, defaults, simultaneous


def test_translation_rate_runs_lesson_04s_trainer_with_the_speed_options():
    from throughput import BEFORE, translation

    from gancourse.data.domains import DomainPair

    g = torch.Generator().manual_seed(0)
    a, b = (torch.randint(0, 256, (16, 1, 28, 28), generator=g, dtype=torch.uint8) for _ in range(2))
    pair = DomainPair(a, b, ("bag-edges", "bags"), True, "random", ((8,), (8,)))
    assert translation("discogan", pair, batch_size=4, timing=Timing(steps=2, seconds=0, warmup=1), **BEFORE) > 0


def test_curve_stops_at_its_budget_and_leaves_scoring_time_out(monkeypatch):
    """The training clock of the quality-against-compute curves excludes the time spent scoring samples."""
    import time

    from curves import Curve

    from tests.conftest import make_trainer

    class SlowScore:
        def on_fit_start(self, trainer): ...

        def measure(self, trainer):
            time.sleep(0.3)  # far longer than the training between two points
            return {"fd": 1.0}

    curve = Curve(SlowScore(), budget_s=0.05, every_s=0.01)
    t = make_trainer(epochs=1000, callbacks=[curve])
    t.fit()
    assert curve.points and curve.points[-1]["train_s"] < 0.3 * len(curve.points)  # scoring not counted
    assert curve.trained_s >= 0.05 and t.step < 1000 * len(t.batches)  # stopped by the budget


def test_step_limit_stops_at_the_first_log_row_past_it():
    from quality import StepLimit

    from tests.conftest import make_trainer

    t = make_trainer(epochs=10, callbacks=[StepLimit(6)])  # logs every 4 steps
    t.fit()
    assert t.step == 8


def test_reports_never_overwrite_an_earlier_run(tmp_path, capsys):
    """A second run with the same --out writes STEM-2.*; a stem is free only when all its files are."""
    from report import save_report

    first = save_report(tmp_path / "throughput.md", {"run": 1}, "# one\n")
    second = save_report(tmp_path / "throughput.md", {"run": 2}, "# two\n")
    assert (first.name, second.name) == ("throughput", "throughput-2")
    assert (tmp_path / "throughput.md").read_text() == "# one\n" and (
        tmp_path / "throughput-2.json"
    ).read_text() == '{\n "run": 2\n}'
    assert "wrote" in capsys.readouterr().out
    (tmp_path / "curves.png").write_bytes(b"a plot someone kept")
    assert save_report(tmp_path / "curves", {}, extra=(".png",)).name == "curves-2"  # the plot's name is taken too


def test_epoch_rate_runs_the_gancourse_it_imported(monkeypatch, tmp_path):
    """``python -m gancourse`` imports from its working folder first: the benchmark must not measure
    whatever checkout it was started in, and a relative image folder stays the caller's."""
    import argparse
    import subprocess
    from pathlib import Path

    import epoch_rate

    import gancourse

    seen = {}

    def fake_run(cmd, **kw):
        seen.update(kw, cmd=cmd)
        out = Path(cmd[cmd.index("--out") + 1])
        out.mkdir()
        (out / "speed.json").write_text('{"images_per_s": 1}', encoding="utf-8")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(epoch_rate.subprocess, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    args = argparse.Namespace(dataset="folder:imgs", batch_size=8, epochs=1, limit=None, device=None)
    assert epoch_rate.run("dcgan", [], args, tmp_path / "runs") == {"images_per_s": 1}
    assert Path(seen["cwd"]) / "gancourse" == Path(gancourse.__file__).resolve().parent
    assert seen["cmd"][seen["cmd"].index("--dataset") + 1] == f"folder:{tmp_path / 'imgs'}"


def test_startup_benchmark_times_each_row_in_fresh_processes(tmp_path, monkeypatch, capsys):
    import startup

    monkeypatch.setattr(startup, "ROWS", {"quick": "pass", "slow": "import time; time.sleep(0.3)"})
    assert startup.main(["--repeats", "2", "--out", str(tmp_path / "s")]) == 0
    data = json.loads((tmp_path / "s.json").read_text())
    assert {k: len(v) for k, v in data["seconds"].items()} == {"quick": 2, "slow": 2}
    assert min(data["seconds"]["slow"]) >= 0.3 > 0  # the child's own time is inside each measurement
    assert "| slow |" in (tmp_path / "s.md").read_text() and "| quick |" in capsys.readouterr().out


def test_tensorflow_is_timed_before_and_after_the_course_and_the_better_run_counts():
    from throughput import bracketed_by_tensorflow

    order = []
    runs = iter([{"images_per_s": 400.0, "tensorflow": "x"}, {"images_per_s": 450.0, "tensorflow": "x"}])

    def tf_run():
        order.append("tf")
        return next(runs)

    def course():
        order.append("course")
        return "rows"

    rows, tf = bracketed_by_tensorflow(tf_run, course)
    assert order == ["tf", "course", "tf"] and rows == "rows"
    assert tf["images_per_s"] == 450.0 and tf["runs"] == [400.0, 450.0]
    assert bracketed_by_tensorflow(None, course) == ("rows", None)  # no TensorFlow: measured alone
    failing = iter([None, {"images_per_s": 300.0}])
    assert bracketed_by_tensorflow(lambda: next(failing), course)[1] == {"images_per_s": 300.0, "runs": [300.0]}


def test_the_seed_sweep_judges_every_check_and_counts_a_planted_failure(capsys):
    import check_seeds

    assert check_seeds.main(["--seeds", "1"]) == 0
    table = capsys.readouterr().out
    assert "| 01 | simultaneous_step + alternating_step | 0 |" in table and "| 06 | gradient_penalty | 0 |" in table
    assert "(hidden ones included)" in table and "**0 failures**" in table
    from gancourse.checks import check_d_loss
    from gancourse.checks.protocol import Check

    def planted(report, seed):
        raise AssertionError(f"planted at {seed}\nHint: none")

    broken = Check(check_d_loss.probe, planted)
    assert check_seeds.failures("01", "d_loss", broken, range(1, 3)) == [(1, "planted at 1"), (2, "planted at 2")]


def test_full_run_cell_is_written_before_its_figure_cell_once(tmp_path):
    """benchmarks/full_run_cells.py: the measured time and the figure land just before the tagged cell, and a
    second run replaces that cell instead of adding one."""
    import base64
    import io
    import shutil

    import nbformat
    from full_run_cells import CELL_ID, FIGURE_TAG, compact_png, embed
    from PIL import Image

    notebook = tmp_path / "02_dcgan.ipynb"
    shutil.copy(ROOT / "solutions" / "02_dcgan.ipynb", notebook)
    png = tmp_path / "fig.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(png)
    assert embed(notebook, 1234.0, png) and embed(notebook, 600.0, png)
    cells = nbformat.read(notebook, as_version=4).cells
    at = next(i for i, c in enumerate(cells) if FIGURE_TAG in c.metadata.get("tags", []))
    written = [c for c in cells if c.get("id") == CELL_ID]
    assert len(written) == 1 and cells[at - 1] is written[0] and written[0].cell_type == "markdown"
    assert "**10 minutes**" in written[0].source and "attachment:02_dcgan.png" in written[0].source
    attached = base64.b64decode(written[0].attachments["02_dcgan.png"]["image/png"])
    assert attached == compact_png(png.read_bytes()) and Image.open(io.BytesIO(attached)).size == (40, 30)
