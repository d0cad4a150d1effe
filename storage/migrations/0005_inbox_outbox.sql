-- The inbox: every Telegram update as it was fetched, stored before Telegram is told it arrived,
-- and marked handled in the transaction of the writes it made (exactly once: bot/exactly_once.py).
-- It replaces handled_updates: an update handled here has handled_at set and no payload.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT,
    received_at TEXT    NOT NULL,
    handled_at  TEXT,
    CHECK (handled_at IS NOT NULL OR payload IS NOT NULL)
) STRICT;

CREATE INDEX inbox_unhandled ON inbox (update_id) WHERE handled_at IS NULL;
CREATE INDEX inbox_by_handled_at ON inbox (handled_at) WHERE handled_at IS NOT NULL;

INSERT INTO inbox (update_id, received_at, handled_at) SELECT update_id, handled_at, handled_at FROM handled_updates;

DROP TABLE handled_updates;

-- The outbox: messages that a write causes (a follower's news, a milestone, ...), stored in the
-- same transaction as the write, and sent after it commits (again after a restart): a crash
-- between storing and sending loses nothing. One text, many chats.
CREATE TABLE outbox_texts (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    topic      TEXT,          -- what it announces, to take it back unsent (a milestone undone)
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
) STRICT;

-- 'pending': to send (from not_before); 'sending': handed to Telegram, not yet confirmed.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    text_id    INTEGER NOT NULL REFERENCES outbox_texts (id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending')),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before TEXT
) STRICT;

CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_by_text ON outbox (text_id);
