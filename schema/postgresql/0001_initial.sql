-- 0001_initial (PostgreSQL): users, tokens, limits, idempotency, entries, visualizations, AI
-- bookkeeping. Mirrors schema/sqlite/0001_initial.sql table for table, column for column.
-- Released migrations are never edited: change the schema with a new, higher-numbered file.
--
-- Conventions: ids are UUID v4 text; times are timestamptz (sessions run in UTC); enums are
-- CHECK constraints; JSON is text (parsed in C++, never queried in SQL); a user's data hangs off
-- users(id) with ON DELETE CASCADE so deleting the account deletes everything of theirs.

CREATE TABLE users (
  id            text PRIMARY KEY,
  email         text NOT NULL,  -- trimmed and lower-cased by the API before it gets here
  password_hash text NOT NULL,  -- argon2id encoded string
  display_name  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_email_check CHECK (length(email) BETWEEN 3 AND 254
                                      AND position('@' IN email) > 1
                                      AND email = btrim(email))
);

-- Rotating refresh tokens: each use spends a token (used_at, replaced_by) and issues the next
-- one in the same family; presenting a spent token revokes the whole family.
CREATE TABLE refresh_tokens (
  id          text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id   text NOT NULL,
  token_hash  text NOT NULL,  -- SHA-256 of the token; the token itself is never stored
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  replaced_by text,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Access tokens revoked before they expire (logout); rows can go once expires_at has passed.
-- No foreign key: a revocation must outlive the account it belonged to.
CREATE TABLE revoked_access_tokens (
  jti        text PRIMARY KEY,
  user_id    text NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_access_tokens_expires_idx ON revoked_access_tokens (expires_at);

-- Fixed-window counters shared by every instance. window_start is Unix seconds (bucket
-- arithmetic stays integer maths in both dialects).
CREATE TABLE rate_limit_counters (
  bucket       text NOT NULL,  -- e.g. "login:ip:203.0.113.7"
  window_start bigint NOT NULL,
  count        integer NOT NULL DEFAULT 0 CHECK (count >= 0),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_counters_expires_idx ON rate_limit_counters (expires_at);

-- Idempotency-Key replay store: the first request claims (user_id, key) as in_progress, then
-- records its answer; a repeat with the same key and request_hash gets the recorded answer.
CREATE TABLE idempotency_keys (
  user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash     text NOT NULL,  -- method + path + body digest
  status           text NOT NULL DEFAULT 'in_progress'
                     CHECK (status IN ('in_progress', 'completed')),
  response_status  integer CHECK (response_status BETWEEN 100 AND 599),
  response_headers text,  -- JSON object of the headers to replay (e.g. Location)
  response_body    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  PRIMARY KEY (user_id, key),
  CHECK (status = 'in_progress' OR response_status IS NOT NULL)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- Entries and their analysis. revision goes up on every edit of situation/thoughts/emotions so
-- an analysis that finishes after a newer edit can be recognised as stale and dropped.
CREATE TABLE entries (
  id                text PRIMARY KEY,
  user_id           text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  situation         text NOT NULL CHECK (length(situation) BETWEEN 1 AND 5000),
  thoughts          text NOT NULL DEFAULT '' CHECK (length(thoughts) <= 5000),
  revision          integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  analysis_status   text NOT NULL DEFAULT 'pending'
                      CHECK (analysis_status IN ('pending', 'ready', 'failed', 'skipped')),
  analysis_summary  text,
  analysis_sentiment text CHECK (analysis_sentiment IN ('positive', 'negative', 'neutral', 'mixed')),
  analysis_score    double precision CHECK (analysis_score BETWEEN -1 AND 1),
  analysis_highlights text,  -- JSON array of {text, polarity}
  analysis_positive_count integer CHECK (analysis_positive_count >= 0),
  analysis_negative_count integer CHECK (analysis_negative_count >= 0),
  analysis_provider text,
  analysis_model    text,
  analysis_error_code text,
  analysis_error_message text,
  analyzed_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (analysis_status <> 'failed' OR analysis_error_code IS NOT NULL)
);
-- Newest-first cursor pagination: WHERE user_id = ? AND (created_at, id) < (?, ?).
CREATE INDEX entries_user_created_idx ON entries (user_id, created_at DESC, id DESC);

-- The emotions of an entry, in the order the user gave them. The primary key serves lookups by
-- entry; (name, entry_id) serves ?emotion= filters and insights' top emotions.
CREATE TABLE entry_emotions (
  entry_id  text NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  position  integer NOT NULL CHECK (position BETWEEN 0 AND 11),
  name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  intensity double precision NOT NULL CHECK (intensity BETWEEN 0 AND 1),
  PRIMARY KEY (entry_id, position)
);
CREATE INDEX entry_emotions_name_idx ON entry_emotions (name, entry_id);

CREATE TABLE scenarios (
  id          text PRIMARY KEY,
  entry_id    text NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  position    integer NOT NULL CHECK (position BETWEEN 0 AND 99),
  title       text NOT NULL,
  description text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT scenarios_entry_position_key UNIQUE (entry_id, position)
);

-- Image jobs. A worker claims a due job (queued and next_attempt_at <= now, or running with an
-- expired lease) with FOR UPDATE SKIP LOCKED, sets status = running, lease_owner and
-- lease_expires_at; completion is conditional on still owning the lease, so a job is never
-- completed twice.
CREATE TABLE visualizations (
  id               text PRIMARY KEY,
  entry_id         text NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
  user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  style            text NOT NULL CHECK (length(style) BETWEEN 1 AND 40),
  aspect_ratio     text NOT NULL DEFAULT '1:1'
                     CHECK (aspect_ratio IN ('1:1', '3:4', '4:3', '9:16', '16:9')),
  status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  lease_owner      text,
  lease_expires_at timestamptz,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  provider         text,
  model            text,
  mime_type        text,
  width            integer CHECK (width > 0),
  height           integer CHECK (height > 0),
  image_sha256     text,  -- hex digest of the bytes; the image's ETag
  image_size       bigint CHECK (image_size >= 0),
  error_code       text,
  error_message    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  completed_at     timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'running' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK (status <> 'succeeded' OR (mime_type IS NOT NULL AND image_sha256 IS NOT NULL
                                   AND completed_at IS NOT NULL)),
  CHECK (status <> 'failed' OR (error_code IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX visualizations_claim_idx ON visualizations (status, next_attempt_at);
CREATE INDEX visualizations_lease_idx ON visualizations (status, lease_expires_at);
CREATE INDEX visualizations_user_created_idx ON visualizations (user_id, created_at DESC, id DESC);
CREATE INDEX visualizations_entry_created_idx ON visualizations (entry_id, created_at DESC, id DESC);

-- Image bytes, one row per succeeded visualization. SOCI passes parameters as text: write with
-- decode(:base64, 'base64') and read with encode(data, 'base64').
CREATE TABLE visualization_images (
  visualization_id text PRIMARY KEY REFERENCES visualizations (id) ON DELETE CASCADE,
  mime_type        text NOT NULL,
  data             bytea NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Provider answers keyed by a hash of (capability, provider, model, prompt), to avoid paying
-- twice for the same analysis.
CREATE TABLE analysis_cache (
  cache_key   text PRIMARY KEY,
  provider    text NOT NULL,
  model       text NOT NULL,
  result_json text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz
);
CREATE INDEX analysis_cache_created_idx ON analysis_cache (created_at);

-- One row per AI call (after retries and fallbacks). user_id is cleared, not deleted, with the
-- account, so cost accounting survives without personal data.
CREATE TABLE ai_usage (
  id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  user_id     text REFERENCES users (id) ON DELETE SET NULL,
  request_id  text,
  capability  text NOT NULL CHECK (capability IN ('analysis', 'scenarios', 'summary', 'image')),
  provider    text NOT NULL,
  model       text NOT NULL,
  tokens_in   integer NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
  tokens_out  integer NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
  cost_usd    double precision NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  latency_ms  integer NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
  outcome     text NOT NULL,  -- "ok" or the failure kind, e.g. "timeout", "rate_limited"
  attempts    integer NOT NULL DEFAULT 1 CHECK (attempts >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_usage_user_created_idx ON ai_usage (user_id, created_at);
CREATE INDEX ai_usage_created_idx ON ai_usage (created_at);
