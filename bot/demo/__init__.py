"""The offline demo: a scripted run against a fake Bot API, its files and photo, and its live page."""
