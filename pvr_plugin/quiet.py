"""Keep third-party deprecation chatter off the user's terminal."""
import contextlib
import warnings

_NOISY = r"(zipline|pandas|exchange_calendars|empyrical|pyfolio)\b.*"


def quiet_library_warnings():
    """Hide zipline's and pandas' Future/Deprecation warnings: zipline 3.2 emits
    them on every run and they are not the user's to fix."""
    for category in (FutureWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category, module=_NOISY)


@contextlib.contextmanager
def library_warnings_hidden():
    """The same inside a ``with`` block only (a backtest run from a notebook or
    a script), leaving the caller's own warning filters as they were."""
    with warnings.catch_warnings():
        quiet_library_warnings()
        yield
