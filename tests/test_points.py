"""Points per check in the grade tables and feedback files; tables that survive being open elsewhere."""

import csv
import io

import pytest

from gancourse.cli import main
from gancourse.grading import gradebook, tables
from gancourse.grading.batch import Batch
from gancourse.grading.feedback import feedback_text
from gancourse.grading.notebook import Result
from gancourse.grading.points import Points, parse_points

NAMES = ["generator", "d_loss", "quiz"]


def result(student, passed):
    return Result(
        student, f"{student}.ipynb", "01", checks={n: (n in passed, "" if n in passed else f"{n} hint") for n in NAMES}
    )


def test_default_is_one_point_per_check():
    p = Points.for_checks(NAMES)
    r = result("bob", {"generator", "quiz"})
    assert (p.total, p.of(r), p.text(r)) == (3, 2, "2/3")


def test_weights_are_summed_by_hand():
    p = Points.for_checks(NAMES, {"d_loss": 2.5, "quiz": 0})
    r = result("alice", {"d_loss", "quiz"})
    assert p.total == 1 + 2.5 + 0 and p.of(r) == 2.5 and p.text(r) == "2.5/3.5"
    assert [p.earned(r, n) for n in NAMES] == [0, 2.5, 0]


@pytest.mark.parametrize(
    "given, message",
    [
        ({"d_los": 2}, "no check named 'd_los'"),
        ({"quiz": -1}, "0 or more"),
        ({"quiz": float("nan")}, "finite"),
        ({"quiz": float("inf")}, "finite"),
    ],
)
def test_wrong_weights_are_refused(given, message):
    with pytest.raises(ValueError, match=message):
        Points.for_checks(NAMES, given)


def test_parse_points():
    assert parse_points(["d_loss=2", "quiz=0.5,generator=3"]) == {"d_loss": 2, "quiz": 0.5, "generator": 3}
    assert parse_points(["hidden: transposed sizes=2"]) == {"hidden: transposed sizes": 2}
    for bad in ("d_loss", "=2", "d_loss=two"):
        with pytest.raises(ValueError, match="NAME=POINTS"):
            parse_points([bad])


def test_csv_and_summary_carry_points():
    p = Points.for_checks(NAMES, {"d_loss": 2})
    results = [result("alice", set(NAMES)), result("bob", {"generator"})]
    batch = Batch("01", NAMES, p)
    rows = list(csv.DictReader(io.StringIO(tables.csv_text(results, batch))))
    assert [(r["score"], r["max"], r["points"], r["max points"]) for r in rows] == [
        ("3", "3", "4", "4"),
        ("1", "3", "1", "4"),
    ]
    assert (rows[1]["d_loss"], rows[1]["d_loss: points"], rows[1]["d_loss: message"]) == ("fail", "0", "d_loss hint")
    md = tables.summary(results, batch)
    assert "| bob | 1/3 | 1/4 | graded | d_loss, quiz |" in md


def test_feedback_names_points_per_check():
    text = feedback_text(result("bob", {"generator"}), NAMES, Points.for_checks(NAMES, {"d_loss": 2}))
    assert "**1/3** exercises pass, **1/4** points" in text
    assert "✅ **generator** (1/1 points)" in text and "❌ **d_loss** (0/2 points): d_loss hint" in text


def test_a_table_open_elsewhere_moves_to_a_free_name(tmp_path, monkeypatch):
    target = tmp_path / "grades.csv"
    target.write_text("the last notebook's table, open in a spreadsheet\n", encoding="utf-8")
    real = gradebook.atomic_write_text

    def locked(path, text):
        if path == target:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real(path, text)

    monkeypatch.setattr(gradebook, "atomic_write_text", locked)
    said = []
    table = gradebook.TableFile(target, said.append)
    table.write("a\n")
    table.write("b\n")
    assert table.path == tmp_path / "grades-2.csv" and table.path.read_text(encoding="utf-8") == "b\n"
    assert len(said) == 1 and "open in another program" in said[0] and "grades-2.csv" in said[0]


def test_cli_refuses_unknown_points_in_one_line(tmp_path, capsys):
    (tmp_path / "alice.ipynb").write_text("{}", encoding="utf-8")
    assert main(["grade", str(tmp_path), "--lesson", "01", "--points", "generatr=2"]) == 2
    err = capsys.readouterr().err
    assert (
        "--points: no check named 'generatr'" in err and "choose from toy_nets, d_loss" in err and err.count("\n") == 1
    )
    assert not list(tmp_path.glob("grades*"))
