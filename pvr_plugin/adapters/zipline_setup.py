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
