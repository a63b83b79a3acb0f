"""The course's nbformat import skips jsonschema's IRI grammars, and validates notebooks as before."""

import importlib.util
import subprocess
import sys

import pytest

FRESH = """
import sys
{before}
from gancourse.authoring.nbformat_lite import nbformat
hidden = 'rfc3987_syntax' not in sys.modules
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])
nbformat.validate(nb)
bad = nbformat.v4.new_notebook()
bad.cells.append({{'cell_type': 'code', 'source': 'x'}})  # no metadata, outputs, execution_count
try:
    nbformat.validate(bad)
    caught = False
except nbformat.ValidationError:
    caught = True
import jsonschema
has_iri = 'iri' in jsonschema.Draft7Validator.FORMAT_CHECKER.checkers
print(hidden, caught, has_iri, sys.modules.get('rfc3987_syntax', 'absent') is not None)
"""

NEEDS_GRAMMARS = pytest.mark.skipif(
    importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987-syntax is not installed here"
)


def _run(before: str = "") -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", FRESH.format(before=before)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    return out.split()


@NEEDS_GRAMMARS
def test_fresh_process_skips_the_iri_grammars_and_still_validates():
    hidden, caught, has_iri, not_none = _run()
    assert hidden == "True"  # the Lark grammars were never built
    assert caught == "True"  # the notebook schema still rejects a cell without its required fields
    assert has_iri == "False"  # jsonschema simply lacks that one format checker
    assert not_none == "True"  # the package is not left blocked: sys.modules holds no None for it


@NEEDS_GRAMMARS
def test_a_later_import_of_the_package_still_works():
    code = (
        "from gancourse.authoring.nbformat_lite import nbformat\n"
        "import rfc3987_syntax\nprint(rfc3987_syntax.is_valid_syntax('iri', 'https://example.org/a'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "True"


@NEEDS_GRAMMARS
def test_an_already_imported_jsonschema_is_left_as_it_is():
    hidden, caught, has_iri, _ = _run(before="import jsonschema")
    assert (hidden, caught, has_iri) == ("False", "True", "True")


def test_the_course_reads_notebooks_through_it():
    """Every course module that reads or writes notebooks uses the one import (no second plain `import nbformat`)."""
    from pathlib import Path

    import gancourse

    plain = [
        p.name
        for p in Path(gancourse.__file__).parent.rglob("*.py")
        if p.name != "nbformat_lite.py"
        and any(line.strip() in ("import nbformat", "from nbformat import *") for line in p.read_text().splitlines())
    ]
    assert plain == []
