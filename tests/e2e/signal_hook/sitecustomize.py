"""A signal at a chosen moment, for a crawl run as a subprocess (see test_crash_safety.py).

On PYTHONPATH, Python imports this module at start-up. It does nothing unless
NEWSSCRAPER_SIGNAL_AFTER_CRAWL names a signal (TERM, INT); then the process sends itself that
signal once the crawl is over (its reactor stopped, its run record written) and before it says
its summary: at the moment `newsscraper.scrapy_commands.crawl.closing_summary` is asked for it.
Production code has no hook of its own.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import signal
import sys

_SIGNAL = os.environ.get("NEWSSCRAPER_SIGNAL_AFTER_CRAWL", "")
_MODULE = "newsscraper.scrapy_commands.crawl"


def _patch(module) -> None:
    signum = getattr(signal, f"SIG{_SIGNAL}")
    closing_summary = module.closing_summary

    def signalled_summary(*args, **kwargs):
        os.kill(os.getpid(), signum)
        return closing_summary(*args, **kwargs)

    module.closing_summary = signalled_summary


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != _MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module) -> None:
            exec_module(module)
            _patch(module)

        spec.loader.exec_module = exec_and_patch
        return spec


if _SIGNAL:
    sys.meta_path.insert(0, _PatchOnImport())
