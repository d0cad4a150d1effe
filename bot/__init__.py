"""A Telegram bot for the supporters of a long-distance run."""

__version__ = "0.1.0"
