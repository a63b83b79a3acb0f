"""`make`'s pre-flight: an old Python, a missing venv module or an Intel Mac get one line that says what to do."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.notebook_code import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from preflight import problems  # noqa: E402


def test_a_good_machine_has_no_problems():
    assert problems((3, 11, 7), "Linux", "x86_64", True) == []
    assert problems((3, 10, 0), "Darwin", "arm64", True) == []


def test_old_python_says_which_python_to_use():
    [line] = problems((3, 9, 18), "Linux", "x86_64", True)
    assert "3.10 or newer" in line and "Python 3.9" in line and "PYTHON=python3.11 make lab" in line


def test_missing_venv_says_what_to_install():
    [line] = problems((3, 11, 2), "Linux", "x86_64", False)
    assert "apt install python3-venv" in line


def test_intel_mac_is_sent_to_colab():
    [line] = problems((3, 11, 2), "Darwin", "x86_64", True)
    assert "2.2.2" in line and "Colab" in line


@pytest.mark.parametrize("version", ["2.7.18", "3.6.15", "3.9.18"])
def test_old_interpreters_get_the_message_not_a_syntax_error(version):
    python = Path(f"/root/.pyenv/versions/{version}/bin/python")
    if not python.exists():
        pytest.skip(f"no Python {version} on this machine")
    r = subprocess.run([str(python), str(ROOT / "tools" / "preflight.py")], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.startswith("gancourse set-up: gancourse needs Python 3.10"), r.stderr


def test_this_python_passes():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "preflight.py")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""


def test_makefile_rebuilds_a_broken_venv_and_cleans_its_kernel():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert 'HEALTHY = $(BIN)/python -c "import gancourse, torch"' in make and "|| rm -f $(VENV)/.installed-*" in make
    assert "kernelspec remove -y gancourse" in make and "-c $(CONSTRAINTS)" in make


def test_a_torch_without_numpy_is_refused_in_one_line(monkeypatch):
    import torch

    from gancourse import utils
    from gancourse.config import GancourseError

    def broken(array):
        raise RuntimeError("Numpy is not available")

    monkeypatch.setattr(torch, "from_numpy", broken)
    with pytest.raises(GancourseError, match=r"Numpy is not available.*pip install 'numpy<2'") as e:
        utils.setup_notebook()
    assert "\n" not in str(e.value)
    monkeypatch.undo()
    utils.check_numpy_bridge()  # this environment's torch and NumPy work together
