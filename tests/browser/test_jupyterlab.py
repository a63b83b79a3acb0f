"""What a student sees: JupyterLab in headless Chromium runs lesson 03 and its widgets respond.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and ``playwright`` from PyPI (``pip install
-e ".[browser]"``); ``.ci/run`` installs both when it can. Without them the test skips and says why.
Screenshots go to ``artifacts/browser/`` (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
NOTEBOOK = "03_conditional_gan.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install -e '.[browser]')"),
    pytest.mark.timeout(600),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab from this environment on 127.0.0.1, a free port and a random token; always shut down."""
    import secrets

    work = tmp_path / "work"
    work.mkdir()
    nb = json.loads((ROOT / "solutions" / NOTEBOOK).read_text())
    nb["metadata"]["kernelspec"] = {"name": "gancourse", "display_name": "Python (gancourse)", "language": "python"}
    (work / NOTEBOOK).write_text(json.dumps(nb))
    prefix = tmp_path / "kernels"  # register the gancourse kernel here, not in the user's home
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ipykernel",
            "install",
            "--prefix",
            str(prefix),
            "--name",
            "gancourse",
            "--display-name",
            "Python (gancourse)",
        ],
        check=True,
        capture_output=True,
    )
    settings = tmp_path / "settings"  # render every cell (no windowing), no news pop-up
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}'
    )
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "GANCOURSE_FAST": "1",
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyter.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url, token, work
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _wait_until_done(page, timeout_s: float = 300) -> None:
    """Every code cell has an execution count and the kernel is idle."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        busy = page.locator(".jp-Notebook-ExecutionIndicator[data-status='busy']").count()
        if prompts and all("[" in p and "*" not in p and p.strip() != "[ ]:" for p in prompts) and not busy:
            return
        time.sleep(1)
    raise AssertionError("the notebook did not finish running in time")


def _image_of(output) -> bytes:
    """The PNG currently drawn inside a widget's output (its data URI)."""
    img = output.locator("img").last
    img.wait_for(state="visible", timeout=30_000)
    return (img.get_attribute("src") or "").encode()


def _changes(page, widget, act, name: str) -> None:
    before_src, before_png = _image_of(widget), widget.screenshot(path=str(ARTIFACTS / f"{name}-before.png"))
    act()
    deadline = time.monotonic() + 30
    while _image_of(widget) == before_src and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(0.5)
    after_png = widget.screenshot(path=str(ARTIFACTS / f"{name}-after.png"))
    assert _image_of(widget) != before_src, f"{name}: the image did not change"
    assert after_png != before_png, f"{name}: the rendered output did not change"


def test_lesson_03_runs_and_widgets_respond(lab):
    url, token, work = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            page.locator(".jp-Notebook").wait_for(timeout=90_000)
            expect(page.locator(".jp-KernelName").first).to_contain_text("gancourse", timeout=60_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator").first).to_have_attribute(
                "data-status", "idle", timeout=60_000
            )
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            _wait_until_done(page)
            page.screenshot(path=str(ARTIFACTS / "notebook.png"), full_page=True)

            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t.split("\n")[0]]
            assert not tracebacks, "error outputs:\n" + "\n---\n".join(t[:500] for t in tracebacks)
            assert page.get_by_text("IProgress not found").count() == 0  # tqdm.auto found ipywidgets
            assert page.locator(".widget-hprogress").count() > 0  # ...and drew real progress bars

            pickers = page.locator(".widget-interact").filter(has=page.locator("select"))
            picker = pickers.first
            picker.scroll_into_view_if_needed()
            _changes(page, picker, lambda: picker.locator("select").first.select_option(index=7), "class-picker")

            explorer = page.locator(".widget-interact").filter(has_text="z[0] +").first
            explorer.scroll_into_view_if_needed()

            def push_slider():
                handle = explorer.locator(".widget-slider").nth(1).locator(".noUi-handle, .ui-slider-handle").first
                handle.focus()
                for _ in range(6):
                    page.keyboard.press("ArrowRight")

            _changes(page, explorer, push_slider, "latent-slider")
        finally:
            browser.close()
