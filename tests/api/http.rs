//! The real server over HTTP: GraphQL over GET and POST, GraphiQL, health, coded errors.

use serde_json::{Value, json};

use crate::helpers::{first_error_code, seeds, spawn_app};

/// One page of programmes with their citations, after `after` (a JSON cursor or null).
fn programmes_page(after: &Value) -> String {
    format!(
        "{{ nodes(kind: PROGRAMME, first: 40, after: {after}) {{ totalCount \
         pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id title citations {{ quote \
         excerpt startOffset endOffset line document {{ id sourcePath }} }} }} }} }} }}"
    )
}

#[tokio::test]
async fn programmes_come_back_with_quotes_that_stand_verbatim_in_their_source() {
    let app = spawn_app().await;
    let mut edges = Vec::new();
    let mut after = Value::Null;
    let total = loop {
        let body = app.query(&programmes_page(&after)).await;
        assert!(body.get("errors").is_none(), "{body}");
        let page = &body["data"]["nodes"];
        edges.extend(page["edges"].as_array().expect("edges").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            break page["totalCount"].as_u64().expect("total");
        }
        after = page["pageInfo"]["endCursor"].clone();
    };

    assert_eq!(edges.len() as u64, total);
    assert!(edges.len() >= 10, "{edges:?}");
    let ids: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"programme:border-security-2021-2025"),
        "{ids:?}"
    );
    for edge in edges {
        let citations = edge["node"]["citations"].as_array().expect("citations");
        assert!(!citations.is_empty(), "{edge}");
        for c in citations {
            let path = c["document"]["sourcePath"].as_str().expect("cited text");
            let source = std::fs::read_to_string(seeds().join(path)).expect("source text");
            let chars: Vec<char> = source.chars().collect();
            let start = c["startOffset"].as_u64().expect("start") as usize;
            let end = c["endOffset"].as_u64().expect("end") as usize;
            let original: String = chars[start..end].iter().collect();
            assert_eq!(c["excerpt"].as_str(), Some(original.as_str()), "{c}");
        }
    }
}

#[tokio::test]
async fn a_node_is_served_as_its_typed_object_with_its_neighbours() {
    let app = spawn_app().await;

    let body = app
        .query(
            r#"{ node(id: "programme:border-security-2021-2025") {
                 __typename kind
                 ... on Programme { span { id ... on TimeSpan { start end } } adoptedAt { id } }
               } }"#,
        )
        .await;

    let node = &body["data"]["node"];
    assert_eq!(node["__typename"], "Programme", "{body}");
    assert_eq!(node["kind"], "PROGRAMME");
    assert_eq!(
        node["span"],
        json!([{ "id": "timespan:2021-2025", "start": "2021", "end": "2025" }])
    );
    assert_eq!(
        node["adoptedAt"],
        json!([{ "id": "summit:cis-hsc-2020-12-18" }])
    );
}

#[tokio::test]
async fn the_summit_lists_the_states_that_took_part() {
    let app = spawn_app().await;

    let body = app
        .query(
            r#"{ node(id: "summit:cis-hsc-2020-12-18") {
                 ... on Summit { date format participants { id } chairedBy { id } }
               } }"#,
        )
        .await;

    let summit = &body["data"]["node"];
    assert_eq!(summit["date"], "2020-12-18", "{body}");
    let participants: Vec<&str> = summit["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    for state in [
        "state:russia",
        "state:uzbekistan",
        "state:moldova",
        "state:turkmenistan",
    ] {
        assert!(participants.contains(&state), "{participants:?}");
    }
    assert!(
        !participants.contains(&"state:armenia"),
        "Armenia is not listed as taking part"
    );
    assert_eq!(summit["chairedBy"], json!([{ "id": "state:uzbekistan" }]));
}

#[tokio::test]
async fn pages_follow_their_cursors_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let query = format!(
            "{{ nodes(first: 7, after: {after}) {{ totalCount pageInfo {{ hasNextPage endCursor }} \
             edges {{ node {{ id }} }} }} }}"
        );
        let body = app.query(&query).await;
        let page = &body["data"]["nodes"];
        for e in page["edges"].as_array().expect("edges") {
            seen.push(e["node"]["id"].as_str().expect("id").to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            let total = page["totalCount"].as_u64().expect("total") as usize;
            assert_eq!(seen.len(), total);
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "ids come once each, in id order");
}

#[tokio::test]
async fn an_unknown_id_is_null_not_an_error() {
    let app = spawn_app().await;
    let body = app
        .query(r#"{ node(id: "goal:nothing-here") { id } }"#)
        .await;
    assert_eq!(body, json!({ "data": { "node": null } }));
}

#[tokio::test]
async fn bad_queries_get_coded_errors() {
    let app = spawn_app().await;

    let syntax = app.query("{ nodes(").await;
    let unknown_field = app.query("{ nodes { colour } }").await;
    let too_big = app.query("{ nodes(first: 99999999) { totalCount } }").await;
    let bad_cursor = app
        .query(r#"{ nodes(after: "not-a-cursor") { totalCount } }"#)
        .await;

    assert_eq!(first_error_code(&syntax), "BAD_USER_INPUT");
    assert_eq!(first_error_code(&unknown_field), "BAD_USER_INPUT");
    assert_eq!(first_error_code(&too_big), "LIMIT_EXCEEDED");
    assert_eq!(first_error_code(&bad_cursor), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_get_request_with_a_query_is_answered_as_json() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ nodes(kind: STATE) { totalCount } }")])
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["data"]["nodes"]["totalCount"].as_u64() > Some(5),
        "{body}"
    );
}

#[tokio::test]
async fn a_browser_gets_graphiql_with_every_asset_served_locally() {
    let app = spawn_app().await;

    let page = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("sent");

    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("GraphiQL"));
    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphiql/"))
        .collect();
    assert_eq!(assets.len(), 4, "{assets:?}");
    assert!(!html.contains("https://"), "no CDN links");
    for asset in assets {
        let response = app
            .client
            .get(format!("{}{asset}", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{asset}");
        assert!(
            response.bytes().await.expect("body").len() > 1000,
            "{asset}"
        );
    }
}

#[tokio::test]
async fn health_reports_the_loaded_graph() {
    let app = spawn_app().await;

    let body: Value = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");

    assert_eq!(body["status"], "ok");
    assert!(body["nodes"].as_u64() > Some(30), "{body}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_and_the_server_keeps_answering() {
    let app = spawn_app().await;
    let huge = format!(
        "{{\"query\": \"{{ __typename }}\", \"x\": \"{}\"}}",
        "a".repeat(3 << 20)
    );

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 413);
    let after = app.query("{ __typename }").await;
    assert_eq!(after["data"]["__typename"], "Query");
}

#[tokio::test]
async fn the_citation_report_serves_the_same_findings_as_check() {
    let app = spawn_app().await;
    let reading = policygraph::corpus::read_as_of(
        &seeds(),
        policygraph::model::PartialDate::parse("2026-11-24").expect("date"),
    );

    let body = app
        .query(
            r#"{ citationReport(asOf: "2026-11-24") {
                 errors warnings asOf findings { severity code subjectId subject { id } message } } }"#,
        )
        .await;

    let report = &body["data"]["citationReport"];
    assert_eq!(report["errors"], 0, "{body}");
    assert_eq!(report["asOf"], "2026-11-24");
    let mut served: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().expect("code").to_owned(),
                f["subjectId"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    let mut checked: Vec<(String, String)> = reading
        .diagnostics
        .iter()
        .map(|d| (d.code.to_owned(), d.key.clone()))
        .filter(|(code, _)| code != "ambiguous-quote")
        .collect();
    served.retain(|(code, _)| code != "ambiguous-quote");
    served.sort();
    checked.sort();
    assert_eq!(served, checked);
    assert!(
        served
            .iter()
            .any(|(c, s)| c == "ended-without-successor"
                && s == "programme:border-security-2021-2025"),
        "{served:?}"
    );
    // Counted by code, and listed by code: the same findings as the whole list.
    let all = report["findings"].as_array().expect("findings");
    let body = app
        .query(
            r#"{ citationReport(asOf: "2026-11-24") {
                 byCode { code severity count }
                 ended: findings(code: "ended-without-successor") { code subjectId }
                 two: findings(code: "ended-without-successor", first: 2, offset: 1) { subjectId }
               } }"#,
        )
        .await;
    let by_code = body["data"]["citationReport"]["byCode"]
        .as_array()
        .expect("byCode");
    let mut counted: Vec<(String, u64)> = by_code
        .iter()
        .map(|c| {
            (
                c["code"].as_str().expect("code").to_owned(),
                c["count"].as_u64().expect("count"),
            )
        })
        .collect();
    let mut expected: Vec<(String, u64)> = Vec::new();
    for f in all {
        let code = f["code"].as_str().expect("code");
        match expected.iter_mut().find(|(c, _)| c == code) {
            Some((_, n)) => *n += 1,
            None => expected.push((code.to_owned(), 1)),
        }
    }
    counted.sort();
    expected.sort();
    assert_eq!(counted, expected, "{body}");
    let ended: Vec<&Value> = all
        .iter()
        .filter(|f| f["code"] == "ended-without-successor")
        .collect();
    let listed = body["data"]["citationReport"]["ended"]
        .as_array()
        .expect("by code");
    assert_eq!(listed.len(), ended.len(), "{body}");
    for (l, e) in listed.iter().zip(&ended) {
        assert_eq!(l["subjectId"], e["subjectId"]);
    }
    let two = body["data"]["citationReport"]["two"]
        .as_array()
        .expect("window");
    let window: Vec<&Value> = ended
        .iter()
        .skip(1)
        .take(2)
        .map(|f| &f["subjectId"])
        .collect();
    assert_eq!(
        two.iter().map(|f| &f["subjectId"]).collect::<Vec<_>>(),
        window
    );

    let bad = app
        .query(r#"{ citationReport(asOf: "soon") { errors } }"#)
        .await;
    assert_eq!(first_error_code(&bad), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_shortest_path_links_a_state_to_a_programme_with_a_citation_on_every_step() {
    let app = spawn_app().await;

    let body = app
        .query(
            r#"{ path(from: "state:moldova", to: "programme:border-security-2021-2025") {
                 length nodes { id } steps { kind direction citations { quote } } } }"#,
        )
        .await;

    let path = &body["data"]["path"];
    assert_eq!(path["length"], 2, "{body}");
    assert_eq!(
        path["nodes"],
        json!([{ "id": "state:moldova" }, { "id": "summit:cis-hsc-2020-12-18" }, { "id": "programme:border-security-2021-2025" }])
    );
    assert_eq!(path["steps"][0]["direction"], "FORWARD");
    assert_eq!(path["steps"][1]["kind"], "ADOPTED_AT");
    assert_eq!(path["steps"][1]["direction"], "BACKWARD");
    for step in path["steps"].as_array().expect("steps") {
        assert!(
            !step["citations"].as_array().expect("citations").is_empty(),
            "{step}"
        );
    }
}

#[tokio::test]
async fn a_directed_path_against_the_edges_is_null() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ path(from: "state:moldova", to: "programme:border-security-2021-2025", directed: true) { length } }"#,
        )
        .await;
    assert_eq!(body, json!({ "data": { "path": null } }));
}

#[tokio::test]
async fn paths_come_shortest_first_and_within_the_limit() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ paths(from: "state:moldova", to: "state:belarus", maxDepth: 4, limit: 3) { length } }"#,
        )
        .await;
    let lengths: Vec<u64> = body["data"]["paths"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|p| p["length"].as_u64().expect("length"))
        .collect();
    // moldova -> summit -> belarus first, then detours of 4 edges (e.g. through the council
    // and the CIS, which Belarus chaired).
    assert_eq!(lengths[0], 2, "{body}");
    assert!(
        lengths.len() >= 2 && lengths[1..].iter().all(|&l| l == 4),
        "{body}"
    );
}

#[tokio::test]
async fn dependencies_walk_upstream_with_depths() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ dependencies(id: "programme:plan-basic-measures-concept-further-development-cis", direction: UPSTREAM) { depth node { id } } }"#,
        )
        .await;
    let deps = body["data"]["dependencies"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        deps.contains(
            &json!({ "depth": 1, "node": { "id": "programme:concept-further-development-cis" } })
        ),
        "{body}"
    );
}

#[tokio::test]
async fn traceability_queries_refuse_bad_arguments_with_codes() {
    let app = spawn_app().await;
    let deep = app
        .query(r#"{ path(from: "state:moldova", to: "state:belarus", maxDepth: 1000) { length } }"#)
        .await;
    let missing = app
        .query(r#"{ path(from: "state:atlantis", to: "state:belarus") { length } }"#)
        .await;
    let not_goal = app
        .query(r#"{ implementers(goal: "state:belarus") { depth } }"#)
        .await;
    let many = app
        .query(r#"{ paths(from: "state:moldova", to: "state:belarus", limit: 99999) { length } }"#)
        .await;
    assert_eq!(first_error_code(&deep), "LIMIT_EXCEEDED");
    assert_eq!(first_error_code(&missing), "NOT_FOUND");
    assert_eq!(first_error_code(&not_goal), "BAD_USER_INPUT");
    assert_eq!(first_error_code(&many), "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn nodes_active_in_2025_include_the_2021_2025_programme_and_exclude_the_2022_year() {
    let app = spawn_app().await;
    let body = app
        .query("{ nodes(kind: PROGRAMME, activeIn: 2025, first: 100) { edges { node { id } } } }")
        .await;
    let ids: Vec<&str> = body["data"]["nodes"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"programme:border-security-2021-2025"),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"programme:concept-military-cooperation-until-2025"),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&"programme:year-of-folk-art-and-cultural-heritage-2022"),
        "{ids:?}"
    );
}

#[tokio::test]
async fn the_timeline_of_december_2020_shows_the_summit_with_what_it_adopted() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ timeline(from: "2020-12", to: "2020-12") { date kind node { id } related { id } relatedCount
                 firstTwo: related(first: 2) { id } } }"#,
        )
        .await;
    let entries = body["data"]["timeline"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let summit = entries
        .iter()
        .find(|e| e["kind"] == "SUMMIT")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(summit["node"]["id"], "summit:cis-hsc-2020-12-18");
    assert_eq!(summit["date"], "2020-12-18");
    assert!(
        summit["related"]
            .as_array()
            .expect("related")
            .contains(&json!({ "id": "programme:border-security-2021-2025" })),
        "{summit}"
    );
    // The count is the whole list's, and a window is its head, in id order.
    let related = summit["related"].as_array().expect("related");
    assert_eq!(summit["relatedCount"], related.len(), "{summit}");
    assert_eq!(summit["firstTwo"].as_array(), Some(&related[..2].to_vec()));
    let ids: Vec<&str> = related.iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let ending = app
        .query(r#"{ timeline(from: "2025", to: "2025") { kind node { id } } }"#)
        .await;
    assert!(
        ending["data"]["timeline"]
            .as_array()
            .expect("entries")
            .contains(&json!({ "kind": "SPAN_ENDS", "node": { "id": "timespan:2021-2025" } })),
        "{ending}"
    );
}

#[tokio::test]
async fn search_ranks_nodes_by_their_text_and_highlights_the_match() {
    let app = spawn_app().await;
    let body = app
        .query(r#"{ search(text: "border secur", kinds: [PROGRAMME]) { node { id } field snippet score } }"#)
        .await;
    let hits = body["data"]["search"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(
        hits[0]["node"]["id"], "programme:border-security-2021-2025",
        "{body}"
    );
    assert!(
        hits[0]["snippet"]
            .as_str()
            .expect("snippet")
            .contains("[Border]"),
        "{body}"
    );
    // FTS5 syntax in the input is taken as plain words, never as a query error.
    let syntax = app
        .query(r#"{ search(text: "\" NEAR( * AND") { node { id } } }"#)
        .await;
    assert!(syntax.get("errors").is_none(), "{syntax}");
    let none = app
        .query(r#"{ search(text: "zeppelin") { node { id } } }"#)
        .await;
    assert_eq!(none, json!({ "data": { "search": [] } }));
}

#[tokio::test]
async fn search_pages_follow_their_cursors_through_the_same_ranking() {
    let app = spawn_app().await;
    let all = app
        .query(r#"{ search(text: "cooperation", first: 30) { node { id } cursor } }"#)
        .await;
    let all: Vec<Value> = all["data"]["search"]
        .as_array()
        .unwrap_or_else(|| panic!("{all}"))
        .iter()
        .map(|h| h["node"]["id"].clone())
        .collect();
    assert!(all.len() > 7, "enough hits for three pages: {all:?}");

    let mut paged = Vec::new();
    let mut after = Value::Null;
    while paged.len() < all.len() {
        let body = app
            .send(
                None,
                "query($after: String) { search(text: \"cooperation\", first: 3, after: $after) { node { id } cursor } }",
                json!({ "after": after }),
            )
            .await
            .1;
        let page = body["data"]["search"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        assert!(!page.is_empty(), "a page ended early: {body}");
        after = page[page.len() - 1]["cursor"].clone();
        paged.extend(page.into_iter().map(|h| h["node"]["id"].clone()));
    }

    assert_eq!(paged, all);
    let bad = app
        .query(r#"{ search(text: "cooperation", after: "not a cursor") { node { id } } }"#)
        .await;
    assert_eq!(first_error_code(&bad), "BAD_USER_INPUT", "{bad}");
    // A forged cursor at the largest position answers an empty page, at once.
    let far = app
        .query(r#"{ search(text: "cooperation", after: "MTg0NDY3NDQwNzM3MDk1NTE2MTU") { node { id } } }"#)
        .await;
    assert_eq!(far, json!({ "data": { "search": [] } }), "{far}");
}

#[tokio::test]
async fn as_of_answers_as_the_sources_stood_on_that_date() {
    let app = spawn_app().await;
    let query = |as_of: &str| {
        format!(
            r#"{{ nodes(kind: PROGRAMME, first: 100, asOf: "{as_of}") {{ edges {{ node {{ id }} }} }}
                 summit: node(id: "summit:cis-hsc-2020-12-18", asOf: "{as_of}") {{ id }} }}"#
        )
    };
    let ids = |body: &Value| -> Vec<String> {
        body["data"]["nodes"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
            .collect()
    };

    let before = app.query(&query("2020-12-17")).await;
    let during = app.query(&query("2023")).await;
    let after = app.query(&query("2026")).await;

    // Source 001 is dated 2020-12-18: nothing only it states is known the day before.
    assert!(
        !ids(&before).contains(&"programme:border-security-2021-2025".to_owned()),
        "{before}"
    );
    assert_eq!(before["data"]["summit"], Value::Null);
    assert!(ids(&during).contains(&"programme:border-security-2021-2025".to_owned()));
    assert!(
        !ids(&during).contains(&"programme:year-of-folk-art-and-cultural-heritage-2022".to_owned())
    );
    assert!(!ids(&after).contains(&"programme:border-security-2021-2025".to_owned()));
    assert_eq!(during["data"]["summit"]["id"], "summit:cis-hsc-2020-12-18");
}

#[tokio::test]
async fn the_alma_ata_declaration_connects_to_a_2024_summit_outcome_with_a_quote_on_every_step() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ path(from: "document:alma-ata-declaration", to: "programme:deradicalisation-cooperation-2025-2027") {
                 length nodes { id } steps { kind citations { quote document { id } } } } }"#,
        )
        .await;
    let path = &body["data"]["path"];
    let nodes = path["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(
        nodes.first(),
        Some(&json!({ "id": "document:alma-ata-declaration" }))
    );
    assert!(
        nodes
            .iter()
            .any(|n| n["id"] == "summit:cis-hsc-2024-10-moscow"),
        "{body}"
    );
    for step in path["steps"].as_array().expect("steps") {
        let citations = step["citations"].as_array().expect("citations");
        assert!(!citations.is_empty(), "{step}");
        assert!(
            citations.iter().all(|c| c["document"]["id"].is_string()),
            "{step}"
        );
    }
}

#[tokio::test]
async fn the_border_security_goal_is_implemented_by_the_2021_2025_programme_with_evidence() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ implementers(goal: "goal:border-security") { depth node { id }
                 chain { kind citations { quote document { id } } } }
                 financial: implementers(goal: "goal:financial-sovereignty") { node { id } } }"#,
        )
        .await;
    let found = body["data"]["implementers"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let programme = found
        .iter()
        .find(|i| i["node"]["id"] == "programme:border-security-2021-2025")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(programme["chain"][0]["kind"], "IMPLEMENTS");
    assert!(
        !programme["chain"][0]["citations"]
            .as_array()
            .expect("citations")
            .is_empty()
    );
    let financial = body["data"]["financial"].as_array().expect("financial");
    assert!(
        financial
            .contains(&json!({ "node": { "id": "measure:national-currencies-in-settlements" } })),
        "{body}"
    );
}

#[tokio::test]
async fn the_site_icon_is_served_so_graphiql_loads_without_a_404() {
    let app = spawn_app().await;
    let response = reqwest::get(format!("{}/favicon.ico", app.address))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let page = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains(r#"<link rel="icon" href="/favicon.ico""#),
        "{page}"
    );
}

/// GraphQL over HTTP: a client that accepts `application/graphql-response+json` gets a 400
/// without `data` when its request never executed, and data with a 200 when it did.
#[tokio::test]
async fn graphql_response_json_answers_by_the_spec() {
    let app = spawn_app().await;
    let post = |body: Value| {
        app.client
            .post(format!("{}/graphql", app.address))
            .header("accept", "application/graphql-response+json")
            .json(&body)
            .send()
    };
    for (query, what) in [
        ("{ nodes(first: 1) { totalCount ", "a syntax error"),
        ("{ nodes { noSuchField } }", "a validation error"),
    ] {
        let response = post(json!({ "query": query })).await.expect("request");
        assert_eq!(response.status(), 400, "{what}");
        assert_eq!(
            response.headers()["content-type"],
            "application/graphql-response+json",
            "{what}"
        );
        let body: Value = response.json().await.expect("JSON");
        assert!(body.get("data").is_none(), "{what}: {body}");
        assert!(body["errors"][0]["message"].is_string(), "{what}: {body}");
    }
    // An error while executing keeps the data (and the 200).
    let response = post(json!({ "query": r#"{ implementers(goal: "state:belarus") { depth } }"# }))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert!(body.get("data").is_some(), "{body}");
    assert!(body["errors"][0]["path"].is_array(), "{body}");
}

#[tokio::test]
async fn a_body_without_query_says_so() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "qeury": "{ nodes { totalCount } }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no `query`") && message.contains("qeury"),
        "{body}"
    );
}
