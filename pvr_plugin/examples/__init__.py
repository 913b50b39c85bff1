"""The example strategies and research notebooks, shipped inside the package.

In the repository they live in ``strategies/`` and ``research/``; the package
maps them to ``pvr_plugin.examples.strategies`` and
``pvr_plugin.examples.notebooks`` (``package_dir`` in ``setup.cfg``), so a
plain ``pip install`` carries them and ``pvr run long_short`` works from any
folder. ``pvr examples --to DIR`` copies them for the user to edit.
"""
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pvr_plugin.errors import PvrInputError

STRATEGIES = "pvr_plugin.examples.strategies"
NOTEBOOKS = "pvr_plugin.examples.notebooks"
_KINDS = {".py": "strategy", ".toml": "sweep spec", ".ipynb": "notebook"}


@dataclass(frozen=True)
class Example:
    """One shipped example: ``kind`` (strategy, sweep spec, notebook), ``name``, ``path``, ``summary``."""

    kind: str
    name: str
    path: Path
    summary: str


# Where the files are in a source checkout used without installing it (the
# package mapping of setup.cfg exists only in an installed copy).
_CHECKOUT = {STRATEGIES: "strategies", NOTEBOOKS: "research"}


def _folder(package):
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / _CHECKOUT[package]


def _summary(path):
    """The first line of a strategy's docstring, a spec's or a notebook's title."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        import json

        for cell in json.loads(text).get("cells", []):
            if cell.get("cell_type") == "markdown" and cell.get("source"):
                return "".join(cell["source"]).splitlines()[0].lstrip("# ").strip()
        return ""
    for line in text.splitlines():
        line = line.strip().strip('"').strip("#").strip()
        if line:
            return line
    return ""


def examples():
    """Every shipped example, strategies and sweep specs first, then notebooks."""
    out = []
    for package in (STRATEGIES, NOTEBOOKS):
        for path in sorted(_folder(package).iterdir()):
            kind = _KINDS.get(path.suffix)
            if kind and not path.name.startswith("_"):
                out.append(Example(kind, path.stem if kind != "notebook" else path.name, path, _summary(path)))
    return out


def strategy_path(name, suffix=".py"):
    """The shipped strategy (``long_short`` or ``long_short.py``), or with ``suffix='.toml'`` sweep spec."""
    folder = _folder(STRATEGIES)
    kind = _KINDS[suffix]
    for candidate in (name, f"{name}{suffix}"):
        path = folder / candidate
        if path.suffix == suffix and path.is_file() and not path.name.startswith("_"):
            return path
    names = ", ".join(e.name for e in examples() if e.kind == kind)
    raise PvrInputError(f"{name}: no such file, and not an example {kind} ({names})")


def resolve(path_or_name, suffix=".py"):
    """``path_or_name`` when it exists or names a folder; else the shipped example of that name.

    Anything else is returned as given, so that the caller's own "not found"
    message names what the user typed.
    """
    text = str(path_or_name)
    if Path(text).exists() or "/" in text or "\\" in text:
        return text
    try:
        return str(strategy_path(text, suffix))
    except PvrInputError:
        return text


def copy_examples(to, force=False):
    """Copy the strategies and notebooks to ``to`` (``strategies/`` and ``notebooks/`` in it).

    Refuses, before copying anything, to overwrite a file that exists unless ``force``.
    Returns the files written.
    """
    to = Path(to)
    if to.exists() and not to.is_dir():
        raise PvrInputError(f"--to {to}: exists and is not a folder")
    plan = [(e.path, to / ("notebooks" if e.kind == "notebook" else "strategies") / e.path.name)
            for e in examples()]
    existing = [dst for _, dst in plan if dst.exists()]
    if existing and not force:
        raise PvrInputError(f"{existing[0]} exists ({len(existing)} file(s) would be overwritten); use --force")
    written = []
    try:
        for src, dst in plan:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            written.append(dst)
    except OSError as exc:
        raise PvrInputError(f"--to {to}: cannot write ({exc.strerror or exc})") from None
    return written
