-- 0001_initial (SQLite): users, tokens, limits, idempotency, entries, visualizations, AI
-- bookkeeping. Mirrors schema/postgresql/0001_initial.sql table for table, column for column.
-- Released migrations are never edited: change the schema with a new, higher-numbered file.
--
-- Dialect notes: tables are STRICT (types enforced as on PostgreSQL). Times are TEXT in RFC 3339
-- UTC with milliseconds, "2026-11-22T09:15:02.123Z" — the CHECKs keep that exact shape so text
-- order is time order (cursor pagination and expiry compare strings). Write times with
-- strftime('%Y-%m-%dT%H:%M:%fZ', 'now') or the same shape from C++. Foreign keys need
-- PRAGMA foreign_keys=ON, which Database sets on every session.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL,  -- trimmed and lower-cased by the API before it gets here
  password_hash TEXT NOT NULL,  -- argon2id encoded string
  display_name  TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                  CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                  CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_email_check CHECK (length(email) BETWEEN 3 AND 254
                                      AND instr(email, '@') > 1
                                      AND email = trim(email))
) STRICT;

-- Rotating refresh tokens: each use spends a token (used_at, replaced_by) and issues the next
-- one in the same family; presenting a spent token revokes the whole family.
CREATE TABLE refresh_tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id   TEXT NOT NULL,
  token_hash  TEXT NOT NULL,  -- SHA-256 of the token; the token itself is never stored
  expires_at  TEXT NOT NULL
                CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  used_at     TEXT
                CHECK (used_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  replaced_by TEXT,
  revoked_at  TEXT
                CHECK (revoked_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
) STRICT;
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Access tokens revoked before they expire (logout); rows can go once expires_at has passed.
-- No foreign key: a revocation must outlive the account it belonged to.
CREATE TABLE revoked_access_tokens (
  jti        TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  expires_at TEXT NOT NULL
               CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  revoked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
               CHECK (revoked_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
CREATE INDEX revoked_access_tokens_expires_idx ON revoked_access_tokens (expires_at);

-- Fixed-window counters shared by every instance. window_start is Unix seconds (bucket
-- arithmetic stays integer maths in both dialects).
CREATE TABLE rate_limit_counters (
  bucket       TEXT NOT NULL,  -- e.g. "login:ip:203.0.113.7"
  window_start INTEGER NOT NULL,
  count        INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
  expires_at   TEXT NOT NULL
                 CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  PRIMARY KEY (bucket, window_start)
) STRICT;
CREATE INDEX rate_limit_counters_expires_idx ON rate_limit_counters (expires_at);

-- Idempotency-Key replay store: the first request claims (user_id, key) as in_progress, then
-- records its answer; a repeat with the same key and request_hash gets the recorded answer.
CREATE TABLE idempotency_keys (
  user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key              TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash     TEXT NOT NULL,  -- method + path + body digest
  status           TEXT NOT NULL DEFAULT 'in_progress'
                     CHECK (status IN ('in_progress', 'completed')),
  response_status  INTEGER CHECK (response_status BETWEEN 100 AND 599),
  response_headers TEXT,  -- JSON object of the headers to replay (e.g. Location)
  response_body    TEXT,
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  expires_at       TEXT NOT NULL
                     CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  PRIMARY KEY (user_id, key),
  CHECK (status = 'in_progress' OR response_status IS NOT NULL)
) STRICT;
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- Entries and their analysis. revision goes up on every edit of situation/thoughts/emotions so
-- an analysis that finishes after a newer edit can be recognised as stale and dropped.
CREATE TABLE entries (
  id                TEXT PRIMARY KEY,
  user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  situation         TEXT NOT NULL CHECK (length(situation) BETWEEN 1 AND 5000),
  thoughts          TEXT NOT NULL DEFAULT '' CHECK (length(thoughts) <= 5000),
  revision          INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
  analysis_status   TEXT NOT NULL DEFAULT 'pending'
                      CHECK (analysis_status IN ('pending', 'ready', 'failed', 'skipped')),
  analysis_summary  TEXT,
  analysis_sentiment TEXT CHECK (analysis_sentiment IN ('positive', 'negative', 'neutral', 'mixed')),
  analysis_score    REAL CHECK (analysis_score BETWEEN -1 AND 1),
  analysis_highlights TEXT,  -- JSON array of {text, polarity}
  analysis_positive_count INTEGER CHECK (analysis_positive_count >= 0),
  analysis_negative_count INTEGER CHECK (analysis_negative_count >= 0),
  analysis_provider TEXT,
  analysis_model    TEXT,
  analysis_error_code TEXT,
  analysis_error_message TEXT,
  analyzed_at       TEXT
                      CHECK (analyzed_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                      CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                      CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  CHECK (analysis_status <> 'failed' OR analysis_error_code IS NOT NULL)
) STRICT;
-- Newest-first cursor pagination: WHERE user_id = ? AND (created_at, id) < (?, ?).
CREATE INDEX entries_user_created_idx ON entries (user_id, created_at DESC, id DESC);

-- The emotions of an entry, in the order the user gave them. The primary key serves lookups by
-- entry; (name, entry_id) serves ?emotion= filters and insights' top emotions.
CREATE TABLE entry_emotions (
  entry_id  TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  position  INTEGER NOT NULL CHECK (position BETWEEN 0 AND 11),
  name      TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  intensity REAL NOT NULL CHECK (intensity BETWEEN 0 AND 1),
  PRIMARY KEY (entry_id, position)
) STRICT;
CREATE INDEX entry_emotions_name_idx ON entry_emotions (name, entry_id);

CREATE TABLE scenarios (
  id          TEXT PRIMARY KEY,
  entry_id    TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 99),
  title       TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  CONSTRAINT scenarios_entry_position_key UNIQUE (entry_id, position)
) STRICT;

-- Image jobs. A worker claims a due job (queued and next_attempt_at <= now, or running with an
-- expired lease) inside BEGIN IMMEDIATE (SQLite has one writer at a time, so no SKIP LOCKED is
-- needed), sets status = running, lease_owner and lease_expires_at; completion is conditional
-- on still owning the lease, so a job is never completed twice.
CREATE TABLE visualizations (
  id               TEXT PRIMARY KEY,
  entry_id         TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  style            TEXT NOT NULL CHECK (length(style) BETWEEN 1 AND 40),
  aspect_ratio     TEXT NOT NULL DEFAULT '1:1'
                     CHECK (aspect_ratio IN ('1:1', '3:4', '4:3', '9:16', '16:9')),
  status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  lease_owner      TEXT,
  lease_expires_at TEXT
                     CHECK (lease_expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  next_attempt_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (next_attempt_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  provider         TEXT,
  model            TEXT,
  mime_type        TEXT,
  width            INTEGER CHECK (width > 0),
  height           INTEGER CHECK (height > 0),
  image_sha256     TEXT,  -- hex digest of the bytes; the image's ETag
  image_size       INTEGER CHECK (image_size >= 0),
  error_code       TEXT,
  error_message    TEXT,
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  started_at       TEXT
                     CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  completed_at     TEXT
                     CHECK (completed_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  CHECK (status <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK (status <> 'succeeded' OR (mime_type IS NOT NULL AND image_sha256 IS NOT NULL
                                   AND completed_at IS NOT NULL)),
  CHECK (status <> 'failed' OR (error_code IS NOT NULL AND completed_at IS NOT NULL))
) STRICT;
CREATE INDEX visualizations_claim_idx ON visualizations (status, next_attempt_at);
CREATE INDEX visualizations_lease_idx ON visualizations (status, lease_expires_at);
CREATE INDEX visualizations_user_created_idx ON visualizations (user_id, created_at DESC, id DESC);
CREATE INDEX visualizations_entry_created_idx ON visualizations (entry_id, created_at DESC, id DESC);

-- Image bytes, one row per succeeded visualization (write and read them with soci::blob).
CREATE TABLE visualization_images (
  visualization_id TEXT PRIMARY KEY REFERENCES visualizations (id) ON DELETE CASCADE,
  mime_type        TEXT NOT NULL,
  data             BLOB NOT NULL,
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;

-- Provider answers keyed by a hash of (capability, provider, model, prompt), to avoid paying
-- twice for the same analysis.
CREATE TABLE analysis_cache (
  cache_key   TEXT PRIMARY KEY,
  provider    TEXT NOT NULL,
  model       TEXT NOT NULL,
  result_json TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  expires_at  TEXT
                CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
CREATE INDEX analysis_cache_created_idx ON analysis_cache (created_at);

-- One row per AI call (after retries and fallbacks). user_id is cleared, not deleted, with the
-- account, so cost accounting survives without personal data.
CREATE TABLE ai_usage (
  id          INTEGER PRIMARY KEY,  -- rowid alias: assigned like PostgreSQL's identity column
  user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
  request_id  TEXT,
  capability  TEXT NOT NULL CHECK (capability IN ('analysis', 'scenarios', 'summary', 'image')),
  provider    TEXT NOT NULL,
  model       TEXT NOT NULL,
  tokens_in   INTEGER NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
  tokens_out  INTEGER NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
  cost_usd    REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  latency_ms  INTEGER NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
  outcome     TEXT NOT NULL,  -- "ok" or the failure kind, e.g. "timeout", "rate_limited"
  attempts    INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 0),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
CREATE INDEX ai_usage_user_created_idx ON ai_usage (user_id, created_at);
CREATE INDEX ai_usage_created_idx ON ai_usage (created_at);
