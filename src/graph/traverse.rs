//! Traceability queries on a snapshot: implementers of a goal, shortest and bounded paths,
//! dependency closures. Every answer is a list of edge handles, so callers can show the
//! citations of each step.

use std::collections::VecDeque;

/// Maps and sets keyed by node handles: foldhash (already used by hashbrown) hashes a `u32`
/// several times faster than the default SipHash, which `implementers` paid on every goal.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use super::budget::{Budget, Exhausted, Meter};
use super::{EdgeIx, Graph, NodeIx, Way};
use crate::model::{EdgeKind, NodeKind};

/// One edge of a walk, and whether it was followed from its source to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The edge.
    pub edge: EdgeIx,
    /// True when walked source → target, false when walked against its direction.
    pub forward: bool,
}

/// A programme or measure that implements a goal, with the chain that links it to the goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Implementer {
    /// The programme or measure.
    pub node: NodeIx,
    /// Edges from the implementer to the goal: IMPLEMENTS, then PART_OF / DEPENDS_ON up to it.
    pub chain: Vec<EdgeIx>,
}

/// Programmes and measures that implement `goal` — directly, or (when `transitive`) through any
/// goal that is PART_OF or DEPENDS_ON it, however deep. Ordered by chain length, then id.
/// Every edge looked at is spent from `budget`.
pub fn implementers(
    graph: &Graph,
    goal: NodeIx,
    transitive: bool,
    budget: &Budget,
) -> Result<Vec<Implementer>, Exhausted> {
    let mut meter = budget.meter();
    // One backward BFS over contributing goals; `via[g]` is the edge from g one step towards
    // `goal`, with the goal it leads to. Each goal's incoming edges are read once: sub-goals join the queue, implementers
    // are taken the first time they are met (BFS order: through the nearest goal), each with
    // its chain walked up `via`.
    let mut via: FastMap<NodeIx, Option<(EdgeIx, NodeIx)>> = FastMap::default();
    via.insert(goal, None);
    let mut order = vec![goal];
    let mut seen: FastSet<NodeIx> = FastSet::default();
    let mut out = Vec::new();
    let mut next = 0;
    while next < order.len() {
        let g = order[next];
        next += 1;
        for (edge, other) in graph.edges(g, Way::Incoming) {
            meter.tick()?;
            match (graph.edge_kind(edge), graph.kind(other)) {
                (EdgeKind::PartOf | EdgeKind::DependsOn, NodeKind::Goal)
                    if transitive && !via.contains_key(&other) =>
                {
                    via.insert(other, Some((edge, g)));
                    order.push(other);
                }
                (EdgeKind::Implements, NodeKind::Programme | NodeKind::Measure)
                    if seen.insert(other) =>
                {
                    let mut chain = vec![edge];
                    let mut at = g;
                    while let Some(&Some((up, towards))) = via.get(&at) {
                        chain.push(up);
                        at = towards;
                    }
                    out.push(Implementer { node: other, chain });
                }
                _ => {}
            }
        }
    }
    let mut keyed: Vec<(usize, &str, Implementer)> = out
        .into_iter()
        .map(|imp| (imp.chain.len(), graph.get(imp.node).id.as_str(), imp))
        .collect();
    keyed.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    Ok(keyed.into_iter().map(|(_, _, imp)| imp).collect())
}

/// Which edges a walk may use.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Only these edge kinds (all when empty).
    pub via: Vec<EdgeKind>,
    /// Follow edges only from source to target (else either way).
    pub directed: bool,
    /// Longest walk, in edges.
    pub max_depth: usize,
}

impl Walk {
    fn allows(&self, graph: &Graph, edge: EdgeIx) -> bool {
        self.via.is_empty() || self.via.contains(&graph.edge_kind(edge))
    }

    /// Neighbours of `at` walking forwards (`outward`) or backwards from the far end.
    fn steps<'g>(
        &'g self,
        graph: &'g Graph,
        at: NodeIx,
        outward: bool,
    ) -> impl Iterator<Item = (Step, NodeIx)> + 'g {
        let ways: &[Way] = match (self.directed, outward) {
            (true, true) => &[Way::Outgoing],
            (true, false) => &[Way::Incoming],
            (false, _) => &[Way::Outgoing, Way::Incoming],
        };
        ways.iter().flat_map(move |&way| {
            graph
                .edges(at, way)
                .filter(|&(e, _)| self.allows(graph, e))
                .map(move |(edge, other)| {
                    let forward = way == Way::Outgoing;
                    (Step { edge, forward }, other)
                })
        })
    }
}

/// One shortest walk from `from` to `to`, found by a bidirectional breadth-first search that
/// always expands the smaller frontier (fast on graphs with hubs). `None` when there is none
/// within `walk.max_depth` edges. Every edge looked at is spent from `budget`.
pub fn shortest_path(
    graph: &Graph,
    from: NodeIx,
    to: NodeIx,
    walk: &Walk,
    budget: &Budget,
) -> Result<Option<Vec<Step>>, Exhausted> {
    if from == to {
        return Ok(Some(Vec::new()));
    }
    let mut meter = budget.meter();
    // parent[n] = (step, previous node) on the side that reached n.
    let mut ahead: FastMap<NodeIx, Option<(Step, NodeIx)>> = FastMap::default();
    let mut behind: FastMap<NodeIx, Option<(Step, NodeIx)>> = FastMap::default();
    ahead.insert(from, None);
    behind.insert(to, None);
    let (mut front_a, mut front_b) = (vec![from], vec![to]);
    let mut depth = 0;
    while depth < walk.max_depth && !front_a.is_empty() && !front_b.is_empty() {
        depth += 1;
        let forward_side = front_a.len() <= front_b.len();
        let (front, seen, other) = if forward_side {
            (&mut front_a, &mut ahead, &behind)
        } else {
            (&mut front_b, &mut behind, &ahead)
        };
        let mut next = Vec::new();
        let mut meet = None;
        for &n in front.iter() {
            for (mut step, m) in walk.steps(graph, n, forward_side) {
                meter.tick()?;
                if seen.contains_key(&m) {
                    continue;
                }
                // The backward search finds edges at `n`; the walk takes them from `m` to `n`.
                if !forward_side {
                    step.forward = !step.forward;
                }
                seen.insert(m, Some((step, n)));
                if other.contains_key(&m) {
                    meet = Some(m);
                    break;
                }
                next.push(m);
            }
            if meet.is_some() {
                break;
            }
        }
        if let Some(m) = meet {
            return Ok(Some(join(&ahead, &behind, m)));
        }
        *front = next;
    }
    Ok(None)
}

/// Stitches the two half-walks that met at `m` into one walk from the start to the end.
fn join(
    ahead: &FastMap<NodeIx, Option<(Step, NodeIx)>>,
    behind: &FastMap<NodeIx, Option<(Step, NodeIx)>>,
    m: NodeIx,
) -> Vec<Step> {
    let mut first = Vec::new();
    let mut at = m;
    while let Some(Some((step, prev))) = ahead.get(&at) {
        first.push(*step);
        at = *prev;
    }
    first.reverse();
    let mut at = m;
    while let Some(Some((step, prev))) = behind.get(&at) {
        first.push(*step);
        at = *prev;
    }
    first
}

/// What [`simple_paths`] found.
#[derive(Debug)]
pub struct Paths {
    /// The walks, shortest first.
    pub found: Vec<Vec<Step>>,
    /// Whether the search ended on its own (every walk within the depth seen, or `limit`
    /// found), rather than at its cap of expansions: when not, longer walks, or more of the
    /// same length, may exist.
    pub complete: bool,
}

/// Up to `limit` simple walks from `from` to `to` of at most `walk.max_depth` edges, shortest
/// first. The search returns what it has after `expansions` edge expansions, so a hub cannot
/// make it hang; every expansion is also spent from `budget`, which ends it with an error.
///
/// It first measures how far nodes are from `to` ([`Near::measure`]), then only steps to
/// nodes from which `to` can still be reached in the edges left: past a hub, the search no
/// longer tries each of its thousands of neighbours to every depth (at 1m edges it used up
/// its million expansions and answered no walk at all where one of 5 edges existed).
pub fn simple_paths(
    graph: &Graph,
    from: NodeIx,
    to: NodeIx,
    walk: &Walk,
    limit: usize,
    expansions: usize,
    budget: &Budget,
) -> Result<Paths, Exhausted> {
    let mut meter = budget.meter();
    let near = Near::measure(graph, from, to, walk, &mut meter)?;
    let mut search = Search {
        graph,
        to,
        walk,
        near: &near,
        found: Vec::new(),
        limit,
        spent: 0,
        expansions,
        meter,
    };
    for length in near.at_least(from).max(1)..=walk.max_depth {
        let mut on_path = vec![from];
        let mut steps = Vec::new();
        search.exact(length, &mut on_path, &mut steps)?;
        if search.found.len() >= limit || search.spent >= expansions {
            break;
        }
    }
    let complete = search.found.len() >= limit || search.spent < expansions;
    Ok(Paths {
        found: search.found,
        complete,
    })
}

/// How far nodes are from `to`: exactly, for those within `radius` edges of it (walking
/// backwards); farther than `radius` for the rest, or unreachable when the backward search
/// ran out of nodes (`whole`).
struct Near {
    to: FastMap<NodeIx, u8>,
    radius: usize,
    whole: bool,
}

impl Near {
    /// The fewest edges from `n` to `to`, or a lower bound of them.
    fn at_least(&self, n: NodeIx) -> usize {
        match self.to.get(&n) {
            Some(&d) => usize::from(d),
            None if self.whole => usize::MAX,
            None => self.radius + 1,
        }
    }

    /// Measures around `to` and around `from` together, a level at a time on the side with
    /// the smaller frontier, until the two radii add up to the depth: the backward side then
    /// holds exact distances near `to`, and a lower bound everywhere else, at the cost of two
    /// half-depth searches instead of one search the whole depth from a hub.
    fn measure(
        graph: &Graph,
        from: NodeIx,
        to: NodeIx,
        walk: &Walk,
        meter: &mut Meter<'_>,
    ) -> Result<Near, Exhausted> {
        let mut near = Near {
            to: FastMap::from_iter([(to, 0)]),
            radius: 0,
            whole: false,
        };
        let mut ahead: FastSet<NodeIx> = FastSet::from_iter([from]);
        let (mut front_to, mut front_from) = (vec![to], vec![from]);
        let mut radius_from = 0;
        while near.radius + radius_from < walk.max_depth.min(usize::from(u8::MAX)) {
            if front_to.is_empty() {
                near.whole = true;
                break;
            }
            if front_from.is_empty() {
                // Everything `from` reaches is known; the search will see it all anyway.
                break;
            }
            let backward = front_to.len() <= front_from.len();
            let (front, outward) = if backward {
                (&mut front_to, false)
            } else {
                (&mut front_from, true)
            };
            let mut next = Vec::new();
            let d = near.radius as u8 + 1;
            for &n in front.iter() {
                for (_, m) in walk.steps(graph, n, outward) {
                    meter.tick()?;
                    let new = if backward {
                        match near.to.entry(m) {
                            std::collections::hash_map::Entry::Vacant(slot) => {
                                slot.insert(d);
                                true
                            }
                            std::collections::hash_map::Entry::Occupied(_) => false,
                        }
                    } else {
                        ahead.insert(m)
                    };
                    if new {
                        next.push(m);
                    }
                }
            }
            *front = next;
            if backward {
                near.radius += 1;
            } else {
                radius_from += 1;
            }
        }
        Ok(near)
    }
}

/// The state of one [`simple_paths`] search.
struct Search<'a, 'g> {
    graph: &'g Graph,
    to: NodeIx,
    walk: &'a Walk,
    near: &'a Near,
    found: Vec<Vec<Step>>,
    limit: usize,
    spent: usize,
    expansions: usize,
    meter: Meter<'a>,
}

impl Search<'_, '_> {
    /// Depth-first search for simple walks of exactly `length` edges ending at `to`.
    fn exact(
        &mut self,
        length: usize,
        on_path: &mut Vec<NodeIx>,
        steps: &mut Vec<Step>,
    ) -> Result<(), Exhausted> {
        let Some(&at) = on_path.last() else {
            return Ok(());
        };
        if steps.len() == length {
            if at == self.to {
                self.found.push(steps.clone());
            }
            return Ok(());
        }
        // Edges left after the next step.
        let left = length - steps.len() - 1;
        for (step, next) in self.walk.steps(self.graph, at, true) {
            self.spent += 1;
            self.meter.tick()?;
            if self.found.len() >= self.limit || self.spent >= self.expansions {
                return Ok(());
            }
            // A walk reaching `to` early is shorter and was found in an earlier round; a
            // node farther from `to` than the edges left cannot end one.
            let reachable = self.near.at_least(next) <= left;
            if !reachable || on_path.contains(&next) || (next == self.to && left != 0) {
                continue;
            }
            on_path.push(next);
            steps.push(step);
            self.exact(length, on_path, steps)?;
            steps.pop();
            on_path.pop();
        }
        Ok(())
    }
}

/// Every node reachable from `start` within `walk.max_depth` edges, with its distance, ordered
/// by distance then id (the start itself excluded). `walk.directed` picks the direction:
/// `outward` follows edges from source to target, otherwise against them. Every edge looked at
/// is spent from `budget`.
///
/// The walk stops early once it holds `enough` nodes at distances it has finished: the list's
/// first `enough` items are then exact, and the rest is cut (`usize::MAX` for all of it). A
/// window of the list, or a check that it is too long, needs no more.
pub fn closure(
    graph: &Graph,
    start: NodeIx,
    walk: &Walk,
    outward: bool,
    enough: usize,
    budget: &Budget,
) -> Result<Vec<(NodeIx, usize)>, Exhausted> {
    let mut meter = budget.meter();
    let mut depth: FastMap<NodeIx, usize> = FastMap::default();
    depth.insert(start, 0);
    let mut queue = VecDeque::from([start]);
    let mut out = Vec::new();
    let mut level = 0;
    while let Some(n) = queue.pop_front() {
        let d = depth[&n];
        // At the first node of a new distance, every node at that distance or nearer has been
        // found (the queue is in distance order), and nothing farther: those sort first.
        if d > level {
            level = d;
            if out.len() >= enough {
                break;
            }
        }
        if d == walk.max_depth {
            continue;
        }
        for (_, m) in walk.steps(graph, n, outward) {
            meter.tick()?;
            if let std::collections::hash_map::Entry::Vacant(slot) = depth.entry(m) {
                slot.insert(d + 1);
                out.push((m, d + 1));
                queue.push_back(m);
            }
        }
    }
    out.sort_by(|a, b| (a.1, &graph.get(a.0).id).cmp(&(b.1, &graph.get(b.0).id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Property tests: on random graphs the traversals agree with naive reference code.

    use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

    use proptest::prelude::*;

    use super::*;
    use crate::graph::Contents;
    use crate::model::{Edge, Node, NodeId};

    const KINDS: [EdgeKind; 4] = [
        EdgeKind::PartOf,
        EdgeKind::DependsOn,
        EdgeKind::Implements,
        EdgeKind::Covers,
    ];

    fn id(i: usize, goal: bool) -> NodeId {
        let prefix = if goal { "goal" } else { "programme" };
        NodeId::parse(&format!("{prefix}:n{i}")).expect("id")
    }

    /// A random graph of up to 10 nodes (goals and programmes) and typed edges.
    fn arb_graph() -> impl Strategy<Value = (Vec<bool>, Vec<(usize, usize, usize)>)> {
        (2usize..10).prop_flat_map(|n| {
            (
                proptest::collection::vec(any::<bool>(), n),
                proptest::collection::vec((0..n, 0..n, 0..KINDS.len()), 0..25),
            )
        })
    }

    fn build(goals: &[bool], edges: &[(usize, usize, usize)]) -> Graph {
        let nodes = goals
            .iter()
            .enumerate()
            .map(|(i, &g)| Node {
                id: id(i, g),
                title: String::new(),
                note: None,
                date: None,
                start: None,
                end: None,
                place: None,
                format: None,
                citations: Vec::new(),
            })
            .collect();
        let mut seen = HashSet::new();
        let edges = edges
            .iter()
            .filter(|&&(a, b, k)| a != b && seen.insert((a, b, k)))
            .map(|&(a, b, k)| Edge {
                from: id(a, goals[a]),
                kind: KINDS[k],
                to: id(b, goals[b]),
                note: None,
                valid_from: None,
                valid_to: None,
                citations: Vec::new(),
            })
            .collect();
        Graph::build(Contents {
            nodes,
            edges,
            texts: Vec::new(),
        })
        .expect("graph")
    }

    /// Naive neighbours of every node (outgoing only when `directed`).
    fn adjacency(graph: &Graph, directed: bool) -> HashMap<NodeIx, Vec<NodeIx>> {
        let ways: &[Way] = if directed {
            &[Way::Outgoing]
        } else {
            &[Way::Outgoing, Way::Incoming]
        };
        let mut adj: HashMap<NodeIx, Vec<NodeIx>> = HashMap::new();
        for &n in graph.nodes(None).iter() {
            for &way in ways {
                for (_, m) in graph.edges(n, way) {
                    adj.entry(n).or_default().push(m);
                }
            }
        }
        adj
    }

    fn naive_distance(graph: &Graph, a: NodeIx, b: NodeIx, directed: bool) -> Option<usize> {
        let adj = adjacency(graph, directed);
        let mut dist = HashMap::from([(a, 0)]);
        let mut queue = VecDeque::from([a]);
        while let Some(n) = queue.pop_front() {
            for &m in adj.get(&n).into_iter().flatten() {
                if !dist.contains_key(&m) {
                    dist.insert(m, dist[&n] + 1);
                    queue.push_back(m);
                }
            }
        }
        dist.get(&b).copied()
    }

    /// Checks that `steps` is a walk from `a` to `b` and returns its simple-ness.
    fn walk_ok(graph: &Graph, a: NodeIx, b: NodeIx, steps: &[Step]) -> bool {
        let mut at = a;
        let mut visited = HashSet::from([a]);
        let mut simple = true;
        for step in steps {
            let (s, t) = graph.ends(step.edge);
            let (from, to) = if step.forward { (s, t) } else { (t, s) };
            assert_eq!(from, at, "steps are connected");
            simple &= visited.insert(to);
            at = to;
        }
        assert_eq!(at, b, "the walk ends at the target");
        simple
    }

    fn all_walk(max_depth: usize) -> Walk {
        Walk {
            via: Vec::new(),
            directed: false,
            max_depth,
        }
    }

    #[test]
    fn a_closure_cut_short_stops_only_between_distances() {
        // n0 reaches n1 and n2; n1 reaches n8 and n9, n2 reaches n3. Stopping in the middle of
        // distance 1 would hold n8 and n9 before n3 was found, though n3 sorts first.
        let goals = [true; 10];
        let graph = build(
            &goals,
            &[(0, 1, 0), (0, 2, 0), (1, 8, 0), (1, 9, 0), (2, 3, 0)],
        );
        let walk = Walk {
            via: vec![EdgeKind::PartOf],
            directed: true,
            max_depth: usize::MAX,
        };
        let start = graph.lookup("goal:n0").expect("n0");
        let ids = |enough| -> Vec<String> {
            closure(&graph, start, &walk, true, enough, &Budget::unlimited())
                .expect("no limit")
                .into_iter()
                .map(|(ix, _)| graph.get(ix).id.to_string())
                .collect()
        };
        let whole = ["goal:n1", "goal:n2", "goal:n3", "goal:n8", "goal:n9"];
        assert_eq!(ids(usize::MAX), whole);
        assert_eq!(ids(3), whole);
        assert_eq!(ids(2), ["goal:n1", "goal:n2"]);
    }

    proptest! {
        #[test]
        fn shortest_path_has_the_naive_bfs_length((goals, edges) in arb_graph(), a in 0usize..10, b in 0usize..10, directed in any::<bool>()) {
            let graph = build(&goals, &edges);
            let nodes = graph.nodes(None).to_vec();
            let (a, b) = (nodes[a % nodes.len()], nodes[b % nodes.len()]);
            let walk = Walk { directed, ..all_walk(20) };
            let found = shortest_path(&graph, a, b, &walk, &Budget::unlimited()).expect("no limit");
            let expected = naive_distance(&graph, a, b, directed);
            prop_assert_eq!(found.as_ref().map(Vec::len), expected);
            if let Some(steps) = found {
                prop_assert!(walk_ok(&graph, a, b, &steps));
                prop_assert!(!directed || steps.iter().all(|s| s.forward));
            }
        }

        #[test]
        fn simple_paths_are_valid_sorted_and_complete((goals, edges) in arb_graph(), a in 0usize..10, b in 0usize..10) {
            let graph = build(&goals, &edges);
            let nodes = graph.nodes(None).to_vec();
            let (a, b) = (nodes[a % nodes.len()], nodes[b % nodes.len()]);
            prop_assume!(a != b);
            let paths = simple_paths(&graph, a, b, &all_walk(4), 1000, usize::MAX, &Budget::unlimited())
                .expect("no limit");
            prop_assert!(paths.complete);
            let found = paths.found;
            for steps in &found {
                prop_assert!(walk_ok(&graph, a, b, steps));
            }
            prop_assert!(found.windows(2).all(|w| w[0].len() <= w[1].len()));
            let distinct: BTreeSet<Vec<(EdgeIx, bool)>> = found
                .iter()
                .map(|p| p.iter().map(|s| (s.edge, s.forward)).collect())
                .collect();
            prop_assert_eq!(distinct.len(), found.len());
            // Naive count of simple walks of at most 4 edges.
            fn count(graph: &Graph, at: NodeIx, b: NodeIx, left: usize, on: &mut Vec<NodeIx>) -> usize {
                if at == b { return 1; }
                if left == 0 { return 0; }
                let mut total = 0;
                for way in [Way::Outgoing, Way::Incoming] {
                    for (_, m) in graph.edges(at, way) {
                        if !on.contains(&m) {
                            on.push(m);
                            total += count(graph, m, b, left - 1, on);
                            on.pop();
                        }
                    }
                }
                total
            }
            prop_assert_eq!(found.len(), count(&graph, a, b, 4, &mut vec![a]));
        }

        #[test]
        fn closure_matches_a_naive_bfs((goals, edges) in arb_graph(), a in 0usize..10, depth in 0usize..5, enough in 0usize..12) {
            let graph = build(&goals, &edges);
            let nodes = graph.nodes(None).to_vec();
            let a = nodes[a % nodes.len()];
            let walk = Walk { via: vec![EdgeKind::PartOf, EdgeKind::DependsOn], directed: true, max_depth: depth };
            let whole = closure(&graph, a, &walk, true, usize::MAX, &Budget::unlimited()).expect("no limit");
            // Cut short, it is the start of the whole list, and at least `enough` long.
            let cut = closure(&graph, a, &walk, true, enough, &Budget::unlimited()).expect("no limit");
            prop_assert!(cut.len() >= enough.min(whole.len()));
            prop_assert_eq!(&cut[..], &whole[..cut.len()]);
            let found: HashMap<NodeIx, usize> = whole.into_iter().collect();
            let mut dist = HashMap::from([(a, 0usize)]);
            let mut queue = VecDeque::from([a]);
            while let Some(n) = queue.pop_front() {
                if dist[&n] == depth { continue; }
                for (e, m) in graph.edges(n, Way::Outgoing) {
                    let kind = graph.edge(e).kind;
                    if matches!(kind, EdgeKind::PartOf | EdgeKind::DependsOn) && !dist.contains_key(&m) {
                        dist.insert(m, dist[&n] + 1);
                        queue.push_back(m);
                    }
                }
            }
            dist.remove(&a);
            prop_assert_eq!(found, dist);
        }

        #[test]
        fn implementers_match_a_naive_reachability((goals, edges) in arb_graph(), g in 0usize..10) {
            let graph = build(&goals, &edges);
            let goal_nodes: Vec<NodeIx> = graph.nodes(Some(NodeKind::Goal)).to_vec();
            prop_assume!(!goal_nodes.is_empty());
            let goal = goal_nodes[g % goal_nodes.len()];
            let found = implementers(&graph, goal, true, &Budget::unlimited()).expect("no limit");
            // Goals that reach `goal` over PART_OF / DEPENDS_ON, by fixpoint.
            let mut reach = HashSet::from([goal]);
            loop {
                let before = reach.len();
                for &n in &goal_nodes {
                    for (e, m) in graph.edges(n, Way::Outgoing) {
                        let k = graph.edge(e).kind;
                        if matches!(k, EdgeKind::PartOf | EdgeKind::DependsOn) && reach.contains(&m) {
                            reach.insert(n);
                        }
                    }
                }
                if reach.len() == before { break; }
            }
            let mut expected = BTreeSet::new();
            for &g in &reach {
                for (e, n) in graph.edges(g, Way::Incoming) {
                    if graph.edge(e).kind == EdgeKind::Implements && graph.get(n).kind() == NodeKind::Programme {
                        expected.insert(n);
                    }
                }
            }
            let got: BTreeSet<NodeIx> = found.iter().map(|i| i.node).collect();
            prop_assert_eq!(got, expected);
            for imp in &found {
                // The chain starts at the implementer and ends at the goal.
                let (first_from, _) = graph.ends(imp.chain[0]);
                prop_assert_eq!(first_from, imp.node);
                let (_, last_to) = graph.ends(*imp.chain.last().expect("chain"));
                prop_assert_eq!(last_to, goal);
            }
        }
    }
}
