//! Answers computed once per snapshot. A snapshot never changes, so what is derived from the
//! whole of it (the citation report, a minute of work at a million edges; the counts of
//! `stats`) can be kept beside
//! it and served again until the next snapshot replaces it. A copy of a snapshot is the start
//! of a different one (`apply` clones, then changes), so cloning gives an empty memo; `apply`
//! then carries each computed report into it (`graph::report`).

use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::coverage::Stats;
use super::report::Findings;
use crate::model::PartialDate;

/// Dates whose reports are kept per snapshot (today, and a few `asOf` dates).
const DATES_KEPT: usize = 4;

/// The report's findings as of a date, computed by the first request that needs them; the
/// others wait for that one instead of computing again.
pub type Report = Arc<OnceCell<Findings>>;

/// What has been computed for one snapshot.
#[derive(Debug, Default)]
pub struct Memo {
    reports: Mutex<Vec<(PartialDate, Report)>>,
    stats: OnceCell<Arc<Stats>>,
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
        let Ok(mut reports) = self.reports.lock() else {
            return Report::default();
        };
        if let Some((_, slot)) = reports.iter().find(|(d, _)| *d == date) {
            return slot.clone();
        }
        if reports.len() >= DATES_KEPT {
            reports.remove(0);
        }
        let slot = Report::default();
        reports.push((date, slot.clone()));
        slot
    }
}
