-- 0001: the work queue, the observed-state cache and process metadata.
-- Times are unix milliseconds. One row per (controller, object key): the
-- primary key is the queue's deduplication.

-- Process metadata: `epoch` (bumped at every open; claims from an older epoch
-- belong to a dead process), `created_at`, `writable_check_at`.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) STRICT;

-- Pending and in-flight work. `state` is 'ready' (waiting until `not_before`)
-- or 'claimed' (a worker holds it since `claimed_at`, in `claim_epoch`).
-- `dirty` = re-added while claimed: run again after the claim finishes; the
-- re-add's `not_before`/`priority` are kept in the row meanwhile.
-- `failures` = consecutive failed attempts (the backoff exponent).
CREATE TABLE work_item (
    controller  TEXT NOT NULL,
    object_key  TEXT NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL,
    added_at    INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    state       TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'claimed')),
    dirty       INTEGER NOT NULL DEFAULT 0 CHECK (dirty IN (0, 1)),
    claim_epoch INTEGER,
    claimed_at  INTEGER,
    PRIMARY KEY (controller, object_key)
) STRICT;

-- claim(): ready items of one controller, highest priority first, earliest due first.
CREATE INDEX work_item_ready ON work_item (controller, state, priority DESC, not_before);

-- The last successful reconcile of each object.
CREATE TABLE observed (
    controller       TEXT NOT NULL,
    object_key       TEXT NOT NULL,
    uid              TEXT NOT NULL,
    generation       INTEGER NOT NULL,
    resource_version TEXT NOT NULL,
    input_hash       TEXT NOT NULL,
    reconciled_at    INTEGER NOT NULL,
    PRIMARY KEY (controller, object_key)
) STRICT;
