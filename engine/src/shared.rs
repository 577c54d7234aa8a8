//! [`SharedStr`]: an immutable string shared by reference counting.
//!
//! The identifiers and titles that every evaluation repeats (indicator id,
//! code and volet, volet id and title) are `SharedStr` in the catalog, so that
//! a result carries them for a reference-count increment instead of a copy.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An immutable, cheaply cloned string. It reads as a `&str` (`Deref`,
/// `as_str`), compares with `str`, `&str` and `String`, and serialises as a
/// plain string.
///
/// ```
/// use caqes_engine::SharedStr;
/// let id = SharedStr::from("ir-cho-2");
/// let copy = id.clone(); // no allocation
/// assert_eq!(copy, "ir-cho-2");
/// assert_eq!(copy.len(), 8);
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""ir-cho-2""#);
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both share one allocation (then the same text: it never
    /// changes; the evaluation's index checks a catalog's ids by it).
    pub(crate) fn ptr_eq(a: &SharedStr, b: &SharedStr) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        SharedStr::from("")
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(Arc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(Arc::from(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr(Arc::from(s.as_str()))
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.0.to_string()
    }
}

impl From<&SharedStr> for String {
    fn from(s: &SharedStr) -> Self {
        s.0.to_string()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// Formats as the text itself, honouring width, fill and alignment like `str`
/// (`{:<12}` pads the indicator codes of `caqes score`'s table).
impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

macro_rules! eq_with {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for SharedStr {
            fn eq(&self, other: &$t) -> bool {
                *self.0 == **other
            }
        }
        impl PartialEq<SharedStr> for $t {
            fn eq(&self, other: &SharedStr) -> bool {
                **self == *other.0
            }
        }
    )*};
}
eq_with!(&str, String);

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == *other.0
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SharedStr::from)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for SharedStr {
    fn is_referenceable() -> bool {
        false
    }
    fn schema_name() -> String {
        String::schema_name()
    }
    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(gen)
    }
}

#[cfg(test)]
mod tests {
    use super::SharedStr;

    #[test]
    fn formats_like_a_str_with_width_and_alignment() {
        let s = SharedStr::from("IR CHO 1");
        assert_eq!(format!("{s:<12}|"), format!("{:<12}|", "IR CHO 1"));
        assert_eq!(format!("{s:>10}"), "  IR CHO 1");
        assert_eq!(format!("{s:.2}"), "IR");
    }

    #[test]
    fn reads_and_compares_as_a_string() {
        let s = SharedStr::from(String::from("vo-1"));
        assert_eq!(s, "vo-1");
        assert_eq!("vo-1", s);
        assert_eq!(s, String::from("vo-1"));
        assert_eq!(*"vo-1", s);
        assert!(s.starts_with("vo"));
        assert_eq!(format!("{s} {s:?}"), "vo-1 \"vo-1\"");
        assert_eq!(String::from(s.clone()), "vo-1");
        let back: SharedStr = serde_json::from_str("\"vo-1\"").unwrap();
        assert_eq!(back, s);
        let (a, b) = (SharedStr::from("a"), SharedStr::from("b"));
        assert!(a < b);
    }
}
