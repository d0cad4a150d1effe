-- The planned route of a run, its checkpoints, and the activity files runners and supporters sent.

-- One route per run: its simplified points as JSON text ([[lat, lon], ...], at most a few thousand),
-- and its length along them.
CREATE TABLE routes (
    run_id     INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT,
    points     TEXT    NOT NULL CHECK (json_valid(points)),
    length_m   INTEGER NOT NULL CHECK (length_m > 0),
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL
) STRICT;

-- A named place at at_m metres along the route. passed_on is the local day the lead runners' km first
-- reached it (NULL until then; set back to NULL when an update undone takes the route back before it).
CREATE TABLE checkpoints (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name      TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    at_m      INTEGER NOT NULL CHECK (at_m >= 0),
    passed_on TEXT,
    passed_at TEXT,
    UNIQUE (run_id, name),
    CHECK ((passed_on IS NULL) = (passed_at IS NULL))
) STRICT;

CREATE INDEX checkpoints_by_run_km ON checkpoints (run_id, at_m);

-- An activity file (GPX or FIT) by Telegram's file_unique_id: the same file sent twice counts once. It
-- made a runner's update or a supporter's log; removing that (/undo) removes this row too, so the file
-- can be sent again. The track is the simplified one ([[lat, lon], ...]).
CREATE TABLE activity_files (
    file_unique_id TEXT    PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    update_id      INTEGER REFERENCES updates (id) ON DELETE CASCADE,
    log_id         INTEGER REFERENCES logs (id) ON DELETE CASCADE,
    started_at     TEXT    NOT NULL,
    duration_s     INTEGER NOT NULL CHECK (duration_s >= 0),
    track          TEXT    NOT NULL CHECK (json_valid(track)),
    created_at     TEXT    NOT NULL,
    CHECK ((update_id IS NULL) != (log_id IS NULL))
) STRICT;

CREATE INDEX activity_files_by_update ON activity_files (update_id) WHERE update_id IS NOT NULL;
CREATE INDEX activity_files_by_log ON activity_files (log_id) WHERE log_id IS NOT NULL;
