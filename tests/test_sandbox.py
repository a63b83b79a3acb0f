"""The sandbox's promises, one at a time, straight through the runner (the README's grading table)."""

import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from gancourse.sandbox.frames import receive_json, send_json
from gancourse.sandbox.launcher import Sandbox, protection

pytestmark = pytest.mark.skipif(protection() != "namespaces", reason="the full sandbox needs Linux, root and unshare")


def _run(box: Sandbox, source: str) -> str | None:
    """Run one cell in the sandbox; its error line, or None."""
    send_json(box.req_w, {"op": "cell", "source": source})
    return receive_json(box.rep_r, 60)["error"]


@pytest.fixture()
def open_folder():
    """A folder anyone may enter and write (0777): only the sandbox itself can keep a notebook out of it."""
    folder = Path(tempfile.mkdtemp(prefix="gancourse-sandbox-test-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def test_no_network_no_writes_outside_and_hidden_folders(open_folder):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    secret = open_folder / "submissions"
    secret.mkdir(mode=0o777)
    (secret / "alice.ipynb").write_text("alice's answers", encoding="utf-8")
    (secret / "alice.ipynb").chmod(0o666)
    try:
        with Sandbox([secret]) as box:
            box.hello(60)
            assert _run(box, f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)")  # no net
            assert "Read-only file system" in _run(box, f"open({str(open_folder / 'escaped.txt')!r}, 'w')")
            assert _run(box, f"import os\nassert os.listdir({str(secret)!r}) == []") is None  # covered, not just closed
            assert _run(box, "open('mine.txt', 'w').write('ok')") is None  # its own folder is writable
            assert _run(box, "import os\nassert os.getuid() != 0 and os.getppid() == 0") is None  # not root, no parent
            assert _run(box, "x = bytearray(3 << 30)").startswith("MemoryError")
    finally:
        server.close()
    assert not (open_folder / "escaped.txt").exists() and box.survivors == []
    assert (secret / "alice.ipynb").read_text(encoding="utf-8") == "alice's answers"
