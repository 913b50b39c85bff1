"""Optional parts of the package: which extra a command needs, said in one line."""
import importlib.util
import sys

from pvr_plugin.errors import PvrInputError

#: Extra -> the modules it installs that commands import.
EXTRAS = {
    "app": ("voila", "ipywidgets", "ipykernel", "jupyter_server"),
    "sweep": ("dask", "distributed"),
    "alphalens": ("alphalens",),
}


def missing(extra):
    """The modules of ``extra`` that are not installed."""
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require(extra, what):
    """Raise one :class:`PvrInputError` line naming the extra when ``what`` cannot run without it."""
    absent = missing(extra)
    if absent:
        raise PvrInputError(
            f"{what} needs the '{extra}' extra ({', '.join(absent)} not installed): "
            f"pip install 'pvr-plugin[{extra}]'"
        )


def exit_without(extra, what, prog):
    """For a ``python -m`` entry point: print ``prog: error: ...`` and exit 2 when the extra is missing."""
    try:
        require(extra, what)
    except PvrInputError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        sys.exit(2)
