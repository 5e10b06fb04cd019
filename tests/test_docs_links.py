"""The links of README.md and DATA_FORMAT.md lead somewhere: an in-page link to one of the
file's headings (as GitHub names them), a relative link to a file of the project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCS = ["README.md", "DATA_FORMAT.md", "bench/FINDINGS.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """`text` without its fenced code blocks (a `#` there is a comment, not a heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, each
    space a `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {anchor(h) for h in re.findall(r"^#{1,6} (.+)$", prose(text), re.M)}


def test_anchor_follows_github_rules():
    assert anchor("Spider arguments (`-a name=value`)") == "spider-arguments--a-namevalue"
    assert anchor("Install and first run") == "install-and-first-run"


@pytest.mark.parametrize("doc", DOCS)
def test_every_link_leads_to_a_heading_or_a_file(doc):
    path = ROOT / doc
    text = path.read_text(encoding="utf-8")
    targets = LINK.findall(prose(text))
    broken = []
    for target in targets:
        if target.startswith(("http://", "https://")):
            continue
        file, _, fragment = target.partition("#")
        linked = (path.parent / file) if file else path
        leads = linked.exists() and (
            not fragment or fragment in anchors(linked.read_text(encoding="utf-8"))
        )
        if not leads:
            broken.append(target)
    assert not broken, f"{doc}: links leading nowhere: {broken}"


def test_readme_lists_every_section_in_its_contents():
    text = prose((ROOT / "README.md").read_text(encoding="utf-8"))
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    linked = set(re.findall(r"\]\(#([^)]+)\)", contents))
    sections = {anchor(h) for h in re.findall(r"^##+ (.+)$", text, re.M)} - {"contents"}
    assert sections <= linked, f"not in README's Contents: {sections - linked}"
