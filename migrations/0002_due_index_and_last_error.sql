-- 0002: nextDueDate() and the depth gauge look for the earliest / due
-- unclaimed items regardless of priority, which work_item_ready cannot answer
-- without scanning every priority; and a failed attempt keeps its message so
-- the next attempt (and an operator reading the file) can see why it retried.
CREATE INDEX work_item_due ON work_item (controller, state, not_before);

ALTER TABLE work_item ADD COLUMN last_error TEXT;
