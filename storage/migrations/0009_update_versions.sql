-- An update's earlier versions, kept when it is corrected: under /position delay the public reads each
-- update as it stood at now - the delay (bot.services.public), so a correction newer than that shows the
-- version before it, never nothing (the km covered dropping at the moment of an edit would say the runner
-- is at their phone now). `since`: when that version was posted or last corrected.
-- Needs 0001 (updates).

CREATE TABLE update_versions (
    update_id INTEGER NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
    metres    INTEGER NOT NULL CHECK (metres > 0),
    note      TEXT,
    since     TEXT    NOT NULL,
    PRIMARY KEY (update_id, since)
) STRICT;
