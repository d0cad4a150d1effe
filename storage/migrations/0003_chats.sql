-- Chats that get the daily summary, users who follow runner updates, the log of scheduled
-- messages sent (so none goes twice) and the route milestones each run has reached.
-- Needs only 0001: it applies after 0001 on a fresh database, with or without 0002.

-- A group (or a private chat) that gets one summary a day at local_time in timezone
-- (NULL: the current run's time zone). starts_on: the first local day it is due, so a chat
-- that subscribes after today's time is not sent today's summary at once.
CREATE TABLE subscriptions (
    chat_id       INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('group', 'private')),
    title         TEXT,
    local_time    TEXT    NOT NULL CHECK (local_time GLOB '[0-2][0-9]:[0-5][0-9]' AND local_time < '24:00'),
    timezone      TEXT,
    starts_on     TEXT    NOT NULL,
    subscribed_by INTEGER,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
) STRICT;

CREATE INDEX subscriptions_by_time ON subscriptions (timezone, local_time);

-- Users who get a short private message for each runner update.
CREATE TABLE followers (
    user_id    INTEGER PRIMARY KEY,
    created_at TEXT    NOT NULL
) STRICT;

-- One row per scheduled message (chat, kind, run, local day), claimed before it is sent:
-- 'sending' (claimed; a crash leaves it, so it is never sent twice), 'sent', 'retry' (a network
-- failure; the next pass may claim it again), 'failed' (the chat is gone, or retries ran out).
CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('summary', 'final', 'nudge')),
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    day        TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'retry', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 1 CHECK (attempts > 0),
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT,
    message_id INTEGER,
    error      TEXT,
    UNIQUE (chat_id, kind, run_id, day)
) STRICT;

CREATE INDEX deliveries_by_run_day ON deliveries (run_id, kind, day);

-- Route progress milestones (percent of the distance) a run has reached: each is announced once.
CREATE TABLE milestones (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    percent    INTEGER NOT NULL CHECK (percent IN (25, 50, 75, 100)),
    reached_on TEXT    NOT NULL,
    reached_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, percent)
) STRICT;
