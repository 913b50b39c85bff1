"""Make the zipline command line know this package (bundle and metrics sets)."""
import os
from pathlib import Path

EXTENSION_LINE = "import pvr_plugin.adapters.extension  # pvr-plugin: pvr-demo bundle, pvr metrics sets"


def zipline_root(environ=None):
    environ = os.environ if environ is None else environ
    return Path(environ.get("ZIPLINE_ROOT") or Path.home() / ".zipline")


def install_extension(environ=None):
    """Add the import line to ``$ZIPLINE_ROOT/extension.py`` once.

    Returns (path, added). The file is rewritten atomically, keeping what the
    user already had.
    """
    path = zipline_root(environ) / "extension.py"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if EXTENSION_LINE.split("  #")[0] in old:
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".py.tmp")
    tmp.write_text(old + ("" if old.endswith("\n") or not old else "\n") + EXTENSION_LINE + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path, True


def _bundle_marker(name):
    return f"  # pvr-plugin bundle {name}"


def set_bundle_line(name, line, environ=None):
    """Make ``line`` the one registration of bundle ``name`` in ``$ZIPLINE_ROOT/extension.py``.

    Also adds the package's own import line (the ``pvr`` metrics sets), keeps
    everything else the user has, and rewrites the file atomically.
    """
    install_extension(environ)
    path = zipline_root(environ) / "extension.py"
    marker = _bundle_marker(name)
    kept = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.endswith(marker)]
    tmp = path.with_suffix(".py.tmp")
    tmp.write_text("\n".join([*kept, line + marker]) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


BENCHMARK_FILE = "pvr-sp500-returns.csv"


def write_benchmark_file(environ=None):
    """Write the embedded S&P 500 daily returns as ``$ZIPLINE_ROOT/pvr-sp500-returns.csv``.

    zipline 3 refuses to run without a benchmark; its ``--benchmark-file``
    reads exactly this layout (``date,return``). Returns the path.
    """
    from pvr_plugin.data import index_returns

    path = zipline_root(environ) / BENCHMARK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = index_returns().rename("return").rename_axis("date").to_frame()
    tmp = path.with_suffix(".csv.tmp")
    frame.to_csv(tmp, date_format="%Y-%m-%d", float_format="%.10g")
    os.replace(tmp, path)
    return path
