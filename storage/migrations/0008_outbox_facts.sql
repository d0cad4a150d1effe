-- The outbox stores what happened (a kind and its figures, as JSON), not a text: the text is written
-- when the message is sent (bot.replies.news), so that it can be written in each recipient's language
-- and units. Messages queued by the previous version keep their text, as the kind 'text'.
-- Needs 0005 (outbox, outbox_texts).

CREATE TABLE outbox_facts (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    topic      TEXT,          -- what it announces, to take it back unsent (a milestone undone)
    facts      TEXT    NOT NULL CHECK (json_valid(facts) AND json_type(facts) = 'object'),
    created_at TEXT    NOT NULL
) STRICT;

INSERT INTO outbox_facts (id, kind, topic, facts, created_at)
    SELECT id, 'text', topic, json_object('text', text), created_at FROM outbox_texts;

CREATE TABLE outbox_queue (
    id         INTEGER PRIMARY KEY,
    fact_id    INTEGER NOT NULL REFERENCES outbox_facts (id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending')),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before TEXT
) STRICT;

INSERT INTO outbox_queue (id, fact_id, chat_id, status, attempts, not_before)
    SELECT id, text_id, chat_id, status, attempts, not_before FROM outbox;

DROP TABLE outbox;
DROP TABLE outbox_texts;
ALTER TABLE outbox_queue RENAME TO outbox;

CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_by_fact ON outbox (fact_id);
