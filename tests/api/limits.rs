//! Hostile requests: each safety limit answers with a coded error (or 413) at once, and the
//! server keeps answering afterwards.

use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app};

async fn still_answers(app: &TestApp) {
    let body = app.query("{ nodes(kind: STATE) { totalCount } }").await;
    assert!(
        body["data"]["nodes"]["totalCount"].as_u64() > Some(0),
        "{body}"
    );
}

/// `{ node(id: "state:russia") { ... on State { attended { ... on Summit { participants {` `levels`
/// times, then `id` and the closing braces.
fn nested(levels: usize) -> String {
    let mut query = String::from("{ node(id: \"state:russia\") { ");
    for _ in 0..levels {
        query.push_str("... on State { attended { ... on Summit { participants { ");
    }
    query.push_str("id");
    query.push_str(&" } } } }".repeat(levels));
    query.push_str(" } }");
    query
}

#[tokio::test]
async fn a_query_nested_1000_deep_is_refused() {
    let app = spawn_app().await;
    for levels in [500, 20] {
        let body = app.query(&nested(levels)).await;
        assert_eq!(
            first_error_code(&body),
            "LIMIT_EXCEEDED",
            "{levels}: {body}"
        );
    }
    still_answers(&app).await;
}

#[tokio::test]
async fn a_thousand_aliases_are_refused() {
    let app = spawn_app().await;
    let fields: Vec<String> = (0..1000)
        .map(|i| format!("a{i}: path(from: \"state:moldova\", to: \"state:belarus\") {{ length }}"))
        .collect();

    let body = app.query(&format!("{{ {} }}", fields.join(" "))).await;

    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    still_answers(&app).await;
}

#[tokio::test]
async fn a_page_of_99999999_is_refused_not_clamped() {
    let app = spawn_app().await;
    let body = app
        .query("{ nodes(first: 99999999) { edges { node { id } } } }")
        .await;
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(body["data"].is_null(), "{body}");
    still_answers(&app).await;
}

#[tokio::test]
async fn a_complex_query_is_refused() {
    let app = spawn_app().await;
    let body = app
        .query(
            "{ nodes(first: 100) { edges { node { id title note \
               citations { quote excerpt line column document { id title } } \
               edges { id kind citations { quote excerpt } from { id title } to { id title } } } } } }",
        )
        .await;
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
}

#[tokio::test]
async fn a_3_mb_body_gets_413() {
    let app = spawn_app().await;
    let body = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(3 << 20)) });
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413);
    still_answers(&app).await;
}

#[tokio::test]
async fn a_batch_of_1000_operations_is_refused() {
    let app = spawn_app().await;
    let batch: Vec<Value> = (0..1000)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    still_answers(&app).await;
}

#[tokio::test]
async fn a_small_batch_is_answered_in_order() {
    let app = spawn_app().await;
    let batch = json!([
        { "query": "{ node(id: \"state:russia\") { id } }" },
        { "query": "{ node(id: \"state:belarus\") { id } }" }
    ]);
    let body: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body[0]["data"]["node"]["id"], "state:russia");
    assert_eq!(body[1]["data"]["node"]["id"], "state:belarus");
}

#[tokio::test]
async fn the_lists_of_one_answer_hold_twice_the_cap_in_all() {
    let cap = 5;
    let app = crate::helpers::spawn_app_config(crate::helpers::Config {
        limits: policygraph::api::Limits {
            max_list: cap,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let list = |alias: &str| {
        format!(
            r#"{alias}: implementers(goal: "goal:russia-cis-chairmanship-2024" first: {cap}) {{ node {{ id }} }} "#
        )
    };
    // Two full windows fit; a third does not, though each is within the cap.
    let two = app
        .query(&format!("{{ {} {} }}", list("a"), list("b")))
        .await;
    assert!(two["errors"].is_null(), "{two}");
    assert_eq!(two["data"]["b"].as_array().map(Vec::len), Some(cap));
    let three = app
        .query(&format!("{{ {} {} {} }}", list("a"), list("b"), list("c")))
        .await;
    assert_eq!(first_error_code(&three), "LIMIT_EXCEEDED", "{three}");
    assert!(
        three["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("in all")),
        "{three}"
    );
    // Nested lists count too. The day's entries: two spans covered by one programme and by
    // four, then the summit, which adopted 13.
    let nested = |entries: usize| {
        format!(
            r#"{{ timeline(from: "2020-12-18" to: "2020-12-18" first: {entries}) {{ related(first: 5) {{ id }} }} }}"#
        )
    };
    let body = app.query(&nested(2)).await;
    assert!(body["errors"].is_null(), "2 + 1 + 4 items: {body}");
    let body = app.query(&nested(3)).await;
    assert_eq!(
        first_error_code(&body),
        "LIMIT_EXCEEDED",
        "3 + 1 + 4 + 5 items: {body}"
    );
}

#[tokio::test]
async fn lists_longer_than_the_cap_are_refused_and_paged_with_first_and_offset() {
    let cap = 5;
    let app = crate::helpers::spawn_app_config(crate::helpers::Config {
        limits: policygraph::api::Limits {
            max_list: cap,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    // Each list as a query given its window arguments (GraphQL needs no commas between
    // arguments), and where the list is in the answer; each is longer than 5 on the seeds.
    type Case = (fn(&str) -> String, &'static str);
    let cases: [Case; 7] = [
        (
            |w| {
                format!(
                    r#"{{ dependencies(id: "goal:russia-cis-chairmanship-2024" direction: BOTH {w}) {{ node {{ id }} depth }} }}"#
                )
            },
            "/data/dependencies",
        ),
        (
            |w| {
                format!(
                    r#"{{ implementers(goal: "goal:russia-cis-chairmanship-2024" {w}) {{ node {{ id }} }} }}"#
                )
            },
            "/data/implementers",
        ),
        (
            |w| {
                format!(
                    r#"{{ timeline(from: "2020" to: "2025" {w}) {{ node {{ id }} kind date }} }}"#
                )
            },
            "/data/timeline",
        ),
        (
            // The third entry of that day is the summit, which adopted 13 documents.
            |w| {
                format!(
                    r#"{{ timeline(from: "2020-12-18" to: "2020-12-18" offset: 2 first: 1) {{ kind relatedCount related({w}) {{ id }} }} }}"#
                )
            },
            "/data/timeline/0/related",
        ),
        (
            |w| {
                format!(
                    r#"{{ node(id: "state:russia") {{ edges(direction: BOTH {w}) {{ id }} }} }}"#
                )
            },
            "/data/node/edges",
        ),
        (
            |w| format!("{{ citationReport {{ findings({w}) {{ code subjectId message }} }} }}"),
            "/data/citationReport/findings",
        ),
        (
            |w| format!("{{ stats {{ byDocument({w}) {{ document {{ id }} citations }} }} }}"),
            "/data/stats/byDocument",
        ),
    ];
    for (query, pointer) in cases {
        // Whole (no `first`): refused past the cap, saying how to ask.
        let body = app.query(&query("offset: 0")).await;
        assert_eq!(
            first_error_code(&body),
            "LIMIT_EXCEEDED",
            "{pointer}: {body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("`first`")),
            "{body}"
        );
        // Windows of 5 page through it without overlap, and end.
        let mut seen: Vec<Value> = Vec::new();
        for page in 0..100 {
            let body = app
                .query(&query(&format!("first: {cap} offset: {}", page * cap)))
                .await;
            assert!(body["errors"].is_null(), "{pointer}: {body}");
            let items = body
                .pointer(pointer)
                .and_then(Value::as_array)
                .expect("a list")
                .clone();
            assert!(items.len() <= cap, "{pointer}");
            let last = items.len() < cap;
            seen.extend(items);
            if last {
                break;
            }
        }
        assert!(seen.len() > cap, "{pointer}: {} items", seen.len());
        let distinct: std::collections::BTreeSet<String> =
            seen.iter().map(Value::to_string).collect();
        assert_eq!(distinct.len(), seen.len(), "{pointer}: windows overlap");
        // A window over the cap, or a negative one, is refused.
        let body = app.query(&query(&format!("first: {}", cap + 1))).await;
        assert_eq!(
            first_error_code(&body),
            "LIMIT_EXCEEDED",
            "{pointer}: {body}"
        );
        let body = app.query(&query("first: 1 offset: -1")).await;
        assert_eq!(
            first_error_code(&body),
            "BAD_USER_INPUT",
            "{pointer}: {body}"
        );
    }
    // Typed neighbour lists take no window: past the cap they are refused, and name the way
    // to page them; under it they answer.
    let body = app
        .query(r#"{ node(id: "summit:cis-hsc-2020-12-18") { ... on Summit { adopted { id } } } }"#)
        .await;
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`edges`")),
        "{body}"
    );
    let body = app
        .query(r#"{ node(id: "goal:russia-cis-chairmanship-2024") { ... on Goal { implementers { node { id } } } } }"#)
        .await;
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    let body = app
        .query(r#"{ node(id: "programme:border-security-2021-2025") { ... on Programme { span { id } } } }"#)
        .await;
    assert!(body["errors"].is_null(), "{body}");
    still_answers(&app).await;
}

/// `edgeCount` counts what `edges` lists with the same arguments, over all its windows.
#[tokio::test]
async fn edge_count_counts_what_edges_lists() {
    let app = crate::helpers::spawn_app().await;
    let body = app
        .query(
            r#"{ node(id: "state:russia") {
                 all: edgeCount both: edges { id }
                 out: edgeCount(direction: OUTGOING) outgoing: edges(direction: OUTGOING) { id }
                 attended: edgeCount(kinds: [ATTENDED]) ofKind: edges(kinds: [ATTENDED]) { id }
                 firstTwo: edges(first: 2) { id } } }"#,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let node = &body["data"]["node"];
    for (count, list) in [("all", "both"), ("out", "outgoing"), ("attended", "ofKind")] {
        assert_eq!(
            node[count].as_u64(),
            node[list].as_array().map(|l| l.len() as u64),
            "{count}: {node}"
        );
    }
    assert!(node["all"].as_u64() > node["out"].as_u64(), "{node}");
    assert!(node["attended"].as_u64() > Some(0), "{node}");
    assert_eq!(node["firstTwo"].as_array().map(Vec::len), Some(2));
}
