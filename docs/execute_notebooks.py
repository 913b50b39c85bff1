"""Execute the research notebooks and store them with their outputs.

    python docs/execute_notebooks.py [NOTEBOOK ...]

The notebooks in ``research/`` are kept executed, so that they read on a
repository page (tables, figures, printed figures) without being run. Each
one runs in a fresh kernel in a throw-away
folder with its own ``PVR_HOME``, so the stored outputs show no one's
machine. A notebook that raises is not written. The tests execute the
notebooks again and check their figures; ``tests/research`` also checks that
the stored copies are executed in order and hold no error.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

RESEARCH = Path(__file__).resolve().parent.parent / "research"


def execute(path, cwd):
    """Run ``path`` in a fresh kernel in folder ``cwd``; its executed copy, or an exception if a cell raised."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timings would change the file on every run
    return nb


def main(argv):
    paths = [Path(p) for p in argv] or sorted(RESEARCH.glob("*.ipynb"))
    # One fixed folder (emptied before and after), so that paths printed in
    # the outputs are the same on every run.
    tmp = Path(tempfile.gettempdir()) / "pvr-notebooks"
    shutil.rmtree(tmp, ignore_errors=True)
    os.environ["PVR_HOME"] = str(tmp / "pvr-home")
    os.environ["PVR_OUT_DIR"] = str(tmp / "out")
    (tmp / "out").mkdir(parents=True)
    try:
        for path in paths:
            nb = execute(path, tmp / "out")  # files a notebook writes stay out of research/
            nbformat.write(nb, path)
            print(f"wrote {path}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
