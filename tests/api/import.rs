//! CSV bulk import: the generator's files go in whole; a bad file is reported row by row and
//! writes nothing.

use std::path::{Path, PathBuf};

use policygraph::error::Error;
use policygraph::generate;
use policygraph::graph::Graph;
use policygraph::import::{ImportReport, import_csv};
use policygraph::state::load_seeds;
use policygraph::store;
use policygraph::store::changes::{self, LogFilter};
use sqlx::AnyPool;
use tempfile::TempDir;

use crate::helpers::{TestDb, seeds};

/// Writes `nodes.csv` and `edges.csv` with these contents into a fresh directory.
fn csv_files(nodes: &str, edges: &str) -> (TempDir, PathBuf, PathBuf) {
    let dir = TempDir::new().expect("dir");
    let (n, e) = (dir.path().join("nodes.csv"), dir.path().join("edges.csv"));
    std::fs::write(&n, nodes).expect("nodes.csv");
    std::fs::write(&e, edges).expect("edges.csv");
    (dir, n, e)
}

async fn import(
    store: &policygraph::store::Store,
    nodes: &Path,
    edges: &Path,
) -> policygraph::error::Result<ImportReport> {
    import_csv(store, nodes, edges, "test", &|_| {}).await
}

async fn count(pool: &AnyPool, sql: &str) -> usize {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .expect("count") as usize
}

#[tokio::test]
async fn a_generated_graph_imports_every_node_and_edge_and_logs_each() {
    let db = TestDb::new().await;
    let dir = TempDir::new().expect("dir");
    let stats = generate::write_dir(generate::Scale::Small, 5, dir.path()).expect("generate");
    let (nodes, edges) = (
        stats["nodes"].as_u64().expect("nodes") as usize,
        stats["edges"].as_u64().expect("edges") as usize,
    );

    let report = import(
        &db.store,
        &dir.path().join("nodes.csv"),
        &dir.path().join("edges.csv"),
    )
    .await
    .expect("import");

    assert_eq!(report, ImportReport { nodes, edges });
    assert_eq!(count(&db.pool, "SELECT count(*) FROM nodes").await, nodes);
    assert_eq!(count(&db.pool, "SELECT count(*) FROM edges").await, edges);
    assert_eq!(
        count(
            &db.pool,
            "SELECT count(*) FROM change_log WHERE actor = 'test'"
        )
        .await,
        nodes + edges
    );
    let graph = Graph::build(store::read_all(&db.store).await.expect("read")).expect("graph");
    assert_eq!((graph.node_count(), graph.edge_count()), (nodes, edges));
    assert!(graph.lookup("goal:0").is_some());
    assert_one_entity_reads_its_own_history(&db).await;
    let query = store::search::fts_query("goal-0")
        .expect("a valid text")
        .expect("words");
    let hits = store::search::search(&db.store, &query, &[], 0, 5, None)
        .await
        .expect("search");
    assert!(hits.iter().any(|h| h.entity == "goal:0"), "{hits:?}");
}

/// A node's history after an import: its one entry, found by the log's entity index (on
/// SQLite the import drops and rebuilds it), alone or with the other filters.
async fn assert_one_entity_reads_its_own_history(db: &TestDb) {
    let read = |since, after_seq| {
        let filter = LogFilter {
            since,
            after_seq,
            entity: Some("goal:0"),
        };
        async move {
            let (entries, more) = changes::read_log(&db.store, &filter, 10)
                .await
                .expect("read the log");
            let total = changes::count_log(&db.store, &filter)
                .await
                .expect("count the log");
            assert!(!more);
            assert_eq!(total as usize, entries.len(), "{filter:?}");
            entries
        }
    };
    let history = read(None, None).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (history[0].op.as_str(), history[0].entity.as_str()),
        ("create", "goal:0")
    );
    let seq = history[0].seq;
    assert_eq!(read(Some("2000-01-01"), Some(seq - 1)).await, history);
    assert!(read(Some("2000-01-01"), Some(seq)).await.is_empty());
    assert!(read(Some("2999-01-01"), None).await.is_empty());
    if db.store.sqlite().is_some() {
        assert_eq!(
            count(
                &db.pool,
                "SELECT count(*) FROM sqlite_master WHERE name = 'change_log_by_entity'"
            )
            .await,
            1,
            "the import rebuilds the indexes it dropped"
        );
    }
}

#[tokio::test]
async fn edges_may_name_nodes_already_in_the_store_and_cites_becomes_references() {
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("seeds");
    let (_dir, nodes, edges) = csv_files(
        "id,type,name\nsub-1,Goal,A sub-goal\nnote-1,Document,A note\n",
        "src,dst,type\nsub-1,goal:border-security,PART_OF\nnote-1,sub-1,CITES\n",
    );
    let report = import(&db.store, &nodes, &edges).await.expect("import");

    assert_eq!(report, ImportReport { nodes: 2, edges: 2 });
    assert_eq!(
        count(
            &db.pool,
            "SELECT count(*) FROM edges WHERE id = 'document:note-1/REFERENCES/goal:sub-1'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_bad_csv_reports_every_error_with_its_line_and_writes_nothing() {
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("seeds");
    let before = store::read_all(&db.store).await.expect("read");
    let logged = count(&db.pool, "SELECT count(*) FROM change_log").await;
    let (_dir, nodes, edges) = csv_files(
        "id,type,name\n\
         1,Goal,fine\n\
         2,Gaol,unknown type\n\
         3,Goal,\n\
         1,Programme,duplicate id\n\
         Bad Id,Goal,not a slug\n\
         4,Goal\n\
         5,Programme,fine\n",
        "src,dst,type\n\
         5,1,IMPLEMENTS\n\
         5,99,IMPLEMENTS\n\
         5,1,LIKES\n\
         5,1,IMPLEMENTS\n\
         1,1,PART_OF\n\
         5,goal:border-security,IMPLEMENTS\n",
    );

    let result = import(&db.store, &nodes, &edges).await;

    let Err(Error::Import(problems)) = result else {
        panic!("expected import errors, got {result:?}");
    };
    let located: Vec<(String, u64)> = problems
        .iter()
        .map(|p| {
            let file = p
                .file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (file, p.line)
        })
        .collect();
    let expect = |file: &str, line: u64| (file.to_owned(), line);
    assert_eq!(
        located,
        vec![
            expect("nodes.csv", 3),
            expect("nodes.csv", 4),
            expect("nodes.csv", 5),
            expect("nodes.csv", 6),
            expect("nodes.csv", 7),
            expect("edges.csv", 3),
            expect("edges.csv", 4),
            expect("edges.csv", 5),
            expect("edges.csv", 6),
        ],
        "{problems:#?}"
    );
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(messages[0].contains("unknown type `Gaol`"), "{messages:#?}");
    assert!(messages[2].contains("duplicate id `1`, first declared at line 2"));
    assert!(messages[5].contains("`99`"));
    assert!(messages[7].contains("duplicate edge"));
    assert_eq!(store::read_all(&db.store).await.expect("read"), before);
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM change_log").await,
        logged
    );
}

#[tokio::test]
async fn a_part_of_cycle_is_refused_and_writes_nothing() {
    let db = TestDb::new().await;
    let (_dir, nodes, edges) = csv_files(
        "id,type,name\na,Goal,A\nb,Goal,B\nc,Goal,C\n",
        "src,dst,type\na,b,PART_OF\nb,c,PART_OF\nc,a,PART_OF\n",
    );

    let result = import(&db.store, &nodes, &edges).await;

    let Err(Error::Import(problems)) = result else {
        panic!("expected a cycle, got {result:?}");
    };
    assert!(
        problems[0].message.contains("PART_OF edges form a cycle"),
        "{problems:?}"
    );
    assert!(store::is_empty(&db.store).await.expect("count"));
}

#[tokio::test]
async fn reading_returns_nodes_and_edges_in_id_order() {
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("seeds");
    let dir = TempDir::new().expect("dir");
    generate::write_dir(generate::Scale::Small, 9, dir.path()).expect("generate");
    import(
        &db.store,
        &dir.path().join("nodes.csv"),
        &dir.path().join("edges.csv"),
    )
    .await
    .expect("import");

    let contents = store::read_all(&db.store).await.expect("read");

    assert!(contents.nodes.windows(2).all(|w| w[0].id < w[1].id));
    assert!(contents.edges.windows(2).all(|w| w[0].id() < w[1].id()));
    assert!(contents.edges.iter().any(|e| !e.citations.is_empty()));
}

/// Everything a snapshot says about its nodes and edges, in one comparable value: every node
/// and edge as a model value, each node's edges both ways, the dated edges, the texts.
fn described(graph: &Graph) -> Vec<String> {
    use policygraph::graph::Way;
    let mut out: Vec<String> = Vec::new();
    for node in graph.all_nodes() {
        out.push(format!("{:?}", node.to_node()));
        for way in [Way::Outgoing, Way::Incoming] {
            let mut ids: Vec<String> = graph
                .edges(node.ix(), way)
                .map(|(e, _)| graph.edge(e).id())
                .collect();
            ids.sort();
            out.push(format!("{} {way:?}: {ids:?}", node.id));
        }
        out.push(format!(
            "{} text: {:?}",
            node.id,
            graph.source_path(node.id)
        ));
    }
    let mut edges: Vec<String> = graph
        .all_edges()
        .map(|e| format!("{:?}", e.to_edge()))
        .collect();
    edges.sort();
    out.extend(edges);
    let mut dated: Vec<String> = graph
        .dated_edges()
        .into_iter()
        .map(|e| graph.edge(e).id())
        .collect();
    dated.sort();
    out.push(format!("dated: {dated:?}"));
    out
}

#[tokio::test]
async fn a_snapshot_read_whole_from_the_store_is_the_one_built_from_its_values() {
    // Arrange: the seeds (notes, dates, validities, citations, texts) and an imported graph.
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("seeds");
    let dir = TempDir::new().expect("dir");
    generate::write_dir(generate::Scale::Small, 5, dir.path()).expect("generate");
    import(
        &db.store,
        &dir.path().join("nodes.csv"),
        &dir.path().join("edges.csv"),
    )
    .await
    .expect("import");

    // Act: the server's read (SQLite: the file read row by row) and the values' build.
    let (read, _) = store::read_graph_at(&db.store).await.expect("read");
    let built = Graph::build(store::read_all(&db.store).await.expect("values")).expect("build");

    // Assert
    read.verify().expect("invariants");
    assert!(read.dated_edges().len() > 1, "the seeds have dated edges");
    assert_eq!(read.node_count(), built.node_count());
    assert_eq!(read.edge_count(), built.edge_count());
    assert_eq!(described(&read), described(&built));
}
