"""Sphinx configuration of the API reference (built offline from the numpydoc docstrings).

Build, from the repository root::

    python -m sphinx -W --keep-going -n -b html docs/api docs/_build/html
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pvr_plugin  # noqa: E402

project = "pvr-plugin"
author = "pvr-plugin contributors"
release = version = pvr_plugin.__version__
extensions = ["sphinx.ext.autodoc", "numpydoc"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "Profit vs Risk for zipline-reloaded backtests", "nosidebar": False}

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": False}
autodoc_typehints = "none"
# numpydoc writes the Attributes and Parameters sections; autodoc would list
# dataclass fields a second time.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# Offline: objects of other projects (pandas, numpy, zipline, empyrical, ...)
# cannot be looked up, so cross-references to them are not checked. Every
# reference to this project's own objects must resolve (-n).
nitpick_ignore_regex = [
    (r"py:.*", r"(pandas|pd|numpy|np|scipy|statsmodels|zipline|empyrical|pyfolio|alphalens|matplotlib|dask|"
               r"distributed|click|voila|sqlite3|pathlib|datetime|logging|json|os|io|typing|collections)\b.*"),
]
