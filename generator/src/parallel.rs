//! Work split over the machine's cores: how many there are (asked once per process), and a
//! range of items mapped in consecutive slices on scoped threads with the results in order.

use std::ops::Range;
use std::sync::OnceLock;

/// The cores this process may use. Asked of the system once: on Linux the answer reads the
/// process's cgroup files, and the loader asks on every large document.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `map` of `0..len` in consecutive slices, the results joined in order: one slice per core but
/// never a slice of fewer than `min_per_slice` items, the first on the calling thread, the others
/// on scoped threads named `name`. A thread the system refuses leaves its slice to the calling
/// thread, so the result is always that of `map(0..len)` when `map` of a range is the joined
/// results of its parts.
pub fn map_slices<R: Send>(
    len: usize,
    min_per_slice: usize,
    name: &str,
    map: impl Fn(Range<usize>) -> Vec<R> + Sync,
) -> Vec<R> {
    let slices = cores().min(len / min_per_slice.max(1)).max(1);
    if slices == 1 {
        return map(0..len);
    }
    let per_slice = len.div_ceil(slices);
    let slice = |i: usize| i * per_slice..((i + 1) * per_slice).min(len);
    let map = &map;
    std::thread::scope(|scope| {
        let later: Vec<_> = (1..slices)
            .map(|i| {
                let range = slice(i);
                let thread = std::thread::Builder::new()
                    .name(name.into())
                    .spawn_scoped(scope, move || map(range));
                (thread, slice(i))
            })
            .collect();
        let mut out = map(slice(0));
        for (thread, range) in later {
            match thread {
                Ok(thread) => out.extend(
                    thread
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                ),
                Err(_) => out.extend(map(range)),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_join_into_the_whole_in_order() {
        for (len, min) in [(0, 4), (3, 4), (4, 1), (1_000, 7), (1_001, 256), (10, 0)] {
            let items: Vec<usize> = map_slices(len, min, "test", |range| range.collect());
            assert_eq!(
                items,
                (0..len).collect::<Vec<_>>(),
                "{len} items, {min} per slice"
            );
        }
    }
}
