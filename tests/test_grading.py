"""Instructor workflow: grading folders of submissions reproduces the expected grade tables."""

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

import gancourse
from gancourse.cli import main
from gancourse.grading.gradebook import find_submissions
from gancourse.grading.notebook import grade_notebook, lesson_checks, notebook_lesson
from gancourse.sandbox.launcher import protection

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(FIXTURES))
from grade_tables import check_table, escaped  # noqa: E402
from make_submissions import EXPECTED, NOTEBOOKS, make  # noqa: E402

pytestmark = pytest.mark.slow  # `make test-fast` leaves it out; `make test` runs it


def test_fixtures_are_up_to_date():
    """The committed fixtures are what make_submissions.py writes from the current solutions."""
    for lesson, students in EXPECTED.items():
        from make_submissions import MISTAKES

        for student in students:
            path = FIXTURES / "submissions" / lesson / f"{student}.ipynb"
            assert path.read_text() == make(lesson, student, MISTAKES[lesson].get(student)), (
                f"{path} is stale: run python tests/fixtures/make_submissions.py"
            )


def test_lesson_checks_come_from_the_solution_and_include_hidden_ones():
    names = [spec.name for spec in lesson_checks("01")]
    assert names[:9] == [
        "toy_nets",
        "d_loss",
        "g_loss",
        "d_step",
        "g_step",
        "game_steps",
        "generator",
        "discriminator",
        "quiz",
    ]
    assert lesson_checks("01")[0].names == ("ToyGenerator", "ToyDiscriminator")
    assert lesson_checks("01")[8].consts == ("01",) and lesson_checks("01")[8].names == ("answers",)
    assert any(n.startswith("hidden:") for n in names)
    assert not any(spec.name.startswith("hidden:") for spec in lesson_checks("01", hidden=False))
    for lesson in NOTEBOOKS:
        assert len(lesson_checks(lesson)) >= 3


def test_every_lesson_title_names_its_number():
    for lesson, stem in NOTEBOOKS.items():
        for folder in ("solutions", "lessons"):
            assert notebook_lesson(nbformat.read(ROOT / folder / f"{stem}.ipynb", as_version=4)) == lesson


def test_find_submissions_in_both_layouts(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "alice.ipynb").write_text("{}")
    nbgrader = tmp_path / "submitted" / "bob" / "02"
    nbgrader.mkdir(parents=True)
    (nbgrader / "02_dcgan.ipynb").write_text("{}")
    (nbgrader / ".ipynb_checkpoints").mkdir()
    (nbgrader / ".ipynb_checkpoints" / "02_dcgan-checkpoint.ipynb").write_text("{}")
    assert [s for s, _ in find_submissions(tmp_path / "flat")] == ["alice"]
    assert [s for s, _ in find_submissions(tmp_path / "submitted")] == ["bob"]


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.timeout(600)
def test_grade_lesson_01_fixtures(tmp_path, capsys):
    """Wrong submissions fail on the right exercise; crashes, loops, attacks and bad files never stop the batch."""
    folder = tmp_path / "submitted"
    shutil.copytree(FIXTURES / "submissions" / "01", folder)
    expected = dict(EXPECTED["01"])
    sandboxed = protection() == "namespaces"
    if not sandboxed:  # no process limit, and no wall around files (the README says so): spare this checkout
        expected["fork_twenty"] = ("graded", set())
        for student in ("escape_artist", "edits_package"):
            del expected[student]
            (folder / f"{student}.ipynb").unlink()
    before = _digest(folder)
    package = _digest(Path(gancourse.__file__).parent / "checks")
    out = tmp_path / "grades.csv"
    assert (
        main(
            [
                "grade",
                str(folder),
                "--lesson",
                "01",
                "--out",
                str(out),
                "--jobs",
                "2",
                "--cell-timeout",
                "20",
                "--timeout",
                "240",
            ]
        )
        == 0
    )
    assert escaped() == []  # nothing a notebook started outlives grading, setsid or not
    tables = out.read_text(), out.with_suffix(".md").read_text()
    rows = check_table(out, "01", expected)
    assert _digest(folder) == before  # nobody's code touched the instructor's folder
    assert _digest(Path(gancourse.__file__).parent / "checks") == package  # nor the installed checks
    assert "time limit" in rows["endless_loop"]["detail"]
    assert "not lesson 01" in rows["other_lesson"]["detail"]
    assert "not defined" in rows["syntax_error"]["d_loss: message"]
    assert "MemoryError" in rows["memory_hog"]["detail"]
    assert "BlockingIOError" in rows["fork_twenty"]["detail"] or not sandboxed
    for student, row in rows.items():  # each row names the exact file it graded
        if student != "invalid_json":
            assert row["sha256"] == hashlib.sha256((folder / f"{student}.ipynb").read_bytes()).hexdigest()
    assert "verbatim" in rows["solution"]["integrity"] and "verbatim" in (tmp_path / "grades-integrity.md").read_text()
    summary = out.with_suffix(".md").read_text()
    assert "| solution | 13/13 | 13/13 | graded | – |" in summary
    feedback = tmp_path / "grades-feedback"
    assert sorted(p.stem for p in feedback.iterdir()) == sorted(expected)  # one file per student
    assert "**13/13** exercises pass" in (feedback / "solution.md").read_text()
    assert "verbatim" not in (feedback / "solution.md").read_text()  # the integrity report is the instructor's
    wrong = (feedback / "wrong_labels.md").read_text()
    assert "❌ **g_loss** (0/1 points)" in wrong and "Hint:" in wrong and "✅ **d_loss** (1/1 points)" in wrong
    broken = (feedback / "syntax_error.md").read_text()
    assert "❌ **hidden: D loss is a mean** (0/1 points): a hidden check with other inputs failed" in broken
    if sandboxed:  # the sandbox's own promises
        assert not Path("/tmp/gancourse-escaped.txt").exists() and not (tmp_path / "gancourse-escaped.txt").exists()
        time.sleep(3)  # the escape fixture's late writer would have struck by now
        assert (out.read_text(), out.with_suffix(".md").read_text()) == tables
    # a second batch never overwrites the first table
    (tmp_path / "grades-2.md").write_text("the instructor's own notes")
    assert main(["grade", str(folder / "solution.ipynb"), "--lesson", "01", "--out", str(out)]) == 0
    assert (tmp_path / "grades-3.csv").is_file() and (tmp_path / "grades-3.md").is_file()
    assert (tmp_path / "grades-2.md").read_text() == "the instructor's own notes"


def test_feedback_file_names_are_safe():
    from gancourse.grading.feedback import feedback_name

    assert feedback_name("alice") == "alice.md"
    assert feedback_name("../../etc/passwd") == "etc_passwd.md"
    assert feedback_name("...") == "student.md"


def test_edited_given_cells_and_added_cells_gain_nothing(tmp_path):
    """The official lesson's given cells run; the student's edits and extra cells do not, and the notes say so."""
    nb = nbformat.read(FIXTURES / "submissions" / "01" / "solution.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code" and "setup_notebook" in c.source)
    setup.source += "\nchecks = None  # an edited given cell"
    nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    path = tmp_path / "student.ipynb"
    nbformat.write(nb, path)
    r = grade_notebook(path, "01", cell_timeout=60)
    assert (r.status, r.score) == ("graded", 13), r.detail
    assert f"given cell {setup.id} was edited" in r.detail and "1 added cell(s) did not run" in r.detail


@pytest.mark.timeout(600)
@pytest.mark.parametrize("lesson", ["02", "03", "04", "05", "06", "07", "08", "09"])
def test_grade_other_lessons(lesson, tmp_path):
    out = tmp_path / "grades.csv"
    assert (
        main(
            [
                "grade",
                str(FIXTURES / "submissions" / lesson),
                "--lesson",
                lesson,
                "--out",
                str(out),
                "--jobs",
                "2",
                "--timeout",
                "240",
            ]
        )
        == 0
    )
    check_table(out, lesson)


def test_grade_errors_are_one_line(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nothing"), "--lesson", "01"]) == 2
    assert "neither a notebook nor a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["grade", str(tmp_path / "empty"), "--lesson", "01"]) == 2
    assert "no .ipynb files" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "empty"), "--lesson", "42"]) == 2
    assert "no lesson" in capsys.readouterr().err


@pytest.mark.timeout(300)
def test_student_check_command(tmp_path, capsys):
    nb = tmp_path / "02_dcgan.ipynb"
    nb.write_text(
        make("02", "no_output_padding", [("padding=2, output_padding=stride - 1, bias=False", "padding=2, bias=False")])
    )
    assert main(["check", str(nb)]) == 1
    out = capsys.readouterr().out
    assert "❌ up_block:" in out and "Hint:" in out and "5/7 exercises pass" in out
    assert "hidden" not in out  # students see the public checks only
    assert main(["check", str(FIXTURES / "submissions" / "02" / "solution.ipynb")]) == 0
    assert "7/7 exercises pass" in capsys.readouterr().out


def test_work_folders_of_a_killed_grader_are_swept(tmp_path, monkeypatch):
    """A grader killed mid-batch leaves its sandboxes' folders; the next one removes them, never a live grader's."""
    import tempfile

    from gancourse.sandbox.reaper import PREFIX, sweep_stale

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{PREFIX}999999999-abc"
    live = tmp_path / f"{PREFIX}{os.getpid()}-def"
    for folder in (dead, live, Path(f"{dead}-keep")):
        folder.mkdir()
    assert sweep_stale() == 2
    assert live.is_dir() and not dead.exists()
