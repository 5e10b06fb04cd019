"""A folder of its own for each hypothesis example: a test's `tmp_path` is one for all of them."""

from __future__ import annotations

import itertools
from pathlib import Path

_examples = itertools.count()


def fresh(tmp_path: Path) -> Path:
    """A new, empty folder under `tmp_path`."""
    path = tmp_path / f"example-{next(_examples)}"
    path.mkdir()
    return path
