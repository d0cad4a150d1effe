-- Private pace reminders ("nudges") for supporters behind their pledge's pace.
-- Needs 0002 (supporters) and 0003 (deliveries: each nudge is a row there, kind 'nudge').

-- /quiet sets it, /nudge clears it; for every run, like `hidden`.
ALTER TABLE supporters ADD COLUMN quiet INTEGER NOT NULL DEFAULT 0 CHECK (quiet IN (0, 1));

-- A run's local day whose nudges all went out (or were given up): the job checks this one row each
-- minute instead of reading every pledge again. Each nudge is still claimed in `deliveries`, so a
-- pass cut short by a crash is finished by the next one without sending anything twice.
CREATE TABLE nudge_days (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    day     TEXT    NOT NULL,
    done_at TEXT    NOT NULL,
    PRIMARY KEY (run_id, day)
) STRICT;
