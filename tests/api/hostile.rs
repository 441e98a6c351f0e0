//! An attacker without a token, against the real server: every request has a bounded cost,
//! every refusal is coded, and `/healthz` keeps answering while hostile requests run.
//! Timings are printed for the record, and asserted only where exponential or unbounded work
//! would exceed them by orders of magnitude.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use policygraph::api::Limits;
use policygraph::server::ConnectionLimits;

use crate::helpers::{Config, TestApp, first_error_code, spawn_app, spawn_app_config};

/// `k` fragments on Query, each spreading the next twice: 2^k `__typename` leaves.
fn fan_out(k: usize) -> String {
    let fragments: Vec<String> = (0..k)
        .map(|i| format!("fragment F{i} on Query {{ ...F{} ...F{} }}", i + 1, i + 1))
        .collect();
    format!(
        "query {{ ...F0 }} {} fragment F{k} on Query {{ __typename }}",
        fragments.join(" ")
    )
}

/// Resident memory of this process (the server runs in it), in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

async fn healthz_latency(app: &TestApp) -> Duration {
    let started = Instant::now();
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(response.status(), 200);
    started.elapsed()
}

#[tokio::test]
async fn a_fragment_fan_out_of_two_to_the_thirty_is_refused_before_any_expansion() {
    let app = spawn_app().await;
    let before = rss();
    let started = Instant::now();

    let body = app.query(&fan_out(30)).await;

    let took = started.elapsed();
    let grew = rss().saturating_sub(before);
    println!("fan-out 2^30: refused in {took:?}, RSS grew {grew} bytes");
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expanded")),
        "{body}"
    );
    // Expanding it took minutes and 24 GB; sizing it takes microseconds.
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(grew < 200 << 20, "RSS grew {grew} bytes");
}

#[tokio::test]
async fn the_graphiql_introspection_query_is_within_the_expanded_size_cap() {
    let app = spawn_app().await;
    let introspection = r#"query IntrospectionQuery { __schema { queryType { name }
        mutationType { name } subscriptionType { name } types { ...FullType }
        directives { name description locations args { ...InputValue } } } }
      fragment FullType on __Type { kind name description
        fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
        inputFields { ...InputValue } interfaces { ...TypeRef }
        enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
        possibleTypes { ...TypeRef } }
      fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
      fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"#;
    let body = app.query(introspection).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["__schema"]["types"]
            .as_array()
            .is_some_and(|t| t.len() > 10)
    );
}

#[tokio::test]
async fn ten_thousand_repeated_directives_get_one_error_not_ten_thousand() {
    let app = spawn_app().await;
    let directives = "@include(if: true) ".repeat(10_000);
    for (field, selection) in [("__typename", ""), ("nodes(first: 1)", "{ totalCount }")] {
        let query = format!("{{ {field} {directives} {selection} }}");

        let body = app.query(&query).await;

        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body.to_string().len() < 1000, "{}", body.to_string().len());
    }
}

#[tokio::test]
async fn a_response_carries_at_most_one_hundred_errors() {
    let app = spawn_app().await;
    let fields: Vec<String> = (0..300).map(|i| format!("unknown{i}")).collect();

    let body = app.query(&format!("{{ {} }}", fields.join(" "))).await;

    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 100, "{}", errors.len());
    assert_eq!(errors[99]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert!(
        errors[99]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("201 more errors")),
        "{}",
        errors[99]
    );
}

#[tokio::test]
async fn a_search_text_repeating_one_word_costs_one_word_and_long_texts_are_refused() {
    let app = spawn_app().await;
    let started = Instant::now();
    let repeated = "border ".repeat(10_000);

    let (status, body) = app
        .send(
            None,
            "query($t: String!) { search(text: $t) { node { id } } }",
            json!({ "t": repeated.trim() }),
        )
        .await;

    println!("search of 'border' x 10 000: {:?}", started.elapsed());
    assert_eq!(status, 200);
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    // Under the length cap, repeats count once and the search answers.
    let (_, body) = app
        .send(
            None,
            "query($t: String!) { search(text: $t) { node { id } } }",
            json!({ "t": "border ".repeat(70).trim() }),
        )
        .await;
    assert!(
        body["data"]["search"]
            .as_array()
            .is_some_and(|h| !h.is_empty()),
        "{body}"
    );
    let many: Vec<String> = (0..17).map(|i| format!("word{i}")).collect();
    let (_, body) = app
        .send(
            None,
            "query($t: String!) { search(text: $t) { node { id } } }",
            json!({ "t": many.join(" ") }),
        )
        .await;
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
}

/// Fifty aliased `paths` calls at the depth and page caps: within every per-field limit.
fn fifty_paths() -> String {
    let fields: Vec<String> = (0..50)
        .map(|i| {
            format!(
                "p{i}: paths(from: \"state:moldova\", to: \"goal:border-security\", maxDepth: 12, limit: 100) {{ length }}"
            )
        })
        .collect();
    format!("{{ {} }}", fields.join(" "))
}

/// Counting the report's findings, or finding one code's, reads every finding: aliases of
/// them are charged to the request's work budget like walks of the graph.
#[tokio::test]
async fn aliases_of_the_report_s_counts_spend_the_work_budget() {
    let sizes = spawn_app()
        .await
        .query("{ citationReport { errors warnings } stats { nodes edges } }")
        .await;
    let number = |pointer: &str| {
        sizes
            .pointer(pointer)
            .and_then(Value::as_u64)
            .expect("a count")
    };
    let findings = number("/data/citationReport/errors") + number("/data/citationReport/warnings");
    let graph = number("/data/stats/nodes") + number("/data/stats/edges");
    assert!(findings > 0, "{sizes}");
    // Enough to judge the report once (it reads the graph) and count its findings twice.
    let budget = graph + 2 * findings;
    let app = spawn_app_config(Config {
        limits: Limits {
            max_work: budget,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let warm = app.query("{ citationReport { errors } }").await;
    assert!(warm["errors"].is_null(), "{warm}");
    let aliases = budget / findings + 2;
    for field in [
        "byCode { count }",
        r#"findings(code: "no-such-code", first: 1) { code }"#,
    ] {
        let single = app
            .query(&format!("{{ citationReport {{ {field} }} }}"))
            .await;
        assert!(single["errors"].is_null(), "{field}: {single}");
        let fields: Vec<String> = (0..aliases).map(|i| format!("a{i}: {field}")).collect();
        let body = app
            .query(&format!("{{ citationReport {{ {} }} }}", fields.join(" ")))
            .await;
        assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{field}: {body}");
    }
}

/// A `paths` search stopped by its cap of expansions answers the paths it found, and says
/// with a code that more may exist; one that ends on its own says nothing.
#[tokio::test]
async fn paths_cut_short_by_the_expansion_cap_say_so() {
    let query = r#"{ paths(from: "state:moldova", to: "goal:border-security", maxDepth: 8, limit: 100) { length } }"#;
    let whole = spawn_app().await.query(query).await;
    assert!(whole["errors"].is_null(), "{whole}");
    let all = whole["data"]["paths"].as_array().expect("paths").len();
    assert!(all > 1, "{whole}");
    let app = spawn_app_config(Config {
        limits: Limits {
            max_expansions: 200,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let cut = app.query(query).await;
    assert_eq!(first_error_code(&cut), "LIMIT_EXCEEDED", "{cut}");
    assert!(
        cut["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("more may exist")),
        "{cut}"
    );
    let some = cut["data"]["paths"].as_array().expect("the paths found");
    assert!(some.len() < all, "{cut}");
    assert_eq!(
        some[..],
        whole["data"]["paths"].as_array().expect("paths")[..some.len()],
        "the paths found are the first of the whole answer"
    );
}

#[tokio::test]
async fn a_request_over_its_work_budget_is_refused_with_a_code() {
    let app = spawn_app_config(Config {
        limits: Limits {
            max_work: 50_000,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;

    let body = app.query(&fifty_paths()).await;

    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(
        body.to_string().contains("visits more of the graph"),
        "{body}"
    );
    // A small request still fits.
    let body = app
        .query(r#"{ path(from: "state:moldova", to: "state:belarus") { length } }"#)
        .await;
    assert!(body["data"]["path"]["length"].as_u64().is_some(), "{body}");
}

#[tokio::test]
async fn healthz_answers_while_twenty_hostile_requests_run() {
    let app = spawn_app().await;
    let hostile: Vec<String> = (0..20)
        .map(|i| match i % 4 {
            0 | 1 => json!({ "query": fifty_paths() }).to_string(),
            2 => json!({ "query": fan_out(40) }).to_string(),
            _ => json!({ "query": "query($t: String!) { search(text: $t) { node { id } } }",
                         "variables": { "t": "border security cooperation programme plan" } })
            .to_string(),
        })
        .collect();
    let started = Instant::now();
    let running: Vec<_> = hostile
        .into_iter()
        .map(|body| {
            let client = app.client.clone();
            let url = format!("{}/graphql", app.address);
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .timeout(Duration::from_secs(30))
                    .send()
                    .await
                    .expect("an answer");
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("JSON");
                (status, body)
            })
        })
        .collect();

    let mut worst = Duration::ZERO;
    while running.iter().any(|h| !h.is_finished()) && started.elapsed() < Duration::from_secs(30) {
        worst = worst.max(healthz_latency(&app).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    for handle in running {
        let (status, body) = handle.await.expect("task");
        // Each is answered: with data, or refused with a code (never a hang or a bare 500).
        assert!(status == 200 || status == 408, "{status} {body}");
        assert!(
            body.get("data").is_some() || body["errors"][0]["extensions"]["code"].is_string(),
            "{body}"
        );
    }
    println!(
        "20 hostile requests done in {:?}; slowest /healthz {worst:?}",
        started.elapsed()
    );
    // Before the work left the async workers, /healthz timed out (10 s) under four of them.
    assert!(worst < Duration::from_secs(2), "slowest /healthz {worst:?}");
}

/// Opens `n` connections that send part of a request's headers and then nothing.
async fn half_open(app: &TestApp, n: usize) -> Vec<tokio::net::TcpStream> {
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut sockets = Vec::new();
    for _ in 0..n {
        let mut socket = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connects");
        socket
            .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            .await
            .expect("partial headers sent");
        sockets.push(socket);
    }
    sockets
}

/// How many of `sockets` the server closes within `wait`.
async fn closed_within(sockets: &mut [tokio::net::TcpStream], wait: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + wait;
    let mut closed = 0;
    for socket in sockets {
        let mut buffer = [0u8; 512];
        if let Ok(read) = tokio::time::timeout_at(deadline, socket.read(&mut buffer)).await {
            // EOF, a reset, or the server's answer to a request it gave up on.
            let _ = read;
            closed += 1;
        }
    }
    closed
}

#[tokio::test]
async fn half_open_connections_cannot_lock_out_a_real_client() {
    let app = spawn_app_config(Config {
        connections: ConnectionLimits {
            max_connections: 20,
            header_timeout: Duration::from_secs(30),
        },
        ..Config::default()
    })
    .await;
    let mut sockets = half_open(&app, 60).await;

    // At the cap, each new connection closes the oldest idle one: /healthz gets in at once.
    let latency = healthz_latency(&app).await;

    println!("/healthz with 60 half-open connections over a cap of 20: {latency:?}");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    let closed = closed_within(&mut sockets, Duration::from_secs(2)).await;
    assert!(closed >= 40, "only {closed} of 60 closed");
}

#[tokio::test]
async fn half_open_connections_are_closed_when_the_header_timeout_passes() {
    let app = spawn_app_config(Config {
        connections: ConnectionLimits {
            max_connections: 100,
            header_timeout: Duration::from_secs(1),
        },
        ..Config::default()
    })
    .await;
    let mut sockets = half_open(&app, 30).await;

    let closed = closed_within(&mut sockets, Duration::from_secs(5)).await;

    assert_eq!(closed, 30);
    assert!(healthz_latency(&app).await < Duration::from_secs(5));
}

#[tokio::test]
async fn every_refusal_at_the_http_layer_is_coded_json() {
    let app = spawn_app_config(Config {
        http: policygraph::server::HttpLimits {
            max_uri: 4096,
            ..Default::default()
        },
        ..Config::default()
    })
    .await;
    let url = format!("{}/graphql", app.address);
    let coded = |status: u16, body: &Value, code: &str| {
        assert_eq!(
            body["errors"][0]["extensions"]["code"].as_str(),
            Some(code),
            "{status}: {body}"
        );
    };

    // 413: a body over the limit.
    let big = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(2 << 20)) });
    let response = app.client.post(&url).json(&big).send().await.expect("sent");
    let status = response.status().as_u16();
    assert_eq!(status, 413);
    coded(
        status,
        &response.json().await.expect("JSON"),
        "LIMIT_EXCEEDED",
    );

    // 414: a URI over the limit.
    let long = format!("{url}?query={}", "%20".repeat(3000));
    let response = app.client.get(&long).send().await.expect("sent");
    let status = response.status().as_u16();
    assert_eq!(status, 414);
    coded(
        status,
        &response.json().await.expect("JSON"),
        "LIMIT_EXCEEDED",
    );

    // 415: not JSON, or no content type at all.
    for content_type in [Some("text/plain"), None] {
        let mut request = app.client.post(&url).body(r#"{"query":"{ __typename }"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        assert_eq!(status, 415, "{content_type:?}");
        coded(
            status,
            &response.json().await.expect("JSON"),
            "BAD_USER_INPUT",
        );
    }

    // JSON with a charset is fine.
    let response = app
        .client
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_request_past_its_deadline_gets_a_coded_408() {
    let app = spawn_app_config(Config {
        http: policygraph::server::HttpLimits {
            timeout: Duration::from_millis(1),
            ..Default::default()
        },
        ..Config::default()
    })
    .await;

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": fifty_paths() }))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 408);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
}

#[tokio::test]
async fn get_honours_operation_name() {
    let app = spawn_app().await;
    let document = "query A { a: __typename } query B { b: __typename }";

    let body: Value = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", document), ("operationName", "B")])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");

    assert_eq!(body["data"], json!({ "b": "Query" }), "{body}");
}

#[tokio::test]
async fn the_bearer_scheme_is_accepted_in_any_case() {
    let app = spawn_app().await;
    let token = app.token("case").await;
    let mutation = r#"mutation { updateNode(input: { id: "summit:cis-hsc-2020-12-18", title: "Any case" }) { title } }"#;

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", format!("bearer {token}"))
        .json(&json!({ "query": mutation }))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"]["updateNode"]["title"], "Any case", "{body}");
}

#[tokio::test]
async fn a_query_deeper_than_the_recursion_limit_is_a_limit() {
    let app = spawn_app().await;
    // 40 nested selections: past the engine's recursion depth (32) before any other check.
    let query = format!(
        "{{ {}__typename{} }}",
        "__schema { types { fields { type { ".repeat(10),
        " } } } }".repeat(10)
    );

    let body = app.query(&query).await;

    assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
}

mod generated {
    //! Generated documents: any mix of fields, aliases, inline fragments and fragments that
    //! spread each other (many times, cycles included), under the body limit, is answered or
    //! refused with a code, never expanded into exponential work.

    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use policygraph::api::{self, Limits, Session};
    use policygraph::state::AppState;

    use crate::helpers::{TestDb, seeds};

    /// A document of `fragments` fragments; fragment i spreads each listed target `times`
    /// times, next to a few real fields.
    fn document(spreads: &[Vec<(usize, usize)>]) -> String {
        let n = spreads.len();
        let mut text = String::from("query { ...F0 nodes(first: 2) { totalCount } }");
        for (i, targets) in spreads.iter().enumerate() {
            text.push_str(&format!(
                " fragment F{i} on Query {{ __typename a{i}: node(id: \"state:russia\") {{ id }} "
            ));
            for &(target, times) in targets {
                for _ in 0..times {
                    text.push_str(&format!("...F{} ", target % n));
                }
            }
            text.push_str("... on Query { __typename } }");
        }
        text
    }

    fn spreads() -> impl Strategy<Value = Vec<Vec<(usize, usize)>>> {
        prop::collection::vec(prop::collection::vec((0usize..64, 1usize..4), 0..4), 1..64)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn no_generated_document_escapes_its_budget(spreads in spreads()) {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async {
                let db = TestDb::new().await;
                policygraph::state::load_seeds(&db.store, &seeds()).await.expect("seeds");
                let state = AppState::new(db.store.clone(), Limits::default()).await.expect("state");
                let text = document(&spreads);
                prop_assert!(text.len() < 1 << 20);
                let session: Session = state.session(None);
                let started = Instant::now();
                let response = tokio::time::timeout(
                    Duration::from_secs(20),
                    api::execute(&state.schema, session, async_graphql::Request::new(text)),
                )
                .await
                .expect("answered, not hung");
                // Far below the minutes and gigabytes an expansion of 2^60 would take.
                prop_assert!(started.elapsed() < Duration::from_secs(20));
                for error in &response.errors {
                    let code = error.extensions.as_ref().and_then(|e| e.get("code"));
                    prop_assert!(code.is_some(), "uncoded error {:?}", error);
                }
                Ok(())
            })?;
        }
    }
}
