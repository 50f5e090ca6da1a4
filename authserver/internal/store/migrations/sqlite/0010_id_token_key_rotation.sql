-- ID-token keys rotate: an algorithm may have several ID-token keys (one
-- published ahead, one signing, older ones still published), so the unique
-- index of 0003 that allowed one per algorithm goes.
--
-- What it guaranteed stays: replicas meeting a new algorithm at once create
-- one key. EnsureIDTokenSigningKey (store/keys.go) now checks for a key of
-- the algorithm and inserts in one serializable transaction, as
-- EnsureSigningKey does for the first access-token key; a unique index could
-- not tell that first key from the keys a rotation adds. A plain index takes
-- the old one's place for finding a purpose's keys by algorithm.
DROP INDEX signing_keys_one_id_token_key_per_alg;
CREATE INDEX signing_keys_by_purpose_alg ON signing_keys(purpose, alg);
