-- The music service's data, on PostgreSQL. The same tables as
-- ../sqlite/001_init.sql, so one set of queries serves both: times are Unix
-- milliseconds in BIGINT (PostgreSQL's INTEGER has 32 bits), ids are TEXT.
-- Owners are the `sub` of access tokens: the authorization server owns the
-- users, this API only their music.

CREATE TABLE tracks (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    artist      TEXT NOT NULL,
    album       TEXT NOT NULL,
    duration_ms INTEGER NOT NULL CHECK (duration_ms > 0)
);

-- How often each user played each track in the last week.
CREATE TABLE weekly_plays (
    owner      TEXT NOT NULL,
    track_id   TEXT NOT NULL REFERENCES tracks (id),
    play_count INTEGER NOT NULL CHECK (play_count > 0),
    PRIMARY KEY (owner, track_id)
);

-- Plays of each track across the whole service, for the charts.
CREATE TABLE chart_plays (
    track_id TEXT PRIMARY KEY REFERENCES tracks (id),
    plays    INTEGER NOT NULL CHECK (plays > 0)
);

CREATE TABLE playlists (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL, -- Unix milliseconds
    updated_at  BIGINT NOT NULL
);

CREATE INDEX playlists_by_owner ON playlists (owner, created_at, id);

CREATE TABLE playlist_tracks (
    playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    track_id    TEXT NOT NULL REFERENCES tracks (id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (playlist_id, track_id)
);

-- Which one-off seeds have run, so that a restart does not bring back a
-- demo playlist the user deleted.
CREATE TABLE seeds (
    name TEXT PRIMARY KEY
);
