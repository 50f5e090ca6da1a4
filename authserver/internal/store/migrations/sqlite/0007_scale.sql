-- State that every replica must share (issue: run it at scale).

-- Failure counts of the throttles (sign-in back-off, client
-- authentication, /register), by key: counted in the database so that a
-- guesser spreading attempts over replicas is counted once. Times are Unix
-- milliseconds: the back-off starts at one second.
CREATE TABLE throttle_counts (
    key      TEXT PRIMARY KEY,              -- kind and subject, e.g. 'login-user:alice'
    count    INTEGER NOT NULL,
    first_at INTEGER NOT NULL,              -- start of the current window
    last_at  INTEGER NOT NULL               -- latest failure
);

-- Leases: the replica named holder may run the job name until expires_at
-- (Unix milliseconds), so a periodic job (the cleanup) runs on one replica
-- at a time, and another takes over when its holder dies.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
