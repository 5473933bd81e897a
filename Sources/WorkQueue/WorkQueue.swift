//! WorkQueue: the operator's crash-safe work queue and observed-state cache,
//! kept in one SQLite file (WAL). Pending work, retry backoff, scheduled
//! deadlines and the last reconciled state of every object survive restarts.
//! The API server stays the source of truth; this file only decides what to
//! look at first.
