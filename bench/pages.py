"""The saved article pages the extraction benchmarks run on, with their URLs and expected JSON."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bench.common import FIXTURES

_CANONICAL = re.compile(rb'<link[^>]+rel="canonical"[^>]+href="([^"]+)"', re.IGNORECASE)
_ID_IN_NAME = re.compile(r"(\d{17,18})")


@dataclass(frozen=True)
class SavedPage:
    path: Path
    url: str
    body: bytes
    expected: dict | None

    @property
    def name(self) -> str:
        return self.path.name


def canonical_url(body: bytes, fallback: str) -> str:
    match = _CANONICAL.search(body)
    return match.group(1).decode() if match else fallback


def article_page_paths(fixtures: Path = FIXTURES) -> list[Path]:
    """Real saved article pages, plus the rebuilt seed page(s) when there are any."""
    paths = sorted((fixtures / "pages").glob("article_*.html"))
    paths += sorted((fixtures / "seed").glob("*.html"))
    return paths


def read_expected(path: Path) -> dict:
    """The expected item of an expected-JSON file, its body list joined into the stored text."""
    item = dict(json.loads(path.read_text(encoding="utf-8"))["item"])
    if isinstance(item.get("body"), list):
        item["body"] = "\n\n".join(item["body"])
    return item


def expected_for(path: Path, fixtures: Path = FIXTURES) -> dict | None:
    """The expected item of a page: same file stem, else the file naming the same article id."""
    folder = fixtures / "expected"
    if not folder.is_dir():
        return None
    same_stem = folder / f"{path.stem}.json"
    if same_stem.is_file():
        return read_expected(same_stem)
    match = _ID_IN_NAME.search(path.name)
    for candidate in sorted(folder.glob("*.json")):
        if match and match.group(1) in candidate.name:
            return read_expected(candidate)
    return None


def load_pages(fixtures: Path = FIXTURES) -> list[SavedPage]:
    pages = []
    for path in article_page_paths(fixtures):
        body = path.read_bytes()
        fallback = f"https://cafef.vn/{path.stem}.chn"
        pages.append(SavedPage(path, canonical_url(body, fallback), body, expected_for(path)))
    return pages
