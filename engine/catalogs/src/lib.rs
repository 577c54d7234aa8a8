//! The campaigns shipped in `indicators/`, embedded at build time so that the
//! CLI and the offline form work without any file around them.
//!
//! ```
//! let catalogs = caqes_catalogs::bundled().unwrap();
//! assert!(catalogs.iter().any(|c| c.campaign.id == "na-ako-2024"));
//! ```

use caqes_engine::{load_catalogs, Catalog, CatalogErrors};

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// Every bundled catalog, all years, in file order.
pub fn bundled() -> Result<Vec<Catalog>, CatalogErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, src) in FILES {
        match load_catalogs(name, src) {
            Ok(c) => out.extend(c),
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(CatalogErrors(errors))
    }
}

/// The bundled file that defines a catalog id (for messages).
pub fn file_of(id: &str) -> Option<&'static str> {
    FILES.iter().find_map(|(name, src)| {
        load_catalogs(name, src)
            .ok()
            .filter(|cats| cats.iter().any(|c| c.campaign.id == id))
            .map(|_| *name)
    })
}
