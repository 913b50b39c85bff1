"""Check that every relative link in README.md, CHANGELOG.md and docs/*.md points at a file and anchor.

External (http, https, mailto) links are not fetched. An anchor is a
heading's GitHub slug or an explicit ``<a id="...">``. Run::

    python docs/check_links.py        # prints each broken link; exit 1 if any
"""
import re
import sys
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ID = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
FENCE = re.compile(r"^(```|~~~)")


def pages(repo=REPO):
    """The Markdown pages whose links are checked."""
    found = [repo / "README.md", repo / "CHANGELOG.md", *sorted((repo / "docs").glob("*.md"))]
    return [p for p in found if p.is_file()]


def prose(text, code_spans=False):
    """The text outside fenced code blocks, and outside inline code spans unless ``code_spans``."""
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line if code_spans else re.sub(r"`[^`]*`", "", line))
    return "\n".join(out)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    """Every anchor a page defines (duplicate headings get -1, -2, ... as on GitHub)."""
    text = path.read_text(encoding="utf-8")
    seen, out = {}, set(HTML_ID.findall(text))
    for line in prose(text, code_spans=True).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            out.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return out


def broken_links(repo=REPO):
    """``(page, target, problem)`` for every relative link that does not resolve."""
    problems = []
    for page in pages(repo):
        for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue  # http(s), mailto: not fetched
            path_part, _, fragment = target.partition("#")
            dest = (page.parent / unquote(path_part)).resolve() if path_part else page
            if not dest.exists():
                problems.append((page, target, "no such file"))
            elif fragment and dest.suffix == ".md" and unquote(fragment) not in anchors(dest):
                problems.append((page, target, "no such anchor"))
    return problems


def main():
    problems = broken_links()
    for page, target, problem in problems:
        print(f"{page.relative_to(REPO)}: {target}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
