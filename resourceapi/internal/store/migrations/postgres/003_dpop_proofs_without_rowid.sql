-- The twin of ../sqlite/003_dpop_proofs_without_rowid.sql. PostgreSQL has no
-- WITHOUT ROWID tables, so the table and its rows stay as they are (a proof
-- accepted before the upgrade is still refused after it, RFC 9449 §11.1);
-- what goes is the expires_at index, one more index to update on the insert
-- every DPoP request makes. Only the sweep (DeleteExpiredProofs, once a
-- minute, off the request path) reads by time, and it scans a table that
-- holds two minutes of proofs.
DROP INDEX dpop_proofs_expires;
