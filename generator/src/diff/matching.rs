//! Which operation, channel, server or message of NEW is which of OLD.
//!
//! Items are paired by their id first (operation id, channel id, server name, message name), then
//! the leftovers by what peers see (an operation's action and address, a channel's address), so a
//! renamed id with the same address is a rename, not a removal and an addition.

use std::collections::HashMap;
use std::hash::Hash;

/// Pairs, and the unpaired on each side, as indexes.
#[derive(Debug, Default)]
pub struct Pairing {
    /// (OLD index, NEW index).
    pub pairs: Vec<(usize, usize)>,
    /// OLD indexes with no partner.
    pub removed: Vec<usize>,
    /// NEW indexes with no partner.
    pub added: Vec<usize>,
}

/// Pairs `old` and `new` by `key` (first equal key wins), then the leftovers by `fallback`
/// (`None`: no fallback key), keeping OLD's order.
pub fn pair<T, K: Eq + Hash, F: Eq + Hash>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> K,
    fallback: impl Fn(&T) -> Option<F>,
) -> Pairing {
    let mut by_key: HashMap<K, Vec<usize>> = HashMap::new();
    for (j, item) in new.iter().enumerate().rev() {
        by_key.entry(key(item)).or_default().push(j);
    }
    let mut used = vec![false; new.len()];
    let mut pairs = Vec::new();
    let mut left = Vec::new();
    for (i, item) in old.iter().enumerate() {
        match by_key.get_mut(&key(item)).and_then(Vec::pop) {
            Some(j) => {
                used[j] = true;
                pairs.push((i, j));
            }
            None => left.push(i),
        }
    }
    let mut by_fallback: HashMap<F, Vec<usize>> = HashMap::new();
    for (j, item) in new.iter().enumerate().rev() {
        if !used[j] {
            if let Some(k) = fallback(item) {
                by_fallback.entry(k).or_default().push(j);
            }
        }
    }
    let mut removed = Vec::new();
    for i in left {
        match fallback(&old[i]).and_then(|k| by_fallback.get_mut(&k).and_then(Vec::pop)) {
            Some(j) => {
                used[j] = true;
                pairs.push((i, j));
            }
            None => removed.push(i),
        }
    }
    pairs.sort_unstable();
    let added = (0..new.len()).filter(|j| !used[*j]).collect();
    Pairing {
        pairs,
        removed,
        added,
    }
}

#[cfg(test)]
mod tests {
    use super::pair;

    #[test]
    fn ids_first_then_the_fallback() {
        let old = [("a", 1), ("b", 2), ("c", 3)];
        let new = [("c", 3), ("b2", 2), ("d", 4)];
        let p = pair(&old, &new, |x| x.0, |x| Some(x.1));
        assert_eq!(p.pairs, vec![(1, 1), (2, 0)]);
        assert_eq!(p.removed, vec![0]);
        assert_eq!(p.added, vec![2]);
    }
}
