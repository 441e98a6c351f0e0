//! Engine benchmarks (issue 6): the queries of `../shared/bench/MODEL.md` on the in-memory graph
//! and, in the same run on the same database file, as SQLite recursive CTEs.
//!
//! Environment:
//! - `POLICYGRAPH_BENCH_DATA`: a directory with `nodes.csv`, `edges.csv`, `queries.json` (from
//!   `gen.py` or `policygraph generate`); `graph.db` is imported there when missing. Default:
//!   `target/bench-data/<scale>`, generated with `policygraph generate` when missing.
//! - `POLICYGRAPH_BENCH_SCALE`: `10k` (default), `100k` or `1m`, for the default directory.
//! - `POLICYGRAPH_BENCH_SMOKE=1`: few repetitions, short criterion runs; for CI smoke tests.
//! - `POLICYGRAPH_BENCH_LOAD_ONLY=1`: stop after the start-up and memory figures.
//! - `POLICYGRAPH_BENCH_SKIP_CRITERION=1`: stop after the per-query table.
//! - `POLICYGRAPH_BENCH_CTE_PATHS`: how many (b) queries SQLite runs (default 200, 20 at 1m:
//!   each takes hundreds of milliseconds there).
//!
//! Output: start-up and memory figures, `EXPLAIN QUERY PLAN` of every CTE, a Markdown table of
//! per-query median / p95 latency (each of the 200 queries timed on its own) with the
//! SQLite / engine ratio, then criterion's estimates for whole 200-query sweeps. Answers are
//! checked against SQLite before anything is timed.

use std::alloc::System;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use policygraph::generate::{self, Queries};
use policygraph::graph::budget::Budget;
use policygraph::graph::traverse::{self, Walk};
use policygraph::graph::{Graph, NodeIx};
use policygraph::model::{EdgeKind, NodeKind};
use policygraph::{import, store};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Where the data comes from and how hard to work.
struct Config {
    dir: PathBuf,
    scale: String,
    smoke: bool,
    cte_paths: usize,
}

impl Config {
    fn from_env() -> Config {
        let scale = std::env::var("POLICYGRAPH_BENCH_SCALE").unwrap_or_else(|_| "10k".into());
        let dir = std::env::var_os("POLICYGRAPH_BENCH_DATA").map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("target/bench-data")
                    .join(&scale)
            },
            PathBuf::from,
        );
        let smoke = std::env::var("POLICYGRAPH_BENCH_SMOKE").is_ok_and(|v| v == "1");
        let default_paths = if scale == "1m" || scale == "10m" {
            20
        } else {
            200
        };
        let cte_paths = std::env::var("POLICYGRAPH_BENCH_CTE_PATHS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_paths);
        Config {
            dir,
            scale,
            smoke,
            cte_paths,
        }
    }
}

/// The loaded graph, the SQLite connection and the queries mapped to both.
struct Setup {
    graph: Graph,
    db: rusqlite::Connection,
    /// `(graph handle, stored id)` per query argument.
    a_goal: Vec<(NodeIx, String)>,
    a_top: Vec<(NodeIx, String)>,
    b_pair: Vec<[(NodeIx, String); 2]>,
    c_node: Vec<(NodeIx, String)>,
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

/// Makes sure `dir` has the CSV files, the queries and an imported `graph.db`.
fn prepare(config: &Config, rt: &tokio::runtime::Runtime) -> PathBuf {
    let dir = &config.dir;
    if !dir.join("nodes.csv").exists() {
        let scale = match config.scale.as_str() {
            "100k" => generate::Scale::Medium,
            "1m" => generate::Scale::Large,
            "10m" => generate::Scale::Huge,
            _ => generate::Scale::Small,
        };
        eprintln!(
            "generating the {} graph into {}",
            config.scale,
            dir.display()
        );
        generate::write_dir(scale, 42, dir).expect("generate");
    }
    let db = dir.join("graph.db");
    if !db.exists() {
        eprintln!("importing {} into {}", dir.display(), db.display());
        rt.block_on(async {
            let pool = store::connect(&db.to_string_lossy()).await.expect("db");
            let started = Instant::now();
            let report = import::import_csv(
                &pool,
                &dir.join("nodes.csv"),
                &dir.join("edges.csv"),
                "bench",
                &|_| {},
            )
            .await
            .expect("import");
            println!(
                "import: {} nodes, {} edges in {:.2} s",
                report.nodes,
                report.edges,
                started.elapsed().as_secs_f64()
            );
            pool.close().await;
        });
    }
    db
}

/// Maps the generator's numeric ids to stored ids, by the type column of `nodes.csv`.
fn stored_ids(dir: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(dir.join("nodes.csv")).expect("nodes.csv");
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.expect("row");
        let kind = import::node_kind(&row[1]).expect("type");
        let id: usize = row[0].parse().expect("numeric generator id");
        assert_eq!(id, out.len(), "generator ids are 0..n in order");
        out.push(import::node_id(kind, &row[0]).expect("id").to_string());
    }
    out
}

impl Setup {
    fn load(config: &Config) -> Setup {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let db_path = prepare(config, &rt);
        let rss_before = rss_bytes();
        let region = Region::new(GLOBAL);
        let started = Instant::now();
        let graph = rt.block_on(async {
            let pool = store::connect(&db_path.to_string_lossy())
                .await
                .expect("db");
            let read = Instant::now();
            let (graph, _) = store::read_graph_at(&pool).await.expect("read");
            println!(
                "start-up: read_graph_at (read and build) {:.2} s",
                read.elapsed().as_secs_f64()
            );
            pool.close().await;
            graph
        });
        let startup = started.elapsed();
        let stats = region.change();
        // stats_alloc already folds reallocations into these two counters.
        let live = stats.bytes_allocated as f64 - stats.bytes_deallocated as f64;
        println!(
            "start-up (connect + migrate check + read + build): {:.2} s for {} nodes, {} edges",
            startup.as_secs_f64(),
            graph.node_count(),
            graph.edge_count()
        );
        println!(
            "graph memory: live heap {} (allocator count), RSS growth {}",
            mb(live),
            mb((rss_bytes() - rss_before) as f64)
        );
        println!(
            "inline sizes of the records read: model::Node {} B, model::Edge {} B, NodeId {} B \
             (none is kept: the base holds ids and titles in two arenas and 13 B per edge in \
             compressed rows; notes, dates and citations go to sparse side tables)",
            std::mem::size_of::<policygraph::model::Node>(),
            std::mem::size_of::<policygraph::model::Edge>(),
            std::mem::size_of::<policygraph::model::NodeId>()
        );

        let ids = stored_ids(&config.dir);
        let queries: Queries =
            serde_json::from_slice(&std::fs::read(config.dir.join("queries.json")).expect("json"))
                .expect("queries.json");
        let map = |x: u32| {
            let id = ids[x as usize].clone();
            (graph.lookup(&id).expect("query node in graph"), id)
        };
        let a_goal = queries.a_goal.iter().map(|&x| map(x)).collect();
        let b_pair = queries
            .b_pair
            .iter()
            .map(|p| [map(p[0]), map(p[1])])
            .collect();
        let c_node = queries.c_node.iter().map(|&x| map(x)).collect();
        // Top-level goals: those with no outgoing PART_OF (the roots of the goal trees).
        let a_top = graph
            .nodes(Some(NodeKind::Goal))
            .iter()
            .filter(|&&g| {
                !graph
                    .edges(g, policygraph::graph::Way::Outgoing)
                    .any(|(e, _)| graph.edge(e).kind == EdgeKind::PartOf)
            })
            .take(200)
            .map(|&g| (g, graph.get(g).id.to_string()))
            .collect();
        let db = rusqlite::Connection::open_with_flags(
            &db_path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("sqlite");
        Setup {
            graph,
            db,
            a_goal,
            a_top,
            b_pair,
            c_node,
        }
    }
}

// ---- the engine -----------------------------------------------------------------------------

const DEP: [EdgeKind; 3] = [EdgeKind::PartOf, EdgeKind::DependsOn, EdgeKind::Implements];

fn engine_implementers(graph: &Graph, goal: NodeIx) -> Vec<NodeIx> {
    traverse::implementers(graph, goal, true, &Budget::unlimited())
        .expect("no limit")
        .into_iter()
        .map(|i| i.node)
        .filter(|&n| graph.get(n).kind() == NodeKind::Programme)
        .collect()
}

fn engine_distance(graph: &Graph, a: NodeIx, b: NodeIx) -> Option<usize> {
    let walk = Walk {
        via: Vec::new(),
        directed: false,
        max_depth: usize::MAX,
    };
    traverse::shortest_path(graph, a, b, &walk, &Budget::unlimited())
        .expect("no limit")
        .map(|p| p.len())
}

fn engine_closure(graph: &Graph, n: NodeIx, depth: usize, up: bool) -> Vec<NodeIx> {
    let walk = Walk {
        via: DEP.to_vec(),
        directed: true,
        max_depth: depth,
    };
    traverse::closure(graph, n, &walk, up, usize::MAX, &Budget::unlimited())
        .expect("no limit")
        .into_iter()
        .map(|(ix, _)| ix)
        .collect()
}

// ---- SQLite ---------------------------------------------------------------------------------

/// `CROSS JOIN` pins the join order: with a plain `JOIN` SQLite 3.46 scanned the whole
/// `(source, kind, target)` index for the final step and probed `g` (EXPLAIN QUERY PLAN).
const SQL_IMPLEMENTERS: &str = "
WITH RECURSIVE g(id) AS (
  SELECT ?1
  UNION
  SELECT e.source FROM g CROSS JOIN edges e ON e.target = g.id
  WHERE e.kind IN ('PART_OF', 'DEPENDS_ON') AND substr(e.source, 1, 5) = 'goal:'
)
SELECT DISTINCT e.source FROM g CROSS JOIN edges e ON e.target = g.id
WHERE e.kind = 'IMPLEMENTS' AND substr(e.source, 1, 10) = 'programme:'";

/// Two-ended rewrite of the hop distance (a one-ended recursive BFS does not finish in
/// seconds at 1m, MODEL.md): every node within 3 undirected hops of each end, joined.
/// Exact for distances up to 6, the range the workload has; `NULL` beyond.
const SQL_DISTANCE: &str = "
WITH RECURSIVE
a(id, d) AS (
  SELECT ?1, 0
  UNION SELECT e.target, a.d + 1 FROM a JOIN edges e ON e.source = a.id WHERE a.d < 3
  UNION SELECT e.source, a.d + 1 FROM a JOIN edges e ON e.target = a.id WHERE a.d < 3
),
b(id, d) AS (
  SELECT ?2, 0
  UNION SELECT e.target, b.d + 1 FROM b JOIN edges e ON e.source = b.id WHERE b.d < 3
  UNION SELECT e.source, b.d + 1 FROM b JOIN edges e ON e.target = b.id WHERE b.d < 3
),
am(id, d) AS (SELECT id, min(d) FROM a GROUP BY id),
bm(id, d) AS (SELECT id, min(d) FROM b GROUP BY id)
SELECT min(am.d + bm.d) FROM am JOIN bm ON am.id = bm.id";

const SQL_UP_BOUNDED: &str = "
WITH RECURSIVE r(id, d) AS (
  SELECT ?1, 0
  UNION
  SELECT e.target, r.d + 1 FROM r JOIN edges e ON e.source = r.id
  WHERE e.kind IN ('PART_OF', 'DEPENDS_ON', 'IMPLEMENTS') AND r.d < ?2
)
SELECT DISTINCT id FROM r WHERE id <> ?1";

const SQL_UP: &str = "
WITH RECURSIVE r(id) AS (
  SELECT ?1
  UNION
  SELECT e.target FROM r JOIN edges e ON e.source = r.id
  WHERE e.kind IN ('PART_OF', 'DEPENDS_ON', 'IMPLEMENTS')
)
SELECT id FROM r WHERE id <> ?1";

const SQL_DOWN_BOUNDED: &str = "
WITH RECURSIVE r(id, d) AS (
  SELECT ?1, 0
  UNION
  SELECT e.source, r.d + 1 FROM r JOIN edges e ON e.target = r.id
  WHERE e.kind IN ('PART_OF', 'DEPENDS_ON', 'IMPLEMENTS') AND r.d < ?2
)
SELECT DISTINCT id FROM r WHERE id <> ?1";

const SQL_DOWN: &str = "
WITH RECURSIVE r(id) AS (
  SELECT ?1
  UNION
  SELECT e.source FROM r JOIN edges e ON e.target = r.id
  WHERE e.kind IN ('PART_OF', 'DEPENDS_ON', 'IMPLEMENTS')
)
SELECT id FROM r WHERE id <> ?1";

fn sql_ids(db: &rusqlite::Connection, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let mut stmt = db.prepare_cached(sql).expect("prepare");
    let rows = stmt
        .query_map(params, |r| r.get::<_, String>(0))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

fn sql_distance(db: &rusqlite::Connection, a: &str, b: &str) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    let mut stmt = db.prepare_cached(SQL_DISTANCE).expect("prepare");
    stmt.query_row([a, b], |r| r.get::<_, Option<i64>>(0))
        .expect("query")
        .map(|d| d as usize)
}

fn closure_sql(depth: Option<usize>, up: bool) -> &'static str {
    match (depth.is_some(), up) {
        (true, true) => SQL_UP_BOUNDED,
        (false, true) => SQL_UP,
        (true, false) => SQL_DOWN_BOUNDED,
        (false, false) => SQL_DOWN,
    }
}

fn sql_closure(db: &rusqlite::Connection, id: &str, depth: Option<usize>, up: bool) -> Vec<String> {
    match depth {
        Some(d) => sql_ids(db, closure_sql(depth, up), rusqlite::params![id, d as i64]),
        None => sql_ids(db, closure_sql(depth, up), [id]),
    }
}

// ---- checks ---------------------------------------------------------------------------------

fn names(graph: &Graph, nodes: &[NodeIx]) -> BTreeSet<String> {
    nodes.iter().map(|&n| graph.get(n).id.to_string()).collect()
}

/// Our answers equal SQLite's on a sample of every query kind (not timed).
fn verify(s: &Setup, sample: usize) {
    let g = &s.graph;
    for (ix, id) in s.a_goal.iter().chain(&s.a_top).take(sample) {
        let ours = names(g, &engine_implementers(g, *ix));
        let theirs: BTreeSet<String> = sql_ids(&s.db, SQL_IMPLEMENTERS, [id]).into_iter().collect();
        assert_eq!(ours, theirs, "implementers of {id}");
    }
    for [(a, ai), (b, bi)] in s.b_pair.iter().take(sample.min(20)) {
        let ours = engine_distance(g, *a, *b).filter(|&d| d <= 6);
        assert_eq!(ours, sql_distance(&s.db, ai, bi), "distance {ai} .. {bi}");
    }
    for (ix, id) in s.c_node.iter().take(sample) {
        for up in [true, false] {
            for depth in [Some(3), None] {
                let ours = names(g, &engine_closure(g, *ix, depth.unwrap_or(usize::MAX), up));
                let theirs: BTreeSet<String> =
                    sql_closure(&s.db, id, depth, up).into_iter().collect();
                assert_eq!(ours, theirs, "closure of {id}, depth {depth:?}, up {up}");
            }
        }
    }
    println!("answers: engine == SQLite CTE on {sample} queries of each kind (20 for paths)");
}

/// `EXPLAIN QUERY PLAN` of each CTE; MODEL.md warns that a plan can turn into full scans.
fn plans(db: &rusqlite::Connection) {
    let queries: [(&str, &str, usize); 6] = [
        ("(a) implementers", SQL_IMPLEMENTERS, 1),
        ("(b) distance", SQL_DISTANCE, 2),
        ("(c3) upstream", SQL_UP_BOUNDED, 2),
        ("(cU) upstream", SQL_UP, 1),
        ("(c3) downstream", SQL_DOWN_BOUNDED, 2),
        ("(cU) downstream", SQL_DOWN, 1),
    ];
    let mut scans = Vec::new();
    for (name, sql, params) in queries {
        println!("EXPLAIN QUERY PLAN {name}:");
        let mut stmt = db
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let values: Vec<String> = vec!["goal:0".into(); params];
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                r.get::<_, String>(3)
            })
            .expect("plan");
        for row in rows {
            let row = row.expect("row");
            if row.starts_with("SCAN e") || row == "SCAN edges" {
                scans.push(format!("{name}: {row}"));
            }
            println!("  {row}");
        }
    }
    if scans.is_empty() {
        println!("plans: every step of every CTE uses an index (no SCAN of edges)");
    } else {
        println!("plans: FULL SCANS of edges: {scans:?}");
    }
}

// ---- timing ---------------------------------------------------------------------------------

/// Per-query latency in ms: each query repeated until `min_time` (at least once), mean taken.
fn latencies<T>(
    items: &[T],
    min_time: Duration,
    max_reps: usize,
    mut run: impl FnMut(&T),
) -> Vec<f64> {
    items
        .iter()
        .map(|item| {
            let started = Instant::now();
            let mut reps = 0;
            while reps == 0 || (started.elapsed() < min_time && reps < max_reps) {
                run(item);
                reps += 1;
            }
            started.elapsed().as_secs_f64() * 1e3 / reps as f64
        })
        .collect()
}

fn median_p95(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}

fn fmt_ms(ms: f64) -> String {
    if ms < 0.01 {
        format!("{ms:.4}")
    } else if ms < 1.0 {
        format!("{ms:.3}")
    } else {
        format!("{ms:.1}")
    }
}

fn table(s: &Setup, config: &Config) {
    let g = &s.graph;
    let (min_engine, min_sql, max_reps) = if config.smoke {
        (Duration::from_micros(50), Duration::ZERO, 3)
    } else {
        (Duration::from_millis(2), Duration::from_millis(2), 1000)
    };
    println!();
    println!(
        "| query ({} scale, {} nodes, {} edges) | n | engine median / p95 ms | SQLite CTE median / p95 ms | ratio of medians |",
        config.scale,
        g.node_count(),
        g.edge_count()
    );
    println!("|---|---:|---|---|---:|");
    let row = |name: &str, n: usize, ours: Vec<f64>, theirs: Vec<f64>| {
        let (om, op) = median_p95(ours);
        let (tm, tp) = median_p95(theirs);
        println!(
            "| {name} | {n} | {} / {} | {} / {} | {:.0}× |",
            fmt_ms(om),
            fmt_ms(op),
            fmt_ms(tm),
            fmt_ms(tp),
            tm / om
        );
    };
    let ours = latencies(&s.a_goal, min_engine, max_reps, |(ix, _)| {
        std::hint::black_box(engine_implementers(g, *ix));
    });
    let theirs = latencies(&s.a_goal, min_sql, max_reps, |(_, id)| {
        std::hint::black_box(sql_ids(&s.db, SQL_IMPLEMENTERS, [id]));
    });
    row("(a) implementers", s.a_goal.len(), ours, theirs);
    let ours = latencies(&s.a_top, min_engine, max_reps, |(ix, _)| {
        std::hint::black_box(engine_implementers(g, *ix));
    });
    let theirs = latencies(&s.a_top, min_sql, max_reps, |(_, id)| {
        std::hint::black_box(sql_ids(&s.db, SQL_IMPLEMENTERS, [id]));
    });
    row("(a) top-level goals", s.a_top.len(), ours, theirs);
    let ours = latencies(&s.b_pair, min_engine, max_reps, |[(a, _), (b, _)]| {
        std::hint::black_box(engine_distance(g, *a, *b));
    });
    let sql_pairs = &s.b_pair[..config.cte_paths.min(s.b_pair.len())];
    let theirs = latencies(sql_pairs, Duration::ZERO, 1, |[(_, a), (_, b)]| {
        std::hint::black_box(sql_distance(&s.db, a, b));
    });
    row(
        &format!("(b) hop distance (SQLite: first {} pairs)", sql_pairs.len()),
        s.b_pair.len(),
        ours,
        theirs,
    );
    for (name, depth, up) in [
        ("(c3) closure upstream", Some(3), true),
        ("(cU) closure upstream", None, true),
        ("(c3) closure downstream", Some(3), false),
        ("(cU) closure downstream", None, false),
    ] {
        let ours = latencies(&s.c_node, min_engine, max_reps, |(ix, _)| {
            std::hint::black_box(engine_closure(g, *ix, depth.unwrap_or(usize::MAX), up));
        });
        let theirs = latencies(&s.c_node, min_sql, max_reps, |(_, id)| {
            std::hint::black_box(sql_closure(&s.db, id, depth, up));
        });
        row(name, s.c_node.len(), ours, theirs);
    }
    println!();
}

/// Criterion's estimates for whole sweeps of the 200 queries, engine and SQLite side by side.
fn sweeps(s: &Setup, config: &Config) {
    let mut c = Criterion::default().configure_from_args();
    if config.smoke {
        c = c
            .sample_size(10)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500));
    }
    let g = &s.graph;
    let mut group = c.benchmark_group(format!("engine-{}", config.scale));
    group.throughput(Throughput::Elements(s.a_goal.len() as u64));
    group.bench_function(BenchmarkId::new("implementers", "graph"), |b| {
        b.iter(|| {
            for (ix, _) in &s.a_goal {
                std::hint::black_box(engine_implementers(g, *ix));
            }
        })
    });
    group.bench_function(BenchmarkId::new("implementers", "sqlite"), |b| {
        b.iter(|| {
            for (_, id) in &s.a_goal {
                std::hint::black_box(sql_ids(&s.db, SQL_IMPLEMENTERS, [id]));
            }
        })
    });
    group.bench_function(BenchmarkId::new("distance", "graph"), |b| {
        b.iter(|| {
            for [(a, _), (bb, _)] in &s.b_pair {
                std::hint::black_box(engine_distance(g, *a, *bb));
            }
        })
    });
    for (name, depth) in [("closure3-up", 3), ("closureU-up", usize::MAX)] {
        group.bench_function(BenchmarkId::new(name, "graph"), |b| {
            b.iter(|| {
                for (ix, _) in &s.c_node {
                    std::hint::black_box(engine_closure(g, *ix, depth, true));
                }
            })
        });
        let sql_depth = (depth != usize::MAX).then_some(depth);
        group.bench_function(BenchmarkId::new(name, "sqlite"), |b| {
            b.iter(|| {
                for (_, id) in &s.c_node {
                    std::hint::black_box(sql_closure(&s.db, id, sql_depth, true));
                }
            })
        });
    }
    group.finish();
    c.final_summary();
}

fn main() {
    let config = Config::from_env();
    println!(
        "scale {} from {} (smoke: {})",
        config.scale,
        config.dir.display(),
        config.smoke
    );
    let setup = Setup::load(&config);
    if std::env::var("POLICYGRAPH_BENCH_LOAD_ONLY").is_ok_and(|v| v == "1") {
        return;
    }
    plans(&setup.db);
    verify(&setup, if config.smoke { 20 } else { 200 });
    table(&setup, &config);
    if std::env::var("POLICYGRAPH_BENCH_SKIP_CRITERION").is_ok_and(|v| v == "1") {
        return;
    }
    sweeps(&setup, &config);
}
