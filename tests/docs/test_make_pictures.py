"""docs/make_pictures.py renders every picture from the embedded data (the README's among them)."""
import subprocess
import sys

import pytest

from tests.conftest import REPO

PNG = b"\x89PNG\r\n\x1a\n"
README_PICTURES = ("pvr_tear_sheet.png", "inversion_tear_sheet.png", "factsheet_page.png")


@pytest.mark.usefixtures("zipline_root")
def test_every_picture_is_rendered(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "docs" / "make_pictures.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert set(README_PICTURES) <= set(made) and len(made) >= 7, made
    for name in made:
        data = (tmp_path / name).read_bytes()
        assert data[:8] == PNG and len(data) > 20_000, name  # a real picture, not an empty canvas
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in README_PICTURES:
        assert f"docs/pictures/{name}" in readme, name
        assert (REPO / "docs" / "pictures" / name).read_bytes()[:8] == PNG
