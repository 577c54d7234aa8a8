//! Every shipped catalog of `indicators/` loads and validates.

use std::path::PathBuf;

fn indicators_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../indicators")
}

#[test]
fn every_shipped_catalog_is_valid() {
    let mut ids = std::collections::HashSet::new();
    let mut count = 0;
    for entry in std::fs::read_dir(indicators_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(&path).unwrap();
        match caqes_engine::load_catalogs(&name, &src) {
            Ok(cats) => {
                for c in cats {
                    assert!(
                        ids.insert(c.campaign.id.clone()),
                        "duplicate catalog id {}",
                        c.campaign.id
                    );
                    count += 1;
                }
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(count >= 3, "expected the bundled campaigns, found {count}");
}
