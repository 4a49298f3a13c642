-- 0004_fair_image_queue (PostgreSQL): what the fair image queue reads. Mirrors
-- schema/sqlite/0004_fair_image_queue.sql.
--
-- Workers take jobs round-robin across users (VisualizationsRepository::claim_due): among the
-- due jobs, the user with the fewest jobs running goes first, then the user whose last job was
-- claimed longest ago. claimed_at is when a worker last claimed the job (every attempt, unlike
-- started_at, the first); a user's latest claimed_at is their last turn. Rows claimed before
-- this migration take their started_at.
--
-- A user may have at most visualizations.max_queued_per_user unfinished jobs: the count is
-- taken at every enqueue, under a lock on the user's row, on the partial index of unfinished
-- jobs (a handful per user however large the history grows).

ALTER TABLE visualizations ADD COLUMN claimed_at timestamptz;
UPDATE visualizations SET claimed_at = started_at WHERE started_at IS NOT NULL;
-- A user's last turn: MAX(claimed_at) of their jobs, one index probe.
CREATE INDEX visualizations_user_claimed_idx ON visualizations (user_id, claimed_at);
-- A user's unfinished jobs, counted at enqueue.
CREATE INDEX visualizations_unfinished_idx ON visualizations (user_id)
  WHERE status IN ('queued', 'running');
