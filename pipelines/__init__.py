"""Item pipelines, one concern per module; their order lives in newsscraper/settings.py."""
