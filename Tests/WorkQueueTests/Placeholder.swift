//! Placeholder so the target builds; replaced by the target's tests.
import Testing
