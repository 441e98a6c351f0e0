//! Findings about the graph as a whole — the part of `policygraph check` that needs every node
//! and edge at once. The same function serves seed files (CLI), the loader (cycles refuse a
//! load) and the API (`citationReport`), so all three always agree.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;

use crate::corpus::diagnostic::Severity;
use crate::model::{Edge, EdgeKind, Id, Node, NodeKind, PartialDate, edge_id};

/// One finding about an entity of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Stable machine-readable class (see [`code`]).
    pub code: &'static str,
    /// Id of the node or edge the finding is about.
    pub subject: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Codes of graph-level findings (seed-level codes are in `corpus::diagnostic::code`).
pub mod code {
    /// A programme without a single verified citation.
    pub const UNVERIFIED_PROGRAMME: &str = "unverified-programme";
    /// A cycle of PART_OF or DEPENDS_ON edges.
    pub const CYCLE: &str = "cycle";
    /// A quote that occurs more than once in its source.
    pub const AMBIGUOUS_QUOTE: &str = "ambiguous-quote";
    /// A goal that no programme or measure implements, even through sub-goals.
    pub const UNIMPLEMENTED_GOAL: &str = "unimplemented-goal";
    /// A programme whose time span has ended and that nothing supersedes.
    pub const ENDED_WITHOUT_SUCCESSOR: &str = "ended-without-successor";
    /// An edge valid at dates that include none of the years its quotes name.
    pub const VALIDITY_CONTRADICTS_QUOTE: &str = "validity-contradicts-quote";
    /// Two chairmanships of one body that hold at the same time.
    pub const OVERLAPPING_CHAIRMANSHIP: &str = "overlapping-chairmanship";
}

/// Every graph-level finding, errors first, then by subject. `today` decides which spans ended.
///
/// Quote-level findings are not here: the seed reader reports them at the quote's own line, and
/// [`ambiguous_quotes`] derives them from stored citations.
pub fn analyse(nodes: &[&Node], edges: &[&Edge], today: PartialDate) -> Vec<Finding> {
    let mut out = cycles(edges);
    for node in nodes {
        uncited(node, &mut out);
    }
    unimplemented_goals(nodes, edges, &mut out);
    ended_programmes(nodes, edges, today, &mut out);
    out.extend(validity(edges));
    sort(&mut out);
    out
}

/// A programme's finding when it has no verified citation.
fn uncited(node: &Node, out: &mut Vec<Finding>) {
    if let Some(message) = crate::rules::uncited_programme(node) {
        out.push(Finding {
            severity: Severity::Error,
            code: code::UNVERIFIED_PROGRAMME,
            subject: node.id.to_string(),
            message: message.to_owned(),
        });
    }
}

/// The findings about one node alone: an uncited programme, ambiguous quotes (what
/// [`analyse`] and [`ambiguous_quotes`] say about it without looking at its neighbours).
pub fn of_node(node: &Node, out: &mut Vec<Finding>) {
    uncited(node, out);
    ambiguous(node.id.as_str(), &node.citations, out);
}

/// The findings about one edge alone: validity against its quotes, ambiguous quotes.
pub fn of_edge(edge: &Edge, out: &mut Vec<Finding>) {
    if let Some(message) = crate::validity::contradicts_quotes(edge) {
        out.push(Finding {
            severity: Severity::Error,
            code: code::VALIDITY_CONTRADICTS_QUOTE,
            subject: edge.id(),
            message,
        });
    }
    if edge.citations.iter().any(|c| c.occurrences > 1) {
        ambiguous(&edge.id(), &edge.citations, out);
    }
}

/// Chairmanships that overlap another of the same body, among `edges`.
pub fn overlapping_chairs<'a>(edges: impl IntoIterator<Item = &'a Edge>) -> Vec<Finding> {
    crate::validity::overlapping_chairs(edges)
        .into_iter()
        .map(|o| Finding {
            severity: Severity::Error,
            code: code::OVERLAPPING_CHAIRMANSHIP,
            subject: o.edge,
            message: o.message,
        })
        .collect()
}

/// Edges whose validity contradicts their quotes, and chairmanships of one body that overlap
/// (the rules of [`crate::validity`]).
pub fn validity(edges: &[&Edge]) -> Vec<Finding> {
    let mut out: Vec<Finding> = edges
        .iter()
        .filter_map(|e| {
            Some(Finding {
                severity: Severity::Error,
                code: code::VALIDITY_CONTRADICTS_QUOTE,
                subject: e.id(),
                message: crate::validity::contradicts_quotes(e)?,
            })
        })
        .collect();
    out.extend(overlapping_chairs(edges.iter().copied()));
    out
}

/// Errors first, then by subject and code.
pub fn sort(findings: &mut [Finding]) {
    findings
        .sort_by(|a, b| (b.severity, &a.subject, a.code).cmp(&(a.severity, &b.subject, b.code)));
}

/// A warning for every stored citation whose quote occurs more than once in its source.
pub fn ambiguous_quotes(nodes: &[&Node], edges: &[&Edge]) -> Vec<Finding> {
    let mut out = Vec::new();
    for node in nodes {
        ambiguous(node.id.as_str(), &node.citations, &mut out);
    }
    // An edge's id is built only for the few with an ambiguous quote.
    for edge in edges
        .iter()
        .filter(|e| e.citations.iter().any(|c| c.occurrences > 1))
    {
        ambiguous(&edge.id(), &edge.citations, &mut out);
    }
    out
}

fn ambiguous(subject: &str, citations: &[crate::model::Citation], out: &mut Vec<Finding>) {
    for c in citations.iter().filter(|c| c.occurrences > 1) {
        out.push(Finding {
            severity: Severity::Warning,
            code: code::AMBIGUOUS_QUOTE,
            subject: subject.to_owned(),
            message: format!(
                "quote \"{}\" occurs {} times in `{}`; the first (line {}) is recorded",
                c.quote, c.occurrences, c.document, c.line
            ),
        });
    }
}

/// Cycles among PART_OF edges and among DEPENDS_ON edges, each named node by node.
pub fn cycles(edges: &[&Edge]) -> Vec<Finding> {
    let mut out = Vec::new();
    for kind in crate::rules::ACYCLIC {
        let of_kind = edges
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| (&*e.from, &*e.to));
        out.extend(cycles_of_kind(kind, of_kind));
    }
    out
}

/// Cycles among `edges` (source and target ids), all of `kind`.
pub fn cycles_of_kind<'a>(
    kind: EdgeKind,
    edges: impl IntoIterator<Item = (&'a Id, &'a Id)>,
) -> Vec<Finding> {
    crate::rules::cycles(edges)
        .into_iter()
        .map(|path| {
            let names: Vec<&str> = path.iter().map(|id| id.as_str()).collect();
            Finding {
                severity: Severity::Error,
                code: code::CYCLE,
                subject: edge_id(path[0], kind, path[1]),
                message: format!("{kind} cycle: {}", names.join(" -> ")),
            }
        })
        .collect()
}

/// The end of a programme's covered time spans, folding in one more span's: the later of
/// two ends (by last day, then first, so the order spans are met in never matters), and
/// none (never ends) once a span is open-ended.
pub fn later_end(a: Option<PartialDate>, b: Option<PartialDate>) -> Option<PartialDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if (b.latest(), b.earliest()) > (a.latest(), a.earliest()) {
            b
        } else {
            a
        }),
        _ => None,
    }
}

/// The finding about a programme whose covered spans all ended before `today` (their end,
/// folded by [`later_end`]) and that nothing supersedes.
pub fn ended_without_successor(
    programme: &str,
    end: PartialDate,
    today: PartialDate,
) -> Option<Finding> {
    (end.latest() < today.earliest()).then(|| Finding {
        severity: Severity::Warning,
        code: code::ENDED_WITHOUT_SUCCESSOR,
        subject: programme.to_owned(),
        message: format!(
            "its time span ended in {end} and no programme SUPERSEDES it (as of {today})"
        ),
    })
}

/// The finding about a goal that nothing implements (see [`analyse`]).
pub fn unimplemented_goal(goal: &str) -> Finding {
    Finding {
        severity: Severity::Warning,
        code: code::UNIMPLEMENTED_GOAL,
        subject: goal.to_owned(),
        message: "no programme or measure implements this goal or any of its sub-goals".to_owned(),
    }
}

/// Goals that nothing implements, directly or through goals that are PART_OF or DEPENDS_ON them.
fn unimplemented_goals(nodes: &[&Node], edges: &[&Edge], out: &mut Vec<Finding>) {
    let mut contributors: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut implemented: HashSet<&str> = HashSet::new();
    for e in edges {
        match e.kind {
            EdgeKind::PartOf | EdgeKind::DependsOn => contributors
                .entry(e.to.as_str())
                .or_default()
                .push(e.from.as_str()),
            EdgeKind::Implements => {
                implemented.insert(e.to.as_str());
            }
            _ => {}
        }
    }
    for goal in nodes.iter().filter(|n| n.kind() == NodeKind::Goal) {
        let mut queue = VecDeque::from([goal.id.as_str()]);
        let mut seen = HashSet::from([goal.id.as_str()]);
        let mut found = false;
        while let Some(g) = queue.pop_front() {
            if implemented.contains(g) {
                found = true;
                break;
            }
            for &c in contributors.get(g).into_iter().flatten() {
                if seen.insert(c) {
                    queue.push_back(c);
                }
            }
        }
        if !found {
            out.push(unimplemented_goal(goal.id.as_str()));
        }
    }
}

/// Programmes whose covered time spans all ended before `today` and that nothing supersedes.
fn ended_programmes(nodes: &[&Node], edges: &[&Edge], today: PartialDate, out: &mut Vec<Finding>) {
    let by_id: HashMap<&str, &Node> = nodes.iter().map(|n| (n.id.as_str(), *n)).collect();
    let superseded: HashSet<&str> = edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Supersedes)
        .map(|e| e.to.as_str())
        .collect();
    let mut last_end: HashMap<&str, Option<PartialDate>> = HashMap::new();
    for e in edges.iter().filter(|e| e.kind == EdgeKind::Covers) {
        let end = by_id.get(e.to.as_str()).and_then(|span| span.end);
        let slot = last_end.entry(e.from.as_str()).or_insert(end);
        *slot = later_end(*slot, end);
    }
    for (programme, end) in last_end {
        let Some(node) = by_id.get(programme) else {
            continue;
        };
        let Some(end) = end else { continue };
        if node.kind() != NodeKind::Programme || superseded.contains(programme) {
            continue;
        }
        out.extend(ended_without_successor(programme, end, today));
    }
}
