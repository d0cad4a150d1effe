-- Many runs, one bot. Each run has a public short name (slug), its own organisers, and may be unlisted;
-- a person is a member of the runs they joined, ran, organised, pledged to or followed; a chat (a group,
-- or a person's private chat) is about one run at a time. What belonged to "the current run" (the run
-- created last) before this version now belongs to that run by id: followers and subscribed chats.
-- Needs 0001-0009.

-- A slug: lowercase letters, digits and inner dashes, 3 to 32 characters (a deep link's payload allows
-- 64 of [A-Za-z0-9_-]). A run made before this version gets its title's slug when the title makes one
-- (the first such run by id; a later one with the same title gets its id appended), else run-<id>.
ALTER TABLE runs ADD COLUMN slug TEXT CHECK (
    length(slug) BETWEEN 3 AND 32 AND slug NOT GLOB '*[^a-z0-9-]*' AND slug NOT GLOB '-*' AND slug NOT GLOB '*-'
);
ALTER TABLE runs ADD COLUMN listed INTEGER NOT NULL DEFAULT 1 CHECK (listed IN (0, 1));

UPDATE runs SET slug = named.slug
FROM (
    SELECT id, CASE
        WHEN candidate NOT GLOB '*[^a-z0-9-]*' AND length(candidate) BETWEEN 3 AND 28
            AND candidate NOT GLOB '-*' AND candidate NOT GLOB '*-' AND candidate NOT GLOB '*--*'
        THEN candidate || CASE WHEN row_number() OVER (PARTITION BY candidate ORDER BY id) > 1 THEN '-' || id ELSE '' END
        ELSE 'run-' || id
    END AS slug
    FROM (SELECT id, lower(replace(trim(title), ' ', '-')) AS candidate FROM runs)
) AS named
WHERE runs.id = named.id;

CREATE UNIQUE INDEX runs_by_slug ON runs (slug);
CREATE INDEX runs_open ON runs (id) WHERE ended_at IS NULL;
CREATE INDEX runs_by_end_date ON runs (end_date);

CREATE TRIGGER runs_need_a_slug BEFORE INSERT ON runs WHEN NEW.slug IS NULL
BEGIN
    SELECT RAISE(ABORT, 'a run needs a slug');
END;

-- Who organises a run: its creator, and co-organisers who used a one-time invite.
CREATE TABLE organisers (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    role     TEXT    NOT NULL CHECK (role IN ('creator', 'co')),
    added_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, user_id)
) STRICT;

CREATE INDEX organisers_by_user ON organisers (user_id);

INSERT INTO organisers (run_id, user_id, role, added_at) SELECT id, created_by, 'creator', created_at FROM runs;

-- An invite now also makes a co-organiser.
CREATE TABLE invites_new (
    token      TEXT    PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('lead', 'companion', 'organiser')),
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
) STRICT;

INSERT INTO invites_new SELECT token, run_id, role, created_by, created_at, expires_at, used_by, used_at FROM invites;
DROP TABLE invites;
ALTER TABLE invites_new RENAME TO invites;

-- Followers follow one run each (before: the current run, which is the last one created).
CREATE TABLE followers_new (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, user_id)
) STRICT;

INSERT INTO followers_new (run_id, user_id, created_at)
    SELECT (SELECT max(id) FROM runs), user_id, created_at FROM followers WHERE EXISTS (SELECT 1 FROM runs);
DROP TABLE followers;
ALTER TABLE followers_new RENAME TO followers;

CREATE INDEX followers_by_user ON followers (user_id);

-- The run a chat is about: a group's (one at a time, chosen by a deep link or its admins), a person's
-- private chat's (chosen with /runs, a deep link, or by answering which run a command meant). A chat with
-- no row here is about the one run it can mean, or is asked. Subscribed chats followed the current run.
CREATE TABLE chat_runs (
    chat_id   INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    chosen_by INTEGER,
    chosen_at TEXT    NOT NULL
) STRICT;

CREATE INDEX chat_runs_by_run ON chat_runs (run_id, chat_id);

INSERT INTO chat_runs (chat_id, run_id, chosen_by, chosen_at)
    SELECT chat_id, (SELECT max(id) FROM runs), subscribed_by, created_at FROM subscriptions
    WHERE EXISTS (SELECT 1 FROM runs);

-- The runs a person is part of, for /runs and for telling which run a command means: kept by the
-- triggers below (a runner, an organiser, a pledge or a log, a follow) and by a deep link to the run.
CREATE TABLE members (
    user_id   INTEGER NOT NULL,
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    joined_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, run_id)
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO members (user_id, run_id, joined_at)
    SELECT user_id, run_id, joined_at FROM runners
    UNION ALL SELECT user_id, run_id, added_at FROM organisers
    UNION ALL SELECT user_id, run_id, created_at FROM pledges
    UNION ALL SELECT user_id, run_id, created_at FROM followers;

CREATE TRIGGER members_of_runners AFTER INSERT ON runners
BEGIN
    INSERT OR IGNORE INTO members (user_id, run_id, joined_at) VALUES (NEW.user_id, NEW.run_id, NEW.joined_at);
END;

CREATE TRIGGER members_of_organisers AFTER INSERT ON organisers
BEGIN
    INSERT OR IGNORE INTO members (user_id, run_id, joined_at) VALUES (NEW.user_id, NEW.run_id, NEW.added_at);
END;

CREATE TRIGGER members_of_pledges AFTER INSERT ON pledges
BEGIN
    INSERT OR IGNORE INTO members (user_id, run_id, joined_at) VALUES (NEW.user_id, NEW.run_id, NEW.created_at);
END;

CREATE TRIGGER members_of_followers AFTER INSERT ON followers
BEGIN
    INSERT OR IGNORE INTO members (user_id, run_id, joined_at) VALUES (NEW.user_id, NEW.run_id, NEW.created_at);
END;
