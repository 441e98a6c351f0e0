//! Answers computed once per snapshot. A snapshot never changes, so what is derived from the
//! whole of it (the citation report, a minute of work at a million edges; the counts of
//! `stats`) can be kept beside
//! it and served again until the next snapshot replaces it. A copy of a snapshot is the start
//! of a different one (`apply` clones, then changes), so cloning gives an empty memo; `apply`
//! then carries each computed report into it (`graph::report`).

use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::NodeIx;
use super::coverage::Stats;
use super::report::Findings;
use crate::model::PartialDate;

/// Dates whose reports are kept per snapshot (today, and a few `asOf` dates).
const DATES_KEPT: usize = 4;

/// Years whose active nodes are kept per snapshot (at 10m edges, 2 million nodes: 8 MB each).
const YEARS_KEPT: usize = 2;

/// The report's findings as of a date, computed by the first request that needs them; the
/// others wait for that one instead of computing again.
pub type Report = Arc<OnceCell<Findings>>;

/// The nodes active in a year, in id order (`timeline::active_nodes`), computed by the first
/// request that needs them.
pub type Active = Arc<OnceCell<Arc<[NodeIx]>>>;

/// What has been computed for one snapshot.
#[derive(Debug, Default)]
pub struct Memo {
    reports: Slots<PartialDate, Findings>,
    stats: OnceCell<Arc<Stats>>,
    active: Slots<i32, Arc<[NodeIx]>>,
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl Memo {
    /// The reports already computed, by date: what a next snapshot can be given, carried.
    pub fn computed(&self) -> Vec<(PartialDate, Findings)> {
        let Ok(reports) = self.reports.lock() else {
            return Vec::new();
        };
        reports
            .iter()
            .filter_map(|(date, slot)| Some((*date, slot.get()?.clone())))
            .collect()
    }

    /// Keeps `findings` as the report as of `date` (computed elsewhere: carried from the
    /// snapshot before, or at start-up).
    pub fn keep(&self, date: PartialDate, findings: Findings) {
        let Ok(mut reports) = self.reports.lock() else {
            return;
        };
        reports.retain(|(d, _)| *d != date);
        if reports.len() >= DATES_KEPT {
            reports.remove(0);
        }
        reports.push((date, Arc::new(OnceCell::new_with(Some(findings)))));
    }

    /// The slot of the snapshot's counts (`graph::coverage::stats`): empty until the first
    /// request that needs them fills it; a dashboard polling them costs nothing after.
    pub fn stats(&self) -> &OnceCell<Arc<Stats>> {
        &self.stats
    }

    /// The slot of the report as of `date` (empty until someone fills it). The oldest date is
    /// forgotten when more are asked for than are kept.
    pub fn report(&self, date: PartialDate) -> Report {
        slot(&self.reports, date, DATES_KEPT)
    }

    /// The slot of the nodes active in `year` (empty until someone fills it): a dashboard
    /// asking what is active this year pays for the pass over the graph once per snapshot
    /// (104 ms at 10m edges). The oldest year is forgotten past [`YEARS_KEPT`].
    pub fn active(&self, year: i32) -> Active {
        slot(&self.active, year, YEARS_KEPT)
    }
}

/// Answers kept by key, oldest first.
type Slots<K, T> = Mutex<Vec<(K, Arc<OnceCell<T>>)>>;

/// The slot kept for `key` in `slots`, made empty if there is none; the oldest is forgotten
/// when more than `kept` are asked for. A poisoned lock gives a slot kept nowhere.
fn slot<K: PartialEq, T>(slots: &Slots<K, T>, key: K, kept: usize) -> Arc<OnceCell<T>> {
    let Ok(mut slots) = slots.lock() else {
        return Arc::default();
    };
    if let Some((_, slot)) = slots.iter().find(|(k, _)| *k == key) {
        return slot.clone();
    }
    if slots.len() >= kept {
        slots.remove(0);
    }
    let slot = Arc::<OnceCell<T>>::default();
    slots.push((key, slot.clone()));
    slot
}
