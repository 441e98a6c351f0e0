//! Who may write: every refusal is a 401 (or 405 for GET) with a coded error, and leaves the
//! database file byte for byte as it was.

use axum::http::HeaderValue;
use policygraph::server::Access;
use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app, spawn_app_with};

const CREATE: &str = r#"mutation { createNode(input: { id: "body:test-body", title: "Test body",
    citations: [{ document: "document:kremlin-cis-summit-2020-12-18", quote: "Commonwealth" }] }) { id } }"#;

/// What a refused write must not change: on SQLite the bytes of the database and its
/// write-ahead log; on PostgreSQL every table the store writes, as read back.
async fn files(app: &TestApp) -> Vec<Vec<u8>> {
    if app.db.store.backend() == policygraph::store::Backend::Postgres {
        let contents = policygraph::store::read_all(&app.db.store)
            .await
            .expect("read");
        let position = policygraph::store::changes::position(&app.db.store)
            .await
            .expect("position");
        let tokens = policygraph::auth::list(&app.db.store)
            .await
            .expect("tokens");
        return vec![format!("{contents:?} {position} {tokens:?}").into_bytes()];
    }
    let db = app.db.path();
    let wal = db.with_extension("db-wal");
    [db, wal]
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn writes_without_a_valid_token_are_refused_and_change_no_byte() {
    let app = spawn_app().await;
    let revoked = app.token("old").await;
    policygraph::auth::revoke(&app.db.store, "old")
        .await
        .expect("revoked");
    let before = files(&app).await;
    let cases: [(&str, Option<&str>); 4] = [
        ("no token", None),
        ("unknown token", Some("pgt_0000")),
        ("not a token of ours", Some("hunter2")),
        ("revoked token", Some(&revoked)),
    ];
    for (case, token) in cases {
        let (status, body) = app.send(token, CREATE, Value::Null).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{case}");
    }
    // A malformed header is refused too.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Authorization", "Basic YWxpY2U6eA==")
        .json(&json!({ "query": CREATE }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    // A mutation hidden in a batch is refused as a whole.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!([{ "query": "{ nodes { totalCount } }" }, { "query": CREATE }]))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    // Mutations over GET are refused even with a valid token.
    let token = app.token("alice").await;
    let before_get = files(&app).await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", CREATE)])
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(files(&app).await, before_get, "GET mutation wrote nothing");
    assert_ne!(
        before, before_get,
        "creating a token is a write (sanity check)"
    );

    let body = app.query(r#"{ node(id: "body:test-body") { id } }"#).await;
    assert_eq!(body["data"]["node"], Value::Null);
    // And the valid token works.
    let (status, body) = app.send(Some(&token), CREATE, Value::Null).await;
    assert_eq!(
        (status, &body["data"]["createNode"]["id"]),
        (200, &json!("body:test-body"))
    );
}

#[tokio::test]
async fn the_first_refusals_leave_the_file_untouched() {
    let app = spawn_app().await;
    let before = files(&app).await;
    for token in [None, Some("pgt_nope")] {
        let (status, _) = app.send(token, CREATE, Value::Null).await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        files(&app).await,
        before,
        "database and WAL are byte for byte the same"
    );
}

#[tokio::test]
async fn reads_are_open_by_default_and_private_when_configured() {
    let open = spawn_app().await;
    let (status, _) = open
        .send(None, "{ nodes { totalCount } }", Value::Null)
        .await;
    assert_eq!(status, 200);

    let private = spawn_app_with(Access {
        private_reads: true,
        ..Access::default()
    })
    .await;
    let (status, body) = private
        .send(None, "{ nodes { totalCount } }", Value::Null)
        .await;
    assert_eq!(status, 401);
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
    let token = private.token("reader").await;
    let (status, _) = private
        .send(Some(&token), "{ nodes { totalCount } }", Value::Null)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn cors_is_off_by_default_and_allows_only_configured_origins() {
    let preflight = |app: &TestApp, origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let closed = spawn_app().await;
    let response = preflight(&closed, "https://dash.example.org")
        .await
        .expect("sent");
    assert_eq!(allowed(&response), None);

    let open = spawn_app_with(Access {
        cors_origins: vec![HeaderValue::from_static("https://dash.example.org")],
        ..Access::default()
    })
    .await;
    let response = preflight(&open, "https://dash.example.org")
        .await
        .expect("sent");
    assert_eq!(
        allowed(&response).as_deref(),
        Some("https://dash.example.org")
    );
    let response = preflight(&open, "https://evil.example.com")
        .await
        .expect("sent");
    assert_eq!(allowed(&response), None);
}
