"""Everything that knows SQL. Knows nothing of Telegram."""
