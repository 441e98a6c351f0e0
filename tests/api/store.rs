//! The store: loading is idempotent, all or nothing, and logged.

use policygraph::corpus::Corpus;
use policygraph::error::Error;
use policygraph::state::load_seeds;
use policygraph::store;
use policygraph::store::changes::{self, LogFilter};
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

/// A file migrated before the log could hold an `import` entry keeps its log through the
/// migration that allows one (SQLite copies the log into a new table): every entry as it
/// was, sequence numbers going on from the last, and the triggers that refuse edits.
#[tokio::test]
async fn the_change_log_survives_the_migration_that_allows_import_entries() {
    use sqlx::Connection;
    let dir = tempfile::TempDir::new().expect("temp dir");
    let path = dir.path().join("before.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
        let mut before = sqlx::migrate!("./migrations/sqlite");
        before.migrations = before
            .migrations
            .iter()
            .filter(|m| m.version < 20261205000003)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before.run(&mut conn).await.expect("the earlier migrations");
        for i in 0..3 {
            sqlx::query(
                "INSERT INTO change_log (at, actor, op, entity, after)
                 VALUES ('2026-12-01T00:00:00.000Z', 'curator', 'create', $1, '{}')",
            )
            .bind(format!("goal:g{i}"))
            .execute(&mut conn)
            .await
            .expect("an entry");
        }
        let refused = sqlx::query(
            "INSERT INTO change_log (actor, op, entity) VALUES ('x', 'import', 'import')",
        )
        .execute(&mut conn)
        .await;
        assert!(refused.is_err(), "the old log refuses an import entry");
        conn.close().await.expect("closed");
    }

    let store = store::connect(&path.to_string_lossy())
        .await
        .expect("the later migrations");
    let (entries, _) = changes::read_log(&store, &LogFilter::default(), 10)
        .await
        .expect("the log");
    let kept: Vec<(i64, &str, &str, &str)> = entries
        .iter()
        .map(|e| (e.seq, e.at.as_str(), e.actor.as_str(), e.entity.as_str()))
        .collect();
    let at = "2026-12-01T00:00:00.000Z";
    assert_eq!(
        kept,
        [
            (1, at, "curator", "goal:g0"),
            (2, at, "curator", "goal:g1"),
            (3, at, "curator", "goal:g2")
        ]
    );
    let pool = store.sqlite().expect("SQLite");
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO change_log (actor, op, entity, after)
         VALUES ('csv-import', 'import', 'import', '{}') RETURNING seq",
    )
    .fetch_one(pool)
    .await
    .expect("an import entry");
    assert_eq!(seq, 4);
    for edit in [
        "UPDATE change_log SET actor = 'x'",
        "DELETE FROM change_log",
    ] {
        let refused = sqlx::query(edit).execute(pool).await;
        assert!(
            refused.is_err_and(|e| e.to_string().contains("append-only")),
            "{edit}"
        );
    }
    let history = changes::read_log(
        &store,
        &LogFilter {
            entity: Some("goal:g1"),
            ..LogFilter::default()
        },
        10,
    )
    .await
    .expect("a history")
    .0;
    assert_eq!(history.len(), 1, "{history:?}");
}

/// Entry times never decrease along the log, even when the clock is behind the last entry,
/// so `changes(since:)` can start at the first entry at or after a time and read on.
#[tokio::test]
async fn log_times_never_decrease_so_since_reads_on_from_the_first_entry_at_it() {
    let db = TestDb::new().await;
    let loaded = load_seeds(&db.store, &seeds()).await.expect("load");
    // An entry from a clock far ahead of this one (set back since, or another machine's).
    sqlx::query(
        "INSERT INTO change_log (at, actor, op, entity)
         VALUES ('2999-01-01T00:00:00.000Z', 'ahead', 'delete', 'goal:long-gone')",
    )
    .execute(&db.pool)
    .await
    .expect("insert");
    store::sync_corpus(
        &db.store,
        &Corpus::default(),
        "test",
        store::Curated::Discard,
    )
    .await
    .expect("sync");

    let times: Vec<String> = sqlx::query_scalar("SELECT at FROM change_log ORDER BY seq")
        .fetch_all(&db.pool)
        .await
        .expect("times");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // The deletions after the entry from ahead carry its time, not the clock's.
    let ahead = times.len() - loaded.created;
    assert!(ahead > 1, "{ahead}");
    let since = |time: &'static str| LogFilter {
        since: Some(time),
        ..LogFilter::default()
    };
    let (entries, more) = changes::read_log(&db.store, &since("2999-01-01"), 1_000_000)
        .await
        .expect("read");
    assert!(!more);
    assert_eq!(entries.len(), ahead);
    assert_eq!(entries[0].entity, "goal:long-gone");
    assert!(entries[1..].iter().all(|e| e.actor == "test"));
    assert_eq!(
        changes::count_log(&db.store, &since("2999-01-01"))
            .await
            .expect("count"),
        ahead as i64
    );
    // Since a time after every entry: none; since one before all: every one.
    let (none, _) = changes::read_log(&db.store, &since("3000-01-01"), 10)
        .await
        .expect("read");
    assert!(none.is_empty());
    assert_eq!(
        changes::count_log(&db.store, &since("2000-01-01"))
            .await
            .expect("count"),
        times.len() as i64
    );
}
