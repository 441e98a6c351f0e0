//! The store failing under the server: a full database, a store that refuses writes, a
//! damaged file. The writer recovers once the cause is gone, `/readyz` tells the truth, and
//! a damaged file is refused at start.

use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use policygraph::curate::Integrity;
use policygraph::{state, store};

use crate::helpers::{Config, TestApp, TestDb, first_error_code, seeds, spawn_on};

/// What the writer's connections are made to suffer when they open.
#[derive(Clone, Default)]
struct Faults {
    /// The database may not grow past its current size (SQLite's SQLITE_FULL, as on a full
    /// disk).
    full: Arc<AtomicBool>,
    /// Every write fails (`PRAGMA query_only`, as on a read-only file).
    read_only: Arc<AtomicBool>,
}

/// A one-connection writer pool over `db` whose connections get `faults` as they open.
fn faulty_writer(db: &TestDb, faults: &Faults) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", db.path().display()))
        .expect("options")
        .foreign_keys(true);
    let faults = faults.clone();
    SqlitePoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let faults = faults.clone();
            Box::pin(async move {
                if faults.full.load(Ordering::SeqCst) {
                    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                        .fetch_one(&mut *conn)
                        .await?;
                    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
                        .execute(&mut *conn)
                        .await?;
                }
                if faults.read_only.load(Ordering::SeqCst) {
                    sqlx::query("PRAGMA query_only = ON")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with(options)
}

async fn spawn_faulty(faults: &Faults) -> TestApp {
    let db = TestDb::sqlite().await;
    state::load_seeds(&db.store, &seeds())
        .await
        .expect("seeds load");
    let writer = policygraph::store::Store::from_sqlite(faulty_writer(&db, faults));
    spawn_on(db, writer, Config::default()).await
}

/// A document whose text needs far more pages than a full database has.
fn big_document(id: &str) -> (String, Value) {
    let text = format!(
        "The Border Plan. {}",
        "Cooperation continues. ".repeat(20_000)
    );
    (
        "mutation($input: AddDocumentInput!) { addDocument(input: $input) { id } }".to_owned(),
        json!({ "input": { "id": id, "title": "Big", "text": text, "quotes": ["The Border Plan"] } }),
    )
}

async fn readyz(app: &TestApp) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz answers");
    (
        response.status().as_u16(),
        response.json().await.expect("JSON"),
    )
}

#[tokio::test]
async fn the_writer_recovers_once_a_full_database_has_room_again() {
    let faults = Faults::default();
    let app = spawn_faulty(&faults).await;
    let token = app.token("curator").await;
    faults.full.store(true, Ordering::SeqCst);

    let (query, variables) = big_document("document:big-one");
    let (status, body) = app.send(Some(&token), &query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(first_error_code(&body), "INTERNAL", "{body}");
    assert!(
        !body.to_string().contains("full"),
        "the cause leaked: {body}"
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM nodes WHERE id = 'document:big-one'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(stored, 0, "nothing of the failed write is stored");

    // Room again: the very next write works (it used to fail with "begin_with at non-zero
    // transaction depth" until a restart).
    faults.full.store(false, Ordering::SeqCst);
    let (query, variables) = big_document("document:big-two");
    let (status, body) = app.send(Some(&token), &query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["addDocument"]["id"], "document:big-two",
        "{body}"
    );
    let served = app
        .query(r#"{ node(id: "document:big-two") { id } }"#)
        .await;
    assert_eq!(served["data"]["node"]["id"], "document:big-two", "{served}");
    assert_eq!(readyz(&app).await.0, 200);
}

#[tokio::test]
async fn readyz_reports_a_store_that_cannot_write_until_it_can() {
    let faults = Faults::default();
    let app = spawn_faulty(&faults).await;
    let token = app.token("curator").await;
    assert_eq!(readyz(&app).await.0, 200);
    faults.read_only.store(true, Ordering::SeqCst);

    let update =
        r#"mutation { updateNode(input: { id: "summit:cis-hsc-2020-12-18", title: "X" }) { id } }"#;
    let (_, body) = app.send(Some(&token), update, Value::Null).await;
    assert_eq!(first_error_code(&body), "INTERNAL", "{body}");
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("last write failed")),
        "{body}"
    );
    // /healthz stays a liveness check.
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);

    faults.read_only.store(false, Ordering::SeqCst);
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.send(Some(&token), update, Value::Null).await;
    assert_eq!(
        body["data"]["updateNode"]["id"], "summit:cis-hsc-2020-12-18",
        "{body}"
    );
}

#[tokio::test]
async fn readyz_reports_a_store_that_cannot_be_read() {
    let faults = Faults::default();
    let app = spawn_faulty(&faults).await;
    sqlx::query("ALTER TABLE nodes RENAME TO nodes_gone")
        .execute(&app.db.pool)
        .await
        .expect("rename");

    let (status, body) = readyz(&app).await;

    assert_eq!(status, 503, "{body}");
    assert!(body.to_string().contains("cannot be read"), "{body}");
}

#[tokio::test]
async fn writes_wait_for_the_start_up_integrity_check_while_reads_are_served() {
    let faults = Faults::default();
    let app = spawn_faulty(&faults).await;
    let token = app.token("curator").await;
    let update =
        r#"mutation { updateNode(input: { id: "summit:cis-hsc-2020-12-18", title: "X" }) { id } }"#;
    app.curator
        .set_integrity(Integrity::Checking(std::time::Instant::now()));

    let read = app
        .query(r#"{ node(id: "summit:cis-hsc-2020-12-18") { title } }"#)
        .await;
    let (_, refused) = app.send(Some(&token), update, Value::Null).await;
    let (status, ready) = readyz(&app).await;

    assert!(read["data"]["node"]["title"].is_string(), "{read}");
    assert_eq!(first_error_code(&refused), "UNAVAILABLE", "{refused}");
    assert!(
        refused
            .to_string()
            .contains("checking the database's integrity"),
        "{refused}"
    );
    let title: String =
        sqlx::query_scalar("SELECT title FROM nodes WHERE id = 'summit:cis-hsc-2020-12-18'")
            .fetch_one(&app.db.pool)
            .await
            .expect("title");
    assert_ne!(title, "X", "nothing is written before the check passes");
    assert_eq!(status, 200, "reads are served meanwhile: {ready}");
    assert_eq!(ready["store"]["integrity"], "checking", "{ready}");

    app.curator.set_integrity(Integrity::Sound);
    let (_, applied) = app.send(Some(&token), update, Value::Null).await;
    assert_eq!(
        applied["data"]["updateNode"]["id"], "summit:cis-hsc-2020-12-18",
        "{applied}"
    );

    app.curator.set_integrity(Integrity::Damaged);
    let (_, refused) = app.send(Some(&token), update, Value::Null).await;
    let (status, ready) = readyz(&app).await;
    assert_eq!(first_error_code(&refused), "UNAVAILABLE", "{refused}");
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["store"]["integrity"], "damaged", "{ready}");
}

/// A loaded database file, closed and checkpointed, in its own directory.
async fn closed_database() -> TestDb {
    let db = TestDb::sqlite().await;
    state::load_seeds(&db.store, &seeds())
        .await
        .expect("seeds load");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&db.pool)
        .await
        .expect("checkpoint");
    db.pool.close().await;
    db
}

fn policygraph(args: &[&str], database: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("policygraph runs")
}

#[tokio::test]
async fn a_damaged_change_log_is_refused_at_start_and_found_by_doctor() {
    let db = closed_database().await;
    let path = db.path();
    // Garbage over the first page of the change log's b-tree.
    let root: i64 = {
        let pool = store::connect(&path.to_string_lossy())
            .await
            .expect("open")
            .sqlite()
            .expect("an SQLite store")
            .clone();
        let root =
            sqlx::query_scalar("SELECT rootpage FROM sqlite_master WHERE name = 'change_log'")
                .fetch_one(&pool)
                .await
                .expect("root page");
        pool.close().await;
        root
    };
    let mut bytes = std::fs::read(&path).expect("file");
    let page = 4096 * (root as usize - 1);
    for (i, b) in bytes[page..page + 4096].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    std::fs::write(&path, &bytes).expect("damaged");

    let serve = policygraph(&["serve", "--listen", "127.0.0.1:0"], &path);
    assert!(!serve.status.success(), "served a damaged file");
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert!(stderr.contains("is damaged"), "{stderr}");
    assert!(stderr.contains("policygraph doctor"), "{stderr}");

    let doctor = policygraph(&["doctor"], &path);
    assert_eq!(
        doctor.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
}

#[tokio::test]
async fn doctor_rebuilds_a_damaged_search_index() {
    let db = closed_database().await;
    let path = db.path();
    {
        let pool = store::connect(&path.to_string_lossy())
            .await
            .expect("open")
            .sqlite()
            .expect("an SQLite store")
            .clone();
        sqlx::query("DELETE FROM search_index_data WHERE id > 10")
            .execute(&pool)
            .await
            .expect("index damaged");
        pool.close().await;
    }
    let before = policygraph(&["doctor"], &path);
    assert_eq!(
        before.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&before.stdout)
    );
    let serve = policygraph(&["serve", "--listen", "127.0.0.1:0"], &path);
    assert!(!serve.status.success(), "served a damaged index");

    let repaired = policygraph(&["doctor", "--rebuild-search"], &path);

    let stdout = String::from_utf8_lossy(&repaired.stdout);
    assert_eq!(repaired.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("search index rebuilt"), "{stdout}");
    let pool = store::connect(&path.to_string_lossy()).await.expect("open");
    let query = store::search::fts_query("border security")
        .expect("text")
        .expect("words");
    let hits = store::search::search(&pool, &query, &[], 0, 5, None)
        .await
        .expect("search");
    assert!(
        hits.iter().any(|h| h.entity == "goal:border-security"),
        "{hits:?}"
    );
}
