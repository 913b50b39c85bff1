"""Links in the Markdown pages resolve, and no file of the repository points at a document outside it."""
import re

from tests.conftest import REPO
from tests.docs.test_definitions import load_script

#: Folders and files whose text is checked for references to documents the repository does not hold.
CHECKED = ("README.md", "CHANGELOG.md", "setup.cfg", ".ci", "docs", "pvr_plugin", "tests", "strategies",
           "research", "benchmarks")
SUFFIXES = {".md", ".py", ".ipynb", ".toml", ".cfg", ".txt", ""}
# A bare upper-case S-P-E-C word meant the outside product document; SPEC.toml and `pvr sweep SPEC`
# are a sweep's spec file. Built from parts so that this file does not match itself.
OUTSIDE = re.compile("|".join([
    r"\b" + "SP" + r"EC\b(?!\.toml|`|_)",
    "(?i:spec" + "ification)",
    r"\.\./" + "shared",
    r"\b" + "shared/",
    r"(?i:\b" + "seeds/)",
    "(?i:sp" + r"ec\.md)",
]))


def checked_files():
    for name in CHECKED:
        path = REPO / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for p in files:
            if p.suffix in SUFFIXES and "__pycache__" not in p.parts and not p.name.startswith("."):
                yield p


def test_relative_links_point_at_files_and_anchors():
    checker = load_script("check_links")
    assert len(checker.pages()) >= 9
    assert checker.broken_links() == []


def test_the_link_checker_finds_a_broken_link(tmp_path):
    checker = load_script("check_links")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Its part\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "[ok](docs/a.md#its-part) [gone](docs/b.md) [no anchor](docs/a.md#elsewhere) "
        "[web](https://example.invalid/x) `[in code](nope.md)`\n", encoding="utf-8")
    found = [(p.name, target, why) for p, target, why in checker.broken_links(tmp_path)]
    assert found == [("README.md", "docs/b.md", "no such file"), ("README.md", "docs/a.md#elsewhere", "no such anchor")]


def test_no_file_points_at_a_document_outside_the_repository():
    me = REPO / "tests" / "docs" / "test_links.py"
    hits = []
    for path in checked_files():
        if path == me:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert hits == [], "\n".join(hits)


def test_the_pattern_catches_the_old_references():
    for text in ("follows " + "SP" + "EC section 3", "(project " + "spec" + "ification, section 1)",
                 "see ../" + "shared/x", "slope on raw returns (" + "SP" + "EC)"):
        assert OUTSIDE.search(text), text
    for text in ("pvr sweep SPEC.toml", "run `pvr sweep SPEC` again", "spec = load_spec(path)", "seed=5"):
        assert not OUTSIDE.search(text), text
