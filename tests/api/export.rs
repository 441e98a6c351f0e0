//! Exports and the command-line query, on the real seed corpus.

use std::process::Command;

use policygraph::export::{self, Format};
use policygraph::graph::Graph;
use policygraph::state::load_seeds;
use policygraph::store;
use serde_json::Value;

use crate::helpers::{TestDb, seeds};

async fn seeded() -> (TestDb, Graph) {
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("load");
    let graph = Graph::build(store::read_all(&db.store).await.expect("read")).expect("graph");
    (db, graph)
}

fn render(graph: &Graph, nodes: &[policygraph::graph::NodeIx], format: Format) -> String {
    let mut out = Vec::new();
    export::write(graph, nodes, format, &mut out).expect("export");
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test]
async fn every_format_holds_every_node_and_edge_of_the_graph() {
    let (_db, graph) = seeded().await;
    let nodes = export::select(&graph, None, 0);
    let (n, e) = (graph.node_count(), graph.edge_count());

    let json: Value = serde_json::from_str(&render(&graph, &nodes, Format::Json)).expect("json");
    let dot = render(&graph, &nodes, Format::Dot);
    let graphml = render(&graph, &nodes, Format::Graphml);
    let mermaid = render(&graph, &nodes, Format::Mermaid);
    let (mut nodes_csv, mut edges_csv) = (Vec::new(), Vec::new());
    export::write_csv(&graph, &nodes, &mut nodes_csv, &mut edges_csv).expect("csv");

    assert_eq!(json["nodes"].as_array().expect("nodes").len(), n);
    assert_eq!(json["edges"].as_array().expect("edges").len(), e);
    assert_eq!(dot.matches(" -> ").count(), e);
    assert!(dot.starts_with("digraph") && dot.trim_end().ends_with('}'));
    assert_eq!(graphml.matches("<node ").count(), n);
    assert_eq!(graphml.matches("<edge ").count(), e);
    assert_eq!(mermaid.matches(" -->|").count(), e);
    assert_eq!(
        String::from_utf8(nodes_csv).expect("utf-8").lines().count(),
        n + 1
    );
    let edges_csv = String::from_utf8(edges_csv).expect("utf-8");
    assert_eq!(edges_csv.lines().count(), e + 1);

    // A dated relation keeps its validity in every format that has a place for it.
    let tajikistan = "body:cis-heads-of-state-council/CHAIRED_BY/state:tajikistan";
    let in_json = json["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|x| x["from"] == "body:cis-heads-of-state-council" && x["to"] == "state:tajikistan")
        .expect("Tajikistan's chairmanship in JSON");
    assert_eq!(in_json["validFrom"], "2025-01-01");
    assert!(in_json["validTo"].is_null(), "{in_json}");
    assert!(
        edges_csv
            .contains("body:cis-heads-of-state-council,state:tajikistan,CHAIRED_BY,2025-01-01,\n"),
        "{edges_csv}"
    );
    assert!(
        graphml.contains(&format!(
            "<edge id=\"{tajikistan}\" source=\"body:cis-heads-of-state-council\" target=\"state:tajikistan\"><data key=\"kind\">CHAIRED_BY</data><data key=\"valid_from\">2025-01-01</data></edge>"
        )),
        "{graphml}"
    );
    assert!(dot.contains("[label=\"CHAIRED_BY 2021\"]"), "{dot}");
}

#[tokio::test]
async fn a_neighbourhood_export_keeps_only_nodes_within_the_depth() {
    let (_db, graph) = seeded().await;
    let root = graph.lookup("state:moldova").expect("moldova");

    let one = export::select(&graph, Some(root), 1);
    let two = export::select(&graph, Some(root), 2);

    let ids = |nodes: &[policygraph::graph::NodeIx]| -> Vec<String> {
        nodes
            .iter()
            .map(|&ix| graph.get(ix).id.to_string())
            .collect()
    };
    assert_eq!(
        ids(&one),
        vec!["state:moldova", "summit:cis-hsc-2020-12-18"]
    );
    assert!(ids(&two).contains(&"programme:border-security-2021-2025".to_owned()));
    let dot = render(&graph, &one, Format::Dot);
    assert_eq!(dot.matches(" -> ").count(), 1);
}

#[tokio::test]
async fn the_matrix_has_a_row_per_goal_and_a_column_per_programme() {
    let (_db, graph) = seeded().await;
    let nodes = export::select(&graph, None, 0);
    let matrix = render(&graph, &nodes, Format::Matrix);
    let mut lines = matrix.lines();
    let header = lines.next().expect("header");
    let programmes = graph
        .nodes(Some(policygraph::model::NodeKind::Programme))
        .len();
    assert_eq!(header.split(',').count(), programmes + 1, "{header}");
    assert_eq!(
        lines.count(),
        graph.nodes(Some(policygraph::model::NodeKind::Goal)).len()
    );
}

#[tokio::test]
async fn the_query_command_answers_from_the_database_without_a_server() {
    let (db, _graph) = seeded().await;
    let run = |query: &str| {
        Command::new(env!("CARGO_BIN_EXE_policygraph"))
            .args(["--database-url", &db.url(), "query", query])
            .output()
            .expect("runs")
    };

    let ok = run(r#"{ node(id: "state:moldova") { title } }"#);
    let bad = run("{ nodes(first: -1) { totalCount } }");

    assert_eq!(ok.status.code(), Some(0));
    let body: Value = serde_json::from_slice(&ok.stdout).expect("json");
    assert_eq!(body["data"]["node"]["title"], "Moldova");
    assert_eq!(bad.status.code(), Some(1));
    let body: Value = serde_json::from_slice(&bad.stdout).expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn load_export_seeds_load_gives_identical_content_including_curated_changes() {
    let app = crate::helpers::spawn_app().await;
    let token = app.token("alice").await;
    let add = r#"mutation { addDocument(input: { id: "document:curated", title: "Curated",
        date: "2026-11-26", text: "A curated text.\nIt names the Curated Plan.",
        quotes: ["A curated text."] }) { id } }"#;
    let (status, body) = app.send(Some(&token), add, serde_json::Value::Null).await;
    assert_eq!(status, 200, "{body}");
    let plan = r#"mutation { createNode(input: { id: "programme:curated-plan", title: "Curated Plan",
        note: "added over the API", citations: [{ document: "document:curated",
        quote: "the Curated Plan" }] }) { id } }"#;
    let (_, body) = app.send(Some(&token), plan, serde_json::Value::Null).await;
    assert_eq!(body["errors"], serde_json::Value::Null, "{body}");

    let mut tx = app.db.store.read().await.expect("transaction");
    let first = store::read_dataset(&mut tx).await.expect("read");
    tx.commit().await.expect("ends");
    let out = tempfile::TempDir::new().expect("temp dir");
    policygraph::export::seeds::write(&first, out.path()).expect("export");

    let reading = policygraph::corpus::read(out.path());
    assert_eq!(reading.error_count(), 0, "{:?}", reading.diagnostics);
    let again = TestDb::new().await;
    store::sync_corpus(&again.store, &reading.corpus, "test", store::Curated::Keep)
        .await
        .expect("load");
    let mut tx = again.store.read().await.expect("transaction");
    let second = store::read_dataset(&mut tx).await.expect("read");
    assert_eq!(first.nodes.len(), second.nodes.len());
    assert!(second.nodes.contains_key("programme:curated-plan"));
    assert_eq!(first, second, "load → export → load changed the content");
}

#[tokio::test]
async fn the_query_command_ends_quietly_when_its_reader_stops_early() {
    let (db, _graph) = seeded().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args([
            "--database-url",
            &db.url(),
            "query",
            "{ nodes(first: 100) { edges { node { id title citations { quote excerpt } } } } }",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    // Read nothing and close the pipe, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// A title the API accepts but every output format has to escape: markup, Mermaid's entity
/// marker, quotes, a control character (BEL) and a NO-BREAK SPACE.
const AWKWARD: &str = "A <b>#1;</b> & \"q\" \u{7}bell x\u{a0}y";

/// What formats that cannot carry control characters keep of [`AWKWARD`].
const AWKWARD_PRINTABLE: &str = "A <b>#1;</b> & \"q\" bell x\u{a0}y";

fn awkward_graph() -> Graph {
    use policygraph::graph::Contents;
    use policygraph::model::{Edge, EdgeKind, Node, NodeId};
    let node = |id: &str, title: &str| Node {
        id: NodeId::parse(id).expect("id"),
        title: title.to_owned(),
        note: None,
        date: None,
        start: None,
        end: None,
        place: None,
        format: None,
        citations: Vec::new(),
    };
    Graph::build(Contents {
        nodes: vec![node("goal:awkward", AWKWARD), node("programme:p", "P")],
        edges: vec![Edge {
            from: NodeId::parse("programme:p").expect("id"),
            kind: EdgeKind::Implements,
            to: NodeId::parse("goal:awkward").expect("id"),
            note: None,
            valid_from: None,
            valid_to: None,
            citations: Vec::new(),
        }],
        texts: Vec::new(),
    })
    .expect("graph")
}

/// The quoted string after `label=` in a DOT line, unescaped as Graphviz reads it.
fn dot_label(line: &str) -> String {
    let start = line.find("label=\"").expect("label") + 7;
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => break,
            },
            '"' => break,
            c => out.push(c),
        }
    }
    out
}

/// The title in a Mermaid node label, with its entity codes read back.
fn mermaid_label(line: &str) -> String {
    let start = line.find("[\"").expect("label") + 2;
    let end = line[start..].find("\"]").expect("end") + start;
    // The export's own markup follows the title: a line break and the id in italics.
    let raw = line[start..end]
        .split(" <br/><i>")
        .next()
        .unwrap_or_default();
    for syntax in ['"', '<', '>', '&'] {
        assert!(!raw.contains(syntax), "unescaped {syntax:?} in {raw}");
    }
    raw.replace("#quot;", "\"")
        .replace("#lt;", "<")
        .replace("#gt;", ">")
        .replace("#amp;", "&")
        .replace("#35;", "#")
}

#[test]
fn every_format_carries_an_awkward_title_to_its_consumer() {
    let graph = awkward_graph();
    let nodes = export::select(&graph, None, 0);
    let dir = tempfile::TempDir::new().expect("temp dir");

    // GraphML through networkx, the consumer that refused control characters.
    let graphml = dir.path().join("g.graphml");
    std::fs::write(&graphml, render(&graph, &nodes, Format::Graphml)).expect("write");
    let read = Command::new("python3")
        .args([
            "-c",
            "import sys, networkx as nx; g = nx.read_graphml(sys.argv[1]); \
             sys.stdout.write(g.nodes['goal:awkward']['title'])",
        ])
        .arg(&graphml)
        .output()
        .expect("python3 runs (networkx is part of this machine's image)");
    assert!(
        read.status.success(),
        "networkx refused the GraphML: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&read.stdout), AWKWARD_PRINTABLE);

    // JSON and CSV carry the title exactly.
    let json: Value =
        serde_json::from_str(&render(&graph, &nodes, Format::Json)).expect("valid JSON");
    let goal = json["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == "goal:awkward")
        .expect("goal");
    assert_eq!(goal["title"], AWKWARD);
    assert_eq!(goal["kind"], "GOAL");
    let (mut nodes_csv, mut edges_csv) = (Vec::new(), Vec::new());
    export::write_csv(&graph, &nodes, &mut nodes_csv, &mut edges_csv).expect("csv");
    let mut reader = csv::Reader::from_reader(nodes_csv.as_slice());
    let titles: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV record")[2].to_owned())
        .collect();
    assert!(titles.iter().any(|t| t == AWKWARD), "{titles:?}");

    // DOT and Mermaid, read back the way their parsers read them.
    let dot = render(&graph, &nodes, Format::Dot);
    let line = dot
        .lines()
        .find(|l| l.contains("\"goal:awkward\" [label="))
        .expect("the goal's line");
    assert_eq!(
        dot_label(line),
        format!("{AWKWARD_PRINTABLE}\n(goal)").replace("\u{7}", "")
    );
    let mermaid = render(&graph, &nodes, Format::Mermaid);
    let line = mermaid
        .lines()
        .find(|l| l.contains("goal:awkward"))
        .expect("the goal's line");
    let label = mermaid_label(line);
    assert!(label.starts_with(AWKWARD_PRINTABLE), "{label}");
}
