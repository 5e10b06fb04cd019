"""newsscraper: CafeF's Doanh nghiệp section, crawled into a Parquet dataset."""

__version__ = "0.1.0"
