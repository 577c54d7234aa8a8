//! Aggregation: redistribution of the points of scored indicators that are
//! not renseigné, bonus cap, per-volet and total scores.

use super::{IndicatorResult, Status, VoletResult};
use crate::catalog::*;
use crate::number::{Number, Overflow};

#[derive(Default)]
pub(super) struct Totals {
    pub volets: Vec<VoletResult>,
    pub score: Option<Number>,
    pub bonus: Number,
    pub total: Option<Number>,
}

/// Redistribution, per-volet and total scores.
pub(super) fn aggregate(
    catalog: &Catalog,
    results: &mut [IndicatorResult],
    shares: &[Option<Number>],
) -> Result<Totals, Overflow> {
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
    for (r, share) in results.iter_mut().zip(shares) {
        if r.status != Status::Renseigne {
            continue;
        }
        let share = share.unwrap_or(Number::ZERO);
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
    // Indicators of a volet usually follow each other: the previous
    // result's volet position serves while the volet id is the same.
    let mut last: Option<(&str, Option<usize>)> = None;
    for r in results.iter() {
        let position = match last {
            Some((id, k)) if id == &*r.volet => k,
            _ => catalog.volets.iter().position(|v| v.id == r.volet),
        };
        last = Some((&r.volet, position));
        let Some(k) = position else {
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
