//! [`Graph::apply`] against [`Graph::build`]: any sequence of updates applied to a snapshot
//! gives the graph that building from the resulting contents gives.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::Contents;
use super::{Graph, NodeIx, Update, Way};
use crate::model::{Citation, Edge, EdgeKind, Node, NodeId, NodeKind, PartialDate};

fn node(id: &str, title: &str) -> Node {
    Node {
        id: NodeId::parse(id).expect("id"),
        title: title.to_owned(),
        note: None,
        date: None,
        start: None,
        end: None,
        place: None,
        format: None,
        citations: Vec::<Citation>::new(),
    }
}

fn edge(from: &str, kind: EdgeKind, to: &str, valid: Option<&str>) -> Edge {
    let date = valid.map(|d| PartialDate::parse(d).expect("date"));
    Edge {
        from: NodeId::parse(from).expect("id"),
        kind,
        to: NodeId::parse(to).expect("id"),
        note: None,
        valid_from: date,
        valid_to: date,
        citations: Vec::new(),
    }
}

/// Everything observable about a graph, in a canonical order.
fn observe(graph: &Graph) -> (Vec<Node>, Vec<Edge>, Vec<String>, Vec<String>) {
    let nodes: Vec<Node> = graph.all_nodes().map(|n| n.to_node()).collect();
    let mut edges: Vec<Edge> = graph.all_edges().map(|e| e.to_edge()).collect();
    edges.sort_by_key(Edge::id);
    // Adjacency both ways, by id.
    let mut adjacency = Vec::new();
    for n in graph.all_nodes() {
        for way in [Way::Outgoing, Way::Incoming] {
            let mut around: Vec<String> = graph
                .edges(n.ix(), way)
                .map(|(e, other)| format!("{}>{}", graph.edge(e).id(), graph.get(other).id))
                .collect();
            around.sort();
            adjacency.push(format!("{}:{way:?}:{}", n.id, around.join(",")));
        }
    }
    let mut dated: Vec<String> = graph
        .dated_edges()
        .into_iter()
        .map(|e| graph.edge(e).id())
        .collect();
    dated.sort();
    for n in graph.all_nodes() {
        let mut at: Vec<String> = graph
            .dated_edges_at(n.ix())
            .into_iter()
            .map(|e| graph.edge(e).id())
            .collect();
        at.sort();
        dated.push(format!("{}:{}", n.id, at.join(",")));
    }
    (nodes, edges, adjacency, dated)
}

/// The contents `updates` leave, computed the plain way.
fn replay(start: &Contents, updates: &[Update]) -> Contents {
    let mut nodes: BTreeMap<String, Node> = start
        .nodes
        .iter()
        .map(|n| (n.id.to_string(), n.clone()))
        .collect();
    let mut edges: BTreeMap<String, Edge> =
        start.edges.iter().map(|e| (e.id(), e.clone())).collect();
    for update in updates {
        match update {
            Update::Node { node, .. } => {
                nodes.insert(node.id.to_string(), node.clone());
            }
            Update::DeleteNode(id) => {
                nodes.remove(id.as_str());
                edges.retain(|_, e| &e.from != id && &e.to != id);
            }
            Update::Edge(e) => {
                if nodes.contains_key(e.from.as_str()) && nodes.contains_key(e.to.as_str()) {
                    edges.insert(e.id(), e.clone());
                }
            }
            Update::DeleteEdge { from, kind, to } => {
                edges.remove(&crate::model::edge_id(from, *kind, to));
            }
        }
    }
    Contents {
        nodes: nodes.into_values().collect(),
        edges: edges.into_values().collect(),
        texts: Vec::new(),
    }
}

/// Every page `node_page` gives is the slice of `nodes` it stands for.
fn pages_agree_with_the_listing(graph: &Graph) {
    for kind in [None, Some(NodeKind::Goal), Some(NodeKind::Programme)] {
        let all = graph.nodes(kind).into_owned();
        let ids: Vec<String> = all.iter().map(|&ix| graph.get(ix).id.to_string()).collect();
        let afters = std::iter::once(None)
            .chain(ids.iter().map(|id| Some(id.as_str())))
            .chain([Some("goal:b0"), Some("zzz")]);
        for after in afters {
            for first in [0, 1, 2, 10] {
                let start = after.map_or(0, |a| ids.partition_point(|id| id.as_str() <= a));
                let end = (start + first).min(all.len());
                let page = graph.node_page(kind, after, first);
                assert_eq!(
                    page.nodes,
                    &all[start..end],
                    "{kind:?} after {after:?} first {first}"
                );
                assert_eq!(page.total, all.len());
                assert_eq!(page.has_next, end < all.len(), "{kind:?} after {after:?}");
                assert_eq!(page.has_previous, start > 0, "{kind:?} after {after:?}");
            }
        }
    }
}

const IDS: [&str; 7] = [
    "goal:a",
    "goal:b",
    "goal:c",
    "programme:p",
    "programme:q",
    "body:x",
    "timespan:open",
];
const KINDS: [EdgeKind; 4] = [
    EdgeKind::PartOf,
    EdgeKind::Implements,
    EdgeKind::ChairedBy,
    EdgeKind::Covers,
];

/// The nodes active in the years around the edges' dates, reached from what makes a node
/// active, are the ones found by asking each node, and as many as `stats` counts.
fn active_nodes_agree_with_asking_each_node(graph: &Graph) {
    for counted in super::coverage::stats(graph).by_year {
        let year = PartialDate::parse(&counted.year.to_string()).expect("date");
        let active = super::timeline::active_nodes(graph, None, year, year);
        assert_eq!(counted.active, active.len(), "{}", counted.year);
    }
    for year in ["2019", "2020", "2021", "2022"] {
        let year = PartialDate::parse(year).expect("date");
        for kind in [None, Some(NodeKind::Programme)] {
            let asked: Vec<NodeIx> = graph
                .nodes(kind)
                .iter()
                .copied()
                .filter(|&ix| super::timeline::active(graph, ix, year, year))
                .collect();
            assert_eq!(
                super::timeline::active_nodes(graph, kind, year, year),
                asked,
                "{kind:?} in {year}"
            );
        }
    }
}

fn update() -> impl Strategy<Value = Update> {
    let id = 0..IDS.len();
    prop_oneof![
        (id.clone(), 0..3u8).prop_map(|(i, t)| Update::Node {
            node: node(IDS[i], &format!("title {t}")),
            text: None,
        }),
        id.clone()
            .prop_map(|i| Update::DeleteNode(NodeId::parse(IDS[i]).expect("id"))),
        (id.clone(), 0..KINDS.len(), id.clone(), any::<bool>()).prop_map(|(a, k, b, dated)| {
            Update::Edge(edge(IDS[a], KINDS[k], IDS[b], dated.then_some("2021")))
        }),
        (id.clone(), 0..KINDS.len(), id).prop_map(|(a, k, b)| Update::DeleteEdge {
            from: NodeId::parse(IDS[a]).expect("id"),
            kind: KINDS[k],
            to: NodeId::parse(IDS[b]).expect("id"),
        }),
    ]
}

fn start() -> Contents {
    Contents {
        nodes: vec![
            node("goal:a", "A"),
            node("goal:b", "B"),
            node("programme:p", "P"),
        ],
        edges: vec![
            edge("goal:a", EdgeKind::PartOf, "goal:b", None),
            edge("programme:p", EdgeKind::Implements, "goal:a", Some("2020")),
        ],
        texts: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn applying_updates_one_write_at_a_time_matches_building_from_scratch(
        writes in proptest::collection::vec(proptest::collection::vec(update(), 1..4), 1..12)
    ) {
        let start = start();
        let mut graph = Graph::build(start.clone()).expect("builds");
        let mut all = Vec::new();
        for write in writes {
            // An edge to a missing node is refused (the store refuses it too): left out.
            let mut next = graph.clone();
            for u in write {
                if let Update::Edge(e) = &u {
                    if next.lookup(e.from.as_str()).is_none() || next.lookup(e.to.as_str()).is_none() {
                        continue;
                    }
                }
                next = next.apply([u.clone()]).expect("applies");
                all.push(u);
            }
            graph = next;
            let expected = Graph::build(replay(&start, &all)).expect("builds");
            prop_assert_eq!(observe(&graph), observe(&expected));
            pages_agree_with_the_listing(&graph);
            active_nodes_agree_with_asking_each_node(&graph);
            prop_assert_eq!(graph.node_count(), expected.node_count());
            prop_assert_eq!(graph.edge_count(), expected.edge_count());
            graph.verify().expect("invariants");
        }
        let compacted = graph.compact().expect("compacts");
        prop_assert_eq!(observe(&compacted), observe(&graph));
        prop_assert_eq!(compacted.overlay_size(), 0);
    }
}

#[test]
fn a_write_leaves_the_snapshot_it_came_from_unchanged() {
    let before = Graph::build(start()).expect("builds");
    let after = before
        .apply([
            Update::Node {
                node: node("goal:new", "New"),
                text: None,
            },
            Update::Edge(edge("goal:new", EdgeKind::PartOf, "goal:a", None)),
            Update::DeleteEdge {
                from: NodeId::parse("goal:a").expect("id"),
                kind: EdgeKind::PartOf,
                to: NodeId::parse("goal:b").expect("id"),
            },
        ])
        .expect("applies");
    assert_eq!(before.node_count(), 3);
    assert_eq!(before.edge_count(), 2);
    assert!(before.lookup("goal:new").is_none());
    assert_eq!(after.node_count(), 4);
    assert_eq!(after.edge_count(), 2);
    let goals: Vec<String> = after
        .nodes(Some(NodeKind::Goal))
        .iter()
        .map(|&ix: &NodeIx| after.get(ix).id.to_string())
        .collect();
    assert_eq!(goals, ["goal:a", "goal:b", "goal:new"]);
    let a = after.lookup("goal:a").expect("a");
    let parts: Vec<String> = after
        .edges(a, Way::Incoming)
        .map(|(_, n)| after.get(n).id.to_string())
        .collect();
    assert_eq!(parts, ["programme:p", "goal:new"]);
}

#[test]
fn an_edge_to_a_missing_node_is_refused() {
    let graph = Graph::build(start()).expect("builds");
    let refused = graph.apply([Update::Edge(edge(
        "goal:a",
        EdgeKind::PartOf,
        "goal:missing",
        None,
    ))]);
    assert!(refused.is_err());
}
