//! `/metrics` as Prometheus reads it: parsed by a Prometheus text-format parser, with counters
//! that move after requests, writes and GraphQL operations, and gauges for the snapshot.

use serde_json::Value;

use policygraph::server::Access;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// One scrape, parsed.
async fn scrape(app: &TestApp) -> prometheus_parse::Scrape {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("body");
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("not the Prometheus text format ({e}): {text}"))
}

/// The value of the sample `name` whose labels include `labels`, 0 when there is none.
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

#[tokio::test]
async fn counters_move_after_requests_writes_and_operations() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let before = scrape(&app).await;

    let named = "query MetricsTestChairs { nodes(kind: STATE) { totalCount } }";
    let (status, body) = app.send(None, named, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    let broken = "query MetricsTestBroken { nodes { noSuchField } }";
    app.send(None, broken, Value::Null).await;
    let write = r#"mutation MetricsTestWrite { updateNode(input: { id: "state:belarus",
        title: "Belarus (metrics)" }) { id } }"#;
    let (status, body) = app.send(Some(&token), write, Value::Null).await;
    assert_eq!(status, 200, "{body}");

    let after = scrape(&app).await;
    let op = |s: &prometheus_parse::Scrape, name: &str, outcome: &str| {
        value(
            s,
            "policygraph_graphql_operations_total",
            &[("operation", name), ("outcome", outcome)],
        )
    };
    assert_eq!(
        op(&after, "MetricsTestChairs", "ok") - op(&before, "MetricsTestChairs", "ok"),
        1.0
    );
    assert_eq!(
        op(&after, "MetricsTestBroken", "BAD_USER_INPUT")
            - op(&before, "MetricsTestBroken", "BAD_USER_INPUT"),
        1.0,
        "{:?}",
        after
            .samples
            .iter()
            .filter(|s| s.metric == "policygraph_graphql_operations_total")
            .collect::<Vec<_>>()
    );
    let requests = |s: &prometheus_parse::Scrape| {
        value(
            s,
            "policygraph_http_requests_total",
            &[("route", "/graphql"), ("status", "2xx")],
        )
    };
    assert!(requests(&after) >= requests(&before) + 2.0);
    let applied = |s: &prometheus_parse::Scrape| {
        value(s, "policygraph_writes_total", &[("outcome", "applied")])
    };
    assert!(applied(&after) >= applied(&before) + 1.0);
    assert!(value(&after, "policygraph_write_duration_seconds_count", &[]) >= 1.0);
    assert!(
        value(
            &after,
            "policygraph_http_request_duration_seconds_count",
            &[("route", "/graphql")]
        ) >= 2.0
    );
    // Gauges read at scrape time, from this server.
    assert_eq!(value(&after, "policygraph_snapshot_nodes", &[]), 399.0);
    assert_eq!(value(&after, "policygraph_snapshot_edges", &[]), 502.0);
    assert!(value(&after, "policygraph_change_log_position", &[]) > 0.0);
}

#[tokio::test]
async fn metrics_need_a_token_when_reads_do() {
    let app = spawn_app_with(Access {
        private_reads: true,
        ..Access::default()
    })
    .await;
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 401);
    let token = app.token("prometheus").await;
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
}
