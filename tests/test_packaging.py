"""The package as pip installs it: every module listed, examples and notebooks shipped, extras named."""
import configparser
import subprocess
import sys

import pytest

from pvr_plugin import examples
from pvr_plugin.errors import PvrInputError
from tests.conftest import REPO


def listed_packages():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    return {p.strip() for p in cfg["options"]["packages"].split() if p.strip()}


def test_every_package_of_the_tree_is_listed():
    tree = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "pvr_plugin").rglob("__init__.py")}
    assert tree <= listed_packages(), sorted(tree - listed_packages())
    assert {"pvr_plugin.examples.strategies", "pvr_plugin.examples.notebooks"} <= listed_packages()


def test_examples_are_found_by_name_and_copied(tmp_path):
    shown = {(e.kind, e.name) for e in examples.examples()}
    on_disk = {("strategy", p.stem) for p in (REPO / "strategies").glob("*.py") if not p.name.startswith("_")}
    on_disk |= {("notebook", p.name) for p in (REPO / "research").glob("*.ipynb")}
    on_disk |= {("sweep spec", p.stem) for p in (REPO / "strategies").glob("*.toml")}
    assert shown == on_disk
    assert examples.strategy_path("long_short") == examples.strategy_path("long_short.py")
    assert examples.strategy_path("long_short").read_bytes() == (REPO / "strategies" / "long_short.py").read_bytes()
    with pytest.raises(PvrInputError, match="nope: no such file, and not an example strategy .*long_short"):
        examples.strategy_path("nope")
    written = examples.copy_examples(tmp_path / "mine")
    assert len(written) == len(shown)
    assert (tmp_path / "mine" / "notebooks" / "pvr_research.ipynb").is_file()
    with pytest.raises(PvrInputError, match="would be overwritten"):
        examples.copy_examples(tmp_path / "mine")
    assert len(examples.copy_examples(tmp_path / "mine", force=True)) == len(shown)


def test_a_missing_extra_is_one_line(monkeypatch):
    import importlib.util

    from pvr_plugin import extras

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "dask" else real(name, *a))
    with pytest.raises(PvrInputError, match=r"pvr sweep needs the 'sweep' extra \(dask not installed\): "
                                            r"pip install 'pvr-plugin\[sweep\]'"):
        extras.require("sweep", "pvr sweep")
    # the app, served from the command line without the extra: one line, exit 2
    code = ("import importlib.util, runpy, sys; real = importlib.util.find_spec; "
            "importlib.util.find_spec = lambda n, *a: None if n == 'voila' else real(n, *a); "
            "sys.argv = ['inversion_app']; runpy.run_module('pvr_plugin.app.inversion_app', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == ("inversion_app: error: the inversion app needs the 'app' extra "
                                   "(voila not installed): pip install 'pvr-plugin[app]'")
