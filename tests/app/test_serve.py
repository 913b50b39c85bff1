"""Serving an app to others: kernels capped, idle ones culled, closed tabs reclaimed.

Real Voila servers (the documented ``python -m pvr_plugin.app.inversion_app``
with short limits), real HTTP requests and real Chromium tabs; the kernels
are counted as the server's ipykernel child processes.
"""
import threading
import time
import urllib.error
import urllib.request

import pytest

from pvr_plugin.app import serve
from tests.app.live import kernel_pids, running_app, wait_for

CAP = 3
CULL_IDLE_S = 3


def get(url):
    """(status, body, Retry-After) of one page load."""
    try:
        with urllib.request.urlopen(url, timeout=180) as reply:
            return reply.status, reply.read().decode(), reply.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Retry-After")


@pytest.fixture(scope="module")
def short_limits(tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "voila.log"
    args = ["--max-kernels", str(CAP), "--cull-idle-s", str(CULL_IDLE_S), "--cull-interval-s", "1"]
    with running_app(args, log) as (proc, url):
        yield proc, url


def test_ten_page_loads_stay_within_the_cap_and_are_culled(short_limits):
    proc, url = short_limits
    replies = [None] * 10
    threads = [threading.Thread(target=lambda i=i: replies.__setitem__(i, get(url)))
               for i in range(10)]
    counts = []
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        counts.append(len(kernel_pids(proc.pid)))
        time.sleep(0.05)
    statuses = sorted(status for status, _, _ in replies)
    # Ten visitors at once: three get the app, seven the busy page, never a fourth kernel.
    assert statuses == [200] * CAP + [503] * (10 - CAP)
    assert max(counts) == CAP
    for status, body, retry_after in replies:
        if status == 200:
            assert "pvrPageGuard" in body  # the served page carries the page script
        else:
            assert "Busy: try again in a minute" in body and f"All {CAP} sessions" in body
            assert retry_after == str(serve.RETRY_AFTER_S)
    assert len(kernel_pids(proc.pid)) == CAP  # nobody has left yet
    # No tab holds them: they go once idle for the cull timeout.
    assert wait_for(lambda: not kernel_pids(proc.pid), CULL_IDLE_S + 15)
    status, body, _ = get(url)
    assert status == 200 and "pvrPageGuard" in body  # the slots are free again
    assert wait_for(lambda: not kernel_pids(proc.pid), CULL_IDLE_S + 15)


def test_idle_open_tab_is_culled_and_says_so(short_limits, browser):
    proc, url = short_limits
    page = browser.new_page()
    page.set_default_timeout(90_000)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("text=Factor inversion viewer")
    assert len(kernel_pids(proc.pid)) == 1
    # Left alone with the tab open, the session ends and the page says so.
    page.wait_for_selector(".pvr-session-ended", timeout=(CULL_IDLE_S + 20) * 1000)
    assert "Reload the page" in page.inner_text(".pvr-session-ended")
    assert not kernel_pids(proc.pid)
    page.close()


def test_busy_page_in_the_browser_and_closed_tab_reclaimed(browser, tmp_path):
    # One session, no culling within the test: only the tab's own close frees it.
    args = ["--max-kernels", "1", "--cull-idle-s", "600"]
    with running_app(args, tmp_path / "voila.log") as (proc, url):
        # A tab closed in a browser that stays open (a page of its own context
        # would take its context, and the page's last request, down with it).
        window = browser.new_context()
        first = window.new_page()
        first.set_default_timeout(90_000)
        first.goto(url, wait_until="domcontentloaded")
        first.wait_for_selector("text=Factor inversion viewer")
        assert len(kernel_pids(proc.pid)) == 1

        second = browser.new_page()
        answer = second.goto(url)
        assert answer.status == 503
        assert "Busy: try again in a minute" in second.inner_text("h2.pvr-busy")
        assert len(kernel_pids(proc.pid)) == 1

        first.close(run_before_unload=True)
        assert wait_for(lambda: not kernel_pids(proc.pid), 15)

        second.set_default_timeout(90_000)
        second.reload(wait_until="domcontentloaded")
        second.wait_for_selector("text=Factor inversion viewer")
        assert len(kernel_pids(proc.pid)) == 1
        second.close()
        window.close()


def test_serving_options_pass_through_and_bad_values_stop(capsys, tmp_path):
    import argparse

    from pvr_plugin.app import inversion_app

    parser = serve.add_serve_options(argparse.ArgumentParser())
    args = parser.parse_args(["--max-kernels", "5", "--cull-idle-s", "0", "--no-cull-connected"])
    again = parser.parse_args(serve.serve_arguments(args))
    assert vars(again) == vars(args) == {"port": 8866, "ip": "127.0.0.1", "max_kernels": 5,
                                         "cull_idle_s": 0, "cull_interval_s": 60,
                                         "cull_connected": False}
    config = serve.voila_config(args, max_upload_bytes=3_000_000)
    assert config.MappingKernelManager.cull_idle_timeout == 0
    assert config.MappingKernelManager.cull_connected is False
    assert config.CappedKernelManager.max_kernels == 5
    assert config.Voila.tornado_settings["websocket_max_message_size"] == 4_000_000 + 2 ** 20
    for bad in (["--max-kernels", "-1"], ["--cull-interval-s", "0"], ["--cull-idle-s", "soon"]):
        with pytest.raises(SystemExit) as stop:
            parser.parse_args(bad)
        assert stop.value.code == 2
    with pytest.raises(SystemExit) as stop:
        serve.main([str(tmp_path / "none.ipynb")])
    assert stop.value.code == 2 and "none.ipynb: no such notebook" in capsys.readouterr().err
    assert inversion_app.main(["--data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err == f"inversion_app: error: --data-dir {tmp_path / 'nowhere'}: not a folder\n"
