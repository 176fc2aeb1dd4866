//! Latency percentiles for reports.

use serde::Serialize;

/// The nearest-rank percentile of ascending `sorted` values: the smallest value such that at
/// least `p` percent of the values are at or below it. `None` for an empty slice.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of `values_ms` (sorted in place); `None` when there are none.
    pub fn of(values_ms: &mut [f64]) -> Option<Self> {
        values_ms.sort_by(f64::total_cmp);
        Some(Self {
            p50_ms: percentile(values_ms, 50.0)?,
            p90_ms: percentile(values_ms, 90.0)?,
            p99_ms: percentile(values_ms, 99.0)?,
            max_ms: *values_ms.last()?,
        })
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_one_to_hundred_are_their_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 90.0), Some(90.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&values, 100.0), Some(100.0));
        assert_eq!(percentile(&values, 0.0), Some(1.0));
    }

    #[test]
    fn percentile_rounds_up_to_the_next_rank() {
        // 10 values: p50 is the 5th, p90 the 9th, p99 the 10th (ceil(9.9)).
        let values: Vec<f64> = (1..=10).map(|v| f64::from(v) * 10.0).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 51.0), Some(60.0));
        assert_eq!(percentile(&values, 90.0), Some(90.0));
        assert_eq!(percentile(&values, 99.0), Some(100.0));
    }

    #[test]
    fn single_value_is_every_percentile_and_empty_is_none() {
        assert_eq!(percentile(&[7.0], 1.0), Some(7.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(Latency::of(&mut []), None);
    }

    #[test]
    fn latency_sorts_its_input() {
        let mut values = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        let latency = Latency::of(&mut values).unwrap();
        assert_eq!(latency, Latency { p50_ms: 3.0, p90_ms: 5.0, p99_ms: 5.0, max_ms: 5.0 });
    }
}
