"""What a graded batch of fixtures must look like: the expected table, and no process of theirs left alive.
Shared by tests/test_grading.py (as root), tests/test_sandbox_rootless.py (as an ordinary user) and
tests/test_container.py (in a container)."""

import csv
import sys
from pathlib import Path

from gancourse.grading.notebook import lesson_checks

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from make_submissions import ALL, ESCAPE_MARKER, EXPECTED  # noqa: E402


def check_table(csv_path: Path, lesson: str, expected: dict | None = None):
    expected = expected or EXPECTED[lesson]
    names = [spec.name for spec in lesson_checks(lesson)]
    rows = {r["student"]: r for r in csv.DictReader(csv_path.open())}
    assert set(rows) == set(expected), f"graded {sorted(rows)}"
    for student, (status, failing) in expected.items():
        r = rows[student]
        failing = set(names) if failing == ALL else failing
        got = {n for n in names if r[n] == "fail"}
        assert (r["status"], got) == (status, failing), f"{student}: {r['status']} {r['detail']}; failing {got}"
        assert int(r["score"]) == len(names) - len(failing) and int(r["max"]) == len(names)
        for n in failing:
            assert r[f"{n}: message"], f"{student}: {n} failed without a message"
    return rows


def escaped() -> list[str]:
    """Command lines of live processes that a graded notebook started (the escape fixture's marker)."""
    found = []
    for p in Path("/proc").iterdir():
        try:
            cmd = (p / "cmdline").read_bytes()
        except OSError:
            continue
        if p.name.isdigit() and ESCAPE_MARKER.encode() in cmd and b"State:\tZ" not in (p / "status").read_bytes():
            found.append(cmd.decode(errors="replace"))
    return found
