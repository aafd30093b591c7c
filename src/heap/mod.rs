//! What memory looks like: values and headers, atoms, custom blocks, the minor arena, the
//! major heap's pools and large blocks, bytecode stacks and fiber chains. No policy lives
//! here.

pub mod anon;
pub mod atoms;
pub mod code_pointer;
pub mod custom;
pub mod large;
pub mod major;
pub mod minor;
pub mod pool;
pub mod pools;
pub mod shim;
pub mod stack;
pub mod value;
pub mod young_space;
