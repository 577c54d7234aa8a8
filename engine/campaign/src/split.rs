//! Split of an intéressement envelope (euro cents) by a key, largest remainder.

use caqes_engine::{Number, Overflow, RoundingMode};
use serde::{Deserialize, Serialize};

/// Key of the split among the intéressé establishments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    /// Equal shares.
    Equal,
    /// Pro rata of the (exact) score.
    Score,
    /// Pro rata of the number of beds.
    Beds,
}

impl Key {
    /// French label of the key, for the report.
    pub fn label(self) -> &'static str {
        match self {
            Key::Equal => "parts égales",
            Key::Score => "au prorata du score",
            Key::Beds => "au prorata du nombre de lits",
        }
    }
}

/// Splits `envelope` cents among `keys` (non-negative) by largest remainder:
/// each share is the floor of `envelope × key / Σ keys`, then the cents left
/// go one by one to the greatest fractional parts (ties: greater key, then
/// earlier position). The amounts add up to `envelope` exactly; a greater key
/// never gets fewer cents; equal keys differ by at most one cent. When every
/// key is zero (or negative), the split falls back to equal shares.
pub fn split(envelope: u64, keys: &[Number]) -> Result<Vec<u64>, Overflow> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys: Vec<Number> = keys
        .iter()
        .map(|k| if k.is_negative() { Number::ZERO } else { *k })
        .collect();
    let mut total = Number::ZERO;
    for k in &keys {
        total = total.add(*k)?;
    }
    if total.is_zero() {
        keys = vec![Number::ONE; keys.len()];
        total = Number::int(keys.len() as i64);
    }
    let env = Number::int(i64::try_from(envelope).map_err(|_| Overflow)?);
    let mut floors = Vec::with_capacity(keys.len());
    let mut fracs = Vec::with_capacity(keys.len());
    let mut given: u64 = 0;
    for k in &keys {
        let q = env.mul(*k)?.div(total)?;
        let f = q.round(0, RoundingMode::Down);
        let cents = u64::try_from(f.parts().0).map_err(|_| Overflow)?;
        given += cents;
        floors.push(cents);
        fracs.push(q.sub(f)?);
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        fracs[b]
            .cmp(&fracs[a])
            .then(keys[b].cmp(&keys[a]))
            .then(a.cmp(&b))
    });
    let left = envelope - given;
    for &i in order.iter().take(left as usize) {
        floors[i] += 1;
    }
    Ok(floors)
}

/// Parses an amount in euros ("150000", "150 000,50", "1234.5") into cents.
pub fn parse_euros(text: &str) -> Option<u64> {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '€')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let n = Number::parse(&t)?;
    let c = n.mul(Number::HUNDRED).ok()?;
    if !c.is_integer() || c.is_negative() {
        return None;
    }
    u64::try_from(c.parts().0).ok()
}

/// French formatting of cents: "1 234,56 €".
pub fn format_cents(cents: u64) -> String {
    let euros = Number::ratio(cents as i128, 100).unwrap_or(Number::ZERO);
    format!("{} €", euros.to_french(2))
}
