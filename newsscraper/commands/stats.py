"""TODO: not built yet."""


def add_arguments(parser):
    pass


def run(args):
    raise SystemExit("newsscraper stats: not built yet")
