-- Replicas (issue: run it at scale). A claim on a session's token row
-- serialises what may refresh its token, across every replica: two
-- refreshes at once would spend the same refresh token twice, which an
-- authorization server that rotates refresh tokens takes for theft. The
-- claim ends by itself at claim_until (Unix milliseconds), so a replica
-- that dies holding it blocks the session for seconds, not for good.
ALTER TABLE tokens ADD COLUMN claim_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
