//! Shared helpers of the integration tests that build executables by hand.

pub mod exe;
