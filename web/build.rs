//! The bundled campaigns, pre-parsed at build time: every catalog of
//! `caqes_catalogs::FILES`, loaded and resolved by the engine's loader here,
//! then embedded in the compact form of `caqes_engine::compact`. The form
//! decodes it, so neither the TOML parser nor serde's deserialisers of the
//! catalog model are in its first load (it is in the on-demand module `web/grid`, for the catalogs opened by
//! hand or published at run time).
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../indicators");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut out = String::from(
        "/// Bundled catalogs, in the order of `bundled.bin`: (file name, campaign id).\n\
         pub static BUNDLED_INDEX: &[(&str, &str)] = &[\n",
    );
    let mut all = Vec::new();
    for (name, src) in caqes_catalogs::FILES {
        // A bundled file that does not load is a build error (tests/catalogs.rs
        // reports it located; here the message is enough).
        let list = caqes_engine::load_catalogs(name, src)
            .unwrap_or_else(|e| panic!("bundled catalog {name} does not load: {e:?}"));
        for c in list {
            writeln!(out, "    ({name:?}, {:?}),", c.campaign.id).unwrap();
            all.push(c);
        }
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(
        out_dir.join("bundled.bin"),
        caqes_engine::compact::encode_catalogs(&all),
    )
    .unwrap();
    let dest = out_dir.join("bundled_index.rs");
    std::fs::write(dest, out).unwrap();
}
