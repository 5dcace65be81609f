//! The attributes of a catalog object, stored compactly.
//!
//! A snapshot of a large schema holds hundreds of thousands of objects with
//! a handful of short attributes each. A map with an owned `String` per
//! attribute name and value cost about a kilobyte per column object; here
//! the names are shared by every object of one query, and an object's
//! values are one string with the end offsets of those that are set (a bit
//! set says which), so an object costs two small allocations whatever its
//! number of attributes.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Attribute name → value, sorted by name. An empty value is an absent
/// attribute (SQL NULL and the empty string are the same here).
#[derive(Clone)]
pub struct Attrs {
    /// The names, sorted, shared by the objects of one read (at most
    /// [`MAX_NAMES`]).
    names: Arc<[Box<str>]>,
    /// Bit `i` set: the value of `names[i]` is set (not empty).
    set: u64,
    /// For each value set, in name order, its end in `text` (values are
    /// consecutive).
    ends: Box<[u32]>,
    text: Box<str>,
}

/// The most attributes one object can have (the bits of `set`).
const MAX_NAMES: usize = 64;

impl Attrs {
    /// No attributes.
    pub fn new() -> Attrs {
        Attrs {
            names: Arc::from(Vec::new()),
            set: 0,
            ends: Box::new([]),
            text: "".into(),
        }
    }

    /// The `rank`-th value set.
    fn value(&self, rank: usize) -> &str {
        let start = if rank == 0 {
            0
        } else {
            self.ends[rank - 1] as usize
        };
        &self.text[start..self.ends[rank] as usize]
    }

    /// The value of an attribute.
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self.names.binary_search_by(|n| (**n).cmp(name)).ok()?;
        if self.set & (1 << i) == 0 {
            return None;
        }
        let rank = (self.set & ((1u64 << i) - 1)).count_ones() as usize;
        Some(self.value(rank))
    }

    /// The attributes that are set, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        (0..self.names.len())
            .filter(|&i| self.set & (1 << i) != 0)
            .enumerate()
            .map(|(rank, i)| (&*self.names[i], self.value(rank)))
    }

    /// How many attributes are set.
    pub fn len(&self) -> usize {
        self.set.count_ones() as usize
    }

    /// True when no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.set == 0
    }

    /// These attributes with those of `other` added (`other` wins).
    pub fn merged(&self, other: &Attrs) -> Attrs {
        let mut all: BTreeMap<&str, &str> = self.iter().collect();
        all.extend(other.iter());
        all.into_iter().collect()
    }
}

impl Default for Attrs {
    fn default() -> Attrs {
        Attrs::new()
    }
}

/// Pairs with an empty value are left out, and a name given twice keeps its
/// first value; past 64 names, the others are left out.
impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Attrs {
        let mut pairs: Vec<(K, V)> = iter
            .into_iter()
            .filter(|(_, v)| !v.as_ref().is_empty())
            .collect();
        pairs.sort_by(|x, y| x.0.as_ref().cmp(y.0.as_ref()));
        pairs.dedup_by(|later, earlier| later.0.as_ref() == earlier.0.as_ref());
        pairs.truncate(MAX_NAMES);
        let names: Vec<Box<str>> = pairs.iter().map(|(k, _)| k.as_ref().into()).collect();
        let layout = Layout {
            names: names.into(),
            order: (0..pairs.len()).collect(),
        };
        layout.build(pairs.iter().map(|(_, v)| Some(v.as_ref())))
    }
}

/// How the columns of one query become attributes: the sorted names,
/// shared by every object built with it, and which column each comes from.
pub(crate) struct Layout {
    names: Arc<[Box<str>]>,
    /// For each sorted name, its position among the query's columns.
    order: Vec<usize>,
}

impl Layout {
    /// The layout of a query's attribute columns (those after schema and
    /// name).
    ///
    /// # Panics
    ///
    /// With more than 64 attribute columns (no catalog query has so many).
    pub(crate) fn new(columns: &[String]) -> Layout {
        assert!(columns.len() <= MAX_NAMES, "too many attribute columns");
        let mut order: Vec<usize> = (0..columns.len()).collect();
        order.sort_by(|&x, &y| columns[x].cmp(&columns[y]));
        let names: Vec<Box<str>> = order.iter().map(|&i| columns[i].as_str().into()).collect();
        Layout {
            names: names.into(),
            order,
        }
    }

    /// The attributes of one row (`values` in column order; `None` is NULL).
    pub(crate) fn build<'v>(&self, values: impl IntoIterator<Item = Option<&'v str>>) -> Attrs {
        let values: Vec<Option<&str>> = values.into_iter().collect();
        let len: usize = values.iter().flatten().map(|v| v.len()).sum();
        let count = values.iter().flatten().filter(|v| !v.is_empty()).count();
        let mut text = String::with_capacity(len);
        let mut ends = Vec::with_capacity(count);
        let mut set = 0u64;
        for (i, &col) in self.order.iter().enumerate() {
            if let Some(Some(v)) = values.get(col) {
                if !v.is_empty() {
                    text.push_str(v);
                    ends.push(u32::try_from(text.len()).expect("attributes under 4 GiB"));
                    set |= 1 << i;
                }
            }
        }
        Attrs {
            names: Arc::clone(&self.names),
            set,
            ends: ends.into_boxed_slice(),
            text: text.into_boxed_str(),
        }
    }
}

impl PartialEq for Attrs {
    fn eq(&self, other: &Attrs) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Attrs {}

impl PartialOrd for Attrs {
    fn partial_cmp(&self, other: &Attrs) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Attrs {
    fn cmp(&self, other: &Attrs) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl Hash for Attrs {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for (k, v) in self.iter() {
            k.hash(state);
            v.hash(state);
        }
    }
}

impl fmt::Debug for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Attrs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Attrs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Attrs, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        if map.len() > MAX_NAMES {
            return Err(serde::de::Error::custom(format!(
                "an object with {} attributes (at most {MAX_NAMES})",
                map.len()
            )));
        }
        Ok(map.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_from_columns_in_any_order() {
        let layout = Layout::new(&["type".into(), "default".into(), "nullable".into()]);
        let a = layout.build([Some("integer"), None, Some("not null")]);
        assert_eq!(a.get("type"), Some("integer"));
        assert_eq!(a.get("default"), None);
        assert_eq!(a.get("nullable"), Some("not null"));
        assert_eq!(a.get("other"), None);
        let pairs: Vec<(&str, &str)> = a.iter().collect();
        assert_eq!(pairs, [("nullable", "not null"), ("type", "integer")]);
        let b: Attrs = [("type", "integer"), ("nullable", "not null"), ("x", "")]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert!(Attrs::new().is_empty());
    }

    #[test]
    fn serialises_as_a_map() {
        let a: Attrs = [("b", "2"), ("a", "1")].into_iter().collect();
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(text, r#"{"a":"1","b":"2"}"#);
        let back: Attrs = serde_json::from_str(&text).unwrap();
        assert_eq!(back, a);
        let merged = a.merged(&[("c", "3"), ("a", "9")].into_iter().collect());
        assert_eq!(
            merged.iter().collect::<Vec<_>>(),
            [("a", "9"), ("b", "2"), ("c", "3")]
        );
    }
}
