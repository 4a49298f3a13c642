-- 0002_sessions (PostgreSQL): one row per signed-in device. Mirrors schema/sqlite/0002_sessions.sql.
--
-- A session is a refresh-token family (refresh_tokens.family_id = sessions.id) and the `sid`
-- claim of every access token issued in it. Revoking the session (logout, refresh-token reuse,
-- a password change elsewhere) stops its refresh tokens and its access tokens at once, on every
-- instance, because the auth middleware checks the session row. Deleting the user deletes them.

CREATE TABLE sessions (
  id             text PRIMARY KEY,
  user_id        text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,  -- when its newest refresh token expires
  revoked_at     timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('logout', 'refresh_reuse', 'password_changed')),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
