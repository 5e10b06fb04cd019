"""TODO: not built yet."""


def add_arguments(parser):
    pass


def run(args):
    raise SystemExit("newsscraper extract: not built yet")
