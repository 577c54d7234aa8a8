//! Generates N filled grids of a catalog (benchmarks, manual checks).
//!   cargo run --release -p caqes-grid --example gen_grids -- [CATALOG|largest] N DIR

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("largest");
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let dir = std::path::PathBuf::from(
        args.get(3)
            .map(String::as_str)
            .unwrap_or("/tmp/caqes-grids"),
    );
    let catalogs = caqes_catalogs::bundled().expect("catalogs");
    let catalog = if which == "largest" {
        catalogs
            .iter()
            .max_by_key(|c| c.indicators.len())
            .expect("a catalog")
    } else {
        catalogs
            .iter()
            .find(|c| c.campaign.id == which)
            .expect("unknown catalog")
    };
    std::fs::create_dir_all(&dir).expect("dir");
    for i in 0..n {
        let mut a = common::generate(catalog, i);
        // One establishment per grid: a distinct FINESS with a valid Luhn key.
        a.establishment.finess = finess(i);
        a.establishment.name = format!("Établissement synthétique n° {}", i + 1);
        let b = caqes_grid::write_grid(catalog, Some(&a), "2025-01-01T00:00:00Z").expect("grid");
        std::fs::write(dir.join(format!("grille-{i:05}.xlsx")), b).expect("write");
    }
    println!("{}", catalog.campaign.id);
}

/// "33" + 6-digit serial + Luhn check digit.
fn finess(i: u64) -> String {
    let body = format!("33{:06}", i % 1_000_000);
    let mut sum = 0;
    for (k, b) in body.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if k % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    let key = (10 - sum % 10) % 10;
    let f = format!("{body}{key}");
    debug_assert!(caqes_engine::finess_is_valid(&f));
    f
}
