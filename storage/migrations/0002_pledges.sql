-- Pledges: supporters commit to a share of a run and log their own km against it.
--
-- Cost: /supporters, /mypledge and the rank read one aggregate row, one pledge row by key, and
-- index ranges (the top 10, the supporters ahead of one); nothing here scans every supporter.
-- Triggers keep the per-supporter logged total (pledges.logged_m) and the per-run totals
-- (pledge_totals) in the same transaction as each change, so they cannot drift.

-- A Telegram user who pledged or logged: the first name /supporters shows and /hideme.
CREATE TABLE supporters (
    user_id    INTEGER PRIMARY KEY,
    first_name TEXT    NOT NULL,
    hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    updated_at TEXT    NOT NULL
) STRICT;

-- A supporter's part in one run: the pledge (NULL while they only log) and the km they logged.
-- `hidden` mirrors supporters.hidden (trigger below) so the board's index can leave them out.
-- `congratulated_m` is the pledge they were congratulated for reaching (once per pledge).
CREATE TABLE pledges (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES supporters (user_id),
    pledged_m       INTEGER CHECK (pledged_m > 0),
    logged_m        INTEGER NOT NULL DEFAULT 0 CHECK (logged_m >= 0),
    hidden          INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    congratulated_m INTEGER CHECK (congratulated_m > 0),
    created_at      TEXT    NOT NULL,
    pledged_at      TEXT,
    updated_at      TEXT    NOT NULL,
    UNIQUE (run_id, user_id),
    CHECK ((pledged_m IS NULL) = (pledged_at IS NULL))
) STRICT;

-- The top 10 (a walk down the board) and a supporter's rank (a count of the entries above, read from
-- the index alone).
CREATE INDEX pledges_board ON pledges (run_id, hidden, logged_m);
-- New pledges of a local day (its UTC bounds), for the daily summary.
CREATE INDEX pledges_by_run_pledged_at ON pledges (run_id, pledged_at) WHERE pledged_at IS NOT NULL;
-- /hideme and /showme reach every run of a user.
CREATE INDEX pledges_by_user ON pledges (user_id);

-- A supporter's own km for a local day of the run, keyed by the message it came from: an edited
-- /log corrects its row, a re-delivered one finds it already there.
CREATE TABLE logs (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    local_day  TEXT    NOT NULL,
    metres     INTEGER NOT NULL CHECK (metres > 0),
    note       TEXT,
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    edited_at  TEXT,
    UNIQUE (chat_id, message_id),
    FOREIGN KEY (run_id, user_id) REFERENCES pledges (run_id, user_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX logs_by_supporter ON logs (run_id, user_id, id);
CREATE INDEX logs_by_run_day ON logs (run_id, local_day, user_id, metres);

-- One row per run: supporters who pledged, km pledged, km logged (by anyone, pledged or not).
CREATE TABLE pledge_totals (
    run_id     INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    supporters INTEGER NOT NULL DEFAULT 0 CHECK (supporters >= 0),
    pledged_m  INTEGER NOT NULL DEFAULT 0 CHECK (pledged_m >= 0),
    logged_m   INTEGER NOT NULL DEFAULT 0 CHECK (logged_m >= 0)
) STRICT;

CREATE TRIGGER logs_added AFTER INSERT ON logs
BEGIN
    UPDATE pledges SET logged_m = logged_m + NEW.metres WHERE run_id = NEW.run_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER logs_corrected AFTER UPDATE OF metres ON logs
BEGIN
    UPDATE pledges SET logged_m = logged_m - OLD.metres + NEW.metres
    WHERE run_id = NEW.run_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER logs_removed AFTER DELETE ON logs
BEGIN
    UPDATE pledges SET logged_m = logged_m - OLD.metres WHERE run_id = OLD.run_id AND user_id = OLD.user_id;
END;

CREATE TRIGGER pledges_added AFTER INSERT ON pledges
BEGIN
    INSERT INTO pledge_totals (run_id, supporters, pledged_m, logged_m)
    VALUES (NEW.run_id, NEW.pledged_m IS NOT NULL, COALESCE(NEW.pledged_m, 0), NEW.logged_m)
    ON CONFLICT (run_id) DO UPDATE SET
        supporters = supporters + excluded.supporters,
        pledged_m = pledged_m + excluded.pledged_m,
        logged_m = logged_m + excluded.logged_m;
END;

CREATE TRIGGER pledges_changed AFTER UPDATE OF pledged_m, logged_m ON pledges
BEGIN
    UPDATE pledge_totals SET
        supporters = supporters + (NEW.pledged_m IS NOT NULL) - (OLD.pledged_m IS NOT NULL),
        pledged_m = pledged_m + COALESCE(NEW.pledged_m, 0) - COALESCE(OLD.pledged_m, 0),
        logged_m = logged_m + NEW.logged_m - OLD.logged_m
    WHERE run_id = NEW.run_id;
END;

CREATE TRIGGER pledges_removed AFTER DELETE ON pledges
BEGIN
    UPDATE pledge_totals SET
        supporters = supporters - (OLD.pledged_m IS NOT NULL),
        pledged_m = pledged_m - COALESCE(OLD.pledged_m, 0),
        logged_m = logged_m - OLD.logged_m
    WHERE run_id = OLD.run_id;
END;

CREATE TRIGGER supporters_hidden AFTER UPDATE OF hidden ON supporters
BEGIN
    UPDATE pledges SET hidden = NEW.hidden WHERE user_id = NEW.user_id;
END;
