-- client_credentials access tokens are no longer stored when issued: the
-- signed JWT (RFC 9068) carries all that introspection reports, and a
-- machine token has no user, refresh token or family. What is written is a
-- revocation (RFC 7009 §2.1): the jti, kept until the token would have
-- expired anyway, and looked up by introspection on every replica.
-- Machine tokens issued before this version keep their rows until they
-- expire (the cleanup removes them with their grants).
CREATE TABLE revoked_machine_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL              -- Unix seconds: the token's exp
);
