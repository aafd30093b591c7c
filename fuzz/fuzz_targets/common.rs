//! Shared set-up for the fuzz targets: one domain per thread, reused across inputs and
//! collected after each one (a fresh domain per input would leak its major heap).

use std::sync::Arc;
use warden::api::Config;
use warden::api::Domain;

thread_local! {
    static DOMAIN: std::cell::RefCell<Option<Domain>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with the thread's domain, then collects everything it allocated.
pub fn with_domain(f: impl FnOnce(&mut Domain)) {
    DOMAIN.with(|d| {
        let mut d = d.borrow_mut();
        let dom = d.get_or_insert_with(|| {
            let config = Config { minor_heap_wsz: 8192, ..Config::default() };
            let mut dom = Domain::new(Arc::new(config));
            // Registers the custom block kinds (int32/int64/nativeint, bigarrays ...), so
            // their deserialisers are fuzzed too.
            warden::api::init_prims(&mut dom);
            dom
        });
        f(dom);
        dom.full_major();
    });
}
