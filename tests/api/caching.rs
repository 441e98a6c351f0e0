//! HTTP caching of reads (`ETag`, `If-None-Match` → 304) and automatic persisted queries,
//! through a real HTTP client against the real server.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, ETAG, VARY};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, first_error_code, spawn_app};

const STATS: &str = "{ stats { nodes edges } }";

/// POSTs `body` as JSON with extra headers; returns the status, the `ETag` and the body
/// (`Null` when there is none, as on a 304).
async fn post(
    app: &TestApp,
    body: &Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    read(response).await
}

/// GETs `/graphql` with these URL parameters.
async fn get(
    app: &TestApp,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>, Value) {
    let mut request = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(params);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.send().await.expect("request sent")).await
}

async fn read(response: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = response.status();
    let tag = response
        .headers()
        .get(ETAG)
        .map(|v| v.to_str().expect("ascii").to_owned());
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON")
    };
    (status, tag, body)
}

const CREATE: &str = r#"mutation { createNode(input: { id: "body:caching-test", title: "Caching test",
    citations: [{ document: "document:kremlin-cis-summit-2020-12-18", quote: "Commonwealth" }] }) { id } }"#;

#[tokio::test]
async fn a_read_is_not_modified_until_the_graph_changes() {
    let app = spawn_app().await;
    let query = json!({ "query": STATS });
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&query)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.headers().get(CACHE_CONTROL).map(|v| v.as_bytes()),
        Some(&b"no-cache"[..])
    );
    assert!(
        response
            .headers()
            .get(VARY)
            .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains("Authorization")))
    );
    let (status, tag, body) = read(response).await;
    assert_eq!(status, StatusCode::OK);
    let tag = tag.expect("a read is tagged");
    let nodes = body["data"]["stats"]["nodes"].as_u64().expect("nodes");

    // The same request with the tag: 304, no body; a different request or caller: a new tag.
    let (status, again, body) = post(&app, &query, &[("if-none-match", &tag)]).await;
    assert_eq!(
        (status, again.as_deref(), &body),
        (StatusCode::NOT_MODIFIED, Some(tag.as_str()), &Value::Null)
    );
    let (status, _, _) = post(
        &app,
        &query,
        &[("if-none-match", &format!("\"x\", W/{tag}"))],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (_, other, _) = post(&app, &json!({ "query": "{ stats { nodes } }" }), &[]).await;
    assert_ne!(other.as_deref(), Some(tag.as_str()));
    let token = app.token("cacher").await;
    let bearer = format!("Bearer {token}");
    let (status, as_writer, _) = post(
        &app,
        &query,
        &[("if-none-match", &tag), (AUTHORIZATION.as_str(), &bearer)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(as_writer.as_deref(), Some(tag.as_str()));

    // A write is never tagged; after it, the old tag no longer matches and the answer is new.
    let (status, write_tag, body) = post(
        &app,
        &json!({ "query": CREATE }),
        &[(AUTHORIZATION.as_str(), &bearer)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(write_tag, None);
    let (status, new_tag, body) = post(&app, &query, &[("if-none-match", &tag)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["stats"]["nodes"].as_u64(), Some(nodes + 1));
    let new_tag = new_tag.expect("tagged");
    assert_ne!(new_tag, tag);
    let (status, _, _) = post(&app, &query, &[("if-none-match", &new_tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // GET works the same way.
    let (status, get_tag, _) = get(&app, &[("query", STATS)], &[]).await;
    assert_eq!(status, StatusCode::OK);
    let get_tag = get_tag.expect("tagged");
    let (status, _, _) = get(&app, &[("query", STATS)], &[("if-none-match", &get_tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn answers_with_errors_are_not_tagged_nor_answered_304() {
    let app = spawn_app().await;
    let bad = json!({ "query": r#"{ node(id: "goal:x", asOf: "2020-13") { id } }"# });
    let (status, tag, body) = post(&app, &bad, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert_eq!(tag, None);
    let (status, _, body) = post(&app, &bad, &[("if-none-match", "*")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A syntax error is no query: untagged, and `*` does not turn it into a 304.
    let (status, tag, _) = post(
        &app,
        &json!({ "query": "{ stats {" }),
        &[("if-none-match", "*")],
    )
    .await;
    assert_eq!((status, tag), (StatusCode::OK, None));
}

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn persisted_queries_follow_apollos_protocol() {
    let app = spawn_app().await;
    let query = "{ coverage(first: 3) { totalCount } }";
    let hash = sha256(query);

    // The hash alone, before the server has seen the text: not found, with Apollo's code.
    let (status, _, body) = post(&app, &json!({ "extensions": persisted(&hash) }), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first_error_code(&body),
        "PERSISTED_QUERY_NOT_FOUND",
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    // Text and a wrong hash: refused; text and its hash: answered and remembered.
    let (_, _, body) = post(
        &app,
        &json!({ "query": query, "extensions": persisted(&sha256("other")) }),
        &[],
    )
    .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let (_, _, body) = post(
        &app,
        &json!({ "query": query, "extensions": persisted(&hash) }),
        &[],
    )
    .await;
    let total = body["data"]["coverage"]["totalCount"]
        .as_u64()
        .expect("answered");
    assert!(total > 0);

    // Now the hash alone answers, over POST and over GET (and GET is tagged for caching).
    let (_, _, body) = post(&app, &json!({ "extensions": persisted(&hash) }), &[]).await;
    assert_eq!(
        body["data"]["coverage"]["totalCount"].as_u64(),
        Some(total),
        "{body}"
    );
    let extensions = persisted(&hash).to_string();
    let (status, tag, body) = get(&app, &[("extensions", &extensions)], &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"]["coverage"]["totalCount"].as_u64(),
        Some(total),
        "{body}"
    );
    let (status, _, _) = get(
        &app,
        &[("extensions", &extensions)],
        &[("if-none-match", &tag.expect("tagged"))],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // A persisted mutation meets the checks a written-out one does: no GET, no write without
    // a token.
    let hash = sha256(CREATE);
    let (_, _, body) = post(
        &app,
        &json!({ "query": CREATE, "extensions": persisted(&hash) }),
        &[],
    )
    .await;
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{body}");
    let token = app.token("persisted").await;
    let bearer = format!("Bearer {token}");
    let (_, _, body) = post(
        &app,
        &json!({ "query": CREATE, "extensions": persisted(&hash) }),
        &[(AUTHORIZATION.as_str(), &bearer)],
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let (status, _, body) = post(&app, &json!({ "extensions": persisted(&hash) }), &[]).await;
    assert_eq!(
        (status, first_error_code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "{body}"
    );
    let (status, _, _) = get(
        &app,
        &[("extensions", &persisted(&hash).to_string())],
        &[(AUTHORIZATION.as_str(), &bearer)],
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // In a batch, an unknown hash fails its own operation only.
    let (_, _, body) = post(
        &app,
        &json!([{ "extensions": persisted(&sha256("{ nodes { totalCount } }")) }, { "query": STATS }]),
        &[],
    )
    .await;
    assert_eq!(
        body[0]["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{body}"
    );
    assert!(
        body[1]["data"]["stats"]["nodes"].as_u64() > Some(0),
        "{body}"
    );
}
