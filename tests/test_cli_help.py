"""`--help` says what you get without flags; `--version` says which course this is."""

from gancourse import __version__
from gancourse.cli import main


def help_text(capsys, *command) -> str:
    assert main([*command, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


def test_grade_help_shows_defaults(capsys):
    text = help_text(capsys, "grade")
    assert "notebooks graded in parallel (default: 2)" in text and "(default: grades.csv)" in text
    assert "--cell-timeout CELL_TIMEOUT default: 120" in text


def test_train_help_shows_defaults_and_leaves_recipe_defaults_to_words(capsys):
    text = help_text(capsys, "train")
    assert (
        "--seed SEED default: 0" in text
        and "--checkpoint-every CHECKPOINT_EVERY steps between checkpoints (default: 500)" in text
    )
    assert "default: None" not in text and "default: False" not in text  # flags and recipe defaults say it in words


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gancourse {__version__}"
