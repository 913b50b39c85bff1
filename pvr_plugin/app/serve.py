"""Serve an app notebook with Voila so that a shared server stays up.

Every web app of the package is started through this module::

    python -m pvr_plugin.app.serve NOTEBOOK.ipynb [--port 8866] [--ip 127.0.0.1]
        [--max-kernels 8] [--cull-idle-s 600] [--cull-interval-s 60]
        [--no-cull-connected] [--max-upload-mb 20]

Voila starts one kernel (a Python process of about 230 MB) per page load and
keeps it until the server stops. Served this way instead:

* idle kernels are shut down by jupyter_server's own culler
  (``MappingKernelManager.cull_idle_timeout``, ``cull_interval``,
  ``cull_connected``), open tabs included unless ``--no-cull-connected``;
* at most ``--max-kernels`` kernels run at once. Voila has no such setting
  (voila-dashboards/voila#617), hence :class:`CappedKernelManager`; a visitor
  over the cap gets a short "busy" page (HTTP 503) and no kernel;
* a closed tab's kernel is shut down at once. Voila's page sends a shutdown
  request when it unloads, but that request needs the ``_xsrf`` cookie, which
  Voila's page handler never sets, so it was refused (403) and the kernel
  stayed. The pre-launch hook sets the cookie;
* the page gets a small script (:data:`PAGE_SCRIPT`): a chosen file over the
  upload limit is handed to the widget as its name and size with no content,
  so the app can refuse it with a message. Sent whole, a file over tornado's
  websocket message limit makes the server close the connection; the
  browser reconnects, but ipywidgets waits forever for the reply to the lost
  message and sends nothing more from that upload button. The script also
  says so in the page when the server has shut the page's kernel down.
"""
from __future__ import annotations

import argparse
import html
import os
import sys
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

#: Defaults of the serving options.
DEFAULT_PORT = 8866
DEFAULT_IP = "127.0.0.1"
DEFAULT_MAX_KERNELS = 8
DEFAULT_CULL_IDLE_S = 600
DEFAULT_CULL_INTERVAL_S = 60
DEFAULT_MAX_UPLOAD_BYTES = 20_000_000
#: Seconds a busy visitor is asked to wait (the Retry-After header).
RETRY_AFTER_S = 60

# The script each page gets: %(limit)d is the upload limit in bytes,
# %(check_ms)d how often the page checks that its kernel still runs.
PAGE_SCRIPT = r"""
(function () {
  "use strict";
  if (window.pvrPageGuard) { return; }
  window.pvrPageGuard = true;
  var limit = %(limit)d;
  var read = FileReader.prototype.readAsArrayBuffer;
  FileReader.prototype.readAsArrayBuffer = function (blob) {
    // A chosen file over the limit is read as empty: the widget still sends
    // its name and true size, and the app refuses it with a message.
    if (blob instanceof File && blob.size > limit) { blob = blob.slice(0, 0); }
    return read.call(this, blob);
  };
  function ended() {
    if (document.querySelector(".pvr-session-ended")) { return; }
    var note = document.createElement("div");
    note.className = "pvr-session-ended";
    note.setAttribute("role", "alert");
    note.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:10000;padding:10px;" +
      "background:#b00020;color:#fff;font:bold 15px sans-serif;text-align:center";
    note.textContent = "This session has ended (idle for too long, or the server " +
      "restarted). Reload the page to start a new one.";
    document.body.appendChild(note);
  }
  // The server may shut the kernel down (idle too long, or stopped): poll
  // its kernel's REST model, which does not count as kernel activity.
  function check() {
    var node = document.getElementById("jupyter-config-data");
    var config = node ? JSON.parse(node.textContent) : {};
    if (!config.kernelId || document.querySelector(".pvr-session-ended")) { return; }
    fetch((config.baseUrl || "/") + "api/kernels/" + config.kernelId,
          {credentials: "same-origin", cache: "no-store"}).then(function (reply) {
      failures = 0;
      if (reply.status === 404) { ended(); }
    }, function () {
      failures += 1;  // one lost request is not yet a stopped server
      if (failures >= 2) { ended(); }
    });
  }
  var failures = 0;
  setInterval(check, %(check_ms)d);
})();
"""

_BUSY_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Busy</title></head>
<body style="font-family:sans-serif;margin:3em;max-width:40em">
<h2 class="pvr-busy">Busy: try again in a minute</h2>
<p>All {count} sessions of this app are in use. Each visitor gets their own, and an
idle one is closed after a while, so <a href="">reload this page</a> in a minute.</p>
</body></html>
"""


class CappedKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with a cap on the kernels running at once.

    A kernel counts from the moment its start is asked for, so that visitors
    arriving together cannot start more than ``max_kernels`` between them,
    until its shutdown begins (its process is gone a moment later), so that
    a tab closed and reopened is served again at once. Over the cap,
    :meth:`start_kernel` raises HTTP 503.
    """

    max_kernels = Integer(DEFAULT_MAX_KERNELS, config=True,
                          help="Most kernels running at once (0: no limit).")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = set()
        self._stopping = set()

    def kernel_count(self):
        """Kernels running or starting, not those shutting down."""
        return len((set(self.list_kernel_ids()) | self._starting) - self._stopping)

    def is_full(self):
        """True when no further kernel may start."""
        return 0 < self.max_kernels <= self.kernel_count()

    async def start_kernel(self, *, kernel_id=None, **kwargs):
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        # No await between the check and the reservation: the event loop
        # cannot let another request in between.
        if self.is_full():
            raise web.HTTPError(503, reason="Busy: all sessions are in use")
        kernel_id = kernel_id or self.new_kernel_id()
        self._starting.add(kernel_id)
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._starting.discard(kernel_id)

    async def shutdown_kernel(self, kernel_id, now=False, restart=False):
        if not restart:
            self._stopping.add(kernel_id)
        try:
            return await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        finally:
            self._stopping.discard(kernel_id)


def busy_page(max_kernels):
    """The HTML a visitor over the cap gets."""
    return _BUSY_PAGE.format(count=html.escape(str(max_kernels)))


def make_prelaunch_hook(max_upload_bytes, check_s=15):
    """Voila's ``prelaunch_hook``: busy page over the cap, xsrf cookie, page script.

    Voila calls it for each page request before it starts the kernel.
    ``check_s`` is how often the page asks whether its kernel still runs.
    """
    script = PAGE_SCRIPT % {"limit": int(max_upload_bytes), "check_ms": int(check_s * 1000)}
    source = ("from IPython.display import Javascript, display\n"
              f"display(Javascript({script!r}))")

    def hook(handler, notebook, cwd):
        handler.xsrf_token  # sets the _xsrf cookie the page's shutdown request needs
        manager = handler.kernel_manager
        if isinstance(manager, CappedKernelManager) and manager.is_full():
            handler.set_status(503)
            handler.set_header("Retry-After", str(RETRY_AFTER_S))
            handler.set_header("Content-Type", "text/html; charset=utf-8")
            raise web.Finish(busy_page(manager.max_kernels))
        import nbformat  # Voila's own dependency; only needed in the server

        notebook.cells.insert(0, nbformat.v4.new_code_cell(source))
        return notebook

    return hook


def add_serve_options(parser):
    """Add the serving options (shared by every app's launcher) to ``parser``."""
    group = parser.add_argument_group("serving")
    group.add_argument("--port", type=int, default=DEFAULT_PORT)
    group.add_argument("--ip", default=DEFAULT_IP,
                       help="Interface to listen on (default: this machine only; "
                            "0.0.0.0: every interface).")
    group.add_argument("--max-kernels", type=_count, default=DEFAULT_MAX_KERNELS,
                       help="Most visitors served at once, one kernel (about 230 MB) each; "
                            f"more get a busy page (default {DEFAULT_MAX_KERNELS}; 0: no limit).")
    group.add_argument("--cull-idle-s", type=_count, default=DEFAULT_CULL_IDLE_S,
                       help="Shut a visitor's kernel down after this many seconds without "
                            f"activity (default {DEFAULT_CULL_IDLE_S}; 0: never).")
    group.add_argument("--cull-interval-s", type=_positive, default=DEFAULT_CULL_INTERVAL_S,
                       help="How often idle kernels are looked for "
                            f"(default {DEFAULT_CULL_INTERVAL_S} s).")
    group.add_argument("--cull-connected", action=argparse.BooleanOptionalAction, default=True,
                       help="Also shut down idle kernels whose tab is still open "
                            "(default; --no-cull-connected keeps them).")
    return parser


def serve_arguments(args, max_upload_bytes=None):
    """The ``python -m pvr_plugin.app.serve`` options for parsed ``args``."""
    argv = [f"--port={args.port}", f"--ip={args.ip}", f"--max-kernels={args.max_kernels}",
            f"--cull-idle-s={args.cull_idle_s}", f"--cull-interval-s={args.cull_interval_s}",
            "--cull-connected" if args.cull_connected else "--no-cull-connected"]
    if max_upload_bytes is not None:
        argv.append(f"--max-upload-bytes={int(max_upload_bytes)}")
    return argv


def exec_serve(notebook, args, env, max_upload_bytes):
    """Replace this process by the server for ``notebook`` (stopping it stops Voila)."""
    command = [sys.executable, "-m", "pvr_plugin.app.serve", str(notebook),
               *serve_arguments(args, max_upload_bytes)]
    os.execve(sys.executable, command, env)


def voila_config(args, max_upload_bytes):
    """The traitlets configuration Voila is started with."""
    from traitlets.config import Config

    config = Config()
    config.Voila.port = args.port
    config.Voila.ip = args.ip
    config.Voila.open_browser = False
    # Uploads travel as one binary websocket message (base64 text with older
    # clients, 4/3 larger); the page script keeps larger files in the browser.
    config.Voila.tornado_settings = {
        "websocket_max_message_size": int(max_upload_bytes * 4 / 3) + 2 ** 20}
    config.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
    config.VoilaConfiguration.prelaunch_hook = make_prelaunch_hook(
        max_upload_bytes, check_s=min(15, args.cull_interval_s))
    config.CappedKernelManager.max_kernels = args.max_kernels
    config.MappingKernelManager.cull_idle_timeout = args.cull_idle_s
    config.MappingKernelManager.cull_interval = args.cull_interval_s
    config.MappingKernelManager.cull_connected = args.cull_connected
    return config


def main(argv=None):
    """Serve one notebook (``python -m pvr_plugin.app.serve NOTEBOOK [options]``)."""
    parser = argparse.ArgumentParser(
        prog="python -m pvr_plugin.app.serve",
        description="Serve an app notebook with Voila: idle kernels culled, kernels capped.")
    parser.add_argument("notebook", help="The app notebook (.ipynb).")
    add_serve_options(parser)
    parser.add_argument("--max-upload-mb", type=float, default=None,
                        help="Files larger than this stay in the browser; the app gets their "
                             f"name and size only (default {DEFAULT_MAX_UPLOAD_BYTES / 1e6:g}).")
    parser.add_argument("--max-upload-bytes", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    notebook = Path(args.notebook)
    if not notebook.is_file():
        parser.error(f"{args.notebook}: no such notebook")
    max_upload_bytes = (args.max_upload_bytes if args.max_upload_bytes is not None
                        else int(args.max_upload_mb * 1e6) if args.max_upload_mb is not None
                        else DEFAULT_MAX_UPLOAD_BYTES)
    if max_upload_bytes <= 0:
        parser.error("--max-upload-mb must be above 0")
    from voila.app import Voila

    Voila.launch_instance(argv=[str(notebook.resolve())],
                          config=voila_config(args, max_upload_bytes))
    return 0


def _count(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is below 0")
    return value


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is below 1")
    return value


if __name__ == "__main__":
    sys.exit(main())
