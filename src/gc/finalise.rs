//! Finaliser tables (`Gc.finalise`, `Gc.finalise_last`) and the queue of finalisers due.
//!
//! Every value and closure held here is a root of the minor collection; `first` values are
//! strong until the major cycle finds them otherwise unreachable.

use crate::heap::value::Value;

#[derive(Clone, Copy, Debug)]
pub struct Finaliser {
    pub value: Value,
    pub func: Value,
    /// `finalise_last`: the function is called with `()`.
    pub last: bool,
}

#[derive(Default)]
pub struct Finalisers {
    pub first: Vec<Finaliser>,
    pub last: Vec<Finaliser>,
    /// Finalisers whose value died, in the order they are to run.
    pub due: Vec<Finaliser>,
}

impl Finalisers {
    pub fn register(&mut self, value: Value, func: Value, last: bool) {
        let f = Finaliser { value, func, last };
        if last {
            self.last.push(f);
        } else {
            self.first.push(f);
        }
    }
}
