//! A write costs what it changes: the memory one curated write allocates — validating the
//! edits against the snapshot, the change set, the next snapshot — does not grow with the
//! graph. Its own test binary, because it counts every allocation of the process.

use std::alloc::System;
use std::collections::BTreeMap;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use policygraph::curate::edit::{self, CiteDraft, EdgeKey, Edit, NodeDraft};
use policygraph::dataset::{self, Dataset};
use policygraph::graph::Graph;
use policygraph::model::{Citation, Edge, EdgeKind, Node, NodeId, SourceText};
use policygraph::store::Contents;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TEXT: &str = "The Commonwealth adopted a programme.";

fn node(id: &str) -> Node {
    Node {
        id: NodeId::parse(id).expect("id"),
        title: id.to_owned(),
        note: None,
        date: None,
        start: None,
        end: None,
        place: None,
        format: None,
        citations: Vec::<Citation>::new(),
    }
}

/// A goal tree of `goals` goals (each PART_OF goal `i / 8`) with a programme implementing each
/// leaf-ish goal: about two edges per goal, like the benchmark graphs.
fn graph_of(goals: usize) -> Graph {
    let mut nodes = vec![node("document:src")];
    let mut edges = Vec::new();
    let edge = |from: String, kind, to: String| Edge {
        from: NodeId::parse(&from).expect("id"),
        kind,
        to: NodeId::parse(&to).expect("id"),
        note: None,
        valid_from: None,
        valid_to: None,
        citations: Vec::new(),
    };
    for i in 0..goals {
        nodes.push(node(&format!("goal:g{i}")));
        nodes.push(node(&format!("programme:p{i}")));
        if i > 0 {
            edges.push(edge(
                format!("goal:g{i}"),
                EdgeKind::PartOf,
                format!("goal:g{}", i / 8),
            ));
        }
        edges.push(edge(
            format!("programme:p{i}"),
            EdgeKind::Implements,
            format!("goal:g{i}"),
        ));
    }
    Graph::build(Contents {
        nodes,
        edges,
        texts: vec![(
            NodeId::parse("document:src").expect("id"),
            "src.txt".to_owned(),
        )],
    })
    .expect("builds")
}

/// Bytes allocated by one write of a goal and its PART_OF edge (to a deep goal, so the cycle
/// check walks a real chain), from validation to the next snapshot.
fn one_write(graph: &Graph, goals: usize) -> usize {
    let texts: BTreeMap<String, SourceText> = BTreeMap::from([(
        "document:src".to_owned(),
        SourceText {
            document: NodeId::parse("document:src").expect("id"),
            path: "src.txt".to_owned(),
            text: TEXT.to_owned(),
        },
    )]);
    let cite = || {
        vec![CiteDraft {
            document: Some("document:src".to_owned()),
            quote: "Commonwealth".to_owned(),
        }]
    };
    let edits = vec![
        (
            "a".to_owned(),
            Edit::CreateNode(NodeDraft {
                id: "goal:new".to_owned(),
                title: "New".to_owned(),
                citations: cite(),
                ..NodeDraft::default()
            }),
        ),
        (
            "b".to_owned(),
            Edit::CreateEdge {
                key: EdgeKey {
                    from: "goal:new".to_owned(),
                    kind: EdgeKind::PartOf,
                    to: format!("goal:g{}", goals - 1),
                },
                note: None,
                valid_from: None,
                valid_to: None,
                citations: cite(),
            },
        ),
    ];
    let region = Region::new(GLOBAL);
    let (after, touched) = edit::apply(graph, texts.clone(), &edits).expect("valid edits");
    let before = Dataset::subset_of_graph(graph, &touched, &texts);
    let changes = dataset::changes(&before, &after, Some(&touched));
    let finals = changes.iter().map(|c| (c.id.clone(), c.after.clone()));
    let next = graph.apply(dataset::updates(finals)).expect("applies");
    let bytes = region.change().bytes_allocated;
    assert_eq!(next.node_count(), graph.node_count() + 1);
    assert_eq!(next.edge_count(), graph.edge_count() + 1);
    bytes
}

#[test]
fn the_memory_a_write_allocates_does_not_grow_with_the_graph() {
    let (small, large) = (2_000, 200_000);
    let (g_small, g_large) = (graph_of(small), graph_of(large));
    // The first write of a process warms lazily built tables; measure the second.
    one_write(&g_small, small);
    let at_small = one_write(&g_small, small);
    let at_large = one_write(&g_large, large);
    eprintln!(
        "one write allocates {at_small} B at {} edges, {at_large} B at {} edges",
        g_small.edge_count(),
        g_large.edge_count()
    );
    // A hundred times the graph; the cycle check's chain is log8 deeper (a few more hops).
    assert!(
        at_large < at_small * 2,
        "{at_large} B at {large} goals against {at_small} B at {small}: the write copies the graph"
    );
    // And nothing like the graph itself (a whole copy is tens of megabytes here).
    assert!(at_large < 512 * 1024, "{at_large} B");
}
