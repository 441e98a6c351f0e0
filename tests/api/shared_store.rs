//! Several `policygraph serve` processes on one PostgreSQL database (a throw-away cluster this
//! test process starts): they agree, take writes in turn, survive each other's SIGKILL and
//! the database's restart; search answers as on SQLite; `migrate-store` loses nothing.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::process::Child;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use policygraph::store::{self, Backend};

use crate::helpers::{TestDb, seeds, start_server};
use crate::live::{open, read};
use crate::postgres::{self, Cluster};

/// A `serve` process, killed when dropped so a failing test leaves none behind.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(url: &str) -> Server {
        let (child, base) = start_server(url);
        Server { child, base }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// POSTs a GraphQL request to `base`, with `token` when given; `None` when no answer came.
async fn post(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
) -> Option<Value> {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .timeout(Duration::from_secs(10));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.ok()?.json().await.ok()
}

const QUOTE: &str = r#"citations: [{ document: "document:kremlin-cis-summit-2020-12-18",
    quote: "Commonwealth" }]"#;

fn create_goal(id: &str) -> String {
    format!(
        r#"mutation {{ createNode(input: {{ id: "{id}", title: "{id}", {QUOTE} }}) {{ id }} }}"#
    )
}

fn create_part_of(from: &str, to: &str) -> String {
    format!(
        r#"mutation {{ createEdge(input: {{ from: "{from}", kind: PART_OF, to: "{to}", {QUOTE} }})
           {{ id }} }}"#
    )
}

fn has_node(body: &Value, id: &str) -> bool {
    body["data"]["node"]["id"] == id
}

/// A database on the shared cluster with the seeds loaded and a write token.
async fn seeded_database() -> (TestDb, String) {
    let db = TestDb::postgres().await;
    policygraph::state::load_seeds(&db.store, &seeds())
        .await
        .expect("seeds load");
    let token = policygraph::auth::create(&db.store, "writer")
        .await
        .expect("token");
    (db, token)
}

#[tokio::test]
async fn three_servers_see_each_other_s_writes_within_a_second_and_tell_subscribers() {
    let (db, token) = seeded_database().await;
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&db.url())).collect();
    let client = reqwest::Client::new();

    let mut sockets = Vec::new();
    for server in &servers[1..] {
        let mut socket = open(&server.base, json!({})).await;
        assert_eq!(read(&mut socket).await["type"], "connection_ack");
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription { graphChanged { actor changes { op entity } } }" } });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .expect("subscribe sent");
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let written = post(
        &client,
        &servers[0].base,
        Some(&token),
        &create_goal("goal:seen-everywhere"),
    )
    .await
    .expect("an answer");
    assert_eq!(
        written["data"]["createNode"]["id"], "goal:seen-everywhere",
        "{written}"
    );
    let committed = Instant::now();
    for server in &servers[1..] {
        loop {
            let body = post(
                &client,
                &server.base,
                None,
                r#"{ node(id: "goal:seen-everywhere") { id } }"#,
            )
            .await
            .expect("an answer");
            if has_node(&body, "goal:seen-everywhere") {
                break;
            }
            assert!(
                committed.elapsed() < Duration::from_secs(1),
                "{} did not see the write within 1 s",
                server.base
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    println!(
        "three servers: the write reached both others in {:?}",
        committed.elapsed()
    );
    for socket in &mut sockets {
        let event = read(socket).await;
        let changed = &event["payload"]["data"]["graphChanged"];
        assert_eq!(changed["actor"], "writer", "{event}");
        assert_eq!(
            changed["changes"],
            json!([{ "op": "CREATE", "entity": "goal:seen-everywhere" }])
        );
    }
}

/// Acyclic or not: a depth-first search over `edges` (from → to).
fn has_cycle(edges: &[(String, String)]) -> bool {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, to) in edges {
        out.entry(from).or_default().push(to);
    }
    // 0: unseen, 1: on the stack, 2: done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    fn visit<'a>(
        node: &'a str,
        out: &HashMap<&'a str, Vec<&'a str>>,
        state: &mut HashMap<&'a str, u8>,
    ) -> bool {
        match state.get(node) {
            Some(1) => return true,
            Some(2) => return false,
            _ => {}
        }
        state.insert(node, 1);
        for next in out.get(node).into_iter().flatten() {
            if visit(next, out, state) {
                return true;
            }
        }
        state.insert(node, 2);
        false
    }
    let starts: Vec<&str> = out.keys().copied().collect();
    starts.into_iter().any(|n| visit(n, &out, &mut state))
}

#[tokio::test]
async fn concurrent_writers_on_two_servers_lose_nothing_and_never_close_a_cycle() {
    let (db, token) = seeded_database().await;
    let a = Server::start(&db.url());
    let b = Server::start(&db.url());
    let client = reqwest::Client::new();
    // A small ring of goals: every PART_OF edge between them is a candidate, so the two
    // writers keep proposing edges that would close a cycle with the other's.
    let goals: Vec<String> = (0..6).map(|i| format!("goal:ring-{i}")).collect();
    for goal in &goals {
        let body = post(&client, &a.base, Some(&token), &create_goal(goal))
            .await
            .expect("an answer");
        assert_eq!(body["data"]["createNode"]["id"], goal.as_str(), "{body}");
    }
    let run_for = Duration::from_secs(30);
    let writer = |base: String, name: &'static str, seed: u64| {
        let client = client.clone();
        let token = token.clone();
        let goals = goals.clone();
        async move {
            let mut rng = seed;
            let mut next = || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let (mut nodes, mut edges) = (Vec::new(), Vec::new());
            let (mut refused, mut n) = (0, 0);
            let started = Instant::now();
            while started.elapsed() < run_for {
                n += 1;
                if n % 3 == 0 {
                    let id = format!("goal:{name}-{n}");
                    let body = post(&client, &base, Some(&token), &create_goal(&id)).await;
                    if body.is_some_and(|b| b["data"]["createNode"]["id"] == id.as_str()) {
                        nodes.push(id);
                    }
                } else {
                    let from = &goals[(next() % 6) as usize];
                    let to = &goals[(next() % 6) as usize];
                    let body = post(&client, &base, Some(&token), &create_part_of(from, to)).await;
                    match body {
                        Some(b) if b["data"]["createEdge"]["id"].is_string() => {
                            edges.push((from.clone(), to.clone()));
                        }
                        _ => refused += 1,
                    }
                }
            }
            (nodes, edges, refused)
        }
    };
    let ((nodes_a, edges_a, refused_a), (nodes_b, edges_b, refused_b)) = tokio::join!(
        writer(a.base.clone(), "a", 0x9e37_79b9),
        writer(b.base.clone(), "b", 0x85eb_ca6b)
    );
    println!(
        "two writers for {run_for:?}: {} nodes and {} edges acknowledged, {} edges refused",
        nodes_a.len() + nodes_b.len(),
        edges_a.len() + edges_b.len(),
        refused_a + refused_b
    );
    assert!(
        !edges_a.is_empty() && !edges_b.is_empty(),
        "both writers wrote edges"
    );
    assert!(
        refused_a + refused_b > 0,
        "some edge would have closed a cycle"
    );

    let contents = store::read_all(&db.store).await.expect("read");
    let ids: HashSet<&str> = contents.nodes.iter().map(|n| n.id.as_str()).collect();
    for id in nodes_a.iter().chain(&nodes_b) {
        assert!(ids.contains(id.as_str()), "acknowledged node {id} lost");
    }
    let stored: Vec<(String, String)> = contents
        .edges
        .iter()
        .filter(|e| e.kind == policygraph::model::EdgeKind::PartOf)
        .filter(|e| e.from.as_str().starts_with("goal:ring-"))
        .map(|e| (e.from.to_string(), e.to.to_string()))
        .collect();
    for edge in edges_a.iter().chain(&edges_b) {
        assert!(stored.contains(edge), "acknowledged edge {edge:?} lost");
    }
    assert!(!has_cycle(&stored), "the ring holds a cycle: {stored:?}");
}

#[tokio::test]
async fn sigkill_of_one_server_mid_write_leaves_the_others_serving_and_writing() {
    let (db, token) = seeded_database().await;
    let mut a = Server::start(&db.url());
    let b = Server::start(&db.url());
    let c = Server::start(&db.url());
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    for n in 0..20 {
        let id = format!("goal:before-kill-{n}");
        if let Some(body) = post(&client, &a.base, Some(&token), &create_goal(&id)).await {
            if body["data"]["createNode"]["id"] == id.as_str() {
                acknowledged.push(id);
            }
        }
    }
    // Kill A while its next write is in flight.
    let (base_a, in_flight_query) = (a.base.clone(), create_goal("goal:in-flight"));
    let in_flight = post(&client, &base_a, Some(&token), &in_flight_query);
    let killer = async {
        tokio::time::sleep(Duration::from_millis(3)).await;
        a.kill();
    };
    let (answer, ()) = tokio::join!(in_flight, killer);
    if answer.is_some_and(|b| b["data"]["createNode"]["id"] == "goal:in-flight") {
        acknowledged.push("goal:in-flight".to_owned());
    }

    // B takes a write at once: A's transaction and its lock died with its connection.
    let body = post(
        &client,
        &b.base,
        Some(&token),
        &create_goal("goal:after-kill"),
    )
    .await
    .expect("B answers");
    assert_eq!(
        body["data"]["createNode"]["id"], "goal:after-kill",
        "{body}"
    );
    acknowledged.push("goal:after-kill".to_owned());
    let deadline = Instant::now() + Duration::from_secs(2);
    for id in &acknowledged {
        loop {
            let query = format!(r#"{{ node(id: "{id}") {{ id }} }}"#);
            let body = post(&client, &c.base, None, &query)
                .await
                .expect("C answers");
            if has_node(&body, id) {
                break;
            }
            assert!(Instant::now() < deadline, "C never saw {id}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let problems = store::health::integrity_check(&db.store)
        .await
        .expect("check");
    assert!(problems.is_empty(), "{problems:?}");
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM change_log WHERE entity LIKE 'goal:%kill%' OR entity = 'goal:in-flight'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    let stored = store::read_all(&db.store)
        .await
        .expect("read")
        .nodes
        .iter()
        .filter(|n| n.id.as_str().contains("kill") || n.id.as_str() == "goal:in-flight")
        .count();
    assert_eq!(logged as usize, stored, "every stored write is logged");
}

#[tokio::test]
async fn restarting_postgresql_under_load_loses_no_acknowledged_write() {
    // A cluster of its own: the test stops it.
    let cluster = Cluster::start();
    let url = cluster.url("restarted");
    let db_store = store::connect(&url).await.expect("database");
    policygraph::state::load_seeds(&db_store, &seeds())
        .await
        .expect("seeds");
    let token = policygraph::auth::create(&db_store, "writer")
        .await
        .expect("token");
    db_store.close().await;
    let a = Server::start(&url);
    let b = Server::start(&url);
    let client = reqwest::Client::new();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (client, base, token, stop) =
            (client.clone(), a.base.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let id = format!("goal:load-{n}");
                if let Some(body) = post(&client, &base, Some(&token), &create_goal(&id)).await {
                    if body["data"]["createNode"]["id"] == id.as_str() {
                        acknowledged.push(id);
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            acknowledged
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.kill();
    // While the database is gone: reads come from the snapshot, readiness says not ready.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for server in [&a, &b] {
        let body = post(
            &client,
            &server.base,
            None,
            r#"{ node(id: "goal:load-1") { id } }"#,
        )
        .await
        .expect("a snapshot answer");
        assert!(has_node(&body, "goal:load-1"), "{body}");
        let ready = client
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status().as_u16(), 503, "not ready without a database");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.restart();
    let restarted = Instant::now();
    // Both come back by themselves.
    for server in [&a, &b] {
        loop {
            let ready = client
                .get(format!("{}/readyz", server.base))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .ok();
            if ready == Some(200) {
                break;
            }
            assert!(
                restarted.elapsed() < Duration::from_secs(30),
                "{} not ready 30 s after the database returned",
                server.base
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    println!(
        "ready again {:?} after PostgreSQL restarted",
        restarted.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acknowledged = load.await.expect("load ran");
    let last = acknowledged
        .last()
        .expect("writes were acknowledged")
        .clone();
    assert!(
        acknowledged.iter().any(|id| {
            id.trim_start_matches("goal:load-")
                .parse::<u32>()
                .unwrap_or(0)
                > 0
        }),
        "writes went through"
    );

    let check = store::connect(&url).await.expect("reopens");
    let contents = store::read_all(&check).await.expect("read");
    let ids: HashSet<&str> = contents.nodes.iter().map(|n| n.id.as_str()).collect();
    for id in &acknowledged {
        assert!(ids.contains(id.as_str()), "acknowledged write {id} lost");
    }
    // B follows A again: the last acknowledged write reaches it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let query = format!(r#"{{ node(id: "{last}") {{ id }} }}"#);
        let body = post(&client, &b.base, None, &query)
            .await
            .expect("B answers");
        if has_node(&body, &last) {
            break;
        }
        assert!(Instant::now() < deadline, "B never caught up to {last}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "PostgreSQL restart under load: {} writes acknowledged, all present",
        acknowledged.len()
    );
}

/// Node ids of the best `first` hits for `text`.
async fn hits(store: &store::Store, text: &str) -> BTreeSet<String> {
    let terms = store::search::fts_query(text)
        .expect("accepted")
        .expect("words");
    store::search::search(store, &terms, &[], 0, 200, None)
        .await
        .expect("search")
        .into_iter()
        .map(|hit| hit.entity)
        .collect()
}

#[tokio::test]
async fn search_on_postgresql_finds_what_sqlite_finds() {
    let sqlite = TestDb::sqlite().await;
    let postgres = TestDb::postgres().await;
    for db in [&sqlite, &postgres] {
        policygraph::state::load_seeds(&db.store, &seeds())
            .await
            .expect("seeds");
    }
    for text in [
        "border security",
        "financial sovereignty",
        "transport corridor",
        "Commonwealth",
        "digital",
        "Uzbekistan chair",
        "2030",
        "secur",
        // The last word as a prefix: on SQLite, the indexed words that start with it.
        "transport corr",
        "sovereig",
        "Uzbekistan cha",
        "20",
    ] {
        let (on_sqlite, on_postgres) = (
            hits(&sqlite.store, text).await,
            hits(&postgres.store, text).await,
        );
        assert!(!on_sqlite.is_empty(), "{text}: SQLite finds something");
        assert_eq!(on_sqlite, on_postgres, "{text}");
    }
    let terms = store::search::fts_query("border security")
        .expect("accepted")
        .expect("words");
    let best = store::search::search(&postgres.store, &terms, &[], 0, 1, None)
        .await
        .expect("search");
    assert!(best[0].snippet.contains('['), "{:?}", best[0]);
}

/// Creates goal `id` through `policygraph query` on the database at `url`.
fn cli_write(url: &str, id: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(["query", &create_goal(id)])
        .env("DATABASE_URL", url)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every change-log entry of `store`.
async fn log(store: &store::Store) -> Vec<store::changes::LogEntry> {
    store::changes::read_log(store, &store::changes::LogFilter::default(), 1_000_000)
        .await
        .expect("log")
        .0
}

#[tokio::test]
async fn migrate_store_moves_a_curated_graph_both_ways_without_loss() {
    let source = TestDb::sqlite().await;
    policygraph::state::load_seeds(&source.store, &seeds())
        .await
        .expect("seeds");
    policygraph::auth::create(&source.store, "curator")
        .await
        .expect("token");
    // A curated write, so the log holds more than the seed load.
    cli_write(&source.url(), "goal:curated-before-migration");
    let target = postgres::fresh_url();
    let back = source.dir.path().join("back.db");
    for (from, to) in [
        (source.url(), target.clone()),
        (target.clone(), back.to_string_lossy().into_owned()),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_policygraph"))
            .args(["migrate-store", "--from", &from, "--to", &to])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("change_log: "),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let on_postgres = store::connect_existing(&target).await.expect("target");
    let returned = store::connect_existing(&back.to_string_lossy())
        .await
        .expect("back");
    assert_eq!(on_postgres.backend(), Backend::Postgres);
    let original = store::read_all(&source.store).await.expect("read");
    let original_log = log(&source.store).await;
    let tokens = policygraph::auth::list(&source.store)
        .await
        .expect("tokens");
    for copy in [&on_postgres, &returned] {
        assert_eq!(store::read_all(copy).await.expect("read"), original);
        assert_eq!(log(copy).await, original_log);
        assert_eq!(policygraph::auth::list(copy).await.expect("tokens"), tokens);
        assert_eq!(
            hits(copy, "border security").await,
            hits(&source.store, "border security").await
        );
    }
    // The next entry follows the copied ones.
    cli_write(&target, "goal:curated-after-migration");
    let after = log(&on_postgres).await;
    assert_eq!(after.len(), original_log.len() + 1);
    assert!(after[after.len() - 1].seq > original_log[original_log.len() - 1].seq);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(["migrate-store", "--from", &source.url(), "--to", &target])
        .output()
        .expect("runs");
    assert!(!refused.status.success(), "a filled target is refused");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("already holds"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
