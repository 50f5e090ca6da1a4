-- Run once by the postgres image on an empty data directory: the
-- authserver database is POSTGRES_DB; the other two actors get theirs here.
CREATE DATABASE resourceapi OWNER oauthlab;
CREATE DATABASE client OWNER oauthlab;
