"""Google Colab: the first cell of every notebook installs the course there, and the README links to it.

Colab's runtime already has PyTorch, IPython and ipywidgets; the cell installs only the base package
(no JupyterLab, no constraints file that would replace Colab's torch), pinned to this release's tag.
Elsewhere the cell does nothing. ``tests/test_colab.py`` runs it with a fake ``google.colab``.
"""

from __future__ import annotations

from .. import __version__

REPOSITORY = "github.com/gancourse/gancourse"  # also pyproject.toml's [project.urls] Repository


def requirement(version: str = __version__) -> str:
    """What the cell installs: the base package at the release's tag, straight from the repository."""
    return f"gancourse @ git+https://{REPOSITORY}@v{version}"


def install_cell(version: str = __version__) -> str:
    """The source of every notebook's first code cell."""
    return (
        "# On Google Colab: install the course into this runtime first (elsewhere this cell does nothing).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "{requirement(version)}"'
    )


def colab_url(notebook: str, version: str = __version__) -> str:
    """ "Open in Colab" for ``lessons/<notebook>`` at this release."""
    owner_repo = REPOSITORY.removeprefix("github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/v{version}/lessons/{notebook}"
