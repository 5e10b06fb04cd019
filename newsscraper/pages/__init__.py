"""Extraction: pure page objects, no requests, no clock, no settings."""
