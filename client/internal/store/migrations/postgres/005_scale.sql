-- Replicas (PostgreSQL twin of ../sqlite/005_scale.sql). A claim on a
-- session's token row serialises what may refresh its token, across every
-- replica; it ends by itself at claim_until (Unix milliseconds).
ALTER TABLE tokens ADD COLUMN claim_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN claim_until BIGINT NOT NULL DEFAULT 0;
