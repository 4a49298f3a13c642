-- 0006_spend_accounting (PostgreSQL): provider budgets, and image jobs that hold their quota.
-- Mirrors schema/sqlite/0006_spend_accounting.sql.
--
-- provider_spend: each provider instance's settled spend per budget window
-- (providers.instances.<name>.budget_usd), every gateway instance together. The usage recorder
-- adds a call's cost here in the transaction that writes its ai_usage row; every instance reads
-- the current windows back every few seconds and skips an instance whose budget is spent
-- (core/ai/provider_budgets.h). One row per instance, window length and window start (aligned to
-- a multiple of the length since the Unix epoch); rows of ended windows are purged.
CREATE TABLE provider_spend (
  instance     text NOT NULL CHECK (length(instance) BETWEEN 1 AND 64),
  window_s     integer NOT NULL CHECK (window_s > 0),
  window_start bigint NOT NULL,
  spend_micros bigint NOT NULL DEFAULT 0 CHECK (spend_micros >= 0),
  PRIMARY KEY (instance, window_s, window_start)
);

-- An image job reserves its image quota when it is queued; the reservation is settled when the
-- job succeeds and refunded when it fails for good or is deleted unfinished, in the same
-- transaction. NULL: nothing reserved (quotas off, or a job queued before this migration).
ALTER TABLE visualizations ADD COLUMN quota_reservation_id text;
