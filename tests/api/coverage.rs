//! `coverage`, `matrix` and `stats` over HTTP on the served seed corpus, each checked against
//! the field or export that answers the same question the long way.

use std::collections::{BTreeMap, BTreeSet};

use policygraph::export::{self, Format};
use policygraph::graph::Graph;
use policygraph::store;
use serde_json::Value;

use crate::helpers::{TestApp, first_error_code, spawn_app};

/// Every item of a paged root field (`coverage` or `matrix`), following the cursors.
async fn all_pages(app: &TestApp, field: &str, args: &str, selection: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let query = format!(
            r#"{{ {field}(first: 7{after}{args}) {{
                totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {selection} }} }}
            }} }}"#
        );
        let body = app.query(&query).await;
        assert!(body["errors"].is_null(), "{body}");
        let page = &body["data"][field];
        out.extend(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"].as_u64(), Some(out.len() as u64));
            return out;
        }
        after = format!(
            r#", after: "{}""#,
            page["pageInfo"]["endCursor"].as_str().expect("cursor")
        );
    }
}

/// Ids of a JSON list, at `pick` inside each item.
fn ids(list: &Value, pick: &str) -> BTreeSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| {
            item.pointer(pick)
                .and_then(Value::as_str)
                .expect("id")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn coverage_counts_what_implementers_and_active_in_list() {
    let app = spawn_app().await;
    let rows = all_pages(
        &app,
        "coverage",
        ", activeIn: 2025",
        "goal { id } direct transitive activeIn",
    )
    .await;
    let goals = app.query("{ nodes(kind: GOAL) { totalCount } }").await;
    assert_eq!(
        goals["data"]["nodes"]["totalCount"].as_u64(),
        Some(rows.len() as u64)
    );
    let active = app
        .query("{ nodes(activeIn: 2025, first: 100) { totalCount edges { node { id } } } }")
        .await;
    assert!(active["data"]["nodes"]["totalCount"].as_u64() < Some(100));
    let active = ids(&active["data"]["nodes"]["edges"], "/node/id");

    let mut covered = 0;
    for row in &rows {
        let goal = row["goal"]["id"].as_str().expect("goal id");
        let body = app
            .query(&format!(
                r#"{{ all: implementers(goal: "{goal}") {{ node {{ id }} }}
                     direct: implementers(goal: "{goal}", transitive: false) {{ node {{ id }} }} }}"#
            ))
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let all = ids(&body["data"]["all"], "/node/id");
        let direct = ids(&body["data"]["direct"], "/node/id");
        assert_eq!(row["transitive"].as_u64(), Some(all.len() as u64), "{goal}");
        assert_eq!(row["direct"].as_u64(), Some(direct.len() as u64), "{goal}");
        let active_here = all.intersection(&active).count();
        assert_eq!(row["activeIn"].as_u64(), Some(active_here as u64), "{goal}");
        covered += usize::from(!all.is_empty());
    }
    // The corpus has goals with implementers, and goals nothing implements.
    assert!(
        covered > 0 && covered < rows.len(),
        "{covered} of {}",
        rows.len()
    );

    // Without `activeIn` nothing is counted for a year.
    let body = app
        .query("{ coverage(first: 1) { edges { node { activeIn } } } }")
        .await;
    assert!(
        body["data"]["coverage"]["edges"][0]["node"]["activeIn"].is_null(),
        "{body}"
    );
}

#[tokio::test]
async fn goals_with_no_implementer_are_the_reports_unimplemented_goals() {
    let app = spawn_app().await;
    let uncovered: BTreeSet<String> = all_pages(&app, "coverage", "", "goal { id } transitive")
        .await
        .into_iter()
        .filter(|row| row["transitive"] == 0)
        .map(|row| row["goal"]["id"].as_str().expect("id").to_owned())
        .collect();
    let report = app
        .query("{ citationReport { findings { code subjectId } } }")
        .await;
    let findings = report["data"]["citationReport"]["findings"]
        .as_array()
        .expect("findings");
    let reported: BTreeSet<String> = findings
        .iter()
        .filter(|f| f["code"] == "unimplemented-goal")
        .map(|f| f["subjectId"].as_str().expect("id").to_owned())
        .collect();
    assert!(!uncovered.is_empty());
    assert_eq!(uncovered, reported);
}

#[tokio::test]
async fn matrix_rows_are_the_exported_matrix() {
    let app = spawn_app().await;
    let rows = all_pages(
        &app,
        "matrix",
        "",
        "goal { id } cells { programme { id } label chain { id } }",
    )
    .await;
    let graph = Graph::build(store::read_all(&app.db.store).await.expect("read")).expect("graph");
    let mut csv = Vec::new();
    export::write(
        &graph,
        &export::select(&graph, None, 0),
        Format::Matrix,
        &mut csv,
    )
    .expect("matrix");
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let mut exported: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("row");
        let cells = header
            .iter()
            .zip(record.iter())
            .skip(1)
            .filter(|(_, cell)| !cell.is_empty())
            .map(|(programme, cell)| (programme.clone(), cell.to_owned()))
            .collect();
        exported.insert(record[0].to_owned(), cells);
    }
    let served: BTreeMap<String, BTreeMap<String, String>> = rows
        .iter()
        .map(|row| {
            let cells = row["cells"]
                .as_array()
                .expect("cells")
                .iter()
                .map(|cell| {
                    // The chain starts at the programme.
                    let first = cell["chain"][0]["id"].as_str().expect("edge id");
                    let programme = cell["programme"]["id"].as_str().expect("programme");
                    assert!(first.starts_with(&format!("{programme}/")), "{cell}");
                    (
                        programme.to_owned(),
                        cell["label"].as_str().expect("label").to_owned(),
                    )
                })
                .collect();
            (row["goal"]["id"].as_str().expect("goal").to_owned(), cells)
        })
        .collect();
    assert!(served.values().any(|cells| !cells.is_empty()));
    assert_eq!(served, exported);
}

#[tokio::test]
async fn stats_count_the_graph_by_kind_document_and_year() {
    let app = spawn_app().await;
    let body = app
        .query(
            "{ stats { nodes edges byKind { kind count } byEdgeKind { kind count }
                byDocument { document { id } nodes edges citations }
                byYear { year dated spansStarting spansEnding active } }
               nodes { totalCount } docs: nodes(kind: DOCUMENT) { totalCount }
               summits: nodes(kind: SUMMIT) { totalCount } }",
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let stats = &body["data"]["stats"];
    let sum = |list: &Value| -> u64 {
        list.as_array()
            .expect("list")
            .iter()
            .map(|c| c["count"].as_u64().expect("count"))
            .sum()
    };
    assert_eq!(stats["nodes"], body["data"]["nodes"]["totalCount"]);
    assert_eq!(
        sum(&stats["byKind"]),
        stats["nodes"].as_u64().expect("nodes")
    );
    assert_eq!(
        sum(&stats["byEdgeKind"]),
        stats["edges"].as_u64().expect("edges")
    );
    let kind = |name: &str| {
        stats["byKind"]
            .as_array()
            .expect("kinds")
            .iter()
            .find(|c| c["kind"] == name)
            .expect("kind")["count"]
            .clone()
    };
    assert_eq!(kind("SUMMIT"), body["data"]["summits"]["totalCount"]);

    // Every document is listed, and the five source texts support something.
    let documents = stats["byDocument"].as_array().expect("documents");
    assert_eq!(
        Some(documents.len() as u64),
        body["data"]["docs"]["totalCount"].as_u64()
    );
    let supporting = documents
        .iter()
        .filter(|d| d["citations"].as_u64() > Some(0))
        .count();
    assert!(supporting >= 5, "{supporting}");
    let cited = app
        .query("{ stats { byDocument(cited: true) { document { id } citations } } }")
        .await;
    let cited = cited["data"]["stats"]["byDocument"]
        .as_array()
        .expect("cited documents");
    assert_eq!(cited.len(), supporting, "{cited:?}");
    assert!(cited.iter().all(|d| d["citations"].as_u64() > Some(0)));
    for d in documents {
        assert!(d["citations"].as_u64() >= d["nodes"].as_u64(), "{d}");
    }

    // Years run without a gap, and each year's active count is what `activeIn` lists.
    let years = stats["byYear"].as_array().expect("years");
    let numbers: Vec<i64> = years
        .iter()
        .map(|y| y["year"].as_i64().expect("year"))
        .collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    assert!(
        numbers.contains(&2020) && numbers.contains(&2025),
        "{numbers:?}"
    );
    for chunk in years.chunks(40) {
        let query: String = chunk
            .iter()
            .map(|y| format!("y{0}: nodes(activeIn: {0}) {{ totalCount }} ", y["year"]))
            .collect();
        let counts = app.query(&format!("{{ {query} }}")).await;
        assert!(counts["errors"].is_null(), "{counts}");
        for y in chunk {
            let key = format!("y{}", y["year"]);
            assert_eq!(y["active"], counts["data"][&key]["totalCount"], "{key}");
        }
    }
    let year_2020 = years.iter().find(|y| y["year"] == 2020).expect("2020");
    assert!(year_2020["dated"].as_u64() > Some(0), "{year_2020}");
    assert!(years.iter().any(|y| y["active"].as_u64() > Some(0)));
}

#[tokio::test]
async fn coverage_pages_are_bounded_and_cursors_checked() {
    let app = spawn_app().await;
    for field in ["coverage", "matrix"] {
        let body = app
            .query(&format!("{{ {field}(first: 101) {{ totalCount }} }}"))
            .await;
        assert_eq!(first_error_code(&body), "LIMIT_EXCEEDED", "{body}");
        let body = app
            .query(&format!("{{ {field}(first: -1) {{ totalCount }} }}"))
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        let body = app
            .query(&format!(
                r#"{{ {field}(after: "not a cursor") {{ totalCount }} }}"#
            ))
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    let body = app.query(r#"{ stats(asOf: "2020-13") { nodes } }"#).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    // As the sources stood in 2019, fewer documents support anything.
    let body = app
        .query(r#"{ now: stats { nodes } then: stats(asOf: "2019") { nodes } }"#)
        .await;
    assert!(
        body["data"]["then"]["nodes"].as_u64() < body["data"]["now"]["nodes"].as_u64(),
        "{body}"
    );
}

#[tokio::test]
async fn the_report_kept_with_a_snapshot_follows_each_write() {
    let app = spawn_app().await;
    let unimplemented = |body: &Value| -> BTreeSet<String> {
        body["data"]["citationReport"]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == "unimplemented-goal")
            .map(|f| f["subjectId"].as_str().expect("id").to_owned())
            .collect()
    };
    let report = "{ citationReport { warnings findings { code subjectId } } }";
    // Asked twice: the second answer is the kept one, and the same.
    let before = app.query(report).await;
    assert_eq!(app.query(report).await, before);
    assert!(!unimplemented(&before).contains("goal:report-memo-test"));
    let token = app.token("memo").await;
    let (status, body) = app
        .send(
            Some(&token),
            r#"mutation { createNode(input: { id: "goal:report-memo-test", title: "A goal nothing implements",
                citations: [{ document: "document:kremlin-cis-summit-2020-12-18", quote: "Commonwealth" }] }) { id } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    let after = app.query(report).await;
    assert!(
        unimplemented(&after).contains("goal:report-memo-test"),
        "{after}"
    );
    // Exactly one more unimplemented goal: the new one (its quote, which the text repeats,
    // adds an ambiguous-quote warning too).
    let new: Vec<String> = unimplemented(&after)
        .difference(&unimplemented(&before))
        .cloned()
        .collect();
    assert_eq!(new, ["goal:report-memo-test"]);
    assert!(
        after["data"]["citationReport"]["warnings"].as_u64()
            > before["data"]["citationReport"]["warnings"].as_u64()
    );
}
