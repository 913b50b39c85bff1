"""Real servers and a real browser for the app tests (the browser fixture is in conftest).

Servers are started with the documented commands on free localhost ports;
Chromium is Debian's ``/usr/bin/chromium`` driven by playwright. Nothing is
skipped: a missing browser fails the tests (CI installs it with apt-get).
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(args, log_path, timeout_s=120, module="pvr_plugin.app.inversion_app", env=None):
    """Start ``python -m MODULE ARGS --port P`` (an app's documented command); yield (process, url).

    Waits for the server to answer a request that starts no kernel, and stops
    it (its own process group, by id) afterwards.
    """
    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(port), *args],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited early:\n{Path(log_path).read_text()[-3000:]}")
            try:
                urllib.request.urlopen(url + "voila/static/none", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break  # any HTTP answer: the server is up
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer:\n{Path(log_path).read_text()[-3000:]}")
            time.sleep(0.3)
        yield proc, url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def kernel_pids(server_pid):
    """Kernel processes the server runs (its direct ipykernel children)."""
    pids = []
    for child in psutil.Process(server_pid).children(recursive=False):
        with contextlib.suppress(psutil.NoSuchProcess):
            if any("ipykernel" in part for part in child.cmdline()):
                pids.append(child.pid)
    return pids


def wait_for(condition, timeout_s, step_s=0.2):
    """Poll ``condition`` until true; return whether it became true in time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return bool(condition())


def upload(page, path):
    """Pick a file through the upload button's file chooser, as a user would."""
    with page.expect_file_chooser() as chooser:
        page.locator("button.widget-upload").click()
    chooser.value.set_files(str(path))
