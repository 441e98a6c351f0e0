//! The citation report of a snapshot, kept up to date. It is computed whole once (a second at
//! a million edges: every node and edge turned into a model value and judged), then carried
//! from each snapshot to the next that [`Graph::apply`] derives: only the nodes and edges a
//! write touched, and those whose findings depend on them, are judged again.
//!
//! What depends on what (the rules are in [`crate::findings`]):
//! - a node's or an edge's own findings (uncited programme, ambiguous quote, validity against
//!   quotes) on itself;
//! - a goal's `unimplemented-goal` on every node upstream of it, so a touched `PART_OF`,
//!   `DEPENDS_ON` or `IMPLEMENTS` edge re-judges the goals downstream of its target;
//! - a programme's `ended-without-successor` on its `COVERS` edges and their spans' ends and
//!   on `SUPERSEDES` edges into it;
//! - a body's `overlapping-chairmanship` on its `CHAIRED_BY` edges;
//! - `cycle` on every `PART_OF` or `DEPENDS_ON` edge: kept while a write adds no cycle to a
//!   graph without one, recomputed otherwise.

use std::cmp::{Ordering, Reverse};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use super::{Graph, NodeIx, Update, Way};
use crate::corpus::diagnostic::Severity;
use crate::findings::{self, Finding, code};
use crate::model::{EdgeKind, Id, NodeId, NodeKind, PartialDate, edge_id};

/// Every finding about `graph` as of `today`, sorted: what `policygraph check` reports about a
/// corpus ([`findings::analyse`] and [`findings::ambiguous_quotes`]), judged on the snapshot in
/// place, subject by subject, with the same rules a carried report judges again with. Only
/// the nodes and edges a rule reads in full (programmes, cited ones, chairmanships) become
/// model values, one at a time.
pub fn whole(graph: &Graph, today: PartialDate) -> Vec<Finding> {
    let mut out = Vec::new();
    for node in graph.all_nodes() {
        let kind = node.kind();
        if kind == NodeKind::Programme || !node.citations().is_empty() {
            findings::of_node(&node.to_node(), &mut out);
        }
        match kind {
            NodeKind::Goal if !implemented(graph, node.ix()) => {
                out.push(findings::unimplemented_goal(node.id.as_str()));
            }
            NodeKind::Programme => out.extend(ended(graph, node.ix(), today)),
            NodeKind::Body => out.extend(overlapping_chairs(graph, node.ix())),
            _ => {}
        }
    }
    for edge in graph.all_edges() {
        if !edge.citations().is_empty() {
            findings::of_edge(&edge.to_edge(), &mut out);
        }
    }
    for kind in crate::rules::ACYCLIC {
        out.extend(cycles(graph, kind));
    }
    findings::sort(&mut out);
    out
}

/// Starts computing the report on `graph` as of `today` in the background, into the slot a
/// request would fill (a request that comes first waits for it instead of computing again):
/// a server prepares today's report at start-up and after reading the store whole, so no
/// reader pays for it, and writes carry it from then on.
pub fn prepare(graph: Arc<Graph>, today: PartialDate) {
    tokio::spawn(async move {
        let slot = graph.memo().report(today);
        let started = std::time::Instant::now();
        let job = graph.clone();
        let computed = slot
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || Findings::from(whole(&job, today))).await
            })
            .await;
        match computed {
            Ok(all) => tracing::info!(
                findings = all.len(),
                elapsed = ?started.elapsed(),
                "citation report prepared"
            ),
            Err(e) => tracing::warn!(error = %e, "the citation report could not be prepared"),
        }
    });
}

/// At most this many updates are carried into a report; a larger batch (a bulk change a
/// follower patches in) leaves the next report to be computed whole when first asked for.
const CARRY_UPDATES_AT_MOST: usize = 10_000;

/// At most this many goals and programmes are judged again for one carry; past it the
/// report is computed whole instead.
const REJUDGE_AT_MOST: usize = 100_000;

/// What a batch of updates touched, by id, noted as [`Graph::apply`] applies them.
#[derive(Debug, Default)]
pub(super) struct Touched {
    nodes: Vec<NodeId>,
    edges: Vec<(NodeId, EdgeKind, NodeId)>,
    updates: usize,
}

impl Touched {
    /// Notes `update`, about to be applied to `graph` (a deleted node takes its edges along).
    pub(super) fn note(&mut self, graph: &Graph, update: &Update) {
        self.updates += 1;
        if self.updates > CARRY_UPDATES_AT_MOST {
            return;
        }
        match update {
            Update::Node { node, .. } => self.nodes.push(node.id.clone()),
            Update::DeleteNode(id) => {
                self.nodes.push(id.clone());
                let Some(ix) = graph.lookup(id.as_str()) else {
                    return;
                };
                for way in [Way::Outgoing, Way::Incoming] {
                    for (e, _) in graph.edges(ix, way) {
                        let edge = graph.edge(e);
                        self.edges
                            .push((edge.from.to_owned(), edge.kind, edge.to.to_owned()));
                    }
                }
            }
            Update::Edge(edge) => self
                .edges
                .push((edge.from.clone(), edge.kind, edge.to.clone())),
            Update::DeleteEdge { from, kind, to } => {
                self.edges.push((from.clone(), *kind, to.clone()));
            }
        }
    }

    /// Whether the batch is small enough to carry a report through.
    pub(super) fn carries(&self) -> bool {
        self.updates <= CARRY_UPDATES_AT_MOST
    }
}

/// Subjects to judge again, by the rule that judges them.
#[derive(Default)]
struct Rejudge {
    nodes: HashSet<NodeId>,
    /// Edges by ends and kind (to judge) and by id (to drop their old findings).
    edge_keys: HashSet<(NodeId, EdgeKind, NodeId)>,
    edges: HashSet<String>,
    goals: HashSet<NodeId>,
    programmes: HashSet<NodeId>,
    bodies: HashSet<NodeId>,
    /// Ids of the `CHAIRED_BY` edges of `bodies`, before and after.
    chairs: HashSet<String>,
    cycles: bool,
}

/// A report kept with a snapshot: its findings in report order (errors first, then by
/// subject and code), a persistent vector, so the report carried into the next snapshot
/// shares all but the few findings a write changed with the one before.
pub type Findings = imbl::Vector<Finding>;

/// How many of `findings` are errors (they come first).
pub fn errors(findings: &Findings) -> usize {
    partition_point(findings, |f| f.severity == Severity::Error)
}

/// The index of the first finding for which `before` is false (`before` holds for a prefix).
fn partition_point(findings: &Findings, before: impl Fn(&Finding) -> bool) -> usize {
    let ordering = |f: &Finding| {
        if before(f) {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    };
    match findings.binary_search_by(ordering) {
        Ok(i) | Err(i) => i,
    }
}

/// The report order of [`findings::sort`] as a key.
fn order(f: &Finding) -> (Reverse<Severity>, &str, &str) {
    (Reverse(f.severity), &f.subject, f.code)
}

/// `findings` (the report on `old` as of `today`) carried to `new`, which `touched` turned
/// `old` into; `None` when too much depends on the change (then compute it [`whole`]).
/// The findings of the subjects judged again are found by binary search, removed, and the
/// new ones inserted in order: a write costs its own subjects, not the report's length.
pub(super) fn carried(
    old: &Graph,
    new: &Graph,
    findings: &Findings,
    touched: &Touched,
    today: PartialDate,
) -> Option<Findings> {
    if !touched.carries() {
        return None;
    }
    let again = rejudge(old, new, findings, touched)?;
    // Node subjects are ids; an edge's is not, and then simply matches no node.
    fn node(f: &Finding) -> &Id {
        Id::trusted(&f.subject)
    }
    let stale = |f: &Finding| match f.code {
        code::UNVERIFIED_PROGRAMME => again.nodes.contains(node(f)),
        code::AMBIGUOUS_QUOTE => again.nodes.contains(node(f)) || again.edges.contains(&f.subject),
        code::VALIDITY_CONTRADICTS_QUOTE => again.edges.contains(&f.subject),
        code::UNIMPLEMENTED_GOAL => again.goals.contains(node(f)),
        code::ENDED_WITHOUT_SUCCESSOR => again.programmes.contains(node(f)),
        code::OVERLAPPING_CHAIRMANSHIP => again.chairs.contains(&f.subject),
        code::CYCLE => again.cycles,
        _ => false,
    };
    let mut out = findings.clone();
    if again.cycles {
        out.retain(|f| f.code != code::CYCLE);
    }
    let subjects: HashSet<&str> = (again.nodes.iter().map(|id| id.as_str()))
        .chain(again.goals.iter().map(|id| id.as_str()))
        .chain(again.programmes.iter().map(|id| id.as_str()))
        .chain(again.edges.iter().map(String::as_str))
        .chain(again.chairs.iter().map(String::as_str))
        .collect();
    let mut gone = Vec::new();
    for subject in subjects {
        for severity in [Severity::Error, Severity::Warning] {
            let key = (Reverse(severity), subject);
            let mut at = partition_point(&out, |f| (order(f).0, order(f).1) < key);
            while let Some(f) = out.get(at).filter(|f| (order(f).0, order(f).1) == key) {
                if stale(f) {
                    gone.push(at);
                }
                at += 1;
            }
        }
    }
    gone.sort_unstable();
    for at in gone.into_iter().rev() {
        out.remove(at);
    }
    let mut fresh = Vec::new();
    judge(new, &again, today, &mut fresh);
    findings::sort(&mut fresh);
    for f in fresh {
        // After any equal finding: the order the whole report gives ties.
        let at = partition_point(&out, |g| order(g) <= order(&f));
        out.insert(at, f);
    }
    Some(out)
}

/// Which subjects `touched` may have changed the findings of, in `old` or in `new`.
fn rejudge(old: &Graph, new: &Graph, findings: &Findings, touched: &Touched) -> Option<Rejudge> {
    let mut again = Rejudge::default();
    for id in &touched.nodes {
        again.nodes.insert(id.clone());
        again.goals.insert(id.clone());
        again.programmes.insert(id.clone());
        // A span's end decides whether the programmes covering it have ended.
        for graph in [old, new] {
            let Some(ix) = graph.lookup(id.as_str()) else {
                continue;
            };
            for (e, programme) in graph.edges(ix, Way::Incoming) {
                if graph.edge_kind(e) == EdgeKind::Covers {
                    again.programmes.insert(graph.get(programme).id.to_owned());
                }
            }
        }
    }
    let mut added_acyclic = Vec::new();
    for (from, kind, to) in &touched.edges {
        again.edges.insert(edge_id(from, *kind, to));
        again.edge_keys.insert((from.clone(), *kind, to.clone()));
        match kind {
            EdgeKind::PartOf | EdgeKind::DependsOn | EdgeKind::Implements => {
                for graph in [old, new] {
                    if let Some(ix) = graph.lookup(to.as_str()) {
                        downstream(graph, ix, &mut again.goals);
                    }
                }
            }
            EdgeKind::Covers => {
                again.programmes.insert(from.clone());
            }
            EdgeKind::Supersedes => {
                again.programmes.insert(to.clone());
            }
            EdgeKind::ChairedBy => {
                again.bodies.insert(from.clone());
            }
            _ => {}
        }
        if crate::rules::ACYCLIC.contains(kind) {
            added_acyclic.push((from, *kind, to));
        }
        if again.goals.len() + again.programmes.len() > REJUDGE_AT_MOST {
            return None;
        }
    }
    for body in &again.bodies {
        for graph in [old, new] {
            chairs_of(graph, body, |id| {
                again.chairs.insert(id);
            });
        }
    }
    // A graph with a cycle is judged again whenever one of its acyclic kinds moves; one without
    // only when a touched edge closes a cycle (a write normally refuses that).
    if !added_acyclic.is_empty() {
        let had_cycles = findings.iter().any(|f| f.code == code::CYCLE);
        again.cycles = had_cycles
            || added_acyclic
                .iter()
                .any(|(from, kind, to)| closes_cycle(new, from, *kind, to));
    }
    Some(again)
}

/// Adds `start` and every node it reaches over `PART_OF` and `DEPENDS_ON` edges to `into`:
/// the goals whose implementers may include what reaches `start`.
fn downstream(graph: &Graph, start: NodeIx, into: &mut HashSet<NodeId>) {
    let mut queue = VecDeque::from([start]);
    let mut seen = HashSet::from([start]);
    while let Some(at) = queue.pop_front() {
        into.insert(graph.get(at).id.to_owned());
        for (e, next) in graph.edges(at, Way::Outgoing) {
            if matches!(graph.edge_kind(e), EdgeKind::PartOf | EdgeKind::DependsOn)
                && seen.insert(next)
            {
                queue.push_back(next);
            }
        }
    }
}

/// Calls `each` with the id of every `CHAIRED_BY` edge from `body` in `graph`.
fn chairs_of(graph: &Graph, body: &Id, mut each: impl FnMut(String)) {
    let Some(ix) = graph.lookup(body.as_str()) else {
        return;
    };
    for (e, _) in graph.edges(ix, Way::Outgoing) {
        if graph.edge_kind(e) == EdgeKind::ChairedBy {
            each(graph.edge(e).id());
        }
    }
}

/// Whether the edge `from -kind-> to`, if `graph` has it, lies on a cycle of its kind.
fn closes_cycle(graph: &Graph, from: &Id, kind: EdgeKind, to: &Id) -> bool {
    let (Some(from), Some(to)) = (graph.lookup(from.as_str()), graph.lookup(to.as_str())) else {
        return false;
    };
    if graph.find_edge(from, kind, to).is_none() {
        return false;
    }
    let mut stack = vec![to];
    let mut seen = HashSet::from([to]);
    while let Some(at) = stack.pop() {
        if at == from {
            return true;
        }
        for (e, next) in graph.edges(at, Way::Outgoing) {
            if graph.edge_kind(e) == kind && seen.insert(next) {
                stack.push(next);
            }
        }
    }
    false
}

/// Judges the subjects of `again` on `graph`, adding what it finds to `out`.
fn judge(graph: &Graph, again: &Rejudge, today: PartialDate, out: &mut Vec<Finding>) {
    for id in &again.nodes {
        if let Some(ix) = graph.lookup(id.as_str()) {
            findings::of_node(&graph.get(ix).to_node(), out);
        }
    }
    for (from, kind, to) in &again.edge_keys {
        let (Some(a), Some(b)) = (graph.lookup(from.as_str()), graph.lookup(to.as_str())) else {
            continue;
        };
        if let Some(e) = graph.find_edge(a, *kind, b) {
            findings::of_edge(&graph.edge(e).to_edge(), out);
        }
    }
    for id in &again.goals {
        match graph.lookup(id.as_str()) {
            Some(ix) if graph.kind(ix) == NodeKind::Goal && !implemented(graph, ix) => {
                out.push(findings::unimplemented_goal(id.as_str()));
            }
            _ => {}
        }
    }
    for id in &again.programmes {
        if let Some(ix) = graph.lookup(id.as_str()) {
            out.extend(ended(graph, ix, today));
        }
    }
    for body in &again.bodies {
        if let Some(ix) = graph.lookup(body.as_str()) {
            out.extend(overlapping_chairs(graph, ix));
        }
    }
    if again.cycles {
        for kind in crate::rules::ACYCLIC {
            out.extend(cycles(graph, kind));
        }
    }
}

/// The `overlapping-chairmanship` findings about the chairmanships of `body`.
fn overlapping_chairs(graph: &Graph, body: NodeIx) -> Vec<Finding> {
    let chairs: Vec<_> = graph
        .edges(body, Way::Outgoing)
        .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::ChairedBy)
        .map(|(e, _)| graph.edge(e).to_edge())
        .collect();
    if chairs.len() < 2 {
        return Vec::new();
    }
    findings::overlapping_chairs(&chairs)
}

/// The cycles among the edges of `kind`. Usually there are none, which a topological sort
/// in place shows with one counter per node; otherwise the nodes it could not place (on a
/// cycle or downstream of one) are searched for cycles by id.
fn cycles(graph: &Graph, kind: EdgeKind) -> Vec<Finding> {
    let live: Vec<NodeIx> = graph.all_nodes().map(|n| n.ix()).collect();
    let bound = graph.base_nodes() + graph.delta.nodes.len();
    let next_of = |at: NodeIx| {
        graph
            .edges(at, Way::Outgoing)
            .filter(move |&(e, _)| graph.edge_kind(e) == kind)
            .map(|(_, next)| next)
    };
    let mut pending = vec![0u32; bound];
    for &at in &live {
        for next in next_of(at) {
            pending[next.0.index()] += 1;
        }
    }
    let mut ready: Vec<NodeIx> = live
        .iter()
        .copied()
        .filter(|at| pending[at.0.index()] == 0)
        .collect();
    while let Some(at) = ready.pop() {
        for next in next_of(at) {
            pending[next.0.index()] -= 1;
            if pending[next.0.index()] == 0 {
                ready.push(next);
            }
        }
    }
    let stuck = |at: NodeIx| pending[at.0.index()] > 0;
    let pairs: Vec<(&Id, &Id)> = live
        .iter()
        .copied()
        .filter(|&at| stuck(at))
        .flat_map(|at| {
            next_of(at)
                .filter(|&next| stuck(next))
                .map(move |next| (graph.get(at).id, graph.get(next).id))
        })
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    findings::cycles_of_kind(kind, pairs)
}

/// Whether something implements `goal` or a node upstream of it over `PART_OF` and
/// `DEPENDS_ON` edges (the rule of `unimplemented-goal`).
fn implemented(graph: &Graph, goal: NodeIx) -> bool {
    let mut queue = VecDeque::from([goal]);
    let mut seen = HashSet::from([goal]);
    while let Some(at) = queue.pop_front() {
        for (e, next) in graph.edges(at, Way::Incoming) {
            match graph.edge_kind(e) {
                EdgeKind::Implements => return true,
                EdgeKind::PartOf | EdgeKind::DependsOn if seen.insert(next) => {
                    queue.push_back(next);
                }
                _ => {}
            }
        }
    }
    false
}

/// The `ended-without-successor` finding about `programme`, if it has one.
fn ended(graph: &Graph, programme: NodeIx, today: PartialDate) -> Option<Finding> {
    if graph.kind(programme) != NodeKind::Programme {
        return None;
    }
    if graph
        .edges(programme, Way::Incoming)
        .any(|(e, _)| graph.edge_kind(e) == EdgeKind::Supersedes)
    {
        return None;
    }
    let mut end: Option<Option<PartialDate>> = None;
    for (e, span) in graph.edges(programme, Way::Outgoing) {
        if graph.edge_kind(e) == EdgeKind::Covers {
            let next = graph.get(span).end();
            end = Some(match end {
                None => next,
                Some(so_far) => findings::later_end(so_far, next),
            });
        }
    }
    findings::ended_without_successor(graph.get(programme).id.as_str(), end??, today)
}
