//! The store: loading is idempotent, all or nothing, and logged.

use policygraph::corpus::Corpus;
use policygraph::error::Error;
use policygraph::state::load_seeds;
use policygraph::store;
use sqlx::AnyPool;

use crate::helpers::{TestDb, seeds};

async fn change_log_len(pool: &AnyPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM change_log")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn loading_the_seeds_twice_leaves_identical_content_and_logs_nothing_new() {
    let db = TestDb::new().await;
    let first = load_seeds(&db.store, &seeds()).await.expect("first load");
    assert!(first.created > 0);
    let contents = store::read_all(&db.store).await.expect("read");
    let logged = change_log_len(&db.pool).await;
    assert_eq!(logged as usize, first.created);

    let second = load_seeds(&db.store, &seeds()).await.expect("second load");

    assert!(second.is_unchanged(), "{second:?}");
    assert_eq!(store::read_all(&db.store).await.expect("read"), contents);
    assert_eq!(change_log_len(&db.pool).await, logged);
}

#[tokio::test]
async fn a_corpus_with_an_error_writes_nothing() {
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("good load");
    // On SQLite, not a byte of the file changes.
    let file = (db.store.backend() == policygraph::store::Backend::Sqlite).then(|| db.path());
    let before = file.as_ref().map(|f| std::fs::read(f).expect("db file"));
    let logged = change_log_len(&db.pool).await;
    let contents = store::read_all(&db.store).await.expect("read");
    let bad = tempfile::TempDir::new().expect("dir");
    std::fs::write(
        bad.path().join("bad.toml"),
        "[[node]]\nid = \"goal:g\"\ntitle = \"G\"\n",
    )
    .expect("write");

    let result = load_seeds(&db.store, bad.path()).await;

    match result {
        Err(Error::Corpus(findings)) => {
            assert!(findings.iter().any(|d| d.code == "missing-citation"));
        }
        other => panic!("expected corpus errors, got {other:?}"),
    }
    assert_eq!(store::read_all(&db.store).await.expect("read"), contents);
    assert_eq!(change_log_len(&db.pool).await, logged);
    assert_eq!(file.map(|f| std::fs::read(f).expect("db file")), before);
}

#[tokio::test]
async fn syncing_an_empty_corpus_deletes_everything_and_logs_each_deletion() {
    let db = TestDb::new().await;
    let loaded = load_seeds(&db.store, &seeds()).await.expect("load");

    let report = store::sync_corpus(
        &db.store,
        &Corpus::default(),
        "test",
        store::Curated::Discard,
    )
    .await
    .expect("sync");

    assert_eq!(report.deleted, loaded.created);
    assert!(store::is_empty(&db.store).await.expect("count"));
    let deletions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM change_log WHERE op = 'delete' AND actor = 'test'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert_eq!(deletions as usize, loaded.created);
}

#[tokio::test]
async fn the_change_log_refuses_updates_and_deletes() {
    let db = TestDb::new().await;
    load_seeds(&db.store, &seeds()).await.expect("load");

    let update = sqlx::query("UPDATE change_log SET actor = 'someone else'")
        .execute(&db.pool)
        .await;
    let delete = sqlx::query("DELETE FROM change_log")
        .execute(&db.pool)
        .await;

    assert!(update.is_err() && delete.is_err());
    assert!(change_log_len(&db.pool).await > 0);
}
