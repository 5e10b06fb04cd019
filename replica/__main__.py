"""`python -m replica --articles 40 --port 8080 [--seed 0]`: serve the replica until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from .server import serve
from .site import ReplicaSite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__)
    parser.add_argument("--articles", type=int, default=40, help="articles in the section")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same site")
    parser.add_argument("--page-size", type=int, default=20, help="stream items per page")
    args = parser.parse_args(argv)

    site = ReplicaSite(articles=args.articles, seed=args.seed, page_size=args.page_size)
    handle = serve(site, port=args.port)
    print(handle.base_url, flush=True)
    print(f"section page: {handle.base_url}/{site.section}.chn", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
