//! The bundled campaigns, pre-parsed at build time: every catalog of
//! `caqes_catalogs::FILES`, loaded and resolved by the engine's loader here,
//! then embedded as its JSON serialisation (the one `catalog_hash` reads).
//! The form deserialises that JSON, so the TOML parser stays out of its first
//! load (it is in the on-demand module `web/grid`, for the catalogs opened by
//! hand or published at run time).
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../indicators");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut out = String::from(
        "/// Bundled catalogs pre-parsed: (file name, campaign id, catalog JSON).\n\
         pub static BUNDLED_JSON: &[(&str, &str, &str)] = &[\n",
    );
    for (name, src) in caqes_catalogs::FILES {
        // A bundled file that does not load is a build error (tests/catalogs.rs
        // reports it located; here the message is enough).
        let list = caqes_engine::load_catalogs(name, src)
            .unwrap_or_else(|e| panic!("bundled catalog {name} does not load: {e:?}"));
        for c in list {
            let json = serde_json::to_string(&c).expect("catalog JSON");
            writeln!(out, "    ({name:?}, {:?}, {json:?}),", c.campaign.id).unwrap();
        }
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("bundled_json.rs");
    std::fs::write(dest, out).unwrap();
}
