//! Shared helpers of the integration tests: the repository and stock-toolchain lookup
//! (`toolchain`), and a builder of bytecode executables by hand (`exe`).

pub mod exe;
pub mod toolchain;
