//! The offsets of one partition that were read and are not settled yet, kept as runs of
//! offsets one after another: records are read in order, so reading one extends the last
//! run and settling a batch removes one run, whatever the number of records.

use std::collections::BTreeMap;

/// Runs of offsets, each as its first offset and how many follow from it; runs neither
/// overlap nor touch.
#[derive(Default, Debug)]
pub(super) struct Offsets(BTreeMap<i64, u64>);

impl Offsets {
    /// Add `offset`; false if it is there already.
    pub(super) fn insert(&mut self, offset: i64) -> bool {
        let before = self.0.range(..=offset).next_back().map(|(f, n)| (*f, *n));
        if let Some((first, count)) = before {
            let end = first.saturating_add_unsigned(count);
            if offset < end {
                return false;
            }
            if offset == end {
                // (the usual case: the next record of the partition)
                let mut count = count + 1;
                if let Some(next) = self.0.remove(&(offset + 1)) {
                    count += next;
                }
                self.0.insert(first, count);
                return true;
            }
        }
        let count = 1 + self.0.remove(&(offset + 1)).unwrap_or(0);
        self.0.insert(offset, count);
        true
    }

    /// Take out the `count` offsets from `offset` (those that are here).
    pub(super) fn remove(&mut self, offset: i64, count: u64) {
        let end = offset.saturating_add_unsigned(count);
        let overlapping: Vec<(i64, u64)> = self
            .0
            .range(..end)
            .rev()
            .take_while(|(first, n)| first.saturating_add_unsigned(**n) > offset)
            .map(|(f, n)| (*f, *n))
            .collect();
        for (first, n) in overlapping {
            self.0.remove(&first);
            let run_end = first.saturating_add_unsigned(n);
            if first < offset {
                self.0.insert(first, offset.abs_diff(first));
            }
            if end < run_end {
                self.0.insert(end, run_end.abs_diff(end));
            }
        }
    }

    /// The lowest offset here.
    pub(super) fn first(&self) -> Option<i64> {
        self.0.keys().next().copied()
    }

    pub(super) fn len(&self) -> u64 {
        self.0.values().sum()
    }

    /// How many of the `count` offsets from `offset` are here.
    pub(super) fn count_in(&self, offset: i64, count: u64) -> u64 {
        let end = offset.saturating_add_unsigned(count);
        self.0
            .range(..end)
            .rev()
            .take_while(|(first, n)| first.saturating_add_unsigned(**n) > offset)
            .map(|(first, n)| {
                let run_end = first.saturating_add_unsigned(*n);
                (*first).max(offset).abs_diff(run_end.min(end))
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(o: &Offsets) -> Vec<(i64, u64)> {
        o.0.iter().map(|(f, n)| (*f, *n)).collect()
    }

    #[test]
    fn offsets_read_in_order_are_one_run() {
        let mut o = Offsets::default();
        for offset in 10..20 {
            assert!(o.insert(offset));
        }
        assert!(!o.insert(15), "an offset read again is there once");
        assert_eq!(runs(&o), vec![(10, 10)]);
        assert_eq!((o.first(), o.len()), (Some(10), 10));
    }

    #[test]
    fn runs_join_when_a_gap_is_filled_and_split_when_the_middle_is_removed() {
        let mut o = Offsets::default();
        for offset in [5, 6, 9, 8, 7] {
            assert!(o.insert(offset));
        }
        assert_eq!(runs(&o), vec![(5, 5)]);
        o.remove(6, 2);
        assert_eq!(runs(&o), vec![(5, 1), (8, 2)]);
        assert_eq!(o.count_in(0, 100), 3);
        assert_eq!(o.count_in(6, 3), 1);
        // a removal over several runs and beyond them
        o.remove(0, 9);
        assert_eq!(runs(&o), vec![(9, 1)]);
        o.remove(9, 1);
        assert_eq!((o.first(), o.len()), (None, 0));
    }
}
