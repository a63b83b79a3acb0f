"""Text files are read and written as UTF-8 everywhere (Windows' default cp1252 cannot hold "→" or "✅")."""

import ast
import os
import subprocess
import sys

import pytest

from tests.notebook_code import ROOT

_TEXT_CALLS = {"read_text", "write_text", "open"}


def _calls_without_encoding(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name not in _TEXT_CALLS or any(k.arg == "encoding" for k in node.keywords):
            continue
        if name == "open" and isinstance(node.func, ast.Attribute):
            continue  # Image.open, np.load-style opens of binary formats
        modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
        modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
        if any("b" in str(m) for m in modes) or (name == "open" and not node.args):
            continue
        yield node.lineno


def test_every_text_read_and_write_names_its_encoding():
    missing = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "gancourse").rglob("*.py"))
        for line in _calls_without_encoding(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == [], "pass encoding='utf-8' at " + ", ".join(missing)


def test_the_checker_finds_a_missing_encoding():
    tree = ast.parse("p.write_text('→')\nopen(f)\nopen(f, 'rb')\np.read_text(encoding='utf-8')\nImage.open(f)")
    assert list(_calls_without_encoding(tree)) == [1, 2]


ASCII_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "CI": "true"}


def _gancourse_without_utf8(*args, cwd):
    """The CLI where the locale's encoding is ASCII (stricter than Windows' cp1252: neither holds "→" or "✅")."""
    env = {**ASCII_ENV, "HOME": os.environ.get("HOME", "/root")}
    code = "import sys; from gancourse.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-X", "utf8=0", "-c", code, *args], cwd=cwd, env=env, capture_output=True, timeout=300
    )


@pytest.mark.slow
def test_the_lesson_generator_and_checker_work_without_a_utf8_locale(tmp_path):
    probe = _gancourse_without_utf8("--version", cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    r = _gancourse_without_utf8(
        "lessons", "--solutions", str(ROOT / "solutions"), "--out", str(tmp_path / "out"), cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr.decode("ascii", "replace")
    for made in sorted((tmp_path / "out").glob("*.ipynb")):
        assert made.read_bytes() == (ROOT / "lessons" / made.name).read_bytes()
    r = _gancourse_without_utf8(
        "check", str(ROOT / "tests" / "fixtures" / "submissions" / "01" / "missing_tanh.ipynb"), cwd=tmp_path
    )
    out = r.stdout.decode("ascii")  # the terminal's encoding: what it cannot show is escaped, never a crash
    assert r.returncode == 1 and "generator:" in out and "exercises pass" in out, r.stderr.decode("ascii", "replace")
