//! The value of each measure kind (one function per kind) and its share of
//! the points (scoring functions, numerator-only cap, share precision).

use super::context::Ctx;
use super::IndicatorResult;
use crate::catalog::*;
use crate::number::{Number, Overflow, RoundingMode};

/// What a measure kind gives the scoring: its value, the target applied, the
/// scoring function and comparison, and an optional cap on the share (with
/// the field the warning names).
struct Measured<'a> {
    value: Option<Number>,
    target: Option<Number>,
    scoring: &'a Scoring,
    op: Op,
    cap: Option<(Number, &'a str)>,
    /// Whether the value comes from [`percent`], already rounded as
    /// [`share`] rounds values (rounding it again gives it back).
    rounded: bool,
}

/// Computes the value, target and share of a renseigné indicator.
pub(super) fn measure(
    ctx: &mut Ctx<'_>,
    result: &mut IndicatorResult,
) -> Result<Option<Number>, Overflow> {
    let ind = ctx.ind;
    let op = ind.measure.target().map(|t| t.op).unwrap_or(Op::AtLeast);
    let measured = match &ind.measure {
        Measure::Rate {
            numerator,
            denominator,
            target,
            scoring,
            numerator_only,
            numerator_may_exceed,
        } => rate(
            ctx,
            result,
            Rate {
                numerator,
                denominator,
                target,
                scoring,
                numerator_only: numerator_only.as_ref(),
                numerator_may_exceed: *numerator_may_exceed,
            },
        )?,
        Measure::Evolution {
            previous,
            current,
            target,
            scoring,
        } => {
            result.unit = Some(Unit::Percent);
            let (value, target) = evolution(ctx, previous, current, target)?;
            Measured {
                value,
                target,
                scoring,
                op,
                cap: None,
                rounded: true,
            }
        }
        Measure::Count {
            terms,
            target,
            scoring,
        } => {
            result.unit = Some(Unit::Count);
            let ok = ctx.read_all(&mut terms.iter().map(InputRef::Term));
            let target = ctx.resolve_target(target);
            Measured {
                value: count(terms, ok.then_some(&ctx.values[..]))?,
                target,
                scoring,
                op,
                cap: None,
                rounded: false,
            }
        }
        Measure::Distribution {
            total,
            parts,
            counted,
            excluded,
            excluded_counted,
            target,
            scoring,
        } => {
            result.unit = Some(Unit::Percent);
            let target = ctx.resolve_target(target);
            let value = distribution(
                ctx,
                total,
                parts,
                counted,
                excluded.as_ref(),
                excluded_counted.as_ref(),
            )?;
            Measured {
                value,
                target,
                scoring,
                op,
                cap: None,
                rounded: true,
            }
        }
        Measure::Criteria { criteria: list } => return criteria(ctx, result, list),
        Measure::Information { inputs } => {
            information(ctx, result, inputs);
            return Ok(None);
        }
    };
    share(ctx, result, measured)
}

/// The fields of a rate measure.
struct Rate<'a> {
    numerator: &'a Input,
    denominator: &'a Input,
    target: &'a Target,
    scoring: &'a Scoring,
    numerator_only: Option<&'a NumeratorOnly>,
    numerator_may_exceed: bool,
}

/// A rate in percent; with the numerator alone (when the catalog allows it),
/// the numerator scored on its own target, capped (see [`numerator_only_cap`]).
fn rate<'a>(
    ctx: &mut Ctx<'_>,
    result: &mut IndicatorResult,
    r: Rate<'a>,
) -> Result<Measured<'a>, Overflow> {
    let op = r.target.op;
    let num = ctx.required(r.numerator);
    let den = ctx.read_input(InputRef::Input(r.denominator), r.numerator_only.is_some());
    let plain = |value, target| Measured {
        value,
        target,
        scoring: r.scoring,
        op,
        cap: None,
        rounded: true,
    };
    Ok(match (num, den, r.numerator_only) {
        (Ok(Some(n)), Ok(None), Some(no)) => {
            result.unit = Some(Unit::Count);
            let rate_target = ctx.quietly(|c| c.resolve_target(r.target));
            let cap = numerator_only_cap(n, r.numerator_may_exceed, op, rate_target, r.scoring)?;
            Measured {
                value: Some(n),
                target: ctx.resolve_target(&no.target),
                scoring: &no.scoring,
                op: no.target.op,
                cap: Some((cap, r.denominator.id.as_str())),
                rounded: false,
            }
        }
        (Ok(Some(n)), Ok(Some(d)), _) => {
            result.unit = Some(Unit::Percent);
            let t = ctx.resolve_target(r.target);
            if d.is_zero() {
                ctx.error(
                    Some(&r.denominator.id),
                    format!(
                        "« {} » vaut 0 : taux non calculable (déclarer l'indicateur non concerné si c'est le cas)",
                        r.denominator.label
                    ),
                );
                plain(None, t)
            } else if n > d && !r.numerator_may_exceed {
                ctx.error(
                    Some(&r.numerator.id),
                    format!(
                        "le numérateur ({}) est supérieur au dénominateur ({})",
                        n.to_french_auto(),
                        d.to_french_auto()
                    ),
                );
                plain(None, t)
            } else {
                plain(Some(percent(ctx, n, d)?), t)
            }
        }
        _ => {
            result.unit = Some(Unit::Percent);
            plain(None, ctx.resolve_target(r.target))
        }
    })
}

/// `n / d` in percent; already rounded as [`share`] rounds values when the
/// catalog rounds them (the same number: rounding twice is rounding once).
fn percent(ctx: &Ctx<'_>, n: Number, d: Number) -> Result<Number, Overflow> {
    match ctx.catalog.campaign.value_decimals {
        Some(decimals) => n.percent_rounded(d, decimals, RoundingMode::HalfUp),
        None => n.percent_of(d),
    }
}

/// An evolution in percent from `previous` to `current`, and the target applied.
#[allow(clippy::type_complexity)]
fn evolution(
    ctx: &mut Ctx<'_>,
    previous: &Input,
    current: &Input,
    target: &Target,
) -> Result<(Option<Number>, Option<Number>), Overflow> {
    let ok = ctx.read_all(&mut [InputRef::Input(previous), InputRef::Input(current)].into_iter());
    let t = ctx.resolve_target(target);
    let values = match ctx.values[..] {
        [p, c] if ok => Some([p, c]),
        _ => None,
    };
    let value = match values {
        Some([p, _]) if p.is_zero() => {
            ctx.error(
                Some(&previous.id),
                format!("« {} » vaut 0 : évolution non calculable", previous.label),
            );
            None
        }
        Some([p, c]) => Some(percent(ctx, c.sub(p)?, p)?),
        _ => None,
    };
    Ok((value, t))
}

/// A weighted count: the sum of each term times its weight.
fn count(terms: &[Term], values: Option<&[Number]>) -> Result<Option<Number>, Overflow> {
    let Some(values) = values else {
        return Ok(None);
    };
    let mut sum = Number::ZERO;
    for (term, &v) in terms.iter().zip(values) {
        sum = sum.add(v.mul(term.weight)?)?;
    }
    Ok(Some(sum))
}

/// A distribution in percent: the counted parts, less the excluded counted
/// units, over the total less the excluded units; the parts must add up to
/// the total.
fn distribution(
    ctx: &mut Ctx<'_>,
    total: &Input,
    parts: &[Input],
    counted: &[String],
    excluded: Option<&Input>,
    excluded_counted: Option<&Input>,
) -> Result<Option<Number>, Overflow> {
    let main = ctx.read_all(
        &mut std::iter::once(InputRef::Input(total)).chain(parts.iter().map(InputRef::Input)),
    );
    let ex = ctx.optional_or_zero(excluded);
    let exc = ctx.optional_or_zero(excluded_counted);
    let (true, Some(excluded), Some(excluded_counted)) = (main, ex, exc) else {
        return Ok(None);
    };
    let values = &ctx.values[..];
    let total = values[0];
    let mut sum = Number::ZERO;
    let mut counted_sum = Number::ZERO;
    for (part, v) in parts.iter().zip(&values[1..]) {
        sum = sum.add(*v)?;
        if counted.contains(&part.id) {
            counted_sum = counted_sum.add(*v)?;
        }
    }
    let mut ok = true;
    if sum != total {
        let labels: Vec<&str> = parts.iter().map(|p| p.label.as_str()).collect();
        ctx.error(
            Some("parts"),
            format!(
                "la somme des parties ({}) ne correspond pas au total ({}) : {} doivent totaliser le total",
                sum.to_french_auto(),
                total.to_french_auto(),
                labels.join(" + ")
            ),
        );
        ok = false;
    }
    if excluded > total {
        ctx.error(
            Some("excluded"),
            format!(
                "les unités exclues ({}) dépassent le total ({})",
                excluded.to_french_auto(),
                total.to_french_auto()
            ),
        );
        ok = false;
    }
    if excluded_counted > excluded || excluded_counted > counted_sum {
        ctx.error(
            Some("excluded_counted"),
            "les unités exclues comptées dépassent les unités exclues ou les unités comptées",
        );
        ok = false;
    }
    let den = total.sub(excluded)?;
    if ok && den.is_zero() {
        ctx.error(
            Some("total"),
            "aucune unité hors exclusions : taux non calculable",
        );
        ok = false;
    }
    if !ok {
        return Ok(None);
    }
    Ok(Some(percent(ctx, counted_sum.sub(excluded_counted)?, den)?))
}

/// Criteria met (yes / no): the share is the points of the criteria met over
/// all their points, 0 while one is unanswered.
fn criteria(
    ctx: &mut Ctx<'_>,
    result: &mut IndicatorResult,
    criteria: &[Criterion],
) -> Result<Option<Number>, Overflow> {
    let mut met = Number::ZERO;
    let mut all = Number::ZERO;
    let mut missing = Vec::new();
    for (k, c) in criteria.iter().enumerate() {
        all = all.add(c.points)?;
        let answered = match ctx.criteria.get(k) {
            Some(found) => *found,
            None => ctx.answer.criteria.get(&c.id).copied(),
        };
        match answered {
            Some(true) => met = met.add(c.points)?,
            Some(false) => {}
            None => missing.push(c.label.as_str()),
        }
    }
    for label in &missing {
        ctx.missing(
            Some("criteria"),
            format!("critère non renseigné (oui / non) : {label}"),
        );
    }
    result.value = Some(met);
    result.target = Some(all);
    result.met = Some(met == all);
    if !missing.is_empty() {
        return Ok(Some(Number::ZERO));
    }
    // (Every criterion met: all over all is 1, and positive, never an overflow.)
    let share = if all.is_zero() {
        Number::ZERO
    } else if met == all && !all.is_negative() {
        Number::ONE
    } else {
        met.div(all)?
    };
    Ok(Some(normalise_share(share)))
}

/// Information only: inputs are read (optional, validated), the value shown
/// when there is one input; no share.
fn information(ctx: &mut Ctx<'_>, result: &mut IndicatorResult, inputs: &[Input]) {
    let mut values = Vec::new();
    for input in inputs {
        if let Ok(Some(v)) = ctx.read_input(InputRef::Input(input), true) {
            values.push(v);
        }
    }
    if inputs.len() == 1 {
        result.value = values.first().copied();
    }
}

/// The value rounded by the catalog, the target, whether it is met, and the
/// share of the points (capped when the numerator stands alone).
fn share(
    ctx: &mut Ctx<'_>,
    result: &mut IndicatorResult,
    m: Measured<'_>,
) -> Result<Option<Number>, Overflow> {
    let value = match (m.value, ctx.catalog.campaign.value_decimals) {
        (Some(v), Some(d)) if !m.rounded => Some(v.round(d, RoundingMode::HalfUp)),
        _ => m.value,
    };
    result.value = value;
    result.target = m.target;
    let (Some(v), Some(t)) = (value, m.target) else {
        return Ok(Some(Number::ZERO));
    };
    let met = match m.op {
        Op::AtLeast => v >= t,
        Op::AtMost => v <= t,
    };
    result.met = Some(met);
    let mut share = share_when(met, v, t, m.op, m.scoring)?;
    if let Some((cap, field)) = m.cap.filter(|(c, _)| *c < share) {
        share = cap;
        ctx.warning(
            Some(field),
            format!(
                "dénominateur non renseigné : la part des points est limitée à celle du taux le moins favorable ({} %), pour que le numérateur seul ne rapporte jamais plus que le taux calculé",
                cap.mul(Number::HUNDRED)?.to_french_auto()
            ),
        );
    }
    Ok(Some(normalise_share(share)))
}

/// The share of the points that `scoring` gives to value `v` against target `t`.
fn share_of(v: Number, t: Number, op: Op, scoring: &Scoring) -> Result<Number, Overflow> {
    let met = match op {
        Op::AtLeast => v >= t,
        Op::AtMost => v <= t,
    };
    share_when(met, v, t, op, scoring)
}

/// [`share_of`] when whether `v` meets `t` is known (`met`).
fn share_when(
    met: bool,
    v: Number,
    t: Number,
    op: Op,
    scoring: &Scoring,
) -> Result<Number, Overflow> {
    if met {
        return Ok(Number::ONE);
    }
    Ok(match scoring {
        Scoring::AllOrNothing => Number::ZERO,
        Scoring::Linear { floor } => {
            let f = floor.unwrap_or(Number::ZERO);
            let span = t.sub(f)?;
            // (span ≠ 0: it is positive when it is not negative.)
            if span.is_zero() || (op == Op::AtLeast) == span.is_negative() {
                Number::ZERO
            } else {
                v.sub(f)?.div_clamp_unit(span)?
            }
        }
        Scoring::Tiers { tiers } => {
            let mut best = Number::ZERO;
            for tier in tiers {
                let reached = match op {
                    Op::AtLeast => v >= tier.from,
                    Op::AtMost => v <= tier.from,
                };
                if reached {
                    best = best.max(tier.share.div(Number::HUNDRED)?);
                }
            }
            best
        }
    })
}

/// The most a rate may score when only its numerator `n` is given: the
/// share of its least favourable possible rate, so that withholding the
/// denominator never scores more than filling it. With a denominator `d`
/// (`d ≥ n`, or `d ≥ 1` when the numerator may exceed it) the rate lies in
/// `]0, 100]` (or `]0, 100 × n]`); every scoring is monotone in the rate, so
/// the worst share is at one end. An unknown rate target gives 0.
fn numerator_only_cap(
    n: Number,
    may_exceed: bool,
    op: Op,
    rate_target: Option<Number>,
    scoring: &Scoring,
) -> Result<Number, Overflow> {
    let Some(t) = rate_target else {
        return Ok(Number::ZERO);
    };
    let highest = if may_exceed {
        n.max(Number::ONE).mul(Number::HUNDRED)?
    } else {
        Number::HUNDRED
    };
    Ok(share_of(Number::ZERO, t, op, scoring)?.min(share_of(highest, t, op, scoring)?))
}

/// Shares with small denominators stay exact; others are rounded to 10⁻⁹.
fn normalise_share(share: Number) -> Number {
    let (_, den) = share.parts();
    if den <= 1000 {
        share
    } else {
        share.round(9, RoundingMode::HalfUp)
    }
}
