//! A compact binary form of resolved catalogs, for the web form's first load
//! (issue 15): the form decodes its bundled catalogs (encoded at build time by
//! `web/build.rs`) and the catalog files that the on-demand module loads with
//! the TOML loader, without serde's deserialisers of the catalog model.
//!
//! Layout: the magic `CAQC`, a format version byte, then a varint count of
//! catalogs and each catalog field by field in declaration order. Lengths and
//! enum variants are LEB128 varints, integers of `Number` (numerator,
//! denominator) zigzag varints, strings UTF-8 with their byte length, `Option`
//! a 0/1 byte before the value, `Condition::equals` its JSON text. Encoder and
//! decoder are the same list of fields (`codec!`), so they cannot drift;
//! `decode(encode(c))` equals `c` (tests below on every bundled catalog).

use crate::catalog::*;
use crate::number::{Number, RoundingMode};
use crate::shared::SharedStr;

const MAGIC: &[u8; 5] = b"CAQC\x01";

/// Bytes that are not a compact catalog list of this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("référentiel compact illisible (format inconnu ou fichier tronqué)")]
pub struct CompactError;

/// Encodes catalogs in the compact form.
pub fn encode_catalogs(catalogs: &[Catalog]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    catalogs.to_vec().enc(&mut out);
    out
}

/// Decodes what [`encode_catalogs`] wrote.
pub fn decode_catalogs(bytes: &[u8]) -> Result<Vec<Catalog>, CompactError> {
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or(CompactError)?;
    let mut r = Reader(rest);
    let list = Vec::<Catalog>::dec(&mut r)?;
    if r.0.is_empty() {
        Ok(list)
    } else {
        Err(CompactError)
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, CompactError> {
        let (&b, rest) = self.0.split_first().ok_or(CompactError)?;
        self.0 = rest;
        Ok(b)
    }
    fn varint(&mut self) -> Result<u128, CompactError> {
        let mut v: u128 = 0;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(CompactError)
    }
    fn len(&mut self) -> Result<usize, CompactError> {
        let n = usize::try_from(self.varint()?).map_err(|_| CompactError)?;
        // Every element takes at least one byte: refuses absurd lengths early.
        if n > self.0.len() {
            return Err(CompactError);
        }
        Ok(n)
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

trait Codec: Sized {
    fn enc(&self, out: &mut Vec<u8>);
    fn dec(r: &mut Reader) -> Result<Self, CompactError>;
}

impl Codec for bool {
    fn enc(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CompactError),
        }
    }
}

impl Codec for u32 {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, u128::from(*self));
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        u32::try_from(r.varint()?).map_err(|_| CompactError)
    }
}

impl Codec for u16 {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, u128::from(*self));
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        u16::try_from(r.varint()?).map_err(|_| CompactError)
    }
}

fn zigzag(v: i128) -> u128 {
    ((v << 1) ^ (v >> 127)) as u128
}

fn unzigzag(v: u128) -> i128 {
    ((v >> 1) as i128) ^ -((v & 1) as i128)
}

impl Codec for Number {
    fn enc(&self, out: &mut Vec<u8>) {
        let (n, d) = self.parts();
        put_varint(out, zigzag(n));
        put_varint(out, zigzag(d));
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        let n = unzigzag(r.varint()?);
        let d = unzigzag(r.varint()?);
        Number::ratio(n, d).ok_or(CompactError)
    }
}

impl Codec for String {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u128);
        out.extend_from_slice(self.as_bytes());
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        let n = r.len()?;
        let (s, rest) = r.0.split_at(n);
        r.0 = rest;
        String::from_utf8(s.to_vec()).map_err(|_| CompactError)
    }
}

impl Codec for SharedStr {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u128);
        out.extend_from_slice(self.as_bytes());
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        String::dec(r).map(SharedStr::from)
    }
}

impl<T: Codec> Codec for Option<T> {
    fn enc(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.enc(out);
            }
        }
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        match r.byte()? {
            0 => Ok(None),
            1 => Ok(Some(T::dec(r)?)),
            _ => Err(CompactError),
        }
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn enc(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u128);
        for v in self {
            v.enc(out);
        }
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        let n = r.len()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(T::dec(r)?);
        }
        Ok(v)
    }
}

impl Codec for serde_json::Value {
    fn enc(&self, out: &mut Vec<u8>) {
        self.to_string().enc(out);
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        serde_json::from_str(&String::dec(r)?).map_err(|_| CompactError)
    }
}

impl<T: Codec> Codec for Box<T> {
    fn enc(&self, out: &mut Vec<u8>) {
        (**self).enc(out);
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        T::dec(r).map(Box::new)
    }
}

/// Structs: every field in order. Fieldless enums: the variant index.
macro_rules! codec {
    (struct $t:ident { $($f:ident),* $(,)? }) => {
        impl Codec for $t {
            fn enc(&self, out: &mut Vec<u8>) {
                $(self.$f.enc(out);)*
            }
            fn dec(r: &mut Reader) -> Result<Self, CompactError> {
                Ok($t { $($f: Codec::dec(r)?),* })
            }
        }
    };
    (enum $t:ident { $($v:ident),* $(,)? }) => {
        impl Codec for $t {
            fn enc(&self, out: &mut Vec<u8>) {
                const ALL: &[$t] = &[$($t::$v),*];
                // A variant missing from the list is written out of range: decoding refuses it.
                let i = ALL.iter().position(|v| v == self).unwrap_or(usize::MAX);
                put_varint(out, i as u128);
            }
            fn dec(r: &mut Reader) -> Result<Self, CompactError> {
                const ALL: &[$t] = &[$($t::$v),*];
                let i = usize::try_from(r.varint()?).map_err(|_| CompactError)?;
                ALL.get(i).copied().ok_or(CompactError)
            }
        }
    };
}

impl Codec for Catalog {
    fn enc(&self, out: &mut Vec<u8>) {
        self.campaign.enc(out);
        self.identification.enc(out);
        self.volets.enc(out);
        self.interessement.enc(out);
        self.indicators.enc(out);
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        Ok(Catalog::new(
            Codec::dec(r)?,
            Codec::dec(r)?,
            Codec::dec(r)?,
            Codec::dec(r)?,
            Codec::dec(r)?,
        ))
    }
}
codec!(struct Campaign {
    id, title, region, year, contract, scale, points_total, bonus_max, cap_total_at_scale,
    redistribution, rounding, value_decimals, rounding_note, sources, assumed,
});
codec!(
    enum Redistribution {
        Proportional,
        Equal,
    }
);
codec!(
    enum RoundingMode {
        HalfUp,
        HalfEven,
        Down,
        Up,
    }
);
codec!(struct Rounding { decimals, mode });
codec!(struct Volet { id, title, short_title });
codec!(struct Question { id, label, kind, options, help });
codec!(
    enum QuestionKind {
        Bool,
        Choice,
        Integer,
        Text,
    }
);
codec!(struct Choice { id, label });
codec!(struct Interessement { bands, amounts });
codec!(struct Amounts { savings_percent, regional_envelope });
codec!(struct Band { min, below, progression });
codec!(
    enum Scope {
        National,
        Regional,
    }
);
codec!(
    enum Role {
        Scored,
        Bonus,
        Information,
    }
);
codec!(struct Indicator {
    id, code, title, volet, scope, role, points, measure, applies_to, not_measurable_for,
    nc_allowed, nm_allowed, evidence, period, help, source, assumed,
});
codec!(struct Evidence { id, label });
codec!(struct NumeratorOnly { target, scoring });
codec!(struct Input { id, label, unit, help, prefill, provided_by });
codec!(
    enum Provider {
        Ars,
        Am,
    }
);
codec!(struct Term { id, label, weight, help, provided_by });
codec!(struct Criterion { id, label, points, help });
codec!(
    enum Unit {
        Count,
        Amount,
        Percent,
    }
);
codec!(
    enum Op {
        AtLeast,
        AtMost,
    }
);
codec!(struct Target { op, value, personalised, unit });
codec!(struct Tier { from, share });
codec!(struct Selector { categories, legal_status, funding, when });
codec!(struct Condition { question, equals });
codec!(
    enum Category {
        Mco,
        Had,
        Dialyse,
        Ssr,
        Psy,
        Usld,
    }
);
codec!(
    enum LegalStatus {
        Public,
        Prive,
        Espic,
    }
);
codec!(
    enum Funding {
        ExDg,
        ExOqn,
    }
);

impl Codec for Scoring {
    fn enc(&self, out: &mut Vec<u8>) {
        match self {
            Scoring::AllOrNothing => out.push(0),
            Scoring::Linear { floor } => {
                out.push(1);
                floor.enc(out);
            }
            Scoring::Tiers { tiers } => {
                out.push(2);
                tiers.enc(out);
            }
        }
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        Ok(match r.byte()? {
            0 => Scoring::AllOrNothing,
            1 => Scoring::Linear {
                floor: Codec::dec(r)?,
            },
            2 => Scoring::Tiers {
                tiers: Codec::dec(r)?,
            },
            _ => return Err(CompactError),
        })
    }
}

impl Codec for Measure {
    fn enc(&self, out: &mut Vec<u8>) {
        match self {
            Measure::Rate {
                numerator,
                denominator,
                target,
                scoring,
                numerator_only,
                numerator_may_exceed,
            } => {
                out.push(0);
                numerator.enc(out);
                denominator.enc(out);
                target.enc(out);
                scoring.enc(out);
                numerator_only.enc(out);
                numerator_may_exceed.enc(out);
            }
            Measure::Evolution {
                previous,
                current,
                target,
                scoring,
            } => {
                out.push(1);
                previous.enc(out);
                current.enc(out);
                target.enc(out);
                scoring.enc(out);
            }
            Measure::Count {
                terms,
                target,
                scoring,
            } => {
                out.push(2);
                terms.enc(out);
                target.enc(out);
                scoring.enc(out);
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
                out.push(3);
                total.enc(out);
                parts.enc(out);
                counted.enc(out);
                excluded.enc(out);
                excluded_counted.enc(out);
                target.enc(out);
                scoring.enc(out);
            }
            Measure::Criteria { criteria } => {
                out.push(4);
                criteria.enc(out);
            }
            Measure::Information { inputs } => {
                out.push(5);
                inputs.enc(out);
            }
        }
    }
    fn dec(r: &mut Reader) -> Result<Self, CompactError> {
        Ok(match r.byte()? {
            0 => Measure::Rate {
                numerator: Codec::dec(r)?,
                denominator: Codec::dec(r)?,
                target: Codec::dec(r)?,
                scoring: Codec::dec(r)?,
                numerator_only: Codec::dec(r)?,
                numerator_may_exceed: Codec::dec(r)?,
            },
            1 => Measure::Evolution {
                previous: Codec::dec(r)?,
                current: Codec::dec(r)?,
                target: Codec::dec(r)?,
                scoring: Codec::dec(r)?,
            },
            2 => Measure::Count {
                terms: Codec::dec(r)?,
                target: Codec::dec(r)?,
                scoring: Codec::dec(r)?,
            },
            3 => Measure::Distribution {
                total: Codec::dec(r)?,
                parts: Codec::dec(r)?,
                counted: Codec::dec(r)?,
                excluded: Codec::dec(r)?,
                excluded_counted: Codec::dec(r)?,
                target: Codec::dec(r)?,
                scoring: Codec::dec(r)?,
            },
            4 => Measure::Criteria {
                criteria: Codec::dec(r)?,
            },
            5 => Measure::Information {
                inputs: Codec::dec(r)?,
            },
            _ => return Err(CompactError),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Vec<Catalog> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../indicators");
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        names.sort();
        let mut out = Vec::new();
        for p in names {
            let src = std::fs::read_to_string(&p).unwrap();
            out.extend(crate::load_catalogs(&p.display().to_string(), &src).unwrap());
        }
        out
    }

    #[test]
    fn every_shipped_catalog_round_trips() {
        let cats = shipped();
        assert!(cats.len() > 5);
        let bytes = encode_catalogs(&cats);
        let back = decode_catalogs(&bytes).unwrap();
        assert_eq!(format!("{cats:?}"), format!("{back:?}"));
        assert_eq!(
            serde_json::to_string(&cats).unwrap(),
            serde_json::to_string(&back).unwrap()
        );
    }

    #[test]
    fn truncated_or_foreign_bytes_are_refused() {
        let bytes = encode_catalogs(&shipped()[..1]);
        for cut in [0, 3, 5, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(
                decode_catalogs(&bytes[..cut]).err(),
                Some(CompactError),
                "cut {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_catalogs(&longer).err(), Some(CompactError));
        assert_eq!(
            decode_catalogs(b"{\"campaign\":1}").err(),
            Some(CompactError)
        );
    }

    #[test]
    fn numbers_keep_their_exact_value() {
        for (n, d) in [(0, 1), (-7, 3), (i128::MAX / 2, 1), (1, 1_000_000_007)] {
            let x = Number::ratio(n, d).unwrap();
            let mut out = Vec::new();
            x.enc(&mut out);
            assert_eq!(Number::dec(&mut Reader(&out)).unwrap(), x);
        }
    }
}
