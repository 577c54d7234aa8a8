//! Exact numbers: every figure of the engine is a rational over `i128`.
//!
//! Inputs (counts, amounts, percentages) and catalog values (points, targets)
//! are decimals; they are parsed exactly (never through binary floating point)
//! and every operation is checked, so that an absurdly large input gives an
//! error instead of a wrong score or a panic.

use num_integer::Integer;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A sum of [`Number`]s over one common denominator, reduced once at the end:
/// no gcd per term while the terms share a denominator or divide the current
/// one (points over the same redistribution factor, shares in tenths).
/// `None` from [`Sum::value`] when a term or the sum left 64-bit
/// denominators or 128-bit numerators; the caller then adds with
/// [`Number::add`], which gives the same fraction whenever this succeeds and
/// never overflows then (each of its intermediate terms is at most the
/// common-denominator numerator computed here, which fitted).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sum {
    num: i128,
    den: u64,
    ok: bool,
}

impl Sum {
    /// The empty sum.
    pub(crate) const ZERO: Sum = Sum {
        num: 0,
        den: 1,
        ok: true,
    };

    /// Adds `x`.
    #[inline(always)]
    pub(crate) fn add(&mut self, x: Number) {
        if !self.ok || x.0.num == 0 {
            return;
        }
        let (Ok(n), Ok(d)) = (i64::try_from(x.0.num), u64::try_from(x.0.den)) else {
            self.ok = false;
            return;
        };
        let term = if d == self.den {
            Some(n as i128)
        } else if self.den.is_multiple_of(d) {
            // |n| < 2^63 and the quotient < 2^64: the product fits.
            Some(n as i128 * (self.den / d) as i128)
        } else {
            let g = gcd64(self.den, d);
            match (self.den / g).checked_mul(d) {
                Some(l) => {
                    let up = self.num.checked_mul((d / g) as i128);
                    self.den = l;
                    up.map(|up| {
                        self.num = up;
                        n as i128 * (l / d) as i128
                    })
                }
                None => None,
            }
        };
        match term.and_then(|t| self.num.checked_add(t)) {
            Some(sum) => self.num = sum,
            None => self.ok = false,
        }
    }

    /// The reduced sum, `None` when it could not be kept on words.
    #[inline]
    pub(crate) fn value(self) -> Option<Number> {
        self.ok
            .then(|| Number(Ratio::new(self.num, self.den as i128)))
    }
}

/// An exact rational number.
///
/// ```
/// use caqes_engine::Number;
/// let a = Number::parse("0,1").unwrap();
/// let b = Number::parse("0.2").unwrap();
/// assert_eq!(a.add(b).unwrap(), Number::parse("0.3").unwrap());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Number(Ratio);

/// An arithmetic result too large to be represented exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("valeur hors des limites du calcul exact")]
pub struct Overflow;

/// 10^0 … 10^12: the scales of rounding (at most 12 decimals), read rather
/// than computed.
const POW10: [i128; 13] = {
    let mut p = [1i128; 13];
    let mut k = 1;
    while k < 13 {
        p[k] = p[k - 1] * 10;
        k += 1;
    }
    p
};

/// The decimal digits of `v` (at least one), written at the end of `buf`.
fn digits(mut v: u128, buf: &mut [u8; 40]) -> &[u8] {
    let mut k = buf.len();
    // On a hardware word when it fits (a 128-bit division is a library call).
    if let Ok(mut w) = u64::try_from(v) {
        loop {
            k -= 1;
            buf[k] = b'0' + (w % 10) as u8;
            w /= 10;
            if w == 0 {
                return &buf[k..];
            }
        }
    }
    loop {
        k -= 1;
        buf[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[k..];
        }
    }
}

/// `scaled / denom` (`denom > 0`) rounded to an integer with `mode`.
#[inline]
fn rounded_quotient(scaled: i128, denom: i128, mode: RoundingMode) -> i128 {
    let (q, r) = match (i64::try_from(scaled), i64::try_from(denom)) {
        (Ok(a), Ok(b)) => ((a / b) as i128, (a % b) as i128),
        _ => scaled.div_rem(&denom), // denom > 0
    };
    // 2|r| against denom, as |r| against denom − |r| (0 ≤ |r| < denom):
    // no overflow even for a denominator beyond 2^126.
    let (r_abs, rest) = (r.abs(), denom - r.abs());
    let away = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => r != 0,
        RoundingMode::HalfUp => r_abs >= rest,
        RoundingMode::HalfEven => r_abs > rest || (r_abs == rest && q % 2 != 0),
    };
    if away {
        if scaled < 0 {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

/// [`rounded_quotient`] on 64-bit words (`denom > 0`); native only, as
/// [`Number::percent_rounded`]'s fast path.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
#[inline]
fn rounded_quotient64(scaled: i64, denom: i64, mode: RoundingMode) -> i64 {
    let (q, r) = (scaled / denom, scaled % denom);
    let r_abs = r.unsigned_abs();
    let rest = denom as u64 - r_abs;
    let away = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => r != 0,
        RoundingMode::HalfUp => r_abs >= rest,
        RoundingMode::HalfEven => r_abs > rest || (r_abs == rest && q % 2 != 0),
    };
    // |q| < |scaled| when it moves away (r ≠ 0 needs denom > 1): no overflow.
    match (away, scaled < 0) {
        (false, _) => q,
        (true, true) => q - 1,
        (true, false) => q + 1,
    }
}

/// Largest magnitude accepted for a parsed decimal (inputs and catalog values).
const MAX_PARSED: i128 = 1_000_000_000_000_000; // 10^15

/// How a value is rounded to a number of decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero (89.5 → 90). The usual rule of the agencies' spreadsheets.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding).
    HalfEven,
    /// Truncation toward zero (89.99 → 89).
    Down,
    /// Away from zero as soon as a discarded decimal is not zero (44.44 → 45,
    /// 45 stays 45): Excel's ROUNDUP (ARRONDI.SUP). For a score, the ceiling.
    Up,
}

// `add`, `sub`, `mul` and `div` are checked and return a `Result`: they are
// deliberately not the `std::ops` traits.
#[allow(clippy::should_implement_trait)]
impl Number {
    /// Zero.
    pub const ZERO: Number = Number(Ratio::new_raw(0, 1));
    /// One.
    pub const ONE: Number = Number(Ratio::new_raw(1, 1));
    /// One hundred.
    pub const HUNDRED: Number = Number(Ratio::new_raw(100, 1));

    /// An integer.
    pub fn int(n: i64) -> Number {
        Number(Ratio::from_integer(n as i128))
    }

    /// `num / den`, `None` when `den` is zero.
    pub fn ratio(num: i128, den: i128) -> Option<Number> {
        if den == 0 || (den < 0 && (num == i128::MIN || den == i128::MIN)) {
            None
        } else {
            Some(Number(Ratio::new(num, den)))
        }
    }

    /// Parses a decimal written with a dot or a comma ("45.5", "45,5", "-3",
    /// "1 000"). Exponents are refused; magnitudes are limited to 10^15.
    pub fn parse(text: &str) -> Option<Number> {
        let cleaned: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_'))
            .collect();
        let (neg, body) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
        };
        let body = body.replace(',', ".");
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body.as_str(), ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part.chars().all(|c| c.is_ascii_digit())
            || !frac_part.chars().all(|c| c.is_ascii_digit())
            || int_part.len() + frac_part.len() > 30
        {
            return None;
        }
        let frac_part = frac_part.trim_end_matches('0');
        if frac_part.len() > 12 {
            return None;
        }
        let int_value: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        if int_value > MAX_PARSED {
            return None;
        }
        let scale = 10i128.pow(frac_part.len() as u32);
        let frac_value: i128 = if frac_part.is_empty() {
            0
        } else {
            frac_part.parse().ok()?
        };
        let num = int_value * scale + frac_value;
        let num = if neg { -num } else { num };
        Some(Number(Ratio::new(num, scale)))
    }

    /// Converts a JSON number exactly (through its decimal text, never through `f64` arithmetic).
    pub fn from_json(value: &serde_json::Number) -> Option<Number> {
        if let Some(i) = value.as_i64() {
            return (i.unsigned_abs() as i128 <= MAX_PARSED).then(|| Number::int(i));
        }
        Number::parse(&value.to_string())
    }

    /// The value of a JSON integer in `[0, 10^15]` (the integer
    /// [`Number::from_json`] gives for it), `None` for any other number.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    #[inline]
    pub(crate) fn natural_from_json(value: &serde_json::Number) -> Option<i64> {
        value
            .as_i64()
            .filter(|i| (0..=MAX_PARSED as i64).contains(i))
    }

    /// Whether the number is an integer.
    pub fn is_integer(self) -> bool {
        self.0.is_integer()
    }

    /// Whether the number is strictly negative.
    pub fn is_negative(self) -> bool {
        self.0.is_negative()
    }

    /// Whether the number is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Checked addition.
    #[inline]
    pub fn add(self, other: Number) -> Result<Number, Overflow> {
        self.0.checked_add(other.0).map(Number).ok_or(Overflow)
    }

    /// Checked subtraction.
    #[inline]
    pub fn sub(self, other: Number) -> Result<Number, Overflow> {
        self.0.checked_sub(other.0).map(Number).ok_or(Overflow)
    }

    /// Checked multiplication.
    #[inline]
    pub fn mul(self, other: Number) -> Result<Number, Overflow> {
        self.0.checked_mul(other.0).map(Number).ok_or(Overflow)
    }

    /// Checked division; dividing by zero is an [`Overflow`] too (callers check zero first).
    #[inline]
    pub fn div(self, other: Number) -> Result<Number, Overflow> {
        if other.0.is_zero() {
            return Err(Overflow);
        }
        self.0.checked_div(other.0).map(Number).ok_or(Overflow)
    }

    /// `self / den × 100` (a rate in percent): the same fraction and the same
    /// errors as `self.div(den)?.mul(Number::HUNDRED)`, in one reduction
    /// when both are integers on 64-bit words (the usual counts).
    /// Natively, fractions whose four terms fit in 28 bits (points over
    /// weights) take one reduction too, on words.
    #[inline]
    pub fn percent_of(self, den: Number) -> Result<Number, Overflow> {
        if let (Ok(n), Ok(d)) = (i64::try_from(self.0.num), i64::try_from(den.0.num)) {
            if self.0.den == 1 && den.0.den == 1 && d != 0 {
                return Ok(Number(Ratio::new(n as i128 * 100, d as i128)));
            }
            // |n·d'·100| and |d·n'| below 2^63: one gcd on words.
            #[cfg(not(target_arch = "wasm32"))]
            {
                const SMALL: i64 = 1 << 28;
                let (nd, dd) = (self.0.den as i64, den.0.den as i64);
                if d != 0
                    && n.unsigned_abs() < SMALL as u64
                    && d.unsigned_abs() < SMALL as u64
                    && self.0.den < SMALL as i128
                    && den.0.den < SMALL as i128
                {
                    let (num, dd) = (n * dd * 100, nd * d);
                    let (num, dd) = if dd < 0 { (-num, -dd) } else { (num, dd) };
                    let g = gcd64(num.unsigned_abs(), dd as u64) as i64;
                    return Ok(Number(Ratio::new_raw((num / g) as i128, (dd / g) as i128)));
                }
            }
        }
        self.div(den)?.mul(Number::HUNDRED)
    }

    /// `self × a / b`: the same number and the same errors as
    /// `self.mul(a)?.div(b)`, natively at once when `a` is `b` (a score over
    /// a base equal to the scale) and the terms of `self` and `a` fit in
    /// 64-bit words: the product then never overflows, and the quotient is
    /// `self`, whose terms fit.
    #[inline]
    pub(crate) fn mul_div(self, a: Number, b: Number) -> Result<Number, Overflow> {
        #[cfg(not(target_arch = "wasm32"))]
        if a == b && !b.is_zero() && self.0.words(a.0).is_some() {
            return Ok(self);
        }
        self.mul(a)?.div(b)
    }

    /// `self.div(den)?.clamp_unit()` (a share of points): the same number and
    /// the same errors, natively in one gcd on words when the four terms fit
    /// in 32 bits (values and targets as catalogs and answers make them):
    /// each cross product then fits in 63 bits.
    #[inline]
    pub(crate) fn div_clamp_unit(self, den: Number) -> Result<Number, Overflow> {
        #[cfg(not(target_arch = "wasm32"))]
        if let (Ok(an), Ok(ad), Ok(bn), Ok(bd)) = (
            i32::try_from(self.0.num),
            i32::try_from(self.0.den),
            i32::try_from(den.0.num),
            i32::try_from(den.0.den),
        ) {
            if bn != 0 {
                let (n, d) = (an as i64 * bd as i64, ad as i64 * bn as i64);
                let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
                return Ok(if n <= 0 {
                    Number::ZERO
                } else if n >= d {
                    Number::ONE
                } else {
                    let g = gcd64(n as u64, d as u64) as i64;
                    Number(Ratio::new_raw((n / g) as i128, (d / g) as i128))
                });
            }
        }
        Ok(self.div(den)?.clamp_unit())
    }

    /// The smaller of two numbers.
    pub fn min(self, other: Number) -> Number {
        if self <= other {
            self
        } else {
            other
        }
    }

    /// The larger of two numbers.
    pub fn max(self, other: Number) -> Number {
        if self >= other {
            self
        } else {
            other
        }
    }

    /// Clamps into `[0, 1]`: `self.clamp(Number::ZERO, Number::ONE)` by the
    /// signs of the terms (the denominator is positive), without products.
    #[inline]
    pub fn clamp_unit(self) -> Number {
        if self.0.num < 0 {
            Number::ZERO
        } else if self.0.num > self.0.den {
            Number::ONE
        } else {
            self
        }
    }

    /// Clamps into `[lo, hi]`.
    pub fn clamp(self, lo: Number, hi: Number) -> Number {
        self.max(lo).min(hi)
    }

    /// Rounds to `decimals` decimals with `mode`, exactly.
    ///
    /// ```
    /// use caqes_engine::{Number, RoundingMode};
    /// let x = Number::parse("89.5").unwrap();
    /// assert_eq!(x.round(0, RoundingMode::HalfUp), Number::int(90));
    /// assert_eq!(x.round(0, RoundingMode::Down), Number::int(89));
    /// let y = Number::parse("44.44").unwrap();
    /// assert_eq!(y.round(0, RoundingMode::HalfUp), Number::int(44));
    /// assert_eq!(y.round(0, RoundingMode::Up), Number::int(45));
    /// ```
    pub fn round(self, decimals: u32, mode: RoundingMode) -> Number {
        if self.0.is_integer() {
            return self;
        }
        let scale = POW10[decimals.min(12) as usize];
        let numer = self.0.numer();
        let denom = self.0.denom();
        // (Both below 10^12 in the test: 64-bit words.)
        // Already a decimal of at most `decimals` decimals (a value rounded
        // before, a share in tenths): itself, as the division below gives
        // (remainder 0, so no mode moves it, and the quotient over the scale
        // reduces back to the reduced fraction).
        if denom <= scale && (scale as i64) % (denom as i64) == 0 {
            return self;
        }
        // self * scale = numer * scale / denom, computed without overflow when possible.
        let Some(scaled) = mul128(numer, scale) else {
            return self; // beyond any realistic figure; keep the exact value
        };
        let q = rounded_quotient(scaled, denom, mode);
        Number(Ratio::over_power_of_ten(q, decimals.min(12)))
    }

    /// `self.percent_of(den)?.round(decimals, mode)` (a rate in percent as
    /// the catalog shows it): the same number and the same errors, natively
    /// in one division and no gcd when both are integers on 64-bit words (the
    /// usual counts): rounding depends on the value only, so the unreduced
    /// quotient `self × 100 × 10^decimals / den` rounds as the reduced one.
    #[inline]
    pub(crate) fn percent_rounded(
        self,
        den: Number,
        decimals: u32,
        mode: RoundingMode,
    ) -> Result<Number, Overflow> {
        #[cfg(not(target_arch = "wasm32"))]
        if let (Ok(n), Ok(d)) = (i64::try_from(self.0.num), i64::try_from(den.0.num)) {
            if self.0.den == 1 && den.0.den == 1 && d != 0 {
                let decimals = decimals.min(12);
                // All on words while they suffice (the usual counts).
                let factor = 100 * POW10[decimals as usize] as i64;
                if let (Some(scaled), true) = (n.checked_mul(factor), d > 0) {
                    let q = rounded_quotient64(scaled, d, mode);
                    return Ok(Number(Ratio::over_power_of_ten(q as i128, decimals)));
                }
                // |n| ≤ 2^63 and 100 × 10^12 < 2^47: the product fits.
                let scaled = n as i128 * 100 * POW10[decimals as usize];
                let (scaled, d) = if d < 0 {
                    (-scaled, -(d as i128))
                } else {
                    (scaled, d as i128)
                };
                let q = rounded_quotient(scaled, d, mode);
                return Ok(Number(Ratio::over_power_of_ten(q, decimals)));
            }
        }
        Ok(self.percent_of(den)?.round(decimals, mode))
    }

    /// Approximation for display adapters (spreadsheet cells, charts). Never
    /// used in the scoring itself.
    pub fn to_f64(self) -> f64 {
        self.0.numer() as f64 / self.0.denom() as f64
    }

    /// Decimal text with a dot, at most `max_decimals` decimals (rounded half
    /// up), trailing zeros removed: "87.5", "-3", "88.888889".
    pub fn to_decimal_string(self, max_decimals: u32) -> String {
        let r = self.round(max_decimals, RoundingMode::HalfUp);
        let scale = 10i128.pow(max_decimals);
        let scaled = r.0.numer() * (scale / r.0.denom());
        let neg = scaled < 0;
        let abs = scaled.unsigned_abs();
        let int = abs / scale as u128;
        let frac = abs % scale as u128;
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        out.push_str(&int.to_string());
        if max_decimals > 0 && frac != 0 {
            let f = format!("{:0width$}", frac, width = max_decimals as usize);
            out.push('.');
            out.push_str(f.trim_end_matches('0'));
        }
        out
    }

    /// French display: comma as decimal separator, narrow no-break space
    /// between thousands, exactly `decimals` decimals: `1 234,50`.
    pub fn to_french(self, decimals: u32) -> String {
        let mut out = String::new();
        self.write_french(decimals, &mut out);
        out
    }

    /// [`Number::to_french`] appended to `out`: the digits are written from
    /// a stack buffer, one allocation at most (for callers that add a unit).
    pub fn write_french(self, decimals: u32, out: &mut String) {
        let r = self.round(decimals, RoundingMode::HalfUp);
        let scale = POW10
            .get(decimals as usize)
            .copied()
            .unwrap_or_else(|| 10i128.pow(decimals));
        let scaled = r.0.numer() * (scale / r.0.denom());
        let abs = scaled.unsigned_abs();
        let mut buf = [0u8; 40];
        let int = digits(abs / scale as u128, &mut buf);
        out.reserve(1 + int.len() * 4 + 1 + decimals as usize);
        if scaled < 0 {
            out.push('-');
        }
        for (i, &c) in int.iter().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push('\u{202f}');
            }
            out.push(c as char);
        }
        if decimals > 0 {
            out.push(',');
            let frac = digits(abs % scale as u128, &mut buf);
            for _ in frac.len()..decimals as usize {
                out.push('0');
            }
            // ASCII digits.
            out.push_str(std::str::from_utf8(frac).unwrap_or_default());
        }
    }

    /// French display with the decimals needed (at most 6): `1 234,5`.
    pub fn to_french_auto(self) -> String {
        let text = self.to_decimal_string(6);
        let decimals = text.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
        self.to_french(decimals as u32)
    }

    /// The numerator and denominator of the reduced fraction.
    pub fn parts(self) -> (i128, i128) {
        (self.0.numer(), self.0.denom())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_integer() {
            write!(f, "{}", self.0.numer())
        } else {
            write!(f, "{}/{}", self.0.numer(), self.0.denom())
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string(6))
    }
}

/// Serialized as a JSON number when it is a short decimal, so catalogs and
/// reports stay readable; the text is exact up to 6 decimals.
impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.to_decimal_string(6);
        if let Ok(i) = text.parse::<i64>() {
            return s.serialize_i64(i);
        }
        // Shortest round-trip formatting of f64 gives back the same decimal text.
        match text.parse::<f64>() {
            Ok(f) => s.serialize_f64(f),
            Err(_) => s.serialize_str(&text),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("un nombre décimal")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
                i64::try_from(v)
                    .map(Number::int)
                    .map_err(|_| E::custom("nombre trop grand"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
                // `Display` of f64 is the shortest text that round-trips, i.e.
                // the decimal the author wrote.
                Number::parse(&v.to_string())
                    .ok_or_else(|| E::custom(format!("nombre invalide : {v}")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
                Number::parse(v).ok_or_else(|| E::custom(format!("nombre invalide : « {v} »")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A reduced fraction of `i128` (denominator > 0) with fast paths for the
/// common cases: integers, equal denominators, and values that fit in 64 bits
/// (whose gcd runs on hardware words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Ratio {
    num: i128,
    den: i128,
}

impl Default for Ratio {
    fn default() -> Self {
        Ratio { num: 0, den: 1 }
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    // Euclid on 128 bits while a value does not fit in 64 bits (few steps),
    // then on hardware words.
    while a > u64::MAX as u128 || b > u64::MAX as u128 {
        if b == 0 {
            return a as i128;
        }
        let r = a % b;
        a = b;
        b = r;
    }
    gcd64(a as u64, b as u64) as i128
}

/// gcd on 64-bit words: one hardware remainder brings the larger value below
/// the smaller (operands of very different sizes are the usual case: a
/// count against a power of ten, a small gcd against a sum), then the binary
/// algorithm finishes.
#[inline]
fn gcd64(a: u64, b: u64) -> u64 {
    let (mut x, mut y) = if a >= b { (a, b) } else { (b, a) };
    if y == 0 {
        return x;
    }
    // A hardware division is slow: worth it only when it saves many
    // binary steps (the larger value has many more bits).
    if x.leading_zeros() + 16 < y.leading_zeros() {
        x %= y;
        if x == 0 {
            return y;
        }
    }
    let shift = (x | y).trailing_zeros();
    x >>= x.trailing_zeros();
    loop {
        y >>= y.trailing_zeros();
        if x > y {
            std::mem::swap(&mut x, &mut y);
        }
        y -= x;
        if y == 0 {
            return x << shift;
        }
    }
}

/// `a × b`, `None` on overflow. When both fit in 64 bits the product cannot
/// overflow 128 bits: one hardware multiplication instead of the checked
/// 128-bit routine.
#[inline]
fn mul128(a: i128, b: i128) -> Option<i128> {
    if let (Ok(x), Ok(y)) = (i64::try_from(a), i64::try_from(b)) {
        return Some(x as i128 * y as i128);
    }
    a.checked_mul(b)
}

/// Exact division `a / b` (b divides a in our uses), on 64-bit words when possible.
#[inline]
fn div_exact(a: i128, b: i128) -> i128 {
    if let (Ok(x), Ok(y)) = (i64::try_from(a), i64::try_from(b)) {
        if y != -1 {
            return (x / y) as i128;
        }
    }
    a / b
}

impl Ratio {
    const fn new_raw(num: i128, den: i128) -> Ratio {
        Ratio { num, den }
    }
    const fn from_integer(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }
    /// Reduced fraction; `den` must be non-zero.
    fn new(num: i128, den: i128) -> Ratio {
        let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
        if den == 1 {
            return Ratio { num, den };
        }
        let g = gcd(num, den);
        if g <= 1 {
            Ratio { num, den }
        } else {
            Ratio {
                num: div_exact(num, g),
                den: div_exact(den, g),
            }
        }
    }
    /// `num / 10^decimals` reduced (the same fraction as [`Ratio::new`]):
    /// gcd(num, 2^d·5^d) is 2^min(v₂(num), d)·5^min(v₅(num), d), so the
    /// factors 2 and 5 are stripped directly instead of running Euclid.
    fn over_power_of_ten(num: i128, decimals: u32) -> Ratio {
        let den = POW10[decimals as usize];
        let Ok(mut n) = i64::try_from(num) else {
            return Ratio::new(num, den);
        };
        if n == 0 {
            return Ratio::default();
        }
        let mut d = den as i64; // ≤ 10^12
        let twos = n.trailing_zeros().min(decimals);
        n >>= twos; // exact: n is a multiple of 2^twos
        d >>= twos;
        let mut fives = 0;
        while fives < decimals && n % 5 == 0 {
            n /= 5;
            d /= 5;
            fives += 1;
        }
        Ratio {
            num: n as i128,
            den: d as i128,
        }
    }
    fn numer(&self) -> i128 {
        self.num
    }
    fn denom(&self) -> i128 {
        self.den
    }
    fn is_integer(&self) -> bool {
        self.den == 1
    }
    fn is_negative(&self) -> bool {
        self.num < 0
    }
    fn is_zero(&self) -> bool {
        self.num == 0
    }
    /// Both fractions as four 64-bit words, when they fit (the usual case).
    #[inline]
    fn words(self, o: Ratio) -> Option<[i64; 4]> {
        Some([
            i64::try_from(self.num).ok()?,
            i64::try_from(self.den).ok()?,
            i64::try_from(o.num).ok()?,
            i64::try_from(o.den).ok()?,
        ])
    }
    #[inline]
    fn checked_add(self, o: Ratio) -> Option<Ratio> {
        // x + 0 and 0 + x are x on every path (never an overflow): sums
        // start at zero, and unscored indicators add zero. (Natively only:
        // inlined everywhere, the test would weigh on the form's size.)
        #[cfg(not(target_arch = "wasm32"))]
        if o.num == 0 {
            return Some(self);
        }
        #[cfg(not(target_arch = "wasm32"))]
        if self.num == 0 {
            return Some(o);
        }
        match self.words(o) {
            Some(w) => Some(Ratio::add64(w)),
            None => self.checked_add_wide(o),
        }
    }
    /// The sum of two reduced fractions on 64-bit words, the same fraction as
    /// [`Ratio::checked_add_wide`] gives: every product of two words fits in
    /// 128 bits, so nothing can overflow, and the gcds run on hardware words.
    fn add64([an, ad, bn, bd]: [i64; 4]) -> Ratio {
        let wide = |x: i64, y: i64| x as i128 * y as i128;
        if ad == 1 && bd == 1 {
            return Ratio::from_integer(an as i128 + bn as i128);
        }
        // An integer plus a reduced fraction stays reduced.
        if ad == 1 {
            return Ratio {
                num: wide(an, bd) + bn as i128,
                den: bd as i128,
            };
        }
        if bd == 1 {
            return Ratio {
                num: wide(bn, ad) + an as i128,
                den: ad as i128,
            };
        }
        if ad == bd {
            let n = an as i128 + bn as i128;
            // gcd(n, d) = gcd(n mod d, d), and n mod d from the words.
            let r = (an % ad) as i128 + (bn % ad) as i128;
            let g = gcd64(r.unsigned_abs() as u64, ad as u64);
            return Ratio::divided(n, ad as i128, g);
        }
        // Knuth 4.5.1, as in `checked_add_wide`.
        let g = gcd64(ad as u64, bd as u64) as i64;
        let (sd, od) = (ad / g, bd / g);
        let n = wide(an, od) + wide(bn, sd);
        let d = wide(sd, bd);
        if n == 0 {
            return Ratio::default();
        }
        if g == 1 {
            return Ratio { num: n, den: d };
        }
        let g2 = match i64::try_from(n) {
            Ok(n) => gcd64((n % g).unsigned_abs(), g as u64),
            Err(_) => gcd(n, g as i128) as u64,
        };
        Ratio::divided(n, d, g2)
    }
    /// `num / g` over `den / g` (g divides both).
    #[inline]
    fn divided(num: i128, den: i128, g: u64) -> Ratio {
        if g == 1 {
            Ratio { num, den }
        } else {
            Ratio {
                num: div_exact(num, g as i128),
                den: div_exact(den, g as i128),
            }
        }
    }
    /// The product of two reduced fractions on 64-bit words, the same fraction
    /// as [`Ratio::checked_mul_wide`] gives (which cannot overflow either for
    /// such operands).
    fn mul64([an, ad, bn, bd]: [i64; 4]) -> Ratio {
        let wide = |x: i64, y: i64| x as i128 * y as i128;
        if ad == 1 && bd == 1 {
            return Ratio::from_integer(wide(an, bn));
        }
        if an == 0 || bn == 0 {
            return Ratio::default();
        }
        // gcd(x, 1) and gcd(±1, x) are 1: no gcd for an integer factor or
        // a unit numerator (a division by an integer).
        let g1 = if bd == 1 || an.unsigned_abs() == 1 {
            1
        } else {
            gcd64(an.unsigned_abs(), bd as u64) as i64
        };
        let g2 = if ad == 1 || bn.unsigned_abs() == 1 {
            1
        } else {
            gcd64(bn.unsigned_abs(), ad as u64) as i64
        };
        // Divisions only by a factor other than 1 (a hardware division is slow).
        let (an, bd) = if g1 == 1 {
            (an, bd)
        } else {
            (an / g1, bd / g1)
        };
        let (bn, ad) = if g2 == 1 {
            (bn, ad)
        } else {
            (bn / g2, ad / g2)
        };
        Ratio {
            num: wide(an, bn),
            den: wide(ad, bd),
        }
    }
    fn checked_add_wide(self, o: Ratio) -> Option<Ratio> {
        // An integer plus a reduced fraction stays reduced: no gcd needed.
        if self.den == 1 && o.den != 1 {
            let n = mul128(self.num, o.den)?.checked_add(o.num)?;
            return Some(Ratio { num: n, den: o.den });
        }
        if o.den == 1 && self.den != 1 {
            let n = mul128(o.num, self.den)?.checked_add(self.num)?;
            return Some(Ratio {
                num: n,
                den: self.den,
            });
        }
        if self.den == o.den {
            let n = self.num.checked_add(o.num)?;
            return Some(Ratio::new(n, self.den));
        }
        // Knuth 4.5.1: keep the intermediate numbers small. With
        // g = gcd(d1, d2) and t = n1·(d2/g) + n2·(d1/g), the reduced sum is
        // t/g' over (d1/g)·d2/g' where g' = gcd(t, g): a gcd with the small
        // g, not with the product of the denominators.
        let g = gcd(self.den, o.den);
        let (sd, od) = (div_exact(self.den, g), div_exact(o.den, g));
        let a = mul128(self.num, od)?;
        let b = mul128(o.num, sd)?;
        let n = a.checked_add(b)?;
        // The unreduced denominator is computed (checked) first, so that a
        // sum overflows exactly when it always did.
        let d = mul128(sd, o.den)?;
        if n == 0 {
            return Some(Ratio::default());
        }
        let g2 = if g == 1 { 1 } else { gcd(n, g) };
        if g2 == 1 {
            return Some(Ratio { num: n, den: d });
        }
        Some(Ratio {
            num: div_exact(n, g2),
            den: div_exact(d, g2),
        })
    }
    fn checked_sub(self, o: Ratio) -> Option<Ratio> {
        self.checked_add(Ratio {
            num: o.num.checked_neg()?,
            den: o.den,
        })
    }
    #[inline]
    fn checked_mul(self, o: Ratio) -> Option<Ratio> {
        // x × 0 is 0 and x × 1 is x on every path (never an overflow): shares
        // are mostly 0 or 1, and the proportional factor is 1 when every
        // scored indicator is renseigné. (Natively only, as in `checked_add`.)
        #[cfg(not(target_arch = "wasm32"))]
        {
            if self.num == 0 || o.num == 0 {
                return Some(Ratio::default());
            }
            if o == Ratio::from_integer(1) {
                return Some(self);
            }
            if self == Ratio::from_integer(1) {
                return Some(o);
            }
        }
        match self.words(o) {
            Some(w) => Some(Ratio::mul64(w)),
            None => self.checked_mul_wide(o),
        }
    }
    fn checked_mul_wide(self, o: Ratio) -> Option<Ratio> {
        if self.den == 1 && o.den == 1 {
            return Some(Ratio::from_integer(mul128(self.num, o.num)?));
        }
        if self.num == 0 || o.num == 0 {
            return Some(Ratio::default());
        }
        let g1 = if o.den == 1 { 1 } else { gcd(self.num, o.den) };
        let g2 = if self.den == 1 {
            1
        } else {
            gcd(o.num, self.den)
        };
        let n = mul128(div_exact(self.num, g1), div_exact(o.num, g2))?;
        let d = mul128(div_exact(self.den, g2), div_exact(o.den, g1))?;
        Some(Ratio { num: n, den: d })
    }
    fn checked_div(self, o: Ratio) -> Option<Ratio> {
        if o.num == 0 {
            return None;
        }
        let inv = if o.num < 0 {
            Ratio {
                num: o.den.checked_neg()?,
                den: o.num.checked_neg()?,
            }
        } else {
            Ratio {
                num: o.den,
                den: o.num,
            }
        };
        self.checked_mul(inv)
    }
}

impl Ord for Ratio {
    #[inline]
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // Over the same (positive) denominator, the numerators compare
        // (integers, above all): no conversion to words.
        if self.den == o.den {
            return self.num.cmp(&o.num);
        }
        // On 64-bit words the cross products fit in 128 bits.
        match self.words(*o) {
            Some([an, ad, bn, bd]) => (an as i128 * bd as i128).cmp(&(bn as i128 * ad as i128)),
            None => self.cmp_wide(o),
        }
    }
}

impl Ratio {
    fn cmp_wide(&self, o: &Self) -> std::cmp::Ordering {
        if self.den == o.den {
            return self.num.cmp(&o.num);
        }
        match (mul128(self.num, o.den), mul128(o.num, self.den)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => {
                // Compare integer parts, then the fractional parts' reciprocals.
                let (qa, ra) = self.num.div_mod_floor(&self.den);
                let (qb, rb) = o.num.div_mod_floor(&o.den);
                match qa.cmp(&qb) {
                    std::cmp::Ordering::Equal => match (ra == 0, rb == 0) {
                        (true, true) => std::cmp::Ordering::Equal,
                        (true, false) => std::cmp::Ordering::Less,
                        (false, true) => std::cmp::Ordering::Greater,
                        (false, false) => Ratio {
                            num: o.den,
                            den: rb,
                        }
                        .cmp(&Ratio {
                            num: self.den,
                            den: ra,
                        }),
                    },
                    other => other,
                }
            }
        }
    }
}

impl PartialOrd for Ratio {
    #[inline]
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Number {
    fn schema_name() -> String {
        "Number".into()
    }
    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        // A decimal written as a number or as a string ("45,5").
        let mut schema = <f64 as schemars::JsonSchema>::json_schema(gen).into_object();
        schema.instance_type = Some(schemars::schema::SingleOrVec::Vec(vec![
            schemars::schema::InstanceType::Number,
            schemars::schema::InstanceType::String,
        ]));
        schema.format = None;
        schema.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn mul128_agrees_with_checked_mul() {
        let edges = [
            0,
            1,
            -1,
            i64::MAX as i128,
            i64::MIN as i128,
            i64::MAX as i128 + 1,
            i64::MIN as i128 - 1,
            1 << 100,
            i128::MAX,
            i128::MIN,
            -(1 << 90) + 7,
        ];
        for a in edges {
            for b in edges {
                assert_eq!(mul128(a, b), a.checked_mul(b), "{a} × {b}");
            }
        }
    }

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(n("45.5"), Number::ratio(91, 2).unwrap());
        assert_eq!(n("45,5"), n("45.50"));
        assert_eq!(n("-3"), Number::int(-3));
        assert_eq!(n("1 000"), Number::int(1000));
        assert_eq!(n(".5"), Number::ratio(1, 2).unwrap());
        assert!(Number::parse("").is_none());
        assert!(Number::parse("abc").is_none());
        assert!(Number::parse("1e5").is_none());
        assert!(Number::parse("12.3.4").is_none());
        assert!(Number::parse("10000000000000000").is_none());
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(n("84.99").round(0, RoundingMode::HalfUp), Number::int(85));
        assert_eq!(n("84.49").round(0, RoundingMode::HalfUp), Number::int(84));
        assert_eq!(n("89.5").round(0, RoundingMode::HalfUp), Number::int(90));
        assert_eq!(n("88.5").round(0, RoundingMode::HalfEven), Number::int(88));
        assert_eq!(n("89.5").round(0, RoundingMode::HalfEven), Number::int(90));
        assert_eq!(n("89.99").round(0, RoundingMode::Down), Number::int(89));
        assert_eq!(n("-2.5").round(0, RoundingMode::HalfUp), Number::int(-3));
        assert_eq!(n("2.345").round(2, RoundingMode::HalfUp), n("2.35"));
        let third = Number::ratio(1, 3).unwrap();
        assert_eq!(third.round(2, RoundingMode::HalfUp), n("0.33"));
    }

    #[test]
    fn rounding_up_goes_away_from_zero_unless_exact() {
        let up = |x: Number, d| x.round(d, RoundingMode::Up);
        // 40/90 = 44.44… %: the Nouvelle-Aquitaine minimum of 2024.
        let forty_ninetieths = Number::ratio(4000, 90).unwrap();
        assert_eq!(up(forty_ninetieths, 0), Number::int(45));
        assert_eq!(up(n("44.44"), 0), Number::int(45));
        assert_eq!(up(n("45"), 0), Number::int(45));
        assert_eq!(up(n("89.01"), 0), Number::int(90));
        assert_eq!(up(n("89.5"), 0), Number::int(90));
        assert_eq!(up(n("0"), 0), Number::ZERO);
        assert_eq!(up(n("0.000000001"), 0), Number::ONE);
        assert_eq!(up(n("100"), 0), Number::HUNDRED);
        // Decimals: only what lies beyond the kept decimals counts.
        assert_eq!(up(n("44.41"), 1), n("44.5"));
        assert_eq!(up(n("44.4"), 1), n("44.4"));
        assert_eq!(up(forty_ninetieths, 1), n("44.5"));
        assert_eq!(up(Number::ratio(1, 3).unwrap(), 2), n("0.34"));
        assert_eq!(up(n("2.3401"), 2), n("2.35"));
        // Away from zero for negative values, as ROUNDUP does.
        assert_eq!(up(n("-2.1"), 0), Number::int(-3));
        assert_eq!(up(n("-2"), 0), Number::int(-2));
        assert_eq!(up(n("-0.01"), 1), n("-0.1"));
    }

    #[test]
    fn formats() {
        assert_eq!(n("1234.5").to_french(2), "1\u{202f}234,50");
        assert_eq!(n("87").to_french(0), "87");
        assert_eq!(n("-0.5").to_french(1), "-0,5");
        assert_eq!(Number::ratio(800, 9).unwrap().to_decimal_string(2), "88.89");
        assert_eq!(n("5").to_decimal_string(6), "5");
    }

    #[test]
    fn fast_paths_agree_with_definitions() {
        let a = Number::ratio(25, 21).unwrap();
        let b = Number::ratio(7, 15).unwrap();
        assert_eq!(
            a.add(b).unwrap(),
            Number::ratio(25 * 15 + 7 * 21, 21 * 15).unwrap()
        );
        assert_eq!(a.mul(b).unwrap(), Number::ratio(175, 315).unwrap());
        assert_eq!(a.div(b).unwrap(), Number::ratio(375, 147).unwrap());
        assert_eq!(a.sub(a).unwrap(), Number::ZERO);
        assert!(Number::ratio(-1, 3).unwrap() < Number::ratio(-1, 4).unwrap());
        assert_eq!(Number::ratio(2, -4).unwrap(), Number::ratio(-1, 2).unwrap());
        let huge = Number::ratio(i128::MAX / 3, i128::MAX / 5).unwrap();
        let huge2 = Number::ratio(i128::MAX / 5, i128::MAX / 7).unwrap();
        assert!(huge > huge2);
        assert_eq!(super::gcd(1 << 100, 1 << 90), 1 << 90);
        assert_eq!(super::gcd(0, 5), 5);
    }

    /// The fast paths against the plain definitions on random fractions,
    /// from small to near the 64- and 128-bit limits: the sum as the old
    /// implementation computed it (`Ratio::new` of the unreduced sum, same
    /// overflow points), the gcd as Euclid, rounding's reduction as `Ratio::new`.
    mod fast_paths {
        use super::super::*;
        use proptest::prelude::*;

        fn magnitude() -> impl Strategy<Value = i128> {
            prop_oneof![
                -1000i128..1000,
                -(1i128 << 40)..(1i128 << 40),
                (i64::MAX as i128 - 1000)..(i64::MAX as i128 + 1000),
                (i64::MIN as i128 - 1000)..(i64::MIN as i128 + 1000),
                any::<i64>().prop_map(i128::from),
                any::<i128>().prop_map(|x| x / 3),
                any::<i128>(),
                Just(i128::MAX),
                Just(i128::MIN + 1),
            ]
        }

        fn ratio() -> impl Strategy<Value = Ratio> {
            (
                magnitude(),
                prop_oneof![1i128..1000, 1i128..1_000_000_000_000, magnitude()],
                any::<bool>(),
            )
                .prop_filter_map("non-zero denominator", |(n, d, neg)| {
                    let d = if neg { d.checked_neg()? } else { d };
                    Number::ratio(n, d).map(|x| x.0)
                })
        }

        /// Fractions whose terms fit in 64 bits, up to the limits.
        fn word_ratio() -> impl Strategy<Value = Ratio> {
            let word = prop_oneof![
                -1000i64..1000,
                -(1i64 << 40)..(1i64 << 40),
                any::<i64>(),
                Just(i64::MAX),
                Just(i64::MIN),
            ];
            let den = prop_oneof![1i64..1000, 1i64..1_000_000_000_000, 1i64..=i64::MAX];
            (word, den).prop_map(|(n, d)| Ratio::new(n as i128, d as i128))
        }

        /// The sum as it was computed before the reduction by gcd(t, g).
        fn old_add(x: Ratio, o: Ratio) -> Option<Ratio> {
            if x.den == 1 && o.den != 1 {
                let n = mul128(x.num, o.den)?.checked_add(o.num)?;
                return Some(Ratio { num: n, den: o.den });
            }
            if o.den == 1 && x.den != 1 {
                let n = mul128(o.num, x.den)?.checked_add(x.num)?;
                return Some(Ratio { num: n, den: x.den });
            }
            if x.den == o.den {
                return Some(Ratio::new(x.num.checked_add(o.num)?, x.den));
            }
            let g = gcd(x.den, o.den);
            let (sd, od) = (x.den / g, o.den / g);
            let n = mul128(x.num, od)?.checked_add(mul128(o.num, sd)?)?;
            let d = mul128(sd, o.den)?;
            Some(Ratio::new(n, d))
        }

        const MODES: [RoundingMode; 4] = [
            RoundingMode::HalfUp,
            RoundingMode::HalfEven,
            RoundingMode::Down,
            RoundingMode::Up,
        ];

        /// Rounding as it was written before its shortcut for exact decimals.
        fn plain_round(x: Number, decimals: u32, mode: RoundingMode) -> Number {
            if x.0.is_integer() {
                return x;
            }
            let scale = POW10[decimals.min(12) as usize];
            let Some(scaled) = mul128(x.0.num, scale) else {
                return x;
            };
            let q = rounded_quotient(scaled, x.0.den, mode);
            Number(Ratio::new(q, scale))
        }

        fn euclid(mut a: u64, mut b: u64) -> u64 {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        }

        proptest! {
            #[test]
            fn sum_is_the_reduced_sum(x in ratio(), o in ratio()) {
                prop_assert_eq!(x.checked_add(o), old_add(x, o));
                let back = x.checked_add(o).and_then(|s| s.checked_sub(o));
                if let Some(back) = back {
                    prop_assert_eq!(back, x);
                }
            }

            #[test]
            fn word_paths_are_the_wide_paths(x in word_ratio(), o in word_ratio()) {
                if let Some(w) = x.words(o) {
                    prop_assert_eq!(Some(Ratio::add64(w)), x.checked_add_wide(o));
                    prop_assert_eq!(Some(Ratio::mul64(w)), x.checked_mul_wide(o));
                    prop_assert_eq!(x.cmp(&o), x.cmp_wide(&o));
                }
            }

            #[test]
            fn products_by_zero_one_and_integers_are_the_wide_products(x in ratio(), o in ratio()) {
                let ints = [
                    Ratio::from_integer(x.num),
                    Ratio::from_integer(o.num),
                    Ratio::from_integer(x.num / 3),
                    Ratio::from_integer(-1),
                ];
                for (a, b) in ints.iter().flat_map(|a| ints.iter().map(move |b| (*a, *b))) {
                    prop_assert_eq!(a.checked_mul(b), a.checked_mul_wide(b));
                    prop_assert_eq!(a.checked_add(b), old_add(a, b));
                }
                for o in [o, Ratio::default(), Ratio::from_integer(1)] {
                    prop_assert_eq!(x.checked_mul(o), x.checked_mul_wide(o));
                    prop_assert_eq!(o.checked_mul(x), o.checked_mul_wide(x));
                    prop_assert_eq!(x.checked_add(o), old_add(x, o));
                    prop_assert_eq!(o.checked_add(x), old_add(o, x));
                }
            }

            /// `Sum` gives the fraction the fold of `add` gives whenever it
            /// gives one (and the fold then never overflows); on terms of
            /// modest size (denominators up to 12) it always gives one.
            #[test]
            fn sum_is_the_fold(
                terms in proptest::collection::vec(
                    prop_oneof![
                        ratio(),
                        word_ratio(),
                        (-1000i128..1000, 1i128..50).prop_map(|(n, d)| Ratio::new(n, d)),
                        (-(1i128 << 40)..(1i128 << 40)).prop_map(|n| Ratio::new(n, 1_000_000_000)),
                    ],
                    0..40,
                ),
                modest in any::<bool>(),
            ) {
                let terms: Vec<Ratio> = if modest {
                    terms
                        .into_iter()
                        .map(|t| Ratio::new(t.num % 1_000_000_000, t.den % 12 + 1))
                        .collect()
                } else {
                    terms
                };
                let mut sum = Sum::ZERO;
                let mut fold = Some(Ratio::default());
                for t in &terms {
                    sum.add(Number(*t));
                    fold = fold.and_then(|f| f.checked_add(*t));
                }
                match sum.value() {
                    Some(v) => prop_assert_eq!(Some(v.0), fold),
                    None => prop_assert!(!modest, "a modest sum left words"),
                }
            }

            #[test]
            fn mul_div_is_mul_then_div(x in ratio(), w in word_ratio(), o in ratio(), v in word_ratio()) {
                for (x, a) in [(x, o), (w, v), (w, o), (x, v), (w, w)] {
                    let (x, a) = (Number(x), Number(a));
                    for b in [a, Number(o), Number::ZERO] {
                        prop_assert_eq!(x.mul_div(a, b), x.mul(a).and_then(|p| p.div(b)));
                    }
                }
            }

            #[test]
            fn percent_of_is_div_then_mul(x in ratio(), o in ratio(), n in any::<i64>(), d in any::<i64>()) {
                let small = |a: i64, b: i64| {
                    Number::ratio((a % (1 << 29)) as i128, (b % (1 << 29)) as i128).unwrap_or(Number::ONE)
                };
                for (x, o) in [
                    (Number(x), Number(o)),
                    (Number::int(n), Number::int(d)),
                    (Number::int(n % 100_000), Number::int(d % 1000)),
                    (Number(x), Number::int(d)),
                    (small(n, d), small(d, n)),
                    (small(n % 5000, d % 1000), small(d % 3000, n % 100)),
                    (small(n, d), Number::ZERO),
                ] {
                    prop_assert_eq!(
                        x.percent_of(o),
                        x.div(o).and_then(|q| q.mul(Number::HUNDRED))
                    );
                }
            }

            #[test]
            fn rounding_is_the_plain_rounding(x in ratio(), w in word_ratio(), d in 0u32..=14, k in 0i64..1_000_000) {
                let tenths = Number(Ratio::new(k as i128, POW10[(k % 4) as usize]));
                for x in [Number(x), Number(w), tenths] {
                    for mode in MODES {
                        prop_assert_eq!(x.round(d, mode), plain_round(x, d, mode));
                    }
                }
            }

            #[test]
            fn percent_rounded_is_percent_then_round(
                x in ratio(),
                o in ratio(),
                n in any::<i64>(),
                m in any::<i64>(),
                d in 0u32..=14,
            ) {
                for (x, o) in [
                    (Number(x), Number(o)),
                    (Number::int(n), Number::int(m)),
                    (Number::int(n % 100_000), Number::int(m % 1000)),
                    (Number::int(n % 1000), Number::int(m % 7)),
                    (Number(x), Number::int(m)),
                ] {
                    for mode in MODES {
                        prop_assert_eq!(
                            x.percent_rounded(o, d, mode),
                            x.percent_of(o).map(|p| plain_round(p, d, mode))
                        );
                    }
                }
            }

            #[test]
            fn div_clamp_unit_is_div_then_clamp(
                x in ratio(),
                o in ratio(),
                w in word_ratio(),
                n in any::<i32>(),
                m in any::<i32>(),
                d in 1i32..=i32::MAX,
                e in any::<i32>(),
            ) {
                let small = |a: i32, b: i32| Number::ratio(a as i128, b as i128).unwrap_or(Number::ONE);
                for (x, o) in [
                    (Number(x), Number(o)),
                    (Number(w), Number(o)),
                    (Number(x), Number(w)),
                    (small(n, d), small(m, e)),
                    (small(n % 2000, d % 1000 + 1), small(m % 1000, e % 20)),
                    (small(n, d), Number::ZERO),
                    (Number::int(n as i64), Number::int(n as i64)),
                ] {
                    prop_assert_eq!(x.div_clamp_unit(o), x.div(o).map(Number::clamp_unit));
                }
            }

            #[test]
            fn natural_from_json_is_from_json(i in any::<i64>(), u in any::<u64>(), k in 0i64..2_000_000_000_000_000) {
                for n in [
                    serde_json::Number::from(i),
                    serde_json::Number::from(u),
                    serde_json::Number::from(k),
                    serde_json::Number::from(k - 1_000_000_000_000_000),
                ] {
                    let natural = Number::from_json(&n).filter(|x| x.is_integer() && !x.is_negative());
                    prop_assert_eq!(Number::natural_from_json(&n).map(Number::int), natural);
                }
            }

            #[test]
            fn clamp_unit_is_clamp(x in ratio()) {
                let x = Number(x);
                prop_assert_eq!(x.clamp_unit(), x.clamp(Number::ZERO, Number::ONE));
            }

            /// The French text as it was written before `write_french`.
            #[test]
            fn french_text_is_the_formatted_one(x in word_ratio(), d in 0u32..=14) {
                let x = Number(x);
                let reference = || {
                    let r = x.round(d, RoundingMode::HalfUp);
                    let scale = 10i128.pow(d);
                    let scaled = r.0.numer().checked_mul(scale / r.0.denom())?;
                    let neg = scaled < 0;
                    let abs = scaled.unsigned_abs();
                    let int = (abs / scale as u128).to_string();
                    let mut grouped = String::new();
                    for (i, c) in int.chars().enumerate() {
                        if i > 0 && (int.len() - i).is_multiple_of(3) {
                            grouped.push('\u{202f}');
                        }
                        grouped.push(c);
                    }
                    let mut out = String::new();
                    if neg {
                        out.push('-');
                    }
                    out.push_str(&grouped);
                    if d > 0 {
                        out.push(',');
                        out.push_str(&format!("{:0width$}", abs % scale as u128, width = d as usize));
                    }
                    Some(out)
                };
                // (Beyond the 128-bit product both overflow alike.)
                if let Some(expected) = reference() {
                    prop_assert_eq!(x.to_french(d), expected);
                }
            }

            #[test]
            fn gcd64_is_euclid(a in any::<u64>(), b in any::<u64>(), k in 0u32..40) {
                prop_assert_eq!(gcd64(a, b), euclid(a, b));
                let (a, b) = (a >> k, b.wrapping_mul(1 << (k % 20)));
                prop_assert_eq!(gcd64(a, b), euclid(a, b));
            }

            #[test]
            fn power_of_ten_reduction_is_new(q in magnitude(), d in 0u32..=12) {
                prop_assert_eq!(Ratio::over_power_of_ten(q, d), Ratio::new(q, 10i128.pow(d)));
            }
        }
    }

    #[test]
    fn rounding_near_the_128_bit_limit_neither_panics_nor_wraps() {
        let k = i128::MAX / 2; // i128::MAX = 2k + 1
        let x = |n: i128| Number(Ratio::new(n, i128::MAX));
        for (n, half_up, down, half_even) in [
            (i128::MAX - 1, 1, 0, 1),
            (k + 1, 1, 0, 1),
            (k, 0, 0, 0),
            (-(k + 1), -1, 0, -1),
        ] {
            assert_eq!(
                x(n).round(0, RoundingMode::HalfUp),
                Number::int(half_up),
                "{n}"
            );
            assert_eq!(x(n).round(0, RoundingMode::Down), Number::int(down), "{n}");
            assert_eq!(
                x(n).round(0, RoundingMode::HalfEven),
                Number::int(half_even),
                "{n}"
            );
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let big = Number::ratio(i128::MAX / 2, 1).unwrap();
        assert!(big.mul(big).is_err());
        assert!(big.div(Number::ZERO).is_err());
    }
}
