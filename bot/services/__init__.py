"""What the bot does, in plain values: no Telegram here, and no SQL (that is in storage/)."""
