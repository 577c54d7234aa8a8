//! Scoring speed: one establishment on the largest shipped catalog, on
//! issue 14's target catalog (`occitanie-vo-2018`) and on its content when the
//! issue was filed (`occitanie-vo-2019`), and a campaign of 3,000
//! establishments on the largest; and the floor of any `evaluate` on the
//! public types (`common::floor`: answers read, results written, no scoring)
//! on the catalog as filed. Run: `cargo bench -p caqes-engine --bench score`.

mod common;

use caqes_engine::{evaluate, Answers};
use common::{answers, catalog, floor, largest, TARGET, TARGET_AS_FILED};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    for id in [TARGET, TARGET_AS_FILED] {
        let target = catalog(id);
        let one = answers(&target, 1);
        c.bench_function(
            &format!(
                "score 1 établissement — {} ({} indicateurs)",
                target.campaign.id,
                target.indicators.len()
            ),
            |b| b.iter(|| evaluate(black_box(&target), black_box(&one))),
        );
    }
    // What no scoring code can go below on the public types (see `common::floor`).
    let filed = catalog(TARGET_AS_FILED);
    let one = answers(&filed, 1);
    c.bench_function(
        &format!(
            "plancher 1 établissement — {} (lire les réponses, écrire les résultats, sans calcul)",
            filed.campaign.id
        ),
        |b| b.iter(|| floor(black_box(&filed), black_box(&one))),
    );
    let catalog = largest();
    let one = answers(&catalog, 1);
    let name = format!(
        "{} ({} indicateurs)",
        catalog.campaign.id,
        catalog.indicators.len()
    );
    c.bench_function(&format!("score 1 établissement — {name}"), |b| {
        b.iter(|| evaluate(black_box(&catalog), black_box(&one)))
    });
    let campaign: Vec<Answers> = (0..3000).map(|s| answers(&catalog, s)).collect();
    let mut g = c.benchmark_group("campagne");
    g.throughput(Throughput::Elements(campaign.len() as u64));
    g.sample_size(20);
    g.bench_function(format!("score 3 000 établissements — {name}"), |b| {
        b.iter(|| {
            for a in &campaign {
                black_box(evaluate(&catalog, a));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
