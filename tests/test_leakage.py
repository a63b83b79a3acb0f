"""The text never writes the answer: no line of an exercise's solution appears in a lesson's markdown or a check's hint.

Every non-trivial line of every solution region (comments and spaces removed), its right-hand side and the value it
returns are looked for in the markdown of the lesson (backticks and spaces removed) and in every string constant of
``gancourse/checks`` (hints included). A line of at most ``TRIVIAL`` characters carries no answer (``return z``,
``G.train()``) and is skipped, and so is a line the notebook's given code already holds (a function's signature
called elsewhere).
"""

import ast
import re

import nbformat
import pytest

from tests.notebook_code import ROOT

LESSONS = sorted(p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
REGION = re.compile(r"### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.M | re.S)
TRIVIAL = 10


def squeeze(text: str) -> str:
    """Spaces, backticks and trailing commas removed: the form in which a line is compared."""
    return re.sub(r"[\s`]+", "", text).rstrip(",")


def code_line(line: str) -> str:
    """One source line without its comment (a '#' outside quotes)."""
    out, quote = [], None
    for ch in line:
        if quote is None and ch == "#":
            break
        if ch in "\"'":
            quote = None if quote == ch else (ch if quote is None else quote)
        out.append(ch)
    return "".join(out)


def answer_pieces(source: str) -> set[str]:
    """The squeezed non-trivial lines of ``source``'s solution regions, with their right-hand sides and return "
    "values."""
    pieces = set()
    for region in REGION.findall(source):
        for line in region.splitlines():
            line = squeeze(code_line(line))
            candidates = {line}
            if line.startswith("return"):
                candidates.add(line[len("return") :])
            if re.match(r"^[\w.,\[\]()]+=[^=]", line):
                candidates.add(line.split("=", 1)[1])
            pieces |= {c for c in candidates if len(c) > TRIVIAL and c not in ("answers={", "returnnn.Sequential(")}
    return pieces


def markdown(name: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    return squeeze("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))


def check_strings() -> str:
    """Every string constant in gancourse/checks (hints, messages, f-string parts), squeezed and joined."""
    texts = []
    for path in sorted((ROOT / "gancourse" / "checks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append(node.value)
    return "\n".join(squeeze(t) for t in texts)


def leaks(name: str) -> list[str]:
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    md, hints = markdown(name), check_strings()
    given = squeeze("\n".join(code_line(line) for line in REGION.sub("", code).splitlines()))  # the skeletons
    return sorted(
        f"{p!r} in {'markdown' if p in md else 'a check string'}"
        for p in answer_pieces(code)
        if (p in md or p in hints) and p not in given
    )


@pytest.mark.parametrize("name", LESSONS)
def test_no_answer_line_is_given_away(name):
    assert leaks(name) == []


def test_the_leak_finder_finds_a_planted_leak():
    nb = nbformat.read(ROOT / "solutions" / "01_gan.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    piece = sorted(answer_pieces(code))[0]
    assert piece in squeeze(f"The answer is `{piece}`.")
    assert any(len(p) > TRIVIAL for p in answer_pieces(code))
    assert answer_pieces(
        "### BEGIN SOLUTION\n    loss = d_loss(D(real), D(fake.detach()))  # note\n### END SOLUTION\n"
    ) == {"loss=d_loss(D(real),D(fake.detach()))", "d_loss(D(real),D(fake.detach()))"}
