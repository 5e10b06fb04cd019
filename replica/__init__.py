"""A local replica of cafef.vn's Doanh nghiệp section, for tests, benchmarks and the demo.

    from replica import ReplicaSite, serve, faults

    site = ReplicaSite(articles=40, seed=0, nfd={3}, listed_twice={2})
    site.script("/doanh-nghiep.chn", [faults.status(503, retry_after=1)])
    with serve(site) as handle:
        ...  # crawl handle.base_url; inspect handle.requests; site.publish(3)

Pages are the real saved pages of the site (`tests/fixtures/pages/`) with synthetic stories
filled in (see `replica/render.py`); the server binds 127.0.0.1 only.
"""

from . import faults
from .articles import SyntheticArticle
from .server import RecordedRequest, ServerHandle, serve
from .site import DEFAULT_START, ReplicaSite

__all__ = [
    "DEFAULT_START",
    "RecordedRequest",
    "ReplicaSite",
    "ServerHandle",
    "SyntheticArticle",
    "faults",
    "serve",
]
