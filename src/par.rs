//! Order-preserving parallel map over a slice with scoped threads, one per core, each taking
//! the next item as it becomes free (items of unequal cost keep every core busy).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads [`map`] uses at most: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `items.iter().map(f).collect()`, computed on up to `available_parallelism` threads; the
/// result is in input order, so output stays deterministic. Each item is mapped whole on one
/// thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads().min(items.len().max(1));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut mapped = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mapped.push((i, f(item)));
                    }
                    mapped
                })
            })
            .collect();
        let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
        for h in handles {
            match h.join() {
                Ok(part) => {
                    for (i, r) in part {
                        slots[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        // Every index below the length was taken by exactly one thread.
        slots.into_iter().flatten().collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let v: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&v, |x| x * 2),
            v.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&[] as &[u32], |x| *x), Vec::<u32>::new());
        // Unequal costs: still in order, each item once.
        let slow: Vec<u64> = (0..64)
            .map(|i| if i % 7 == 0 { 200_000 } else { 10 })
            .collect();
        let sums = super::map(&slow, |&n| (0..n).fold(0u64, |a, x| a.wrapping_add(x)));
        assert_eq!(
            sums,
            slow.iter()
                .map(|&n| (0..n).fold(0u64, |a, x| a.wrapping_add(x)))
                .collect::<Vec<_>>()
        );
    }
}
