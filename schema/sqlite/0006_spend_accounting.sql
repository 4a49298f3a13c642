-- 0006_spend_accounting (SQLite): provider budgets, and image jobs that hold their quota.
-- Mirrors schema/postgresql/0006_spend_accounting.sql, which says what each part is for.
CREATE TABLE provider_spend (
  instance     TEXT NOT NULL CHECK (length(instance) BETWEEN 1 AND 64),
  window_s     INTEGER NOT NULL CHECK (window_s > 0),
  window_start INTEGER NOT NULL,
  spend_micros INTEGER NOT NULL DEFAULT 0 CHECK (spend_micros >= 0),
  PRIMARY KEY (instance, window_s, window_start)
) STRICT;

ALTER TABLE visualizations ADD COLUMN quota_reservation_id TEXT;
