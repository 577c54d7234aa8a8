//! Intéressement amounts of a catalog paid as amounts (occitanie-pds-2023):
//! national part = floor(25 % × positive savings), regional part = the FIR
//! envelope split pro rata of the regional points, largest remainder.

use caqes_campaign::{aggregate, apply_envelope, apply_savings, savings_share, EsRow, Key};
use caqes_engine::{Catalog, Number};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn catalog() -> Catalog {
    caqes_catalogs::bundled()
        .expect("catalogs")
        .into_iter()
        .find(|c| c.campaign.id == "occitanie-pds-2023")
        .expect("occitanie-pds-2023")
}

fn row(i: usize, regional: Option<u32>) -> EsRow {
    EsRow {
        finess: format!("{i:09}"),
        name: format!("ES {i}"),
        departement: String::new(),
        status: None,
        status_label: String::new(),
        beds: Some(i as u32 * 10),
        score: regional.map(|r| Number::int(r as i64)),
        score_exact: regional.map(|r| Number::int(r as i64)),
        interesse: regional.map(|_| true),
        verdict: String::new(),
        previous_score: None,
        progression: None,
        newly_interesse: Some(false),
        years_interesse: Vec::new(),
        amount_cents: None,
        regional_points: regional.map(|r| Number::ratio(r as i128, 10).unwrap()),
        savings_cents: None,
        national_cents: None,
        regional_cents: None,
    }
}

#[test]
fn the_catalog_pays_a_quarter_of_the_savings_rounded_down_to_the_cent() {
    let a = catalog().interessement.amounts.expect("amounts");
    assert_eq!(a.savings_percent, Number::int(25));
    assert!(a.regional_envelope);
    // 10 000,50 € × 25 % = 2 500,125 € → 2 500,12 €.
    assert_eq!(
        savings_share(a.savings_percent, 1_000_050).unwrap(),
        250_012
    );
    assert_eq!(savings_share(a.savings_percent, -5_000).unwrap(), 0);
    assert_eq!(savings_share(a.savings_percent, 3).unwrap(), 0);
}

proptest! {
    #[test]
    fn amounts_add_up_to_the_envelope_plus_the_savings_shares(
        es in proptest::collection::vec((proptest::option::of(0u32..1000), -5_000_000i64..50_000_000), 1..40),
        envelope in 0u64..100_000_000,
        percent in 20u32..=30,
        key in prop_oneof![Just(Key::Equal), Just(Key::Score), Just(Key::Beds)],
    ) {
        let mut cat = catalog();
        if let Some(a) = cat.interessement.amounts.as_mut() {
            a.savings_percent = Number::int(percent as i64);
        }
        let mut report = aggregate(&cat, &[], &[]);
        let mut savings = BTreeMap::new();
        for (i, (regional, s)) in es.iter().enumerate() {
            report.establishments.push(row(i, *regional));
            savings.insert(format!("{i:09}"), *s);
        }
        apply_envelope(&mut report, envelope, key).unwrap();
        apply_savings(&mut report, &cat, &savings).unwrap();
        let mut national = 0u64;
        let mut sum = 0u64;
        for (r, (regional, s)) in report.establishments.iter().zip(&es) {
            // Exact national share: floor(percent × savings / 100) cents, 0 when no savings.
            let expected = if *s > 0 { (*s as u64 * percent as u64) / 100 } else { 0 };
            prop_assert_eq!(r.national_cents, Some(expected));
            prop_assert_eq!(r.regional_cents.is_some(), regional.is_some());
            prop_assert_eq!(
                r.amount_cents,
                Some(r.national_cents.unwrap_or(0) + r.regional_cents.unwrap_or(0))
            );
            national += expected;
            sum += r.amount_cents.unwrap_or(0);
        }
        let any_regional = es.iter().any(|(r, _)| r.is_some());
        let it = report.interessement.as_ref().unwrap();
        prop_assert_eq!(it.national_cents, Some(national));
        let paid_envelope = if any_regional { envelope } else { 0 };
        prop_assert_eq!(sum, paid_envelope + national);
        prop_assert_eq!(it.total_cents, sum);
    }
}
