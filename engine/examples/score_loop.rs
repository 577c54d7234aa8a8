//! Scores one answers file N times (for instruction counts under callgrind,
//! which stay meaningful on a loaded machine):
//! `valgrind --tool=callgrind target/release/examples/score_loop CATALOG.toml ANSWERS.json 1000`,
//! or exactly what `cargo bench -p caqes-engine --bench score` scores for one
//! establishment on the largest catalog: `… score_loop bench 1000`, or on
//! another shipped catalog: `… score_loop bench occitanie-vo-2018 1000` (per
//! evaluate: the difference between N = 1001 and N = 1, divided by 1000), or
//! on the indicators of one measure kind of a shipped catalog:
//! `… score_loop kind occitanie-vo-2019 taux 1000` (kinds as `Measure::kind_label`);
//! or the bench's floor (answers read, results written, no scoring:
//! `common::floor`): `… score_loop floor occitanie-vo-2019 1000`, under
//! `--toggle-collect='score_loop::main'` since it has no function of its own.

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, id, n] = args.as_slice() {
        if mode == "floor" {
            let catalog = common::catalog(id);
            let answers = common::answers(&catalog, 1);
            let n: usize = n.parse().expect("N entier");
            let mut total = 0usize;
            for _ in 0..n {
                let results = common::floor(
                    std::hint::black_box(&catalog),
                    std::hint::black_box(&answers),
                );
                total += results.len();
            }
            println!("{total}");
            return;
        }
    }
    let (catalog, answers, n) = match args.as_slice() {
        [_, mode, n] if mode == "bench" => {
            let catalog = common::largest();
            let answers = common::answers(&catalog, 1);
            (catalog, answers, n)
        }
        [_, mode, id, n] if mode == "bench" => {
            let catalog = common::catalog(id);
            let answers = common::answers(&catalog, 1);
            (catalog, answers, n)
        }
        [_, mode, id, kind, n] if mode == "kind" => {
            // One measure kind alone (its indicators and their answers).
            let mut catalog = common::catalog(id);
            let mut answers = common::answers(&catalog, 1);
            catalog
                .indicators
                .retain(|i| i.measure.kind_label() == kind);
            answers
                .indicators
                .retain(|k, _| catalog.indicators.iter().any(|i| i.id == *k));
            eprintln!("{} indicateurs « {kind} »", catalog.indicators.len());
            (catalog, answers, n)
        }
        [_, catalog, answers, n] => {
            let src = std::fs::read_to_string(catalog).expect("catalogue lisible");
            let catalogs = caqes_engine::load_catalogs(catalog, &src).expect("catalogue valide");
            let text = std::fs::read_to_string(answers).expect("réponses lisibles");
            let answers = caqes_engine::Answers::from_json(&text).expect("réponses valides");
            let catalog = catalogs
                .into_iter()
                .find(|c| c.campaign.id == answers.catalog)
                .expect("référentiel des réponses");
            (catalog, answers, n)
        }
        _ => {
            eprintln!("usage : score_loop CATALOGUE.toml REPONSES.json N | score_loop bench [RÉFÉRENTIEL] N | score_loop kind RÉFÉRENTIEL TYPE N | score_loop floor RÉFÉRENTIEL N");
            std::process::exit(2);
        }
    };
    let n: usize = n.parse().expect("N entier");
    let mut total = 0usize;
    for _ in 0..n {
        let e = caqes_engine::evaluate(
            std::hint::black_box(&catalog),
            std::hint::black_box(&answers),
        );
        total += e.indicators.len();
    }
    println!("{total}");
}
