"""The user's files: read with size limits and one-line errors, written atomically.

Every file the project opens for a user (return and bucket CSVs, saved
performance frames, factsheet configs and the tables and images they name)
is read here, and every file it writes for a user (frames, HTML and PDF
pages, episode CSVs, figures) is written here: to a hidden temporary file in
the target folder, then renamed, so a failure never leaves half a file. A
problem is one :class:`~pvr_plugin.errors.PvrInputError` line naming the file.
"""
import os
import secrets
import tomllib
from pathlib import Path

import pandas as pd

from pvr_plugin.errors import PvrInputError

#: Largest input file read, in bytes (a 200-bucket, 20-year daily download is about 10 MB).
MAX_INPUT_BYTES = 100_000_000
FRAME_SUFFIXES = (".pkl", ".pickle", ".parquet")
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def _text(path):
    text = os.fspath(path)
    if "\x00" in text:
        raise PvrInputError(f"{text!r}: a file name cannot hold a NUL byte")
    return text


def check_size(label, size, max_bytes, at_least=False):
    """Refuse an input over ``max_bytes`` with one line giving both sizes in MB."""
    if size > max_bytes:
        shown = f"more than {max_bytes / 1e6:.1f}" if at_least else f"{size / 1e6:.1f}"
        raise PvrInputError(f"{label}: file is {shown} MB; the limit is {max_bytes / 1e6:.1f} MB")


def read_bytes(path, label=None, max_bytes=MAX_INPUT_BYTES):
    """The bytes of a file; one line for a missing, folder, unreadable or too large file."""
    text = _text(path)
    label = label or text
    if not os.path.exists(text):
        raise PvrInputError(f"{label}: no such file")
    if os.path.isdir(text):
        raise PvrInputError(f"{label}: is a folder, not a file")
    try:
        size = os.path.getsize(text)
        check_size(label, size, max_bytes)
        with open(text, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise PvrInputError(f"{label}: cannot read the file ({exc.strerror or exc})") from None


def read_toml(path):
    """A TOML file as a dict (UTF-8; a UTF-16 file is named as such)."""
    label = _text(path)
    data = read_bytes(path, label, max_bytes=1_000_000)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise PvrInputError(f"{label}: the file is UTF-16 text; save it as UTF-8")
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PvrInputError(f"{label}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise PvrInputError(f"{label}: not valid TOML ({exc})") from None


def read_image(path, label=None, max_bytes=2 * 1024 * 1024):
    """``(bytes, mime type)`` of a PNG or JPEG file whose content matches its name."""
    text = _text(path)
    label = label or text
    name = os.path.basename(text)
    ext = os.path.splitext(text)[1].lower()
    if ext not in IMAGE_TYPES:
        raise PvrInputError(f"{label}: {name} is not .png, .jpg or .jpeg")
    size = os.path.getsize(text) if os.path.isfile(text) else 0
    if size > max_bytes:
        raise PvrInputError(f"{label}: {name} is {size / 2 ** 20:.1f} MB, at most {max_bytes / 2 ** 20:g} MB")
    data = read_bytes(text, label, max_bytes)
    is_png = data.startswith(b"\x89PNG\r\n\x1a\n")
    is_jpeg = data.startswith(b"\xff\xd8\xff")
    if (ext == ".png" and not is_png) or (ext != ".png" and not is_jpeg):
        raise PvrInputError(f"{label}: {name} is not a valid {ext[1:].upper()} image")
    return data, IMAGE_TYPES[ext]


def inside(base, value, label, allow_outside=False):
    """``value`` resolved against ``base``; refused when it leads outside ``base``.

    A config file may name files next to it; a path that climbs out of its
    folder (``../../etc/os-release``, an absolute path, a link elsewhere) is
    refused unless ``allow_outside``, so a shared config cannot embed any
    file of the machine in a page.
    """
    text = _text(value)
    path = text if os.path.isabs(text) else os.path.join(base, text)
    if not allow_outside:
        root = os.path.realpath(base)
        real = os.path.realpath(path)
        if os.path.commonpath([root, real]) != root:
            raise PvrInputError(
                f"{label}: {text!r} is outside the config file's folder {root}; "
                "move it there, or allow outside files "
                "(pvr factsheet --allow-outside-files; Python: allow_outside=True)"
            )
    return path


# --------------------------------------------------------------------------- performance frames

def read_frame(path, label=None):
    """A pandas object saved as ``.pkl``/``.pickle`` or ``.parquet``.

    A pickle can run code when it is opened: read only your own files. Any
    failure is one line naming the file.
    """
    text = _text(path)
    label = label or text
    suffix = os.path.splitext(text)[1].lower()
    if suffix not in FRAME_SUFFIXES:
        raise PvrInputError(f"{label}: use a .pkl, .pickle or .parquet performance frame")
    if not os.path.isfile(text):
        raise PvrInputError(f"{label}: file not found" if not os.path.isdir(text) else f"{label}: is a folder")
    try:
        if suffix == ".parquet":
            return pd.read_parquet(text)
        return pd.read_pickle(text)
    except ImportError:
        raise PvrInputError(f"{label}: reading .parquet needs pyarrow (pip install pyarrow)") from None
    except Exception as exc:  # unpickling fails in many ways; all mean "not a frame file"
        kind = "parquet file" if suffix == ".parquet" else "pandas pickle"
        raise PvrInputError(f"{label}: not a {kind} ({type(exc).__name__})") from None


def load_frame(path):
    """A saved performance DataFrame (``.pkl``/``.pickle`` or ``.parquet``); see :func:`read_frame`."""
    frame = read_frame(path, os.fspath(path))
    if not isinstance(frame, pd.DataFrame):
        raise PvrInputError(f"{os.fspath(path)} holds a {type(frame).__name__}, not a performance DataFrame")
    return frame


def check_output_path(out, flag="--out", suffixes=FRAME_SUFFIXES):
    """Refuse an output path that cannot be written, before any work is done."""
    text = _text(out)
    path = Path(text)
    if suffixes and path.suffix.lower() not in suffixes:
        listed = ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]
        raise PvrInputError(f"{flag} {text}: use a {listed} file name")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise PvrInputError(f"{flag} {text}: folder {path.parent} does not exist")
    if path.is_dir():
        raise PvrInputError(f"{flag} {text}: is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PvrInputError(f"{flag} {text}: folder {path.parent} is not writable")
    return path


def _parquet_ready(perf):
    """zipline frames hold lists of dicts (orders, positions, transactions): store them as JSON."""
    import json

    frame = perf.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: json.dumps(v, default=str) if isinstance(v, (list, dict)) else v)
            frame[col] = frame[col].astype("string")
    return frame


def save_frame(perf, out):
    """Write a performance frame (``.pkl``/``.pickle`` or ``.parquet``) atomically."""
    path = check_output_path(out)
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise PvrInputError("--out *.parquet needs pyarrow (pip install pyarrow); or use .pkl") from None
        return atomic_save(path, lambda tmp: _parquet_ready(perf).to_parquet(tmp))
    return atomic_save(path, perf.to_pickle)


# --------------------------------------------------------------------------- writing

def temp_name(path):
    """A fresh hidden name next to ``path`` (created with the user's umask, unlike mkstemp)."""
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def atomic_save(path, write):
    """Call ``write(temporary path)``, then rename it to ``path``; nothing is left on failure."""
    path = os.path.abspath(_text(path))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise PvrInputError(f"{path}: folder {folder} does not exist")
    tmp = temp_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise PvrInputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def atomic_write(path, data):
    """Write bytes (or UTF-8 text) to ``path`` atomically; returns the absolute path."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(tmp):
        with open(tmp, "xb") as fh:
            fh.write(payload)

    return atomic_save(path, write)
