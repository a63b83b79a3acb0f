"""``--sandbox docker``/``podman``: the command line the engine gets, the frames over the container's stdin and
stdout, interrupts and removal. Where no engine runs (this machine, CI), tests/fake_engine.py stands in for
the engine and runs the container's command here; the real engine is tried only where one answers."""

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gancourse.cli import main
from gancourse.sandbox.container import IMAGE, engine_problem
from gancourse.sandbox.frames import receive_json, send_json
from gancourse.sandbox.launcher import Limits, Sandbox

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from grade_tables import check_table  # noqa: E402


@pytest.fixture()
def engine(tmp_path, monkeypatch):
    """A fake ``docker`` first on PATH; returns the log of the ``run`` command lines it received."""
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "docker"
    exe.write_text(f"#!{sys.executable}\n" + (HERE / "fake_engine.py").read_text())
    exe.chmod(0o755)
    (tmp_path / "state").mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_ENGINE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("FAKE_ENGINE_LOG", str(tmp_path / "runs.log"))
    return tmp_path / "runs.log"


def _run(box: Sandbox, source: str) -> str | None:
    send_json(box.req_w, {"op": "cell", "source": source})
    return receive_json(box.rep_r, 60)["error"]


def _has(args: list[str], *flag: str) -> bool:
    return any(args[i : i + len(flag)] == list(flag) for i in range(len(args)))


def test_a_container_per_notebook_talks_over_stdio_and_is_removed(engine, tmp_path):
    with Sandbox([], Limits(memory_mb=1024, processes=32), mode="docker") as box:
        box.hello(60)
        assert _run(box, "print('a notebook that prints ' * 2000)\nx = 2") is None  # prints cannot reach the frames
        assert _run(box, "assert x == 2") is None
        send_json(box.req_w, {"op": "cell", "source": "import time\nwhile True:\n    time.sleep(0.05)"})
        time.sleep(1.0)
        box.interrupt()  # through the engine: `docker kill --signal INT`
        assert receive_json(box.rep_r, 30)["error"].startswith("KeyboardInterrupt")
    assert box.survivors == [] and list((tmp_path / "state").iterdir()) == []  # `docker rm -f` ran
    args = json.loads(engine.read_text().splitlines()[0])
    for flag in (("--network", "none"), ("--read-only",), ("--cap-drop", "ALL"), ("--user", "65534:65534")):
        assert _has(args, *flag), flag
    assert _has(args, "--memory", "1024m") and _has(args, "--pids-limit", "32") and _has(args, "-i")
    assert args[-6:] == [IMAGE, "python", "-m", "gancourse.sandbox.runner", "0", "1"]


def test_engine_problems_are_one_line_with_what_to_do(engine, monkeypatch, capsys):
    assert engine_problem("docker", IMAGE) is None
    assert "docker build -t other ." in engine_problem("docker", "other")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["grade", str(HERE / "fixtures"), "--lesson", "01", "--sandbox", "podman"]) == 2
    err = capsys.readouterr().err.strip()
    assert "podman is not installed" in err and "\n" not in err


@pytest.mark.slow
def test_grade_with_docker(engine, tmp_path):
    folder = tmp_path / "submitted"
    folder.mkdir()
    for name in ("solution", "wrong_labels"):
        shutil.copy(HERE / "fixtures" / "submissions" / "01" / f"{name}.ipynb", folder)
    out = tmp_path / "grades.csv"
    assert main(["grade", str(folder), "--lesson", "01", "--sandbox", "docker", "--out", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert (rows["solution"]["score"], rows["wrong_labels"]["score"]) == ("13", "12")
    assert len(engine.read_text().splitlines()) == 2  # one container per notebook


def _real_engine() -> str | None:
    for engine in ("docker", "podman"):
        if shutil.which(engine) and subprocess.run([engine, "info"], capture_output=True).returncode == 0:
            return engine
    return None


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(_real_engine() is None, reason="no Docker or Podman engine runs here")
def test_a_real_container_grades_the_hostile_fixtures_as_root_does(tmp_path):
    engine = _real_engine()
    if engine_problem(engine, IMAGE):
        pytest.skip(engine_problem(engine, IMAGE))
    folder = tmp_path / "submitted"
    shutil.copytree(HERE / "fixtures" / "submissions" / "01", folder)
    out = tmp_path / "grades.csv"
    argv = ["grade", str(folder), "--lesson", "01", "--sandbox", engine, "--out", str(out), "--cell-timeout", "40"]
    assert main(argv) == 0
    check_table(out, "01")


def test_the_dockerfile_copies_what_exists_and_starts_the_runner():
    root = HERE.parent
    text = (root / "Dockerfile").read_text()
    copied = [line.split()[1:-1] for line in text.splitlines() if line.startswith("COPY ")]
    assert copied and all((root / p).exists() for sources in copied for p in sources)
    assert 'CMD ["python", "-m", "gancourse.sandbox.runner", "0", "1"]' in text and "USER 65534:65534" in text
    assert f"docker build -t {IMAGE} ." in text
    ignored = (root / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored
