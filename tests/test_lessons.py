import re
import shutil

import nbformat
import pytest

from gancourse.authoring.lessons import (
    copy_to_workspace,
    generate_lessons,
    make_lesson,
    strip_solutions,
)
from gancourse.config import GancourseError
from tests.notebook_code import ROOT

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_strip_keeps_indentation_and_surroundings():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nprint(f)"
    assert (
        strip_solutions(src)
        == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"
    )


def test_strip_several_regions_and_markdown():
    src = "### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = 2\n### BEGIN SOLUTION\nc = 3\n### END SOLUTION"
    out = strip_solutions(src)
    assert out.count("raise NotImplementedError()") == 2 and "b = 2" in out and "a = 1" not in out
    assert strip_solutions("Q?\n### BEGIN SOLUTION\nbecause\n### END SOLUTION", markdown=True) == "Q?\nYOUR ANSWER HERE"


@pytest.mark.parametrize("bad", ["### BEGIN SOLUTION\nx = 1", "### END SOLUTION\nx\n### BEGIN SOLUTION\n"])
def test_unbalanced_markers_are_an_error(bad):
    with pytest.raises(GancourseError, match="pair them up|marker"):
        strip_solutions(bad, "01_gan.ipynb, cell 3")


def test_lessons_are_what_the_generator_makes():
    assert SOLUTIONS, "no solution notebooks found"
    assert generate_lessons(ROOT / "solutions", ROOT / "lessons", check=True) == []


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_no_solution_code_left_in_lessons(solution):
    lesson_path = ROOT / "lessons" / solution.name
    text = lesson_path.read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    sol, les = nbformat.read(solution, as_version=4), nbformat.read(lesson_path, as_version=4)
    assert len(sol.cells) == len(les.cells)
    found = 0
    for s_cell, l_cell in zip(sol.cells, les.cells, strict=True):
        regions = re.findall(r"### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION", s_cell.source, re.S)
        found += len(regions)
        outside = {
            line.strip()
            for line in re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", s_cell.source, flags=re.S).splitlines()
        }
        lesson_lines = {line.strip() for line in l_cell.source.splitlines()}
        for region in regions:
            for line in region.splitlines():
                if line.strip() and line.strip() not in outside:
                    assert line.strip() not in lesson_lines, f"solution line leaked into {lesson_path.name}: {line}"
    assert found, f"{solution.name} has no exercises"


def test_every_exercise_is_followed_by_a_check_cell():
    for solution in SOLUTIONS:
        cells = [c for c in nbformat.read(solution, as_version=4).cells if c.cell_type == "code"]
        for i, c in enumerate(cells):
            if "### BEGIN SOLUTION" in c.source:
                assert "checks.check_" in cells[i + 1].source, f"{solution.name}: exercise without a check after it"


def test_check_mode_reports_stale_and_extra_files(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    lessons = tmp_path / "lessons"
    assert len(generate_lessons(tmp_path / "solutions", lessons, check=True)) == len(SOLUTIONS)
    assert not lessons.exists()  # check mode writes nothing
    generate_lessons(tmp_path / "solutions", lessons)
    assert generate_lessons(tmp_path / "solutions", lessons, check=True) == []
    (lessons / "99_extra.ipynb").write_text("{}")
    assert generate_lessons(tmp_path / "solutions", lessons, check=True) == [lessons / "99_extra.ipynb"]


def test_make_lesson_strips_outputs():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[0].execution_count = 3
    lesson = make_lesson(nb)
    assert lesson.cells[0].outputs == [] and lesson.cells[0].execution_count is None
    assert nb.cells[0].outputs  # the solution itself is untouched


def test_workspace_copy_never_overwrites_student_work(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    mine = work / "01_gan.ipynb"
    mine.write_text("my answers")
    copied = copy_to_workspace(ROOT / "lessons", work)
    assert mine.read_text() == "my answers" and mine not in copied
    assert copy_to_workspace(ROOT / "lessons", work) == []


def test_generating_into_a_folder_never_clobbers_edited_notebooks(tmp_path, capsys):
    """`gancourse lessons --out DIR` refreshes untouched lessons but refuses edited or run ones unless --force."""
    from gancourse.cli import main

    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    out = tmp_path / "handout"
    assert main(["lessons", "--solutions", str(tmp_path / "solutions"), "--out", str(out)]) == 0
    mine = out / SOLUTIONS[0].name
    nb = nbformat.read(mine, as_version=4)
    nb.cells[1].source += "\n# my work"
    nbformat.write(nb, mine)
    edited_text = mine.read_text()
    other = out / SOLUTIONS[1].name
    ran = nbformat.read(other, as_version=4)
    next(c for c in ran.cells if c.cell_type == "code").outputs = [nbformat.v4.new_output("stream", text="hi")]
    nbformat.write(ran, other)
    solution = tmp_path / "solutions" / SOLUTIONS[2].name  # a changed solution: its untouched lesson is refreshed
    sol = nbformat.read(solution, as_version=4)
    sol.cells[0].source += "\nA new sentence."
    nbformat.write(sol, solution)
    assert main(["lessons", "--solutions", str(tmp_path / "solutions"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and mine.name in err and other.name in err and "Traceback" not in err
    assert mine.read_text() == edited_text  # nothing written while any edit is at stake
    assert main(["lessons", "--solutions", str(tmp_path / "solutions"), "--out", str(out), "--force"]) == 0
    assert "# my work" not in mine.read_text()
