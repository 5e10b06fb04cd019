"""One module per `newsscraper` command."""
