//! The bench scores complete, valid submissions: what its figures claim
//! (an incomplete one would time the « applicabilité indéterminée » messages
//! instead of the scoring of every indicator).

#[path = "../benches/common/mod.rs"]
#[allow(dead_code)]
mod common;

#[test]
fn the_bench_answers_are_complete_and_valid() {
    let largest = common::largest();
    for catalog in [
        common::catalog(common::TARGET),
        common::catalog(common::TARGET_AS_FILED),
        largest,
    ] {
        let id = &catalog.campaign.id;
        for seed in [1, 2, 7] {
            let e = caqes_engine::evaluate(&catalog, &common::answers(&catalog, seed));
            assert_eq!(
                e.state,
                caqes_engine::State::Complete,
                "{id}, seed {seed}: {:#?}",
                e.problems
            );
            // Every indicator the catalog scores is scored (none left out by the identification).
            assert!(e
                .indicators
                .iter()
                .all(|r| r.status == caqes_engine::Status::Renseigne));
        }
    }
}
