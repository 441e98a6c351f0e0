//! A request's allowance of graph work: units (nodes and edges visited) shared by every field
//! of one request, and a deadline. Traversals spend from it as they go and stop as soon as it
//! runs out, so neither many aliases nor a request whose client gave up can keep a core busy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Why a traversal stopped before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Exhausted {
    /// The request has visited as many nodes and edges as it may.
    #[error("the request used up its work budget")]
    Work,
    /// The request ran past its deadline.
    #[error("the request ran past its deadline")]
    Deadline,
}

/// Units a [`Meter`] counts locally before it takes them from the shared budget (and looks
/// at the clock): small enough to stop within microseconds, large enough to cost nothing.
const CHUNK: u64 = 4096;

/// Work one request may still do, shared by all its fields (and threads).
#[derive(Debug)]
pub struct Budget {
    left: AtomicU64,
    deadline: Option<Instant>,
}

impl Budget {
    /// An allowance of `units`, valid until `deadline` (none: no time limit).
    pub fn new(units: u64, deadline: Option<Instant>) -> Budget {
        Budget {
            left: AtomicU64::new(units),
            deadline,
        }
    }

    /// No limit: for the command line, exports and benchmarks, which answer to their user only.
    pub fn unlimited() -> Budget {
        Budget::new(u64::MAX, None)
    }

    /// Units not spent yet.
    pub fn left(&self) -> u64 {
        self.left.load(Ordering::Relaxed)
    }

    /// The moment work must stop, if there is one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Takes `units`; an error when the deadline has passed or fewer units are left (then
    /// the budget is empty, so every later spend fails at once too).
    pub fn spend(&self, units: u64) -> Result<(), Exhausted> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Exhausted::Deadline);
        }
        let taken = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(units))
            });
        match taken {
            Ok(left) if left >= units => Ok(()),
            _ => Err(Exhausted::Work),
        }
    }

    /// A local counter for a tight loop; it spends from this budget in chunks.
    pub fn meter(&self) -> Meter<'_> {
        Meter {
            budget: self,
            pending: 0,
        }
    }
}

/// Counts units of work in a loop and takes them from the [`Budget`] every [`CHUNK`] units.
#[derive(Debug)]
pub struct Meter<'b> {
    budget: &'b Budget,
    pending: u64,
}

impl Meter<'_> {
    /// One unit of work (a node or edge visited).
    #[inline]
    pub fn tick(&mut self) -> Result<(), Exhausted> {
        self.pending += 1;
        if self.pending >= CHUNK {
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Takes what was counted so far from the budget.
    pub fn flush(&mut self) -> Result<(), Exhausted> {
        let pending = std::mem::take(&mut self.pending);
        self.budget.spend(pending)
    }
}

impl Drop for Meter<'_> {
    fn drop(&mut self) {
        // The work is done; only its cost is recorded (the next spend reports exhaustion).
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn spending_past_the_allowance_fails_and_empties_it() {
        let budget = Budget::new(10, None);
        assert_eq!(budget.spend(7), Ok(()));
        assert_eq!(budget.spend(7), Err(Exhausted::Work));
        assert_eq!(budget.spend(1), Err(Exhausted::Work));
        assert_eq!(budget.left(), 0);
    }

    #[test]
    fn a_meter_stops_a_loop_within_one_chunk_of_the_allowance() {
        let budget = Budget::new(10_000, None);
        let mut meter = budget.meter();
        let ticks = (0..1_000_000).take_while(|_| meter.tick().is_ok()).count() as u64;
        assert!(
            (10_000 - CHUNK..=10_000 + CHUNK).contains(&ticks),
            "{ticks}"
        );
    }

    #[test]
    fn a_passed_deadline_stops_work_even_with_units_left() {
        let budget = Budget::new(u64::MAX, Some(Instant::now() - Duration::from_millis(1)));
        assert_eq!(budget.spend(1), Err(Exhausted::Deadline));
    }
}
