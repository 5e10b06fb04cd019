"""Scrapy commands of this project (COMMANDS_MODULE); `crawl` here replaces Scrapy's own."""
