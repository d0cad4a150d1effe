"""The Telegram edge: the application, polling, per-chat order, exactly-once, the outbox sender, jobs, handlers."""
