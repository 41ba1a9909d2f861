-- last_mark_tid: the watermark of the last mark whose result the unreachable set still is. While the
-- index's watermark equals it (nothing committed since) and nothing vanished behind the index's back, a
-- new mark would find the same set, less what was deleted since: a collection run reuses it. NULL: no
-- such mark (never marked, the index discarded, or objects vanished).
--
-- reconciled_at: when the index last looked for objects deleted behind its back, so that the
-- reconcile-interval holds across restarts and one-shot commands, not only within one process.
ALTER TABLE progress ADD COLUMN last_mark_tid bigint, ADD COLUMN reconciled_at timestamptz;
