//! Shared by the engine's property tests: the shipped catalogs and a tiny
//! deterministic generator.
#![allow(dead_code)]

use caqes_engine::{load_catalogs, Catalog};

/// Every campaign of `indicators/*.toml`, files in name order.
pub fn shipped_catalogs() -> Vec<Catalog> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../indicators");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let src = std::fs::read_to_string(&p).unwrap();
        out.extend(load_catalogs(&p.display().to_string(), &src).unwrap());
    }
    assert!(out.len() >= 8, "shipped catalogs");
    out
}

/// A tiny deterministic generator (SplitMix64), seeded by proptest.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True `percent` times in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
