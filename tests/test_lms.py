"""The late policy (nbgrader's timestamp.txt, else the file's time) and the Canvas and Moodle imports."""

import csv
import io
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gancourse.cli import main
from gancourse.grading.batch import Batch
from gancourse.grading.late import LatePolicy, parse_due, parse_penalty, submitted_at
from gancourse.grading.lms import RosterError, canvas_csv, moodle_csv, read_roster, unmatched
from gancourse.grading.notebook import Result
from gancourse.grading.points import Points

UTC = timezone.utc
DUE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
NAMES = ["d_loss", "g_loss"]
FIXTURES = Path(__file__).parent / "fixtures" / "submissions" / "01"
ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,gancourse lesson 01 (4711),Quiz 1 (17),Current Score
    Points Possible,,,,,2,5,
"Lovelace, Ada",101,S101,ada,Sec A,,4,
"Turing, Alan",102,S102,Alan@uni.example,Sec A,,5,
"Hopper, Grace",103,S103,grace,Sec B,1,3,
"""


def result(student: str, passed: set[str]) -> Result:
    return Result(student, f"/subs/{student}.ipynb", "01", checks={n: (n in passed, "hint") for n in NAMES})


def test_due_and_penalty_parse():
    assert parse_due("2026-12-01T23:59Z") == DUE
    assert parse_due("2026-12-01T23:59+01:00") == DUE - timedelta(hours=1)
    assert parse_due("2026-12-01").hour == 23  # a date alone is due at the end of the day
    assert parse_due("2026-12-01T23:59").tzinfo is not None  # local time
    assert [parse_penalty(t) for t in ("10%/day", "10%", "12.5", " 5 % / day ")] == [0.10, 0.10, 0.125, 0.05]
    for bad in ("ten", "150%", "-5%"):
        with pytest.raises(ValueError, match="percentage per day"):
            parse_penalty(bad)
    with pytest.raises(ValueError, match="2026-12-01T23:59"):
        parse_due("tomorrow")


def test_lateness_from_nbgrader_timestamps_and_file_times(tmp_path):
    policy = LatePolicy(DUE, 0.10)
    cases = {  # submitted -> started days late (hand-counted)
        "on_time": ("2026-12-01 23:58:59.5 UTC", 0),
        "a_minute": ("2026-12-02 00:00:00 UTC", 1),
        "a_day_exactly": ("2026-12-02 23:59:00 UTC", 1),
        "a_day_and_a_second": ("2026-12-02 23:59:01 UTC", 2),
        "twelve_days": ("2026-12-13 12:00:00.123456 UTC", 12),
    }
    for student, (stamp, days) in cases.items():
        folder = tmp_path / "submitted" / student / "01"
        folder.mkdir(parents=True)
        (folder / "01_gan.ipynb").write_text("{}")
        (folder.parent / "timestamp.txt").write_text(stamp + "\n")  # nbgrader: beside the assignment folder
        late = policy.lateness(folder / "01_gan.ipynb", tmp_path / "submitted")
        assert (late.days, late.source) == (days, "timestamp.txt"), student
        assert late.penalty == pytest.approx(min(1.0, days * 0.10))
    assert late.apply(10) == 0  # twelve days at 10 %: nothing left, never below 0
    loose = tmp_path / "loose.ipynb"
    loose.write_text("{}")
    t = DUE + timedelta(days=2, hours=1)
    os.utime(loose, (t.timestamp(), t.timestamp()))
    assert submitted_at(loose, tmp_path) == (t, "file time")
    assert policy.lateness(loose, tmp_path).days == 3


def test_canvas_import_keeps_the_roster_and_matches_students(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    results = [result("ada", {"d_loss", "g_loss"}), result("alan", {"d_loss"}), result("zed", set())]
    batch = Batch("01", NAMES, Points.for_checks(NAMES))
    rows = list(csv.reader(io.StringIO(canvas_csv(roster, results, batch, "gancourse lesson 01"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "gancourse lesson 01 (4711)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "2"]  # Canvas's own export writes it so
    assert [r[-1] for r in rows[2:]] == ["2", "1", ""]  # Grace has no submission: her grade stays as it was
    assert unmatched(roster, results) == ["zed"]
    new = list(csv.reader(io.StringIO(canvas_csv(roster, results, batch, "Lesson 1 make-up"))))
    assert new[0][-1] == "Lesson 1 make-up"  # a new column: Canvas creates the assignment


def test_late_points_reach_canvas_and_moodle(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    results = [result("ada", {"d_loss", "g_loss"}), result("alan", {"d_loss", "g_loss"})]
    batch = Batch("01", NAMES, Points.for_checks(NAMES, {"g_loss": 3}), LatePolicy(DUE, 0.25))
    batch.late = {
        "/subs/alan.ipynb": LatePolicy(DUE, 0.25).lateness(_file(tmp_path, DUE + timedelta(hours=30)), tmp_path)
    }
    rows = list(csv.reader(io.StringIO(canvas_csv(roster, results, batch, "gancourse lesson 01"))))
    assert rows[1][-1] == "4" and [r[-1] for r in rows[2:4]] == ["4", "2"]  # 4 points, less 2 days x 25 %
    moodle = list(csv.DictReader(io.StringIO(moodle_csv(results, batch))))
    assert moodle[1] == {
        "username": "alan",
        "grade": "2",
        "max": "4",
        "feedback": "all exercises pass; 2 day(s) late, -50%",
    }


def _file(folder: Path, when: datetime) -> Path:
    path = folder / f"nb-{when.timestamp():.0f}.ipynb"
    path.write_text("{}")
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def test_bad_rosters_and_policies_are_refused_in_one_line(tmp_path, capsys):
    bad = tmp_path / "names.csv"
    bad.write_text("name,score\nada,3\n")
    with pytest.raises(RosterError, match="not a Canvas gradebook export"):
        read_roster(bad)
    sub = str(FIXTURES / "solution.ipynb")
    for argv, says in [
        (["--canvas", str(bad)], "--canvas:"),
        (["--canvas", str(tmp_path / "missing.csv")], "cannot read the roster"),
        (["--late-penalty", "10%"], "--late-penalty needs --due"),
        (["--due", "friday"], "not a date and time"),
        (["--due", "2026-12-01", "--late-penalty", "lots"], "not a penalty"),
        (["--similarity", "2"], "share between 0 and 1"),
    ]:
        assert main(["grade", sub, "--lesson", "01", "--out", str(tmp_path / "g.csv"), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert says in err and "\n" not in err, err
    assert not list(tmp_path.glob("g*"))  # nothing written


@pytest.mark.slow
def test_grade_writes_late_columns_integrity_and_imports(tmp_path):
    subs = tmp_path / "submitted"
    for student, name, stamp in [("ada", "solution", "2026-12-01 20:00:00 UTC"), ("alan", "wrong_labels", None)]:
        folder = subs / student / "01"
        folder.mkdir(parents=True)
        shutil.copy(FIXTURES / f"{name}.ipynb", folder / "01_gan.ipynb")
        if stamp:
            (folder.parent / "timestamp.txt").write_text(stamp)
    when = (DUE + timedelta(days=1, hours=2)).timestamp()
    os.utime(subs / "alan" / "01" / "01_gan.ipynb", (when, when))
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    out = tmp_path / "grades" / "grades.csv"
    out.parent.mkdir()
    argv = ["grade", str(subs), "--lesson", "01", "--out", str(out), "--due", "2026-12-01T23:59Z"]
    assert main([*argv, "--late-penalty", "10%/day", "--canvas", str(roster), "--format", "moodle"]) == 0
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert (rows["ada"]["days late"], rows["ada"]["submitted from"], rows["ada"]["final points"]) == (
        "0",
        "timestamp.txt",
        "13",
    )
    assert (rows["alan"]["days late"], rows["alan"]["submitted from"], rows["alan"]["final points"]) == (
        "2",
        "file time",
        "9.6",
    )
    assert "verbatim" in rows["ada"]["integrity"]  # the fixture is the official solution
    canvas = list(csv.reader((tmp_path / "grades" / "grades-canvas.csv").open()))
    assert [r[-1] for r in canvas[2:]] == ["13", "9.6", ""]
    assert "alan" in (tmp_path / "grades" / "grades-moodle.csv").read_text()
    assert "verbatim" in (tmp_path / "grades" / "grades-integrity.md").read_text()
    feedback = (tmp_path / "grades" / "grades-feedback" / "alan.md").read_text()
    assert "2 day(s) late: -20%, **9.6** points count" in feedback
    assert not any("verbatim" in p.read_text() for p in (tmp_path / "grades" / "grades-feedback").iterdir())
