"""`python -m replica --articles 40 --port 8080 [--seed 0] [--fault PATH=KIND …]`: serve the
replica until Ctrl-C, with a fault on every request for each PATH given."""

from __future__ import annotations

import argparse
import errno
import threading

from . import faults
from .server import serve
from .site import ReplicaSite

# What `--fault PATH=KIND` serves on every request for PATH: an HTTP status (`503`, `429:120`
# with its Retry-After seconds) or one of these.
FAULT_KINDS = {
    "reset": faults.reset,
    "soft_block": faults.soft_block,
    "cut_copy": faults.cut_copy,
    "truncated": faults.truncated,
    "empty": faults.empty,
    "renamed_entries": faults.renamed_entries,
    "partial_content": faults.partial_content,
    "not_modified": faults.not_modified,
    "short_length": faults.short_length,
    "zstd_stray": faults.zstd_stray,
    "encoding_named_plain": faults.encoding_named_plain,
}
# `KIND:OTHER_PATH`: another path's page (`page_of`), its stream items as a fragment
# (`items_of`), or a redirect to it.
FAULT_KINDS_OF_A_PATH = {
    "page_of": faults.page_of,
    "items_of": faults.items_of,
    "redirect": faults.redirect,
}


def parse_fault(value: str) -> tuple[str, faults.Fault]:
    """`PATH=KIND` as (path, fault); argparse says what is wrong with a bad one."""
    path, sep, kind = value.partition("=")
    if not sep or not path.startswith("/"):
        raise argparse.ArgumentTypeError(f"{value!r}: give PATH=KIND, PATH starting with /")
    if kind in FAULT_KINDS:
        return path, FAULT_KINDS[kind]()
    name, _, other = kind.partition(":")
    if name in FAULT_KINDS_OF_A_PATH and other.startswith("/"):
        return path, FAULT_KINDS_OF_A_PATH[name](other)
    code, _, retry_after = kind.partition(":")
    if code.isdigit() and 400 <= int(code) <= 599 and (not retry_after or retry_after.isdigit()):
        return path, faults.status(int(code), int(retry_after) if retry_after else None)
    kinds = ", ".join([*FAULT_KINDS, *(f"{name}:PATH" for name in FAULT_KINDS_OF_A_PATH)])
    raise argparse.ArgumentTypeError(
        f"{kind!r}: a fault is an HTTP status 400-599 (429:SECONDS with a Retry-After) or one "
        f"of {kinds}"
    )


def parse_jitter(value: str) -> float:
    """`--jitter MS` in seconds; argparse says what is wrong with a bad one."""
    try:
        ms = float(value)
    except ValueError:
        ms = -1.0
    if not 0 <= ms <= 60_000:
        raise argparse.ArgumentTypeError(f"{value!r}: give milliseconds, 0 to 60000")
    return ms / 1000


def parse_port(value: str) -> int:
    """`--port N`, 0 to 65535; argparse says what is wrong with a bad one."""
    port = int(value) if value.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: give a port, 0 to 65535 (0: any free)")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__)
    parser.add_argument("--articles", type=int, default=40, help="articles in the section")
    parser.add_argument(
        "--port", type=parse_port, default=8080, help="port on 127.0.0.1 (0: any free)"
    )
    parser.add_argument("--seed", type=int, default=0, help="same seed, same site")
    parser.add_argument("--page-size", type=int, default=20, help="stream items per page")
    parser.add_argument(
        "--jitter",
        type=parse_jitter,
        default=0.0,
        metavar="MS",
        help="hold each response for a random 0 to MS milliseconds (seeded by --seed): "
        "responses to concurrent requests come back out of order",
    )
    parser.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=[],
        metavar="PATH=KIND",
        help="serve a fault on every request for PATH (e.g. /doanh-nghiep.chn=429:120, "
        "/timelinelist/18836/2.chn=reset, an article's path=soft_block, "
        "/timelinelist/18836/3.chn=items_of:/doanh-nghiep.chn); KIND: a status 400-599 "
        f"(429:SECONDS adds a Retry-After), {', '.join(FAULT_KINDS)}, or "
        f"{', '.join(FAULT_KINDS_OF_A_PATH)} with :PATH (another path's page, its stream "
        "items as a timeline fragment, a redirect to it); may be repeated",
    )
    args = parser.parse_args(argv)

    site = ReplicaSite(articles=args.articles, seed=args.seed, page_size=args.page_size)
    if args.jitter > 0:
        site.jitter(args.jitter, seed=args.seed)
    for path, fault in args.fault:
        site.script(path, [fault], repeat=True)
    try:
        handle = serve(site, port=args.port)
    except OSError as error:  # the port taken, or one below 1024 without the right to it
        hint = "; give another --port, or --port 0 for any free one"
        if error.errno == errno.EADDRINUSE:
            said = f"port {args.port} is in use by another program"
        else:
            said = f"cannot listen on port {args.port}: {error.strerror or error}"
        parser.exit(1, f"{parser.prog}: {said}{hint}\n")
    try:  # a Ctrl-C while it says where it serves stops it too
        print(handle.base_url, flush=True)
        print(f"section page: {handle.base_url}/{site.section}.chn", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
