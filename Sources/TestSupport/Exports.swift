//! Re-exports ProcessSupport (`ChildProcess`, `freeTCPPort`), so a test that
//! imports TestSupport runs child processes without importing it separately.
@_exported import ProcessSupport
