-- Runs, runners, invites, runner updates, positions and handled Telegram updates.
-- Distances are integer metres; times are UTC ISO-8601 text; local days are ISO dates in the
-- run's time zone.

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    start_place TEXT    NOT NULL,
    end_place   TEXT    NOT NULL,
    distance_m  INTEGER NOT NULL CHECK (distance_m > 0),
    start_date  TEXT    NOT NULL,
    end_date    TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    ended_at    TEXT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    CHECK (end_date >= start_date)
) STRICT;

CREATE TABLE runners (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    role      TEXT    NOT NULL CHECK (role IN ('lead', 'companion')),
    joined_at TEXT    NOT NULL,
    UNIQUE (run_id, user_id)
) STRICT;

CREATE TABLE invites (
    token      TEXT    PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('lead', 'companion')),
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
) STRICT;

CREATE TABLE updates (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    runner_id     INTEGER NOT NULL REFERENCES runners (id) ON DELETE CASCADE,
    local_day     TEXT    NOT NULL,
    metres        INTEGER NOT NULL CHECK (metres > 0),
    note          TEXT,
    photo_file_id TEXT,
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    edited_at     TEXT,
    UNIQUE (chat_id, message_id)
) STRICT;

CREATE INDEX updates_by_run_day ON updates (run_id, local_day);
CREATE INDEX updates_by_runner ON updates (runner_id, id);

-- A shared location; a live location keeps one row that each later position moves.
CREATE TABLE positions (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    runner_id  INTEGER NOT NULL REFERENCES runners (id) ON DELETE CASCADE,
    latitude   REAL    NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude  REAL    NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    UNIQUE (chat_id, message_id)
) STRICT;

CREATE INDEX positions_by_run_time ON positions (run_id, at);

CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at TEXT    NOT NULL
) STRICT;
