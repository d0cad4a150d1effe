-- The live page: what the public sees of the runner's position, and where the runners have been.
-- Needs 0001 (runs, runners, positions).

-- The organiser's /position choice: 'live', 'delay <minutes>', 'coarse' or 'hide'.
ALTER TABLE runs ADD COLUMN position_policy TEXT NOT NULL DEFAULT 'live'
    CHECK (position_policy IN ('live', 'coarse', 'hide') OR position_policy GLOB 'delay [1-9]*');

-- Every position a runner shared, a live location's moves included (positions keeps the latest of
-- each message): the track on the page, and what a delay shows.
CREATE TABLE track_points (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    runner_id INTEGER NOT NULL REFERENCES runners (id) ON DELETE CASCADE,
    latitude  REAL    NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude REAL    NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    at        TEXT    NOT NULL
) STRICT;

CREATE INDEX track_points_by_run_time ON track_points (run_id, at);

INSERT INTO track_points (run_id, runner_id, latitude, longitude, at)
    SELECT run_id, runner_id, latitude, longitude, at FROM positions ORDER BY at;
