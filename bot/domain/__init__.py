"""The domain's pure code: numbers and text in, values out; no Telegram, no SQL, no I/O."""
