#![no_main]
//! The reader never panics and never inflates beyond its limits, whatever the bytes.

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn catalogs() -> &'static [caqes_engine::Catalog] {
    static C: OnceLock<Vec<caqes_engine::Catalog>> = OnceLock::new();
    C.get_or_init(|| caqes_catalogs::bundled().expect("bundled catalogs"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = caqes_grid::read_grid(data, catalogs()) {
        // The review (outcome, écarts, informations) never panics either.
        let _ = g.review();
    }
});
