"""TODO: not built yet."""


def add_arguments(parser):
    pass


def run(args):
    raise SystemExit("newsscraper compact: not built yet")
