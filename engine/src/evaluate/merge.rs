//! Finding answers by merge: the catalog's ids, walked in the order of the
//! [`crate::catalog::CatalogIndex`], against the sorted keys of an answer map
//! (indicators of the answers, inputs or criteria of an indicator's answer).

use std::collections::BTreeMap;

/// Walks the items that `item` gives with their ids (`None` past the last
/// item) in `order`, merged with the sorted keys of `answers`: `found(rank,
/// j, item, answer)` for each item `j`, at `rank` in `order`, with its answer
/// if any.
/// The walk may start over (`rank` 0 again, every item again): callers keep
/// the last call of each item.
///
/// Returns `None`, having called `found` for some items only, when `order`
/// no longer sorts the ids (checked as it is walked: every index names an
/// item, ids strictly increase, every item is walked) — the catalog changed
/// after it was indexed, or has duplicate ids; the caller then looks the
/// items up one by one. Otherwise whether every key of `answers` is the id of
/// an item.
///
/// Natively, the usual answer (one key per item, each the id of the item of
/// the same rank in `order`) is matched pairwise first: keys increase
/// strictly, so the ids do, and every item is answered — what the merge would
/// find. (The form's size is budgeted: the wasm build merges.)
#[inline]
pub(super) fn merge<'c, 'k, T, V>(
    order: &[u32],
    item: impl Fn(usize) -> Option<(T, &'c str)>,
    answers: &'k BTreeMap<String, V>,
    mut found: impl FnMut(usize, usize, T, Option<&'k V>),
) -> Option<bool> {
    #[cfg(not(target_arch = "wasm32"))]
    if answers.len() == order.len() && item(order.len()).is_none() {
        let mut pairs = order.iter().zip(answers).enumerate();
        if pairs.all(|(rank, (&j, (key, value)))| match item(j as usize) {
            Some((t, id)) if id == key => {
                found(rank, j as usize, t, Some(value));
                true
            }
            _ => false,
        }) {
            return Some(true);
        }
    }
    let mut keys = answers.iter().peekable();
    let mut previous: Option<&str> = None;
    let mut unknown = false;
    for (rank, &j) in order.iter().enumerate() {
        let (t, id) = item(j as usize)?;
        if previous.is_some_and(|p| p >= id) {
            return None;
        }
        previous = Some(id);
        let mut value = None;
        while let Some((key, v)) = keys.peek() {
            match key.as_str().cmp(id) {
                std::cmp::Ordering::Less => {
                    unknown = true;
                    keys.next();
                }
                std::cmp::Ordering::Equal => {
                    value = Some(*v);
                    keys.next();
                    break;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        found(rank, j as usize, t, value);
    }
    // Every item once: the order covers them all.
    if item(order.len()).is_some() {
        return None;
    }
    Some(!unknown && keys.next().is_none())
}

#[cfg(test)]
mod tests {
    use super::merge;
    use std::collections::BTreeMap;

    fn run(ids: &[&str], order: &[u32], keys: &[&str]) -> (Option<bool>, Vec<(usize, Option<u8>)>) {
        let answers: BTreeMap<String, u8> = keys
            .iter()
            .enumerate()
            .map(|(k, s)| (s.to_string(), k as u8))
            .collect();
        let mut seen = Vec::new();
        let item = |j: usize| ids.get(j).map(|id| ((), *id));
        let out = merge(order, item, &answers, |rank, j, (), v| {
            if rank == 0 {
                seen.clear();
            }
            seen.push((j, v.copied()))
        });
        (out, seen)
    }

    #[test]
    fn usual_partial_unknown_and_stale_orders() {
        // Ids b, a, c: the index's order is 1, 0, 2.
        let ids = ["b", "a", "c"];
        let order = [1, 0, 2];
        // Every item answered.
        let (out, seen) = run(&ids, &order, &["a", "b", "c"]);
        assert_eq!(out, Some(true));
        assert_eq!(seen, [(1, Some(0)), (0, Some(1)), (2, Some(2))]);
        // One item unanswered.
        let (out, seen) = run(&ids, &order, &["a", "c"]);
        assert_eq!(out, Some(true));
        assert_eq!(seen, [(1, Some(0)), (0, None), (2, Some(1))]);
        // Unknown keys before, between and after.
        for keys in [
            &["0", "a", "b", "c"][..],
            &["a", "aa", "c"],
            &["a", "b", "c", "z"],
        ] {
            assert_eq!(run(&ids, &order, keys).0, Some(false), "{keys:?}");
        }
        // As many keys as items, one unknown.
        let (out, seen) = run(&ids, &order, &["a", "b", "d"]);
        assert_eq!(out, Some(false));
        assert_eq!(seen, [(1, Some(0)), (0, Some(1)), (2, None)]);
        // Stale orders: not sorting the ids, an index out of range, an item missed.
        assert_eq!(run(&ids, &[0, 1, 2], &["a", "b", "c"]).0, None);
        assert_eq!(run(&ids, &[1, 0, 3], &["a", "b"]).0, None);
        assert_eq!(run(&ids, &[1, 0], &["a", "b"]).0, None);
        // Duplicate ids never sort strictly.
        assert_eq!(run(&["a", "a"], &[0, 1], &["a"]).0, None);
    }
}
