"""``nbformat``, imported without the 2.4 seconds jsonschema spends on a format nobody here checks.

Every notebook the course reads or writes goes through ``nbformat``, which validates with
``jsonschema``. Since jsonschema 4.25, ``import jsonschema`` imports ``rfc3987_syntax`` when it is
installed (Jupyter installs it: ``jsonschema[format-nongpl]``) to check the ``iri`` and
``iri-reference`` string formats, and rfc3987-syntax 1.1 builds about 38 Lark parsers at import:
2.4 of the 2.7 seconds ``import nbformat`` took on a 2-core AMD EPYC, paid by every ``gancourse``
command (``--help`` included). No notebook schema uses those two formats, so the import below hides
the package from jsonschema (which then simply has no ``iri`` checker) and puts it back at once:
later code in the process may still import it. Where jsonschema is already imported (a Jupyter
server, pytest with nbval), nothing changes. Known upstream: python-jsonschema/jsonschema#1428.
"""

from __future__ import annotations

import sys

IRI_GRAMMARS = "rfc3987_syntax"


def _import_nbformat():
    hide = "jsonschema" not in sys.modules and IRI_GRAMMARS not in sys.modules
    if hide:
        sys.modules[IRI_GRAMMARS] = None  # `import rfc3987_syntax` raises ImportError, which jsonschema expects
    try:
        import nbformat
    finally:
        if hide:
            del sys.modules[IRI_GRAMMARS]
    return nbformat


nbformat = _import_nbformat()

__all__ = ["nbformat"]
