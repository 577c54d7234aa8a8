//! Scoring speed: one establishment on the largest shipped catalog, and a
//! campaign of 3,000 establishments. Run: `cargo bench -p caqes-engine --bench score`.

mod common;

use caqes_engine::{evaluate, Answers};
use common::{answers, largest};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
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
