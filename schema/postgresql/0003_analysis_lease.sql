-- 0003_analysis_lease (PostgreSQL): a bound on how long an analysis may stay pending. Mirrors
-- schema/sqlite/0003_analysis_lease.sql.
--
-- An analysis runs inside the request that made it pending (create, or an edit of the entry's
-- words), so the instance serving that request is the only one that can finish it. When that
-- instance dies, nothing would: analysis_pending_until is when the request must have been
-- answered (server.request_timeout_ms + journal.analysis_lease_margin_ms after the status
-- became pending), and every instance periodically marks the pending analyses past it failed.
-- NULL while not pending. A pending row with NULL (written before this migration, or by an
-- older instance during a rolling upgrade) counts from updated_at with the same bound.

ALTER TABLE entries ADD COLUMN analysis_pending_until timestamptz;
ALTER TABLE entries ADD CONSTRAINT entries_pending_until_check
  CHECK (analysis_status = 'pending' OR analysis_pending_until IS NULL);
-- The sweep reads pending rows only, a handful at any time however large the table grows.
CREATE INDEX entries_pending_analysis_idx ON entries (analysis_pending_until)
  WHERE analysis_status = 'pending';
