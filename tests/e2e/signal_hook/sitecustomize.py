"""A signal at a chosen moment, for a crawl run as a subprocess (see test_crash_safety.py).

On PYTHONPATH, Python imports this module at start-up. It does nothing unless one of the
variables below names a signal (TERM, INT); then the process sends itself that signal the first
time the function the variable stands for is called, before it runs:
- NEWSSCRAPER_SIGNAL_AFTER_CRAWL: once the crawl is over (its reactor stopped, its run record
  written) and before it says its summary, when `newsscraper.scrapy_commands.crawl.
  closing_summary` is asked for it;
- NEWSSCRAPER_SIGNAL_OPENING_CRAWL: while Scrapy opens the crawl, before its process starts and
  installs its own handlers (`scrapy.crawler.Crawler._apply_settings`).
Production code has no hook of its own.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import signal
import sys

# The variable -> (the module, the function in it, `Class.method` for a method).
_MOMENTS = {
    "NEWSSCRAPER_SIGNAL_AFTER_CRAWL": ("newsscraper.scrapy_commands.crawl", "closing_summary"),
    "NEWSSCRAPER_SIGNAL_OPENING_CRAWL": ("scrapy.crawler", "Crawler._apply_settings"),
}
_ASKED = {
    module: (attribute, getattr(signal, f"SIG{os.environ[variable]}"))
    for variable, (module, attribute) in _MOMENTS.items()
    if os.environ.get(variable)
}


def _patch(module, attribute: str, signum: int) -> None:
    *owner_path, name = attribute.split(".")
    owner = module
    for part in owner_path:
        owner = getattr(owner, part)
    function = getattr(owner, name)

    def signalled(*args, **kwargs):
        os.kill(os.getpid(), signum)
        return function(*args, **kwargs)

    setattr(owner, name, signalled)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in _ASKED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module) -> None:
            exec_module(module)
            _patch(module, *_ASKED[name])

        spec.loader.exec_module = exec_and_patch
        return spec


if _ASKED:
    sys.meta_path.insert(0, _PatchOnImport())
