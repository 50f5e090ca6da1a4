-- The replay cache's table again, made cheaper to write: every DPoP request
-- inserts one row, and with a rowid table, its key index and the expires_at
-- index that was three B-trees to change and write out per request. A
-- WITHOUT ROWID table is the key index itself, and the expires_at index
-- goes: only the sweep (DeleteExpiredProofs, once a minute, off the request
-- path) reads by time, and a scan of a table that holds two minutes of
-- proofs is cheap. The insert took about half the time in BenchmarkSeen.
--
-- The rows are copied over, keys and times unchanged: a proof accepted just
-- before the upgrade is still refused after it (RFC 9449 §11.1), and a
-- replica still running the previous version keeps working, since the table
-- keeps its name and columns.
CREATE TABLE dpop_proofs_new (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO dpop_proofs_new (key, expires_at) SELECT key, expires_at FROM dpop_proofs;
DROP TABLE dpop_proofs;
ALTER TABLE dpop_proofs_new RENAME TO dpop_proofs;
