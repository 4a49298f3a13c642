-- 0005_quotas (PostgreSQL): per-user AI quotas, exact under concurrency on any number of
-- instances. Mirrors schema/sqlite/0005_quotas.sql.
--
-- quota_counters holds one row per user: for each capability, the fixed window its calls count
-- in (start in Unix seconds, aligned to a multiple of the window's length) and the calls counted
-- there, and the same for the estimated spend in integer micro-USD. A reservation is one
-- INSERT ... ON CONFLICT (user_id) DO UPDATE ... WHERE <under every limit> on this row, which
-- PostgreSQL runs under the row's lock: concurrent reservations queue on that row, each sees the
-- counts the one before it left, and none gets past a limit. A window that has ended restarts
-- its count (window start changed). See core/store/quota_repository.h.

CREATE TABLE quota_counters (
  user_id          text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  analysis_window  bigint NOT NULL DEFAULT 0,
  analysis_calls   integer NOT NULL DEFAULT 0 CHECK (analysis_calls >= 0),
  scenarios_window bigint NOT NULL DEFAULT 0,
  scenarios_calls  integer NOT NULL DEFAULT 0 CHECK (scenarios_calls >= 0),
  summary_window   bigint NOT NULL DEFAULT 0,
  summary_calls    integer NOT NULL DEFAULT 0 CHECK (summary_calls >= 0),
  image_window     bigint NOT NULL DEFAULT 0,
  image_calls      integer NOT NULL DEFAULT 0 CHECK (image_calls >= 0),
  spend_window     bigint NOT NULL DEFAULT 0,
  spend_micros     bigint NOT NULL DEFAULT 0 CHECK (spend_micros >= 0)
);

-- One row per call reserved and not yet settled or refunded: what to give back, and where. A
-- window is NULL when that limit was off, so nothing was counted. A row past expires_at belongs
-- to an instance that died mid-call; housekeeping refunds it (exactly once: whoever deletes the
-- row gives back what it counted).
CREATE TABLE quota_reservations (
  id               text PRIMARY KEY,
  user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  capability       text NOT NULL CHECK (capability IN ('analysis', 'scenarios', 'summary', 'image')),
  calls_window     bigint,
  spend_window     bigint,
  estimated_micros bigint NOT NULL CHECK (estimated_micros >= 0),
  expires_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quota_reservations_expires_idx ON quota_reservations (expires_at);
CREATE INDEX quota_reservations_user_idx ON quota_reservations (user_id, expires_at);

-- Limits an operator set for one user (`moodgate quota set`), in place of quotas.per_user. The
-- limit is the canonical text of the config file's syntax: "100/1d", "5.00/1d" or "off".
CREATE TABLE quota_overrides (
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scope      text NOT NULL
               CHECK (scope IN ('analysis', 'scenarios', 'summary', 'image', 'spend_usd')),
  limit_text text NOT NULL CHECK (length(limit_text) BETWEEN 1 AND 64),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, scope)
);
