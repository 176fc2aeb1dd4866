//! Finding where a batch stops fitting its blobs: the last block of the largest batch from a
//! given first block whose compressed data fits. Compressing a candidate batch costs
//! milliseconds to seconds, so the search probes few candidates. Used by the sealer and by
//! `basalt bench da`.

/// The largest block in `low.0..high.0` whose batch fits its blobs, given that `low` fits and `high` does
/// not (each a last block and its data length in bytes), as bisection would find it. `probe`
/// answers a last block's data length and whether it fits; `target` is about the length where
/// fitting ends. Each probe compresses megabytes, so probes are placed by interpolating the
/// length (nearly linear in blocks) between the ends of the range, with the Illinois rule
/// against one end getting stuck, and a plain midpoint whenever two probes in a row leave more
/// than half the range: at most about three times bisection's probes, and usually a handful.
pub fn largest_fitting<E>(
    mut low: (u64, usize),
    mut high: (u64, usize),
    target: usize,
    mut probe: impl FnMut(u64) -> Result<(usize, bool), E>,
) -> Result<u64, E> {
    // Signed distance of each end's length from the target (the Illinois rule halves it).
    let excess = |len: usize| len as f64 - target as f64;
    let (mut low_excess, mut high_excess) = (excess(low.1), excess(high.1));
    let mut last_fitted = None;
    let (mut halved_at, mut probes_since_halved) = (high.0 - low.0, 0);
    while high.0 - low.0 > 1 {
        let width = high.0 - low.0;
        let at = if probes_since_halved >= 2 {
            low.0 + width / 2
        } else {
            // Float to integer casts saturate (NaN gives 0), so the clamp bounds any ratio.
            let share = -low_excess / (high_excess - low_excess);
            low.0 + ((share * width as f64) as u64).clamp(1, width - 1)
        };
        let (len, fits) = probe(at)?;
        if fits {
            (low, low_excess) = ((at, len), excess(len));
            if last_fitted == Some(true) {
                high_excess /= 2.0;
            }
        } else {
            (high, high_excess) = ((at, len), excess(len));
            if last_fitted == Some(false) {
                low_excess /= 2.0;
            }
        }
        last_fitted = Some(fits);
        if (high.0 - low.0) * 2 <= halved_at {
            (halved_at, probes_since_halved) = (high.0 - low.0, 0);
        } else {
            probes_since_halved += 1;
        }
    }
    Ok(low.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search over `1..=blocks` for a monotone `length` and checks it against a scan;
    /// returns the probes it took.
    fn search(blocks: u64, target: usize, length: impl Fn(u64) -> usize) -> usize {
        let fits = |len: usize| len <= target;
        let expected = (1..=blocks).take_while(|&b| fits(length(b))).last().unwrap();
        let mut probes = 0;
        let found = largest_fitting((1, length(1)), (blocks, length(blocks)), target, |b| {
            assert!(1 < b && b < blocks, "probe {b} outside the open range");
            probes += 1;
            Ok::<_, ()>((length(b), fits(length(b))))
        })
        .unwrap();
        assert_eq!(found, expected, "target {target}");
        probes
    }

    #[test]
    fn finds_the_boundary_of_a_linear_length_in_few_probes() {
        for target in [1_500, 130_048, 780_288, 4_999_000] {
            assert!(search(5_000, target, |b| 1_000 * b as usize + 37) <= 3);
        }
    }

    #[test]
    fn finds_the_boundary_of_a_concave_length() {
        // Like compression: each block adds less than the one before.
        let length = |b: u64| (20_000.0 * (b as f64).sqrt()) as usize + 3 * b as usize;
        for target in [30_000, 130_048, 780_288, 1_400_000] {
            assert!(search(5_000, target, length) <= 3 * 13, "target {target}");
        }
    }

    #[test]
    fn finds_the_boundary_of_a_lumpy_length_within_three_times_bisection() {
        // Flat runs and jumps, where interpolation guesses badly.
        let length = |b: u64| if b < 4_000 { 10 + (b / 1_000) as usize } else { 1_000_000 };
        for target in [10, 11, 12, 13, 999_999] {
            assert!(search(5_000, target, length) <= 3 * 13, "target {target}");
        }
    }

    #[test]
    fn adjacent_ends_need_no_probe() {
        let found = largest_fitting::<()>((7, 100), (8, 200), 150, |_| unreachable!()).unwrap();
        assert_eq!(found, 7);
    }
}
