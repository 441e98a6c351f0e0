//! Answers computed once per snapshot. A snapshot never changes, so what is derived from the
//! whole of it (the citation report, a minute of work at a million edges) can be kept beside
//! it and served again until the next snapshot replaces it. A copy of a snapshot is the start
//! of a different one (`apply` clones, then changes), so cloning gives an empty memo.

use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::findings::Finding;
use crate::model::PartialDate;

/// Dates whose reports are kept per snapshot (today, and a few `asOf` dates).
const DATES_KEPT: usize = 4;

/// The report's findings as of a date, computed by the first request that needs them; the
/// others wait for that one instead of computing again.
pub type Report = Arc<OnceCell<Arc<Vec<Finding>>>>;

/// What has been computed for one snapshot.
#[derive(Debug, Default)]
pub struct Memo {
    reports: Mutex<Vec<(PartialDate, Report)>>,
}

impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl Memo {
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
