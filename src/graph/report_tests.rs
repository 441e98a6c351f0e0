//! The carried citation report against the whole one: after any sequence of writes, the
//! report [`Graph::apply`] carries into the next snapshot is the one computed from scratch.

use proptest::prelude::*;

use super::report::{Findings, whole};
use super::{Contents, Graph, Update};
use crate::corpus::diagnostic::Severity;
use crate::findings::{self, Finding};
use crate::model::{Citation, Edge, EdgeKind, Node, NodeId, PartialDate};

const IDS: [&str; 10] = [
    "goal:a",
    "goal:b",
    "goal:c",
    "programme:p",
    "programme:q",
    "timespan:s",
    "timespan:t",
    "body:x",
    "state:k",
    "state:l",
];

const KINDS: [EdgeKind; 6] = [
    EdgeKind::PartOf,
    EdgeKind::DependsOn,
    EdgeKind::Implements,
    EdgeKind::Covers,
    EdgeKind::Supersedes,
    EdgeKind::ChairedBy,
];

/// Years a node's end, an edge's validity or a quote may name.
const YEARS: [Option<&str>; 4] = [None, Some("2019"), Some("2021"), Some("2030")];

fn date(year: Option<&str>) -> Option<PartialDate> {
    year.map(|y| PartialDate::parse(y).expect("date"))
}

/// A citation quoting `year` (or no year), found `occurrences` times in its source.
fn citation(year: Option<&str>, occurrences: u32) -> Citation {
    Citation {
        document: NodeId::parse("document:d").expect("id"),
        quote: format!("agreed in {}", year.unwrap_or("time")),
        start: 0,
        end: 10,
        line: 1,
        column: 1,
        occurrences,
        excerpt: String::new(),
    }
}

fn node(id: &str, end: Option<&str>, cited: u32) -> Node {
    Node {
        id: NodeId::parse(id).expect("id"),
        title: id.to_owned(),
        note: None,
        date: None,
        start: None,
        end: date(end),
        place: None,
        format: None,
        citations: (0..cited).map(|n| citation(None, n + 1)).collect(),
    }
}

fn edge(from: &str, kind: EdgeKind, to: &str, valid: Option<&str>, quoted: Option<&str>) -> Edge {
    Edge {
        from: NodeId::parse(from).expect("id"),
        kind,
        to: NodeId::parse(to).expect("id"),
        note: None,
        valid_from: date(valid),
        valid_to: date(valid),
        citations: quoted.map(|y| citation(Some(y), 1)).into_iter().collect(),
    }
}

fn update() -> impl Strategy<Value = Update> {
    let id = 0..IDS.len();
    let year = 0..YEARS.len();
    prop_oneof![
        (id.clone(), year.clone(), 0..4u32).prop_map(|(i, y, cited)| Update::Node {
            node: node(IDS[i], YEARS[y], cited),
            text: None,
        }),
        id.clone()
            .prop_map(|i| Update::DeleteNode(NodeId::parse(IDS[i]).expect("id"))),
        (id.clone(), 0..KINDS.len(), id.clone(), year.clone(), year).prop_map(
            |(a, k, b, valid, quoted)| {
                Update::Edge(edge(IDS[a], KINDS[k], IDS[b], YEARS[valid], YEARS[quoted]))
            }
        ),
        (id.clone(), 0..KINDS.len(), id).prop_map(|(a, k, b)| Update::DeleteEdge {
            from: NodeId::parse(IDS[a]).expect("id"),
            kind: KINDS[k],
            to: NodeId::parse(IDS[b]).expect("id"),
        }),
    ]
}

fn start() -> Contents {
    Contents {
        nodes: IDS.iter().map(|id| node(id, Some("2019"), 0)).collect(),
        edges: vec![
            edge("goal:a", EdgeKind::PartOf, "goal:b", None, None),
            edge("programme:p", EdgeKind::Implements, "goal:a", None, None),
            edge("programme:p", EdgeKind::Covers, "timespan:s", None, None),
            edge("body:x", EdgeKind::ChairedBy, "state:k", Some("2021"), None),
        ],
        texts: Vec::new(),
    }
}

/// The report as `policygraph check` computes it: on model values, all at once.
fn checked(graph: &Graph, today: PartialDate) -> Vec<Finding> {
    let nodes: Vec<Node> = graph.all_nodes().map(|n| n.to_node()).collect();
    let edges: Vec<Edge> = graph.all_edges().map(|e| e.to_edge()).collect();
    let (nodes, edges): (Vec<&Node>, Vec<&Edge>) = (nodes.iter().collect(), edges.iter().collect());
    let mut all = findings::analyse(&nodes, &edges, today);
    all.extend(findings::ambiguous_quotes(&nodes, &edges));
    findings::sort(&mut all);
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_report_carried_through_writes_is_the_one_computed_whole(
        writes in proptest::collection::vec(proptest::collection::vec(update(), 1..4), 1..12)
    ) {
        let today = PartialDate::parse("2025-06-01").expect("date");
        let mut graph = Graph::build(start()).expect("builds");
        graph.memo().keep(today, whole(&graph, today).into());
        for write in writes {
            // An edge to a missing node is refused (the store refuses it too): left out.
            let write: Vec<Update> = write
                .into_iter()
                .filter(|u| match u {
                    Update::Edge(e) => {
                        graph.lookup(e.from.as_str()).is_some()
                            && graph.lookup(e.to.as_str()).is_some()
                    }
                    _ => true,
                })
                .collect();
            let Ok(next) = graph.apply(write) else { continue };
            graph = next;
            let carried = graph.memo().computed();
            prop_assert_eq!(carried.len(), 1);
            let expected = whole(&graph, today);
            prop_assert_eq!(&expected, &checked(&graph, today));
            prop_assert_eq!(&carried[0].1, &Findings::from(expected.clone()));
            let errors = expected.iter().filter(|f| f.severity == Severity::Error).count();
            prop_assert_eq!(super::report::errors(&carried[0].1), errors);
        }
        let compacted = graph.compact().expect("compacts");
        prop_assert_eq!(&compacted.memo().computed()[0].1, &Findings::from(whole(&graph, today)));
    }
}
