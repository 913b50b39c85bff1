"""The factor-inversion web app: ipywidgets served by Voila, no code shown.

The notebook ``inversion_viewer.ipynb`` (package data, next to this module)
only builds :class:`InversionApp` and displays it; everything else lives
here. Start it with one command, from any folder::

    python -m pvr_plugin.app.inversion_app --port 8866 [--data-dir DIR]
        [--max-kernels N] [--cull-idle-s S] ...

It is served through :mod:`pvr_plugin.app.serve` (idle kernels culled,
kernels capped, a busy page over the cap). Safety rules:

* an upload is parsed in memory as CSV text (never executed, never written
  to disk) and refused above :data:`MAX_UPLOAD_BYTES`; the served page never
  sends the content of a larger file, only its name and size;
* a server-side file is only read from inside the allowed folder (``--data-dir``,
  or the ``PVR_INVERSION_DIR`` environment variable); without one, only
  uploads are accepted;
* every problem becomes a readable message in the page, and the app keeps
  working for the next file: no input reaches the page as an uncaught
  exception.
"""
from __future__ import annotations

import argparse
import base64
import html
import os
import stat
import sys
import warnings
from pathlib import Path

from pvr_plugin.extras import exit_without

if __name__ == "__main__":  # served from the command line: say which extra is missing, in one line
    exit_without("app", "the inversion app", "inversion_app")

import ipywidgets as widgets  # noqa: E402

from pvr_plugin.core.inversion import analyze_inversions, default_rolling_window
from pvr_plugin.core.periods import infer_periods_per_year
from pvr_plugin.store.inputs import load_bucket_returns
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views.inversion_tear import figure_png, plot_inversions
from pvr_plugin.views.inversion_text import episodes_csv_text, summary_lines

#: Largest upload accepted, in bytes.
MAX_UPLOAD_BYTES = 20_000_000
#: Environment variable naming the folder server-side paths may come from.
DATA_DIR_ENV = "PVR_INVERSION_DIR"
NOTEBOOK = Path(__file__).with_name("inversion_viewer.ipynb")

_ERROR_STYLE = "color:#b00020;font-weight:bold"
_OK_STYLE = "color:#1b5e20"


class InversionApp:
    """Upload or pick a CSV, choose buckets and a rolling window, run, see results.

    Parameters
    ----------
    allowed_dir : str or os.PathLike, optional
        Folder that server-side paths must resolve inside. None turns the path
        box off (uploads only).
    max_upload_bytes : int
        Largest upload accepted.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole app; display it.
    """

    def __init__(self, allowed_dir=None, max_upload_bytes=MAX_UPLOAD_BYTES):
        self.allowed_dir = Path(allowed_dir).resolve() if allowed_dir else None
        self.max_upload_bytes = int(max_upload_bytes)
        self._source = None  # (name, bytes): the file the next run reads
        wide = {"description_width": "initial"}

        self.uploader = widgets.FileUpload(accept=".csv,.txt,text/csv", multiple=False,
                                           description="Upload CSV")
        self.path = widgets.Text(
            description="or server file:", style=wide, layout={"width": "460px"},
            continuous_update=False,
            placeholder=("name of a CSV inside the allowed folder" if self.allowed_dir
                         else "disabled: no data folder configured"),
            disabled=self.allowed_dir is None,
        )
        self.units = widgets.Dropdown(description="Values:", style=wide,
                                      options=["detect", "percent", "fraction"],
                                      value="detect")
        self.rolling = widgets.IntSlider(value=0, min=0, max=260, step=1,
                                         description="Rolling window (0 = off):", style=wide,
                                         layout={"width": "420px"}, continuous_update=False)
        self.cumulative = widgets.Dropdown(
            description="Cumulative:", style=wide, value="sum",
            options=[("summed spread", "sum"), ("compounded (funded spread)", "compound")])
        self.top = widgets.Dropdown(description="Top bucket:", style=wide, options=[],
                                    disabled=True)
        self.bottom = widgets.Dropdown(description="Bottom bucket:", style=wide, options=[],
                                       disabled=True)
        self.run_button = widgets.Button(description="Run analysis", button_style="success",
                                         icon="play", disabled=True)
        self.status = widgets.HTML(value=_note("Upload a CSV (or name a server file) to start."))
        self.summary = widgets.HTML()
        self.plot = widgets.Image(format="png", layout={"width": "100%", "max_width": "1100px"})
        self.plot.layout.display = "none"
        self.download = widgets.HTML()

        self.uploader.observe(self._on_upload, names="value")
        self.path.observe(self._on_path, names="value")
        self.run_button.on_click(self._on_run)

        self.widget = widgets.VBox([
            widgets.HTML("<h2>Factor inversion viewer</h2><p>When did the top bucket lose "
                         "to the bottom bucket, for how long, how deep, and is the spread "
                         "significant? Input: a rank-performance CSV (Period, Ret1 ... RetN) or "
                         "any CSV with a date column and buckets ordered lowest to highest.</p>"),
            widgets.HBox([self.uploader, self.path]),
            widgets.HBox([self.units, self.top, self.bottom]),
            widgets.HBox([self.rolling, self.cumulative, self.run_button]),
            self.status,
            self.summary,
            self.plot,
            self.download,
        ])

    @classmethod
    def from_environment(cls):
        """The app with the allowed folder taken from ``PVR_INVERSION_DIR``."""
        return cls(allowed_dir=os.environ.get(DATA_DIR_ENV) or None)

    # ---------------------------------------------------------- callbacks

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        try:
            item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
            name = os.path.basename(str(item.get("name", "upload.csv"))) or "upload.csv"
            content = item.get("content") or b""
            size = max(int(item.get("size") or 0), len(content))
        except Exception as exc:  # a malformed upload message: say so, keep going
            self._reject(f"the upload could not be read ({type(exc).__name__})")
            return
        if size > self.max_upload_bytes:
            # The served page sends no content above the limit, only name and size.
            self._reject(f"{name}: file is {size / 1e6:.1f} MB; the limit is "
                         f"{self.max_upload_bytes / 1e6:.0f} MB")
            return
        self._select((name, bytes(content)))

    def _on_path(self, change):
        text = (change["new"] or "").strip()
        if not text:
            return
        try:
            path = self.resolve_path(text)
            payload = self._read_server_file(path, text)
        except PvrInputError as exc:
            self._reject(str(exc))
            return
        self._select((path.name, payload))

    def _on_run(self, _button=None):
        self.run()

    # ---------------------------------------------------------- actions

    def resolve_path(self, text):
        """The server file named by ``text``, only if inside the allowed folder.

        Relative names are taken inside the folder; ``..``, absolute paths and
        symbolic links that lead outside it are refused, and so are folders,
        devices, pipes and names the system cannot take. Messages name
        ``text``, never the server's own paths.
        """
        if self.allowed_dir is None:
            raise PvrInputError("server files are turned off; upload the CSV instead")
        shown = _shown(text)
        if "\x00" in text:
            raise PvrInputError(f"{shown}: not a file name (it holds a NUL character)")
        try:
            candidate = Path(text).expanduser()
            if not candidate.is_absolute():
                candidate = self.allowed_dir / candidate
            resolved = candidate.resolve()
            inside = resolved.is_relative_to(self.allowed_dir)
            folder, exists, regular = resolved.is_dir(), resolved.exists(), resolved.is_file()
        except (OSError, ValueError, RuntimeError) as exc:  # too long, a link loop ...
            raise PvrInputError(f"{shown}: not a usable file name ({_reason(exc)})") from None
        if not inside:
            raise PvrInputError(f"{shown}: outside the allowed folder")
        if folder:
            raise PvrInputError(f"{shown}: is a folder, not a file")
        if not exists:
            raise PvrInputError(f"{shown}: no such file in the allowed folder")
        if not regular:
            raise PvrInputError(f"{shown}: not a regular file")
        return resolved

    def _read_server_file(self, path, text):
        """The bytes of an allowed server file, size-checked before reading."""
        shown = _shown(text)
        try:
            # Non-blocking, and checked again once open: a pipe swapped in
            # after resolve_path must not hang the app.
            with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
                status = os.fstat(handle.fileno())
                if not stat.S_ISREG(status.st_mode):
                    raise PvrInputError(f"{shown}: not a regular file")
                size = status.st_size
                if size > self.max_upload_bytes:
                    raise PvrInputError(f"{shown}: file is {size / 1e6:.1f} MB; the limit is "
                                        f"{self.max_upload_bytes / 1e6:.0f} MB")
                return handle.read(self.max_upload_bytes + 1)
        except OSError as exc:
            raise PvrInputError(f"{shown}: cannot be read ({_reason(exc)})") from None

    def run(self):
        """Analyse the selected file with the current settings and show the results."""
        if self._source is None:
            self._fail("choose a file first: upload a CSV or name a server file")
            return
        self.status.value = _note("Running...")
        try:
            data = self._load()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = analyze_inversions(data, top=self.top.value, bottom=self.bottom.value,
                                            rolling=self.rolling.value, cumulative=self.cumulative.value)
                png = figure_png(plot_inversions(result), dpi=80)
            summary = ("<div class='inversion-summary'><ul>"
                       + "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(result))
                       + "</ul></div>")
            link = _download_link(result)
        except PvrInputError as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # the page must stay usable whatever the file holds
            self._fail(f"{self._source[0]}: could not analyse the file ({type(exc).__name__}: "
                       f"{_first_line(exc)})")
            return
        self.summary.value = summary
        self.plot.value = png
        self.plot.layout.display = None
        self.download.value = link
        self.status.value = _note(f"Done: {html.escape(self._source[0])}.", ok=True)

    # ---------------------------------------------------------- helpers

    def _load(self):
        name, payload = self._source
        units = None if self.units.value == "detect" else self.units.value
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_bucket_returns(payload, name=name, units=units,
                                       max_bytes=self.max_upload_bytes)

    def _select(self, source):
        """Read a newly chosen file once to fill the bucket pickers."""
        self._source = source
        try:
            data = self._load()
            labels = [str(c) for c in data.returns.columns]
            periods = len(data.returns)
            per_year, word = infer_periods_per_year(data.returns.index)
            window = default_rolling_window(per_year, periods)
        except PvrInputError as exc:
            self._reject(str(exc))
            return
        except Exception as exc:  # unreadable bytes of any kind: say so, keep going
            self._reject(f"{source[0]}: could not read the file ({type(exc).__name__}: "
                         f"{_first_line(exc)})")
            return
        options = [(f"{i}: {label}", i) for i, label in enumerate(labels, start=1)]
        self.top.options = options
        self.bottom.options = options
        self.top.value, self.bottom.value = len(labels), 1
        self.top.disabled = self.bottom.disabled = False
        self.rolling.max = max(260, periods)
        self.rolling.value = window
        self.run_button.disabled = False
        self.status.value = _note(
            f"Loaded {html.escape(source[0])}: {periods} {word} periods, {len(labels)} buckets "
            f"({html.escape(data.units)}, {html.escape(data.units_source)}). Press Run analysis.",
            ok=True)

    def _fail(self, message):
        """Show an error instead of the results; the current file stays selected."""
        self.status.value = (f"<div class='inversion-error' style='{_ERROR_STYLE}'>"
                             f"Error: {html.escape(message)}</div>")
        self.summary.value = ""
        self.download.value = ""
        self.plot.layout.display = "none"

    def _reject(self, message):
        """A file that cannot be used: show why and wait for another one."""
        self._source = None
        self.top.options = []
        self.bottom.options = []
        self.top.disabled = self.bottom.disabled = True
        self.run_button.disabled = True
        self._fail(message)


def _note(text, ok=False):
    style = _OK_STYLE if ok else "color:#333"
    return f"<div class='inversion-status' style='{style}'>{text}</div>"


def _shown(text):
    """A user's path text as it may appear in a message (control characters visible)."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _reason(exc):
    """Why an OS call failed, without the server path the exception carries."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    if isinstance(exc, RuntimeError):  # what pathlib raises for a loop of links
        return "a loop of symbolic links"
    return type(exc).__name__


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no details"


def _download_link(result):
    """An <a download> link holding the episodes CSV as a data: URL (no file on the server)."""
    payload = base64.b64encode(episodes_csv_text(result).encode("utf-8")).decode("ascii")
    return (f"<a class='inversion-download' download='inversion_episodes.csv' "
            f"href='data:text/csv;base64,{payload}'>Download the {len(result.episodes)} "
            f"inversion episodes (CSV)</a>")


def main(argv=None):
    """Serve the viewer notebook (the one documented command)."""
    from pvr_plugin.app import serve  # the server's imports stay out of the kernels

    parser = argparse.ArgumentParser(
        prog="python -m pvr_plugin.app.inversion_app",
        description="Serve the factor-inversion viewer with Voila.")
    parser.add_argument("--data-dir", default=os.environ.get(DATA_DIR_ENV),
                        help="Folder server-side paths may be read from (default: $%s; "
                             "none: uploads only)." % DATA_DIR_ENV)
    parser.add_argument("--notebook", default=None,
                        help="The viewer notebook (default: the one installed with the package).")
    serve.add_serve_options(parser)
    args = parser.parse_args(argv)
    notebook = _find_notebook(args.notebook)
    if notebook is None:
        print(f"inversion_app: error: {args.notebook or NOTEBOOK} not found", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.data_dir:
        if not os.path.isdir(args.data_dir):
            print(f"inversion_app: error: --data-dir {args.data_dir}: not a folder",
                  file=sys.stderr)
            return 2
        env[DATA_DIR_ENV] = os.path.abspath(args.data_dir)
    else:
        env.pop(DATA_DIR_ENV, None)
    serve.exec_serve(notebook, args, env, max_upload_bytes=MAX_UPLOAD_BYTES)


def _find_notebook(given):
    if given:
        return Path(given).resolve() if Path(given).is_file() else None
    return NOTEBOOK if NOTEBOOK.is_file() else None


if __name__ == "__main__":
    sys.exit(main())
