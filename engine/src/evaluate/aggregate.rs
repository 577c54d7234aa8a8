//! Aggregation: redistribution of the points of scored indicators that are
//! not renseigné, bonus cap, per-volet and total scores.

use super::{IndicatorResult, Status, VoletResult};
use crate::catalog::*;
use crate::number::{Number, Overflow, Sum};

#[derive(Debug, Default, PartialEq)]
pub(super) struct Totals {
    pub volets: Vec<VoletResult>,
    pub score: Option<Number>,
    pub bonus: Number,
    pub total: Option<Number>,
}

/// Redistribution, per-volet and total scores, from each result's status,
/// role, points and share: [`aggregate_fast`], or when it cannot vouch for
/// its result, [`aggregate_exact`] (which then also decides the overflow).
pub(super) fn aggregate(
    catalog: &Catalog,
    results: &mut [IndicatorResult],
) -> Result<Totals, Overflow> {
    // The web form carries the exact path alone: its size is budgeted, and
    // one evaluation per change needs no speed (same results either way).
    #[cfg(not(target_arch = "wasm32"))]
    {
        if let Some(totals) = aggregate_fast(catalog, results) {
            return Ok(totals);
        }
        // Back to the state before aggregation (only weight and points are written).
        for r in results.iter_mut() {
            r.weight = Number::ZERO;
            r.points = Number::ZERO;
        }
    }
    aggregate_exact(catalog, results)
}

/// [`aggregate_exact`] with its sums over a common denominator ([`Sum`],
/// one reduction per sum instead of a gcd per term), and what the catalog
/// gives alone from its index ([`Aggregation`], when it holds): each
/// result's volet, the sum of the scored points, and when every scored
/// indicator is renseigné, each volet's weight (nothing is redistributed).
/// `None` when a sum leaves hardware words or an operation overflows: the
/// exact path then decides, and sets the results as it always did up to the
/// overflow. When it gives totals, they are the exact path's (same
/// operations, sums equal by exactness, and no overflow on the exact path,
/// see [`Sum`]; the constants are the exact path's sums, in its order).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn aggregate_fast(catalog: &Catalog, results: &mut [IndicatorResult]) -> Option<Totals> {
    let constants = catalog
        .index()
        .aggregation
        .as_ref()
        .filter(|a| a.holds(catalog, results));
    let mut n_applicable = 0i64;
    for r in results.iter() {
        if r.role == Role::Scored && r.status == Status::Renseigne {
            n_applicable += 1;
        }
    }
    // Every scored indicator renseigné, the constants holding and the base
    // positive (the exact path's redistribution by a zero base fails): the
    // scored points are the applicable points, and nothing is redistributed
    // (base / base is 1, base − base is 0).
    let complete = constants.filter(|a| {
        n_applicable as usize == a.scored && !a.base.is_zero() && !a.base.is_negative()
    });
    let (base, applicable) = match (complete, constants) {
        (Some(a), _) => (a.base, a.base),
        (None, known) => {
            let mut base = Sum::ZERO;
            let mut applicable = Sum::ZERO;
            for r in results.iter().filter(|r| r.role == Role::Scored) {
                if known.is_none() {
                    base.add(r.max_points);
                }
                if r.status == Status::Renseigne {
                    applicable.add(r.max_points);
                }
            }
            let base = match known {
                Some(a) => a.base,
                None => base.value()?,
            };
            (base, applicable.value()?)
        }
    };
    let (redistributed, unchanged) = if complete.is_some() {
        (Number::ZERO, true)
    } else {
        let freed = base.sub(applicable).ok()?;
        let redistributed = match catalog.campaign.redistribution {
            _ if n_applicable == 0 => Number::ZERO,
            Redistribution::Proportional => base.div(applicable).ok()?,
            Redistribution::Equal => freed.div(Number::int(n_applicable)).ok()?,
        };
        let unchanged = match catalog.campaign.redistribution {
            Redistribution::Proportional => redistributed == Number::ONE,
            Redistribution::Equal => redistributed.is_zero(),
        };
        (redistributed, unchanged)
    };
    let mut earned_sum = Sum::ZERO;
    let mut bonus_sum = Sum::ZERO;
    let volets = &catalog.volets;
    let mut sums = vec![[Sum::ZERO; 3]; volets.len()];
    let mut last: Option<(&str, Option<usize>)> = None;
    for (k, r) in results.iter_mut().enumerate() {
        if r.status == Status::Renseigne {
            let share = r.share.unwrap_or(Number::ZERO);
            match r.role {
                Role::Information => {}
                Role::Bonus => {
                    r.weight = r.max_points;
                    r.points = r.max_points.mul(share).ok()?;
                    bonus_sum.add(r.points);
                }
                Role::Scored => {
                    r.weight = match catalog.campaign.redistribution {
                        // (× 1 when nothing is redistributed: the points.)
                        _ if unchanged => r.max_points,
                        Redistribution::Proportional => r.max_points.mul(redistributed).ok()?,
                        Redistribution::Equal => r.max_points.add(redistributed).ok()?,
                    };
                    r.points = r.weight.mul(share).ok()?;
                    earned_sum.add(r.points);
                }
            }
        }
        let position = match constants {
            Some(a) => a.items.get(k).and_then(|item| item.3).map(|p| p as usize),
            None => volet_of(volets, &mut last, &r.volet),
        };
        let Some([weight, points, vbonus]) = position.and_then(|p| sums.get_mut(p)) else {
            continue;
        };
        match r.role {
            Role::Scored => {
                if complete.is_none() {
                    weight.add(r.weight);
                }
                points.add(r.points);
            }
            Role::Bonus => vbonus.add(r.points),
            Role::Information => {}
        }
    }
    let (earned_sum, bonus_sum) = (earned_sum.value()?, bonus_sum.value()?);
    let scale = catalog.campaign.scale;
    let score = if n_applicable == 0 || base.is_zero() {
        None
    } else {
        Some(earned_sum.mul_div(scale, base).ok()?)
    };
    let bonus = bonus_sum.min(catalog.campaign.bonus_max);
    let total = match score {
        Some(s) if catalog.campaign.cap_total_at_scale => Some(s.add(bonus).ok()?.min(scale)),
        Some(s) => Some(s.add(bonus).ok()?),
        None => None,
    };
    let mut out = Vec::with_capacity(volets.len());
    for (j, (v, [weight, points, vbonus])) in volets.iter().zip(sums).enumerate() {
        let weight = match complete {
            Some(a) => *a.weights.get(j)?,
            None => weight.value()?,
        };
        let (points, vbonus) = (points.value()?, vbonus.value()?);
        let vscore = if weight.is_zero() {
            None
        } else {
            Some(points.percent_of(weight).ok()?)
        };
        out.push(VoletResult {
            id: v.id.clone(),
            title: v.title.clone(),
            weight,
            points,
            bonus: vbonus,
            score: vscore,
        });
    }
    Some(Totals {
        volets: out,
        score,
        bonus,
        total,
    })
}

/// The position of the volet `id` in `volets`. Indicators of a volet usually
/// follow each other: the previous result's position (`last`) serves while
/// the id is the same, the same text when the same pointer (the loaders share
/// the volets' ids with their indicators, see `Catalog::with_shared_volet_ids`).
fn volet_of<'a>(
    volets: &[Volet],
    last: &mut Option<(&'a str, Option<usize>)>,
    id: &'a str,
) -> Option<usize> {
    let same = |a: &str, b: &str| std::ptr::eq(a, b) || a == b;
    let position = match *last {
        Some((previous, k)) if same(previous, id) => k,
        _ => volets.iter().position(|v| same(&v.id, id)),
    };
    *last = Some((id, position));
    position
}

/// Redistribution, per-volet and total scores, one checked operation at a
/// time (the reference: [`aggregate_fast`] gives the same totals and
/// results whenever it gives any).
fn aggregate_exact(catalog: &Catalog, results: &mut [IndicatorResult]) -> Result<Totals, Overflow> {
    let mut base = Number::ZERO;
    let mut applicable = Number::ZERO;
    let mut n_applicable = 0i64;
    for r in results.iter() {
        if r.role == Role::Scored {
            base = base.add(r.max_points)?;
            if r.status == Status::Renseigne {
                applicable = applicable.add(r.max_points)?;
                n_applicable += 1;
            }
        }
    }
    let freed = base.sub(applicable)?;
    // What redistribution does to each renseigné scored indicator, computed
    // once: the factor base / applicable (proportional) or the points freed
    // per indicator (equal). Exact, so the same fractions as computed one by
    // one; unused (and not computed) when no scored indicator is renseigné.
    let redistributed = match catalog.campaign.redistribution {
        _ if n_applicable == 0 => Number::ZERO,
        Redistribution::Proportional => base.div(applicable)?,
        Redistribution::Equal => freed.div(Number::int(n_applicable))?,
    };
    let mut earned_sum = Number::ZERO;
    let mut bonus_sum = Number::ZERO;
    for r in results.iter_mut() {
        if r.status != Status::Renseigne {
            continue;
        }
        let share = r.share.unwrap_or(Number::ZERO);
        match r.role {
            Role::Information => {}
            Role::Bonus => {
                r.weight = r.max_points;
                r.points = r.max_points.mul(share)?;
                bonus_sum = bonus_sum.add(r.points)?;
            }
            Role::Scored => {
                r.weight = match catalog.campaign.redistribution {
                    Redistribution::Proportional => r.max_points.mul(redistributed)?,
                    Redistribution::Equal => r.max_points.add(redistributed)?,
                };
                r.points = r.weight.mul(share)?;
                earned_sum = earned_sum.add(r.points)?;
            }
        }
    }
    let scale = catalog.campaign.scale;
    let score = if n_applicable == 0 || base.is_zero() {
        None
    } else {
        Some(earned_sum.mul(scale)?.div(base)?)
    };
    let bonus = bonus_sum.min(catalog.campaign.bonus_max);
    let total = match score {
        Some(s) if catalog.campaign.cap_total_at_scale => Some(s.add(bonus)?.min(scale)),
        Some(s) => Some(s.add(bonus)?),
        None => None,
    };
    // One pass over the results; each volet adds its own results in catalog
    // order, as a per-volet scan would.
    let mut sums = vec![[Number::ZERO; 3]; catalog.volets.len()];
    let mut last: Option<(&str, Option<usize>)> = None;
    for r in results.iter() {
        let Some(k) = volet_of(&catalog.volets, &mut last, &r.volet) else {
            continue;
        };
        let [weight, points, vbonus] = &mut sums[k];
        match r.role {
            Role::Scored => {
                *weight = weight.add(r.weight)?;
                *points = points.add(r.points)?;
            }
            Role::Bonus => *vbonus = vbonus.add(r.points)?,
            Role::Information => {}
        }
    }
    let mut volets = Vec::with_capacity(catalog.volets.len());
    for (v, [weight, points, vbonus]) in catalog.volets.iter().zip(sums) {
        let vscore = if weight.is_zero() {
            None
        } else {
            Some(points.div(weight)?.mul(Number::HUNDRED)?)
        };
        volets.push(VoletResult {
            id: v.id.clone(),
            title: v.title.clone(),
            weight,
            points,
            bonus: vbonus,
            score: vscore,
        });
    }
    Ok(Totals {
        volets,
        score,
        bonus,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::Answers;

    /// A small deterministic generator (no dependency, same cases every run).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        /// Points and shares as catalogs and scoring make them, and now and
        /// then huge ones (beyond 64 bits, near the 128-bit limits).
        fn number(&mut self) -> Number {
            let n = self.next() as i128;
            match self.next() % 10 {
                0 => Number::ZERO,
                1 => Number::ONE,
                2 | 3 => Number::int((n % 40) as i64),
                4 => Number::ratio(n % 1000, 1 + (self.next() % 1000) as i128).unwrap(),
                5 => Number::ratio(n % 1_000_000_000, 1_000_000_000).unwrap(),
                6 => Number::ratio(n % 50, 1 + (self.next() % 7) as i128).unwrap(),
                7 => Number::ratio(i64::MAX as i128 + n, 1 + (self.next() % 3) as i128).unwrap(),
                8 => Number::ratio(i128::MAX / 3 - n, 1).unwrap(),
                _ => Number::ratio(n, (1i128 << 70) + 1).unwrap(),
            }
        }
    }

    /// The fast path gives the exact path's totals and results whenever it
    /// gives any, and the public `aggregate` gives the exact path's outcome
    /// (totals or overflow, and the results as left) in every case: with the
    /// index's constants (results of the catalog's roles and points, every
    /// scored one renseigné or not) and without (other roles and points).
    #[test]
    fn fast_aggregation_is_the_exact_one() {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../indicators/occitanie-vo.toml"
        ))
        .unwrap();
        let mut rng = Lcg(14);
        let (mut fast_cases, mut fallbacks, mut overflows) = (0, 0, 0);
        let (mut constants, mut complete) = (0, 0);
        for mut catalog in crate::load_catalogs("occitanie-vo.toml", &src).unwrap() {
            for case in 0..400 {
                catalog.campaign.redistribution = if case % 2 == 0 {
                    Redistribution::Proportional
                } else {
                    Redistribution::Equal
                };
                catalog.campaign.cap_total_at_scale = case % 3 == 0;
                let answers = Answers {
                    catalog: catalog.campaign.id.clone(),
                    ..Default::default()
                };
                let mut results = crate::evaluate(&catalog, &answers).indicators;
                // Small cases (few terms) stay on the fast path more often.
                let huge = case % 4 == 0;
                // Results of the catalog (its roles and points: the index's
                // constants hold), every one renseigné now and then.
                let own = case % 5 == 1;
                let renseigne = own && case % 10 == 1;
                let holds = |results: &[IndicatorResult]| {
                    let a = catalog.index().aggregation.as_ref().unwrap();
                    a.holds(&catalog, results)
                };
                for r in results.iter_mut() {
                    r.weight = Number::ZERO;
                    r.points = Number::ZERO;
                    if !own {
                        r.max_points = if huge {
                            rng.number()
                        } else {
                            Number::int((rng.next() % 10) as i64)
                        };
                    }
                    r.share = match rng.next() % 4 {
                        0 => None,
                        _ if huge => Some(rng.number()),
                        _ => Some(Number::ratio((rng.next() % 1001) as i128, 1000).unwrap()),
                    };
                    r.status = match rng.next() % 5 {
                        _ if renseigne => Status::Renseigne,
                        0 => Status::NonConcerne,
                        1 => Status::NonMesurable,
                        _ => Status::Renseigne,
                    };
                    if !own {
                        r.role = match rng.next() % 6 {
                            0 => Role::Bonus,
                            1 => Role::Information,
                            _ => Role::Scored,
                        };
                    }
                }
                constants += usize::from(holds(&results));
                complete += usize::from(renseigne && holds(&results));
                let mut exact_results = results.clone();
                let exact = aggregate_exact(&catalog, &mut exact_results);
                overflows += usize::from(exact.is_err());
                let mut fast_results = results.clone();
                if let Some(fast) = aggregate_fast(&catalog, &mut fast_results) {
                    fast_cases += 1;
                    assert_eq!(
                        Ok(&fast),
                        exact.as_ref(),
                        "{} case {case}",
                        catalog.campaign.id
                    );
                    assert_eq!(fast_results, exact_results);
                } else {
                    fallbacks += 1;
                }
                let mut public_results = results.clone();
                let public = aggregate(&catalog, &mut public_results);
                assert_eq!(public, exact, "{} case {case}", catalog.campaign.id);
                assert_eq!(public_results, exact_results);
            }
        }
        assert!(
            fast_cases > 100 && fallbacks > 100 && overflows > 10,
            "{fast_cases} / {fallbacks} / {overflows}"
        );
        assert!(
            complete > 50 && constants >= 2 * complete,
            "{constants} / {complete}"
        );
    }
}
