"""Text files are read and written as UTF-8 everywhere (Windows' default cp1252 cannot hold "→" or "✅")."""

import ast

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
    missing = [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / "gancourse").rglob("*.py"))
               for line in _calls_without_encoding(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == [], "pass encoding='utf-8' at " + ", ".join(missing)


def test_the_checker_finds_a_missing_encoding():
    tree = ast.parse("p.write_text('→')\nopen(f)\nopen(f, 'rb')\np.read_text(encoding='utf-8')\nImage.open(f)")
    assert list(_calls_without_encoding(tree)) == [1, 2]
