//! Stable-toolchain stand-in for the cargo-fuzz target (which needs nightly):
//! the reader is fed deterministic mutations of real grids — byte flips,
//! truncations, inserted garbage, shuffled chunks — and must answer every one
//! with `Ok` or a French error, never a panic. Runs on every `cargo test`.
#![cfg(feature = "read")]

use caqes_engine::Answers;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = base.to_vec();
    match rng.below(5) {
        0 => {
            for _ in 0..1 + rng.below(20) {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
        }
        1 => out.truncate(rng.below(out.len())),
        2 => {
            let at = rng.below(out.len());
            let junk: Vec<u8> = (0..1 + rng.below(64)).map(|_| rng.next() as u8).collect();
            out.splice(at..at, junk);
        }
        3 => {
            let a = rng.below(out.len());
            let b = rng.below(out.len());
            let (lo, hi) = (a.min(b), a.max(b));
            out[lo..hi].reverse();
        }
        _ => {
            let len = out.len();
            let start = rng.below(len);
            let end = (start + rng.below(4096)).min(len);
            for b in &mut out[start..end] {
                *b = 0;
            }
        }
    }
    out
}

/// Mutates one entry of the workbook (sheet XML, shared strings, metadata…)
/// and re-zips it, so the mutation reaches the parsers behind the zip layer.
fn mutate_inside(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(base)).unwrap();
    let target = rng.below(archive.len());
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if i == target && !data.is_empty() {
            data = mutate(&data, rng);
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn mutated_grids_never_panic_the_reader() {
    let catalogs = caqes_catalogs::bundled().unwrap();
    let catalog = catalogs
        .iter()
        .find(|c| c.campaign.id == "na-ako-2024")
        .unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/answers/na-ako-2024/complet.json"
    ))
    .unwrap();
    let answers = Answers::from_json(&text).unwrap();
    let blank = caqes_grid::write_grid(catalog, None, "2026-01-01T00:00:00Z").unwrap();
    let filled = caqes_grid::write_grid(catalog, Some(&answers), "2026-01-01T00:00:00Z").unwrap();
    let mut rng = Rng(0xCA0E5);
    let (mut ok, mut err) = (0, 0);
    for round in 0..300 {
        let base = if round % 2 == 0 { &blank } else { &filled };
        let bytes = if round % 3 == 0 {
            mutate(base, &mut rng)
        } else {
            mutate_inside(base, &mut rng)
        };
        let result = std::panic::catch_unwind(|| {
            // The review never panics either.
            caqes_grid::read_grid(&bytes, &catalogs).inspect(|g| {
                let _ = g.review();
            })
        });
        match result {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                let msg = e.to_string();
                assert!(!msg.is_empty(), "round {round}: empty error message");
                err += 1;
            }
            Err(_) => panic!("round {round}: the reader panicked on a mutated grid"),
        }
    }
    // Both outcomes happen: the mutations are neither all harmless nor all fatal.
    assert!(ok > 0 && err > 0, "ok {ok}, err {err}");
}
