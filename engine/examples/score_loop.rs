//! Scores one answers file N times (for instruction counts under callgrind,
//! which stay meaningful on a loaded machine):
//! `valgrind --tool=callgrind target/release/examples/score_loop CATALOG.toml ANSWERS.json 1000`
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage : score_loop CATALOGUE.toml REPONSES.json N");
        std::process::exit(2);
    }
    let src = std::fs::read_to_string(&args[1]).expect("catalogue lisible");
    let catalogs = caqes_engine::load_catalogs(&args[1], &src).expect("catalogue valide");
    let text = std::fs::read_to_string(&args[2]).expect("réponses lisibles");
    let answers = caqes_engine::Answers::from_json(&text).expect("réponses valides");
    let catalog = catalogs
        .iter()
        .find(|c| c.campaign.id == answers.catalog)
        .expect("référentiel des réponses");
    let n: usize = args[3].parse().expect("N entier");
    let mut total = 0usize;
    for _ in 0..n {
        let e = caqes_engine::evaluate(
            std::hint::black_box(catalog),
            std::hint::black_box(&answers),
        );
        total += e.indicators.len();
    }
    println!("{total}");
}
