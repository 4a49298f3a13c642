-- 0005_quotas (SQLite): per-user AI quotas. Mirrors schema/postgresql/0005_quotas.sql.
--
-- quota_counters holds one row per user: for each capability, the fixed window its calls count
-- in (start in Unix seconds, aligned to a multiple of the window's length) and the calls counted
-- there, and the same for the estimated spend in integer micro-USD. SQLite has one writer at a
-- time, so a reservation (an upsert on this row, then the reservation's row, in one
-- transaction) can never interleave with another. See core/store/quota_repository.h.

CREATE TABLE quota_counters (
  user_id          TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  analysis_window  INTEGER NOT NULL DEFAULT 0,
  analysis_calls   INTEGER NOT NULL DEFAULT 0 CHECK (analysis_calls >= 0),
  scenarios_window INTEGER NOT NULL DEFAULT 0,
  scenarios_calls  INTEGER NOT NULL DEFAULT 0 CHECK (scenarios_calls >= 0),
  summary_window   INTEGER NOT NULL DEFAULT 0,
  summary_calls    INTEGER NOT NULL DEFAULT 0 CHECK (summary_calls >= 0),
  image_window     INTEGER NOT NULL DEFAULT 0,
  image_calls      INTEGER NOT NULL DEFAULT 0 CHECK (image_calls >= 0),
  spend_window     INTEGER NOT NULL DEFAULT 0,
  spend_micros     INTEGER NOT NULL DEFAULT 0 CHECK (spend_micros >= 0)
) STRICT;

-- One row per call reserved and not yet settled or refunded: what to give back, and where. A
-- window is NULL when that limit was off, so nothing was counted. A row past expires_at belongs
-- to an instance that died mid-call; housekeeping refunds it.
CREATE TABLE quota_reservations (
  id               TEXT PRIMARY KEY,
  user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  capability       TEXT NOT NULL CHECK (capability IN ('analysis', 'scenarios', 'summary', 'image')),
  calls_window     INTEGER,
  spend_window     INTEGER,
  estimated_micros INTEGER NOT NULL CHECK (estimated_micros >= 0),
  expires_at       TEXT NOT NULL
                     CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
CREATE INDEX quota_reservations_expires_idx ON quota_reservations (expires_at);
CREATE INDEX quota_reservations_user_idx ON quota_reservations (user_id, expires_at);

-- Limits an operator set for one user (`moodgate quota set`), in place of quotas.per_user. The
-- limit is the canonical text of the config file's syntax: "100/1d", "5.00/1d" or "off".
CREATE TABLE quota_overrides (
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scope      TEXT NOT NULL
               CHECK (scope IN ('analysis', 'scenarios', 'summary', 'image', 'spend_usd')),
  limit_text TEXT NOT NULL CHECK (length(limit_text) BETWEEN 1 AND 64),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
               CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  PRIMARY KEY (user_id, scope)
) STRICT;
