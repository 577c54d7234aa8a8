//! Envelope split: exact sum, respect of the key (largest remainder).

use caqes_campaign::{format_cents, parse_euros, split};
use caqes_engine::Number;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn split_is_exact_and_respects_the_key(
        envelope in 0u64..10_000_000_000,
        keys in prop::collection::vec(0u32..2_000, 1..40),
    ) {
        let nk: Vec<Number> = keys.iter().map(|&k| Number::int(k as i64)).collect();
        let a = split(envelope, &nk).unwrap();
        prop_assert_eq!(a.len(), keys.len());
        prop_assert_eq!(a.iter().sum::<u64>(), envelope);
        let all_zero = keys.iter().all(|&k| k == 0);
        for i in 0..keys.len() {
            for j in 0..keys.len() {
                if keys[i] > keys[j] {
                    prop_assert!(a[i] >= a[j], "key {} > {} but {} < {}", keys[i], keys[j], a[i], a[j]);
                }
                if keys[i] == keys[j] || all_zero {
                    prop_assert!(a[i].abs_diff(a[j]) <= 1);
                }
            }
            if keys[i] == 0 && !all_zero {
                prop_assert_eq!(a[i], 0);
            }
        }
    }

    #[test]
    fn split_with_rational_keys(
        envelope in 0u64..1_000_000_000,
        keys in prop::collection::vec((0i128..10_000, 1i128..90), 1..25),
    ) {
        let nk: Vec<Number> = keys.iter().map(|&(n, d)| Number::ratio(n, d).unwrap()).collect();
        let a = split(envelope, &nk).unwrap();
        prop_assert_eq!(a.iter().sum::<u64>(), envelope);
        for i in 0..nk.len() {
            for j in 0..nk.len() {
                if nk[i] > nk[j] {
                    prop_assert!(a[i] >= a[j]);
                }
                if nk[i] == nk[j] {
                    prop_assert!(a[i].abs_diff(a[j]) <= 1);
                }
            }
        }
    }
}

#[test]
fn equal_shares_of_100_euros_among_3() {
    let a = split(10_000, &[Number::ONE; 3]).unwrap();
    assert_eq!(a, vec![3334, 3333, 3333]);
}

#[test]
fn euros_parse_and_format() {
    assert_eq!(parse_euros("150 000,50"), Some(15_000_050));
    assert_eq!(parse_euros("1234.5"), Some(123_450));
    assert_eq!(parse_euros("0,001"), None);
    assert_eq!(parse_euros("-3"), None);
    println!("{}", format_cents(123_456_789));
}
