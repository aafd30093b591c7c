//! What memory looks like: values and headers, atoms, custom blocks, the minor arena, the
//! major heap's pools and large blocks. No policy lives here.

pub mod atoms;
pub mod code_pointer;
pub mod custom;
pub mod major;
pub mod minor;
pub mod pool;
pub mod shim;
pub mod value;
pub mod young_space;
