"""newsscraper: CafeF's Doanh nghiệp section, crawled into a Parquet dataset."""

# The one place the version is written: pyproject.toml reads it from here for the package, and
# `newsscraper --version`, the User-Agent and the run records say it.
__version__ = "0.1.0"
