//! The domain vocabulary shared by every layer: node and edge kinds, ids, dates, citations.
//!
//! Everything here is a validated value: constructing one through `parse` is the only way to get
//! one from text, so code downstream never re-checks.

use std::fmt;
use std::str::FromStr;

use ref_cast::RefCast;
use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary enum with its canonical spelling and parsing.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling used in seeds, SQLite and exports.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the canonical spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The canonical spellings, comma-separated, for error messages.
            pub fn spellings() -> String {
                [$($text),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What a node is. The spelling is also the prefix of its id (`programme:...`).
    NodeKind {
        /// A source text or a document it names (resolution, statement, treaty, concept, ...).
        Document => "document",
        /// A summit or meeting with a date.
        Summit => "summit",
        /// A programme, plan, concept, strategy, agreement, thematic year or named initiative.
        Programme => "programme",
        /// An objective or priority; goals nest through `PART_OF`.
        Goal => "goal",
        /// A concrete action under a goal or programme.
        Measure => "measure",
        /// A period with a start and an end; either may be open.
        TimeSpan => "timespan",
        /// A council, committee or organisation.
        Body => "body",
        /// A state.
        State => "state",
    }
}

vocabulary! {
    /// How two nodes relate; an edge reads as a sentence from source to target.
    EdgeKind {
        /// Programme or measure IMPLEMENTS goal.
        Implements => "IMPLEMENTS",
        /// Measure PART_OF programme, goal PART_OF goal (sub-goal).
        PartOf => "PART_OF",
        /// X DEPENDS_ON Y.
        DependsOn => "DEPENDS_ON",
        /// Document SETS goal.
        Sets => "SETS",
        /// X ADOPTED_AT summit.
        AdoptedAt => "ADOPTED_AT",
        /// X COVERS time span.
        Covers => "COVERS",
        /// Document ISSUED_BY body or state.
        IssuedBy => "ISSUED_BY",
        /// State (or body) ATTENDED summit.
        Attended => "ATTENDED",
        /// Summit or body CHAIRED_BY state (a body's chairmanship dated by the edge's validity).
        ChairedBy => "CHAIRED_BY",
        /// Document REFERENCES X.
        References => "REFERENCES",
        /// Programme SUPERSEDES programme.
        Supersedes => "SUPERSEDES",
        /// Summit MEETING_OF body: the body whose session the summit is.
        MeetingOf => "MEETING_OF",
        /// Document or programme AMENDS document or programme: changes it, which stays in
        /// force as amended.
        Amends => "AMENDS",
        /// X BASED_ON document or programme: X is carried out on its basis or in accordance
        /// with it.
        BasedOn => "BASED_ON",
    }
}

/// A node id, `<kind>:<slug>`, where the slug is lower-case ASCII letters, digits and `-`.
///
/// The text is shared (`Arc<str>`): cloning an id must not copy it. [`Id`] is the borrowed
/// form (as `str` is to `String`): a graph snapshot keeps its ids in one buffer and lends out
/// `&Id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeId(std::sync::Arc<str>);

/// A borrowed node id: text that [`NodeId::parse`] accepted, wherever it is stored.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord, RefCast)]
#[repr(transparent)]
pub struct Id(str);

impl Id {
    /// Validates `<kind>:<slug>` without copying the text.
    pub fn parse(text: &str) -> Result<&Id, IdError> {
        let (kind, slug) = text
            .split_once(':')
            .ok_or_else(|| IdError::Shape(text.to_owned()))?;
        if NodeKind::parse(kind).is_none() {
            return Err(IdError::UnknownKind {
                id: text.to_owned(),
                kind: kind.to_owned(),
            });
        }
        let slug_ok = !slug.is_empty()
            && !slug.starts_with('-')
            && !slug.ends_with('-')
            && !slug.contains("--")
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            return Err(IdError::Slug(text.to_owned()));
        }
        Ok(Id::trusted(text))
    }

    /// Views text as an id without checking it: only for text that was a valid id when it
    /// was stored (a snapshot's id buffer).
    pub(crate) fn trusted(text: &str) -> &Id {
        Id::ref_cast(text)
    }

    /// The kind named by the id's prefix.
    pub fn kind(&self) -> NodeKind {
        let prefix = self.0.split_once(':').map_or("", |(k, _)| k);
        // Invariant: `NodeId::parse` accepted the prefix.
        NodeKind::parse(prefix).unwrap_or(NodeKind::Document)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ToOwned for Id {
    type Owned = NodeId;
    fn to_owned(&self) -> NodeId {
        NodeId(std::sync::Arc::from(&self.0))
    }
}

impl std::borrow::Borrow<Id> for NodeId {
    fn borrow(&self) -> &Id {
        self
    }
}

impl std::ops::Deref for NodeId {
    type Target = Id;
    fn deref(&self) -> &Id {
        Id::trusted(&self.0)
    }
}

impl AsRef<Id> for NodeId {
    fn as_ref(&self) -> &Id {
        self
    }
}

impl PartialEq<NodeId> for Id {
    fn eq(&self, other: &NodeId) -> bool {
        self.0 == *other.0
    }
}

impl PartialEq<Id> for NodeId {
    fn eq(&self, other: &Id) -> bool {
        *self.0 == other.0
    }
}

impl PartialEq<NodeId> for &Id {
    fn eq(&self, other: &NodeId) -> bool {
        self.0 == *other.0
    }
}

impl PartialEq<&Id> for NodeId {
    fn eq(&self, other: &&Id) -> bool {
        *self.0 == other.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Why a string is not a valid [`NodeId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// There is no `:` separating kind and slug.
    #[error("id `{0}` must look like `<kind>:<slug>`")]
    Shape(String),
    /// The part before `:` is not a node kind.
    #[error("id `{id}` has unknown kind `{kind}` (known: {known})", known = NodeKind::spellings())]
    UnknownKind {
        /// The whole id.
        id: String,
        /// The prefix that is not a kind.
        kind: String,
    },
    /// The slug is empty or has characters outside `a-z0-9-`.
    #[error("id `{0}` has a bad slug: use lower-case letters, digits and single `-`")]
    Slug(String),
}

impl NodeId {
    /// Parses and validates `<kind>:<slug>`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        Id::parse(text).map(Id::to_owned)
    }
}

impl TryFrom<String> for NodeId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        NodeId::parse(&value)
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> String {
        id.0.to_string()
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A calendar date of the precision the source gives: a year, a month or a day.
///
/// Sources say "for 2021–2025" or "last week": inventing a day the text does not give would be
/// a fabricated fact, so precision is part of the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    year: i32,
    month: Option<u8>,
    day: Option<u8>,
}

/// Why a string is not a valid [`PartialDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad date `{0}`: use YYYY, YYYY-MM or YYYY-MM-DD with a real month and day")]
pub struct DateError(pub String);

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking month and day ranges (leap years too).
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let bad = || DateError(text.to_owned());
        let mut parts = text.split('-');
        let number = |part: Option<&str>, len: usize| -> Result<Option<u32>, DateError> {
            match part {
                None => Ok(None),
                Some(p) if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map(Some).map_err(|_| bad())
                }
                Some(_) => Err(bad()),
            }
        };
        let year = number(parts.next(), 4)?.ok_or_else(bad)?;
        let month = number(parts.next(), 2)?;
        let day = number(parts.next(), 2)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        let year = i32::try_from(year).map_err(|_| bad())?;
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            if let Some(d) = day {
                if d < 1 || d > days_in_month(year, m) {
                    return Err(bad());
                }
            }
        }
        Ok(PartialDate {
            year,
            month: month.map(|m| m as u8),
            day: day.map(|d| d as u8),
        })
    }

    /// Today's date (UTC) from the system clock.
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (year, month, day) = civil_from_days((secs / 86_400) as i64);
        PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The first day this date can mean, as `(year, month, day)`.
    pub fn earliest(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day this date can mean, as `(year, month, day)`.
    pub fn latest(&self) -> (i32, u8, u8) {
        let month = self.month.unwrap_or(12);
        let day = self
            .day
            .unwrap_or_else(|| days_in_month(self.year, u32::from(month)) as u8);
        (self.year, month, day)
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u8, day as u8)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl FromStr for PartialDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse(s)
    }
}

impl TryFrom<String> for PartialDate {
    type Error = DateError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PartialDate::parse(&value)
    }
}

impl From<PartialDate> for String {
    fn from(date: PartialDate) -> String {
        date.to_string()
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// A verbatim quote located in a source document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// The document whose text contains the quote.
    pub document: NodeId,
    /// The quote as written in the seed (it matches the source after normalisation).
    pub quote: String,
    /// Offset of the first character of the match in the original text, in characters.
    pub start: u32,
    /// Offset one past the last character of the match, in characters.
    pub end: u32,
    /// 1-based line of the match start in the original text.
    pub line: u32,
    /// 1-based column (in characters) of the match start.
    pub column: u32,
    /// How many times the quote occurs in the source; more than one is ambiguous.
    pub occurrences: u32,
    /// The matched passage exactly as the original text has it (typography included).
    pub excerpt: String,
}

/// Everything a node states besides its links.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Stable id, `<kind>:<slug>`.
    pub id: NodeId,
    /// Human-readable name as the sources give it.
    pub title: String,
    /// Curator's remark, e.g. an ambiguity in the sources.
    pub note: Option<String>,
    /// Date of a summit, or of a document's issue or adoption.
    pub date: Option<PartialDate>,
    /// Start of a time span.
    pub start: Option<PartialDate>,
    /// End of a time span.
    pub end: Option<PartialDate>,
    /// Where a summit took place.
    pub place: Option<String>,
    /// How a summit was held (in person, videoconference, informal, ...).
    pub format: Option<String>,
    /// Evidence for the node; never empty in a valid corpus.
    pub citations: Vec<Citation>,
}

impl Node {
    /// The kind named by the id.
    pub fn kind(&self) -> NodeKind {
        self.id.kind()
    }
}

/// A directed, typed link between two nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Source node.
    pub from: NodeId,
    /// What the link says.
    pub kind: EdgeKind,
    /// Target node.
    pub to: NodeId,
    /// Curator's remark.
    pub note: Option<String>,
    /// The first date the link holds on; `None` when the sources give no start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<PartialDate>,
    /// The last date the link holds on; `None` when it is open-ended or the sources give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<PartialDate>,
    /// Evidence for the link; never empty in a valid corpus.
    pub citations: Vec<Citation>,
}

impl Edge {
    /// Stable id of the edge: `<from>/<KIND>/<to>`.
    pub fn id(&self) -> String {
        edge_id(&self.from, self.kind, &self.to)
    }

    /// Does the link hold at some time in `[from, to]`? An edge without validity always does.
    pub fn holds_during(&self, from: PartialDate, to: PartialDate) -> bool {
        overlaps(self.valid_from, self.valid_to, from, to)
    }
}

/// Does the range `[start, end]` (either end open) overlap `[from, to]`? Dates are ranges of
/// days at their precision, so "2024-10" overlaps "2024-10-31".
pub fn overlaps(
    start: Option<PartialDate>,
    end: Option<PartialDate>,
    from: PartialDate,
    to: PartialDate,
) -> bool {
    start.is_none_or(|s| s.earliest() <= to.latest())
        && end.is_none_or(|e| e.latest() >= from.earliest())
}

/// The stable id of an edge: `<from>/<KIND>/<to>` (an edge is unique by its three parts).
pub fn edge_id(from: &Id, kind: EdgeKind, to: &Id) -> String {
    format!("{from}/{kind}/{to}")
}

/// The three parts of an edge id, the inverse of [`edge_id`]; `None` when `id` is not one.
pub fn split_edge_id(id: &str) -> Option<(NodeId, EdgeKind, NodeId)> {
    let mut parts = id.splitn(3, '/');
    let from = NodeId::parse(parts.next()?).ok()?;
    let kind = EdgeKind::parse(parts.next()?)?;
    let to = NodeId::parse(parts.next()?).ok()?;
    Some((from, kind, to))
}

/// A document whose full text is held by the store, so quotes can be located in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceText {
    /// The document node this text belongs to.
    pub document: NodeId,
    /// Where the text came from, relative to the seeds directory.
    pub path: String,
    /// The original text, byte for byte.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_with_a_known_kind_and_a_clean_slug_parses() {
        let id = NodeId::parse("programme:border-security-2021-2025").expect("valid id");
        assert_eq!(id.kind(), NodeKind::Programme);
    }

    #[test]
    fn ids_with_unknown_kinds_or_dirty_slugs_are_refused() {
        assert!(matches!(
            NodeId::parse("plan:x"),
            Err(IdError::UnknownKind { .. })
        ));
        assert!(matches!(NodeId::parse("goal"), Err(IdError::Shape(_))));
        for bad in ["goal:", "goal:A", "goal:a--b", "goal:-a", "goal:a b"] {
            assert!(matches!(NodeId::parse(bad), Err(IdError::Slug(_))), "{bad}");
        }
    }

    #[test]
    fn an_edge_id_splits_back_into_its_parts() {
        let (from, to) = (
            NodeId::parse("body:cis").expect("id"),
            NodeId::parse("state:belarus").expect("id"),
        );
        let id = edge_id(&from, EdgeKind::ChairedBy, &to);
        assert_eq!(split_edge_id(&id), Some((from, EdgeKind::ChairedBy, to)));
        for bad in [
            "body:cis",
            "body:cis/CHAIRS/state:x",
            "body:cis/CHAIRED_BY/",
            "a/b/c/d",
        ] {
            assert_eq!(split_edge_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_keep_the_precision_the_source_gives() {
        assert_eq!(
            PartialDate::parse("2025").expect("year").to_string(),
            "2025"
        );
        assert_eq!(
            PartialDate::parse("2024-10").expect("month").to_string(),
            "2024-10"
        );
        let day = PartialDate::parse("2024-02-29").expect("leap day");
        assert_eq!(day.earliest(), (2024, 2, 29));
        assert_eq!(
            PartialDate::parse("2023-02").expect("month").latest(),
            (2023, 2, 28)
        );
    }

    #[test]
    fn day_counts_map_to_calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "2023-02-29",
            "2021-13",
            "20-01-01",
            "2021-1-01",
            "2021-01-01-01",
            "soon",
        ] {
            assert!(PartialDate::parse(bad).is_err(), "{bad}");
        }
    }
}
