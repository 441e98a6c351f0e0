//! Every serving process follows the change log: a CLI `load` or `import` into a served file,
//! and another server's writes, reach it without a restart or an API write of its own, and its
//! `graphChanged` subscribers hear of them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{TestApp, TestDb, seeds, spawn_app, start_server};
use crate::live::{open, read};

/// How long a test waits for a change to arrive before it fails (the follower polls every
/// 200 ms; the measured lag is printed).
const PATIENCE: Duration = Duration::from_secs(10);

/// Polls `query` on `address` until `arrived` holds for the response; returns how long it took.
async fn wait_for(address: &str, query: &str, arrived: impl Fn(&Value) -> bool) -> Duration {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let body: Value = client
            .post(format!("{address}/graphql"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON body");
        if arrived(&body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < PATIENCE,
            "not arrived within {PATIENCE:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs the real CLI with `args` against the database file of `db`.
fn cli(db: &TestDb, args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("NO_COLOR", "1")
        .output()
        .expect("the CLI runs");
    assert!(
        output.status.success(),
        "policygraph {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A copy of the seed directory with one title changed.
fn seeds_with_a_new_title(into: &Path) {
    std::fs::create_dir_all(into.join("sources")).expect("dirs");
    for entry in std::fs::read_dir(seeds()).expect("seeds").flatten() {
        let path = entry.path();
        if path.is_file() {
            let mut text = std::fs::read_to_string(&path).expect("seed");
            if path.ends_with("001_cis-summit-2020-12-18.toml") {
                text = text.replacen(
                    "title = \"Belarus\"",
                    "title = \"Belarus (renamed by a reload)\"",
                    1,
                );
            }
            std::fs::write(into.join(entry.file_name()), text).expect("copy");
        }
    }
    for entry in std::fs::read_dir(seeds().join("sources"))
        .expect("sources")
        .flatten()
    {
        std::fs::copy(entry.path(), into.join("sources").join(entry.file_name())).expect("copy");
    }
}

async fn subscribe(
    app: &TestApp,
) -> impl futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin
{
    let mut socket = open(&app.address, json!({})).await;
    assert_eq!(read(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { graphChanged { actor missed changes { op entity } } }" } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe sent");
    tokio::time::sleep(Duration::from_millis(200)).await;
    socket
}

#[tokio::test]
async fn a_cli_load_into_a_served_file_reaches_the_server_and_its_subscribers() {
    let app = spawn_app().await;
    let mut socket = subscribe(&app).await;
    let before = app
        .query(r#"{ node(id: "state:belarus") { title } }"#)
        .await;
    assert_eq!(before["data"]["node"]["title"], "Belarus", "{before}");

    let edited = tempfile::TempDir::new().expect("temp dir");
    seeds_with_a_new_title(edited.path());
    cli(
        &app.db,
        &["load", "--seeds", &edited.path().to_string_lossy()],
    );

    let lag = wait_for(
        &app.address,
        r#"{ node(id: "state:belarus") { title } }"#,
        |b| b["data"]["node"]["title"] == "Belarus (renamed by a reload)",
    )
    .await;
    eprintln!("a CLI load reached the server after {lag:?}");
    let event = read(&mut socket).await;
    let changed = &event["payload"]["data"]["graphChanged"];
    assert_eq!(changed["actor"], "seed-load", "{event}");
    assert_eq!(
        changed["changes"],
        json!([{ "op": "UPDATE", "entity": "state:belarus" }]),
        "{event}"
    );
}

#[tokio::test]
async fn a_cli_import_into_a_served_file_reaches_the_server() {
    let app = spawn_app().await;
    let goals = r#"{ nodes(kind: GOAL) { totalCount } }"#;
    let before = app.query(goals).await["data"]["nodes"]["totalCount"]
        .as_i64()
        .expect("count");
    let dir = tempfile::TempDir::new().expect("temp dir");
    let (nodes, edges) = (dir.path().join("nodes.csv"), dir.path().join("edges.csv"));
    std::fs::write(
        &nodes,
        "id,type,name\nimported-1,Goal,Imported one\nimported-2,Goal,Imported two\n",
    )
    .expect("nodes");
    std::fs::write(&edges, "src,dst,type\nimported-1,imported-2,PART_OF\n").expect("edges");
    cli(
        &app.db,
        &[
            "import",
            "--nodes",
            &nodes.to_string_lossy(),
            "--edges",
            &edges.to_string_lossy(),
        ],
    );
    let lag = wait_for(&app.address, goals, |b| {
        b["data"]["nodes"]["totalCount"].as_i64() == Some(before + 2)
    })
    .await;
    eprintln!("a CLI import reached the server after {lag:?}");
    let body = app
        .query(r#"{ node(id: "goal:imported-2") { edges(direction: INCOMING) { from { id } } } }"#)
        .await;
    assert_eq!(
        body["data"]["node"]["edges"][0]["from"]["id"], "goal:imported-1",
        "{body}"
    );
}

/// The cursor of the log's last entry, paging through it as a client would.
async fn last_change(app: &TestApp) -> String {
    let mut after = Value::Null;
    loop {
        let (status, body) = app
            .send(
                None,
                "query($after: String) { changes(first: 100, after: $after) {
                    pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let page = &body["data"]["changes"]["pageInfo"];
        if !page["endCursor"].is_null() {
            after = page["endCursor"].clone();
        }
        if page["hasNextPage"] == false {
            return after.as_str().expect("a log with entries").to_owned();
        }
    }
}

#[tokio::test]
async fn a_large_cli_import_is_logged_as_one_entry_and_the_server_reads_it_whole() {
    let app = spawn_app().await;
    let mut socket = subscribe(&app).await;
    let before = last_change(&app).await;
    let dir = tempfile::TempDir::new().expect("temp dir");
    let files = dir.path().to_string_lossy();
    // About 130 000 nodes and edges: more than a follower patches one by one.
    cli(&app.db, &["generate", "--scale", "100k", "--out", &files]);
    let stats: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("stats.json")).expect("stats.json"))
            .expect("JSON");
    let (nodes, edges) = (&stats["nodes"], &stats["edges"]);
    let (nodes_csv, edges_csv) = (dir.path().join("nodes.csv"), dir.path().join("edges.csv"));
    cli(
        &app.db,
        &[
            "import",
            "--nodes",
            &nodes_csv.to_string_lossy(),
            "--edges",
            &edges_csv.to_string_lossy(),
        ],
    );

    let lag = wait_for(&app.address, r#"{ node(id: "goal:0") { id } }"#, |b| {
        b["data"]["node"]["id"] == "goal:0"
    })
    .await;
    eprintln!("a large CLI import reached the server after {lag:?}");
    let (_, body) = app
        .send(
            None,
            "query($after: String) { changes(after: $after) {
                edges { node { op entity actor before after } } } }",
            json!({ "after": before }),
        )
        .await;
    assert_eq!(
        body["data"]["changes"]["edges"],
        json!([{ "node": {
            "op": "IMPORT", "entity": "import", "actor": "csv-import", "before": null,
            "after": { "nodes": nodes, "edges": edges },
        } }]),
        "{body}"
    );
    let body = app
        .query(r#"{ node(id: "goal:0") { history { op } } }"#)
        .await;
    assert_eq!(body["data"]["node"]["history"], json!([]), "{body}");
    // Subscribers hear that entries were skipped, not each node.
    let event = read(&mut socket).await;
    let changed = &event["payload"]["data"]["graphChanged"];
    assert_eq!(changed["missed"], 1, "{event}");
}

fn create(id: &str) -> Value {
    json!({ "query": format!(
        r#"mutation {{ createNode(input: {{ id: "{id}", title: "{id}",
            citations: [{{ document: "document:kremlin-cis-summit-2020-12-18",
                           quote: "Commonwealth" }}] }}) {{ id }} }}"#
    ) })
}

fn part_of(from: &str, to: &str) -> Value {
    json!({ "query": format!(
        r#"mutation {{ createEdge(input: {{ from: "{from}", kind: PART_OF, to: "{to}",
            citations: [{{ document: "document:kremlin-cis-summit-2020-12-18",
                           quote: "Commonwealth" }}] }}) {{ id }} }}"#
    ) })
}

async fn post(address: &str, token: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("JSON body")
}

#[tokio::test]
async fn two_servers_on_one_file_see_each_others_writes_and_keep_the_cycle_rule() {
    let db = TestDb::new().await;
    let database = db.url();
    let (mut a, at_a) = start_server(&database);
    let (mut b, at_b) = start_server(&database);
    let token = policygraph::auth::create(&db.store, "alice")
        .await
        .expect("token");

    for id in ["goal:follow-a", "goal:follow-b"] {
        let body = post(&at_a, &token, &create(id)).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = post(&at_a, &token, &part_of("goal:follow-a", "goal:follow-b")).await;
    assert!(body["errors"].is_null(), "{body}");
    let lag = wait_for(
        &at_b,
        r#"{ node(id: "goal:follow-b") { edges { id } } }"#,
        |b| b["data"]["node"]["edges"][0]["id"] == "goal:follow-a/PART_OF/goal:follow-b",
    )
    .await;
    eprintln!("a write on one server reached the other after {lag:?}");

    // B closing the cycle is refused, whatever B's snapshot held: the write reads the log.
    let body = post(&at_b, &token, &part_of("goal:follow-b", "goal:follow-a")).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cycle"), "{body}");

    // And a write on B reaches A.
    let body = post(&at_b, &token, &create("goal:follow-c")).await;
    assert!(body["errors"].is_null(), "{body}");
    wait_for(&at_a, r#"{ node(id: "goal:follow-c") { id } }"#, |b| {
        b["data"]["node"]["id"] == "goal:follow-c"
    })
    .await;
    for child in [&mut a, &mut b] {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The search index follows every write: an updated title is found by its new words and no
/// longer by its old ones, a deleted node not at all (its index rows go by rowid).
#[tokio::test]
async fn search_follows_updates_and_deletes() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let search = |word: &str| format!(r#"{{ search(text: "{word}") {{ node {{ id }} }} }}"#);
    let hits = |body: &Value| -> Vec<String> {
        body["data"]["search"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|h| h["node"]["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let body = app.query(&search("Zanzibar")).await;
    assert!(hits(&body).is_empty(), "{body}");
    let (status, body) = app
        .send(
            Some(&token),
            r#"mutation { updateNode(input: { id: "state:belarus", title: "Zanzibar" }) { id } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        hits(&app.query(&search("Zanzibar")).await),
        ["state:belarus"]
    );
    let (status, body) = app
        .send(Some(&token), &create_query("goal:quokka"), Value::Null)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(hits(&app.query(&search("quokka")).await), ["goal:quokka"]);
    let (status, body) = app
        .send(
            Some(&token),
            r#"mutation { deleteNode(id: "goal:quokka") { changes { seq } } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(hits(&app.query(&search("quokka")).await).is_empty());
}

fn create_query(id: &str) -> String {
    create(id)["query"].as_str().unwrap_or_default().to_owned()
}

/// `/readyz` names the snapshot and both change-log positions; after another process writes,
/// the snapshot's position reaches the store's.
#[tokio::test]
async fn readyz_shows_the_snapshot_catching_up_with_the_log() {
    let app = spawn_app().await;
    let positions = || async {
        let body: Value = reqwest::get(format!("{}/readyz", app.address))
            .await
            .expect("readyz")
            .json()
            .await
            .expect("JSON");
        assert_eq!(body["status"], "ready", "{body}");
        (
            body["snapshot"]["logPosition"]
                .as_i64()
                .expect("snapshot position"),
            body["store"]["logPosition"]
                .as_i64()
                .expect("store position"),
            body["snapshot"]["nodes"].as_i64().expect("nodes"),
        )
    };
    let (snapshot, before, nodes) = positions().await;
    assert_eq!(snapshot, before);
    assert_eq!(nodes, 399);
    let edited = tempfile::TempDir::new().expect("temp dir");
    seeds_with_a_new_title(edited.path());
    cli(
        &app.db,
        &["load", "--seeds", &edited.path().to_string_lossy()],
    );
    let started = Instant::now();
    loop {
        let (snapshot, store, _) = positions().await;
        assert!(store > before, "the load wrote nothing to the log");
        if snapshot == store {
            break;
        }
        assert!(snapshot < store, "the snapshot is ahead of the store");
        assert!(started.elapsed() < PATIENCE, "the snapshot never caught up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_change_the_log_cannot_replay_is_read_from_the_store_whole() {
    let app = spawn_app().await;
    // A title changed behind the snapshot, and a log entry without the image a follower
    // would patch it from: only a read of the whole store can bring the change in.
    sqlx::query(
        "UPDATE nodes SET title = 'Belarus (changed behind the log)' WHERE id = 'state:belarus'",
    )
    .execute(&app.db.pool)
    .await
    .expect("update");
    sqlx::query(
        "INSERT INTO change_log (actor, op, entity) VALUES ('test', 'update', 'state:belarus')",
    )
    .execute(&app.db.pool)
    .await
    .expect("log entry");
    let position: i64 = sqlx::query_scalar("SELECT max(seq) FROM change_log")
        .fetch_one(&app.db.pool)
        .await
        .expect("position");

    let lag = wait_for(
        &app.address,
        r#"{ node(id: "state:belarus") { title } }"#,
        |b| b["data"]["node"]["title"] == "Belarus (changed behind the log)",
    )
    .await;

    eprintln!("the whole store was read again after {lag:?}");
    let ready: Value = reqwest::get(format!("{}/readyz", app.address))
        .await
        .expect("readyz")
        .json()
        .await
        .expect("JSON");
    assert_eq!(ready["snapshot"]["logPosition"], position, "{ready}");
    let summit = app
        .query(r#"{ node(id: "summit:cis-hsc-2020-12-18") { edges { kind } } }"#)
        .await;
    assert!(
        summit["data"]["node"]["edges"]
            .as_array()
            .is_some_and(|edges| !edges.is_empty()),
        "the rest of the graph came back too: {summit}"
    );
}
