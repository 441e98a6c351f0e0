//! Relations that hold for a time, over HTTP on the served seed corpus: chairmanships answer by
//! date through `asOf`, `timeline` and `activeIn`; documents record what they are based on;
//! the mutations keep the validity rules. Also the third reading's questions by id.

use serde_json::{Value, json};

use crate::helpers::{first_error_code, spawn_app};

/// Ids of a JSON list of objects with an `id` (or a `to { id }` / `from { id }`).
fn ids(list: &Value, pick: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| {
            let id = if pick.is_empty() {
                &item["id"]
            } else {
                &item[pick]["id"]
            };
            id.as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

/// The states chairing the CIS or its Heads of State Council on `date`. The texts speak of
/// both ("chairing the CIS", "chairmanship of the CIS Heads of State Council") without saying
/// they are one office, so each chairmanship sits on the body its text names.
async fn chairs_on(app: &crate::helpers::TestApp, date: &str) -> Vec<String> {
    let query = format!(
        r#"{{
          cis: node(id: "body:cis", asOf: "{date}") {{
            edges(direction: OUTGOING, kinds: [CHAIRED_BY]) {{ to {{ id }} validFrom validTo }}
          }}
          council: node(id: "body:cis-heads-of-state-council", asOf: "{date}") {{
            edges(direction: OUTGOING, kinds: [CHAIRED_BY]) {{ to {{ id }} validFrom validTo }}
          }}
        }}"#
    );
    let body = app.query(&query).await;
    assert!(body["errors"].is_null(), "{body}");
    let mut chairs = ids(&body["data"]["cis"]["edges"], "to");
    chairs.extend(ids(&body["data"]["council"]["edges"], "to"));
    chairs.sort();
    chairs
}

#[tokio::test]
async fn the_chair_of_the_cis_answers_by_date() {
    let app = spawn_app().await;
    assert_eq!(chairs_on(&app, "2021-06-01").await, ["state:belarus"]);
    assert_eq!(chairs_on(&app, "2025-03-01").await, ["state:tajikistan"]);
    assert_eq!(chairs_on(&app, "2024-07").await, ["state:russia"]);
    assert_eq!(chairs_on(&app, "2020-12-18").await, ["state:uzbekistan"]);
    // Nothing the texts attest in between.
    assert!(chairs_on(&app, "2022-06-01").await.is_empty());

    // Without asOf every chairmanship is listed, each with its validity.
    let body = app
        .query(
            r#"{ node(id: "body:cis") {
                   edges(direction: OUTGOING, kinds: [CHAIRED_BY]) { to { id } validFrom validTo }
               } }"#,
        )
        .await;
    let edges = body["data"]["node"]["edges"].as_array().expect("edges");
    let belarus = edges
        .iter()
        .find(|e| e["to"]["id"] == "state:belarus")
        .expect("Belarus");
    assert_eq!(
        (&belarus["validFrom"], &belarus["validTo"]),
        (&json!("2021"), &json!("2021"))
    );
    assert_eq!(edges.len(), 2, "{edges:?}");
}

#[tokio::test]
async fn the_timeline_shows_the_29_may_2020_meeting_and_chairmanships_starting() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ timeline(from: "2020", to: "2020") {
                   date kind node { id } related { id } edge { id validFrom validTo }
               } }"#,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let entries = body["data"]["timeline"].as_array().expect("entries");
    let meeting = entries
        .iter()
        .find(|e| e["node"]["id"] == "summit:cis-hgc-2020-05-29")
        .unwrap_or_else(|| panic!("no 29 May 2020 meeting in {entries:?}"));
    assert_eq!(meeting["kind"], "SUMMIT");
    assert_eq!(meeting["date"], "2020-05-29");
    assert!(
        ids(&meeting["related"], "")
            .contains(&"programme:cis-economic-development-strategy-2030".to_owned()),
        "{meeting}"
    );
    let uzbek = entries
        .iter()
        .find(|e| e["kind"] == "RELATION_STARTS" && e["related"][0]["id"] == "state:uzbekistan")
        .unwrap_or_else(|| panic!("no chairmanship of Uzbekistan in {entries:?}"));
    assert_eq!(uzbek["node"]["id"], "body:cis-heads-of-state-council");
    assert_eq!(
        uzbek["edge"]["id"],
        "body:cis-heads-of-state-council/CHAIRED_BY/state:uzbekistan"
    );

    let body = app
        .query(r#"{ timeline(from: "2025", to: "2025") { date kind related { id } edge { id } } }"#)
        .await;
    let entries = body["data"]["timeline"].as_array().expect("entries");
    let tajik = entries
        .iter()
        .find(|e| e["related"][0]["id"] == "state:tajikistan" && !e["edge"].is_null())
        .unwrap_or_else(|| panic!("no chairmanship of Tajikistan in {entries:?}"));
    assert_eq!(tajik["kind"], "RELATION_STARTS");
    assert_eq!(tajik["date"], "2025-01-01");
    // Undated entries carry no edge.
    assert!(
        entries
            .iter()
            .filter(|e| !e["kind"]
                .as_str()
                .unwrap_or_default()
                .starts_with("RELATION"))
            .all(|e| e["edge"].is_null())
    );
}

#[tokio::test]
async fn active_in_counts_the_years_a_dated_relation_holds() {
    let app = spawn_app().await;
    let states = |year: i32| {
        format!(r#"{{ nodes(kind: STATE, activeIn: {year}, first: 100) {{ nodes {{ id }} }} }}"#)
    };
    let body = app.query(&states(2024)).await;
    let active = ids(&body["data"]["nodes"]["nodes"], "");
    assert!(active.contains(&"state:russia".to_owned()), "{active:?}");
    assert!(!active.contains(&"state:belarus".to_owned()), "{active:?}");
    let body = app.query(&states(2021)).await;
    let active = ids(&body["data"]["nodes"]["nodes"], "");
    assert_eq!(active, ["state:belarus"]);
}

#[tokio::test]
async fn documents_record_what_they_are_based_on() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ node(id: "document:mfa-russia-cis-chairmanship-2024") {
                   edges(direction: OUTGOING, kinds: [BASED_ON]) { to { id } citations { quote } }
               } }"#,
        )
        .await;
    let edges = &body["data"]["node"]["edges"];
    let mut based = ids(edges, "to");
    based.sort();
    assert_eq!(
        based,
        [
            "programme:cis-economic-development-strategy-2030",
            "programme:concept-further-development-cis"
        ]
    );
    for edge in edges.as_array().expect("edges") {
        let quote = edge["citations"][0]["quote"].as_str().unwrap_or_default();
        assert!(quote.contains("in accordance with"), "{edge}");
    }
}

/// The third reading's questions, asked by id over HTTP: the digitalization field's measures
/// with their quotes, and the fields line 7 of 003 puts under deepening economic integration.
#[tokio::test]
async fn the_fields_of_003_answer_over_http() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ implementers(goal: "goal:digitalization-and-ict") {
                   node { id } chain { citations { quote } }
               } }"#,
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let found = body["data"]["implementers"].as_array().expect("list");
    for id in [
        "measure:digital-business-space",
        "measure:artificial-intelligence-technologies",
        "measure:electronic-services",
    ] {
        let hit = found
            .iter()
            .find(|i| i["node"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from {found:?}"));
        assert!(
            !hit["chain"][0]["citations"][0]["quote"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{hit}"
        );
    }
    let body = app
        .query(
            r#"{ node(id: "goal:deepening-economic-integration") {
                   edges(direction: INCOMING, kinds: [PART_OF]) { from { id kind } }
               } }"#,
        )
        .await;
    let parts = ids(&body["data"]["node"]["edges"], "from");
    for id in [
        "goal:common-economic-space",
        "goal:industrial-cooperation",
        "goal:ecology-and-climate-protection",
        "goal:scientific-technical-innovative-cooperation",
    ] {
        assert!(parts.contains(&id.to_owned()), "{id}: {parts:?}");
    }
}

const CREATE_EDGE: &str = "mutation($input: CreateEdgeInput!) {
    createEdge(input: $input) { id validFrom validTo note } }";
const UPDATE_EDGE: &str = "mutation($input: UpdateEdgeInput!) {
    updateEdge(input: $input) { id validFrom validTo note } }";

#[tokio::test]
async fn writes_keep_the_validity_rules() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let chair = |state: &str, from: Value, to: Value, quote: &str| {
        json!({ "input": {
            "from": "body:cis", "kind": "CHAIRED_BY", "to": state,
            "validFrom": from, "validTo": to,
            "citations": [{ "document": "document:kremlin-cis-summit-2020-12-18", "quote": quote }]
        }})
    };
    // A validity the quote contradicts: the text says 2021.
    let (_, body) = app
        .send(
            Some(&token),
            CREATE_EDGE,
            chair(
                "state:kazakhstan",
                json!("2019"),
                json!("2019"),
                "every success in chairing the CIS in 2021",
            ),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("2021"), "{body}");
    // Backwards.
    let (_, body) = app
        .send(
            Some(&token),
            CREATE_EDGE,
            chair("state:kazakhstan", json!("2022"), json!("2021"), "CIS"),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let problems = &body["errors"][0]["extensions"]["problems"];
    assert_eq!(problems[0]["field"], "input.validTo", "{body}");
    // A second chair of the CIS in 2021 overlaps Belarus.
    let (_, body) = app
        .send(
            Some(&token),
            CREATE_EDGE,
            chair(
                "state:kazakhstan",
                json!("2021-03"),
                Value::Null,
                "every success in chairing the CIS in 2021",
            ),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("state:belarus"), "{body}");

    // Nobody chaired on 2020-12-20 as the texts stand (an asOf view later writes must not reuse).
    assert!(chairs_on(&app, "2020-12-20").await.is_empty());

    // Narrowing Belarus's validity keeps its note; moving it onto Russia's year is refused.
    let key = json!({ "from": "body:cis", "kind": "CHAIRED_BY", "to": "state:belarus" });
    let mut input = key.clone();
    input["validFrom"] = json!("2021-01");
    let (status, body) = app
        .send(Some(&token), UPDATE_EDGE, json!({ "input": input }))
        .await;
    assert_eq!(status, 200, "{body}");
    let edge = &body["data"]["updateEdge"];
    assert_eq!(
        (&edge["validFrom"], &edge["validTo"]),
        (&json!("2021-01"), &json!("2021"))
    );
    assert!(
        edge["note"].as_str().is_some_and(|n| n.contains("2021")),
        "{edge}"
    );
    let mut input = key.clone();
    input["validFrom"] = json!("2024");
    input["validTo"] = json!("2024");
    let (_, body) = app
        .send(Some(&token), UPDATE_EDGE, json!({ "input": input }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");

    // Clearing both dates would make Belarus chair always, over Russia's 2024: refused.
    let mut input = key.clone();
    input["validFrom"] = Value::Null;
    input["validTo"] = Value::Null;
    let (_, body) = app
        .send(Some(&token), UPDATE_EDGE, json!({ "input": input }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("state:russia"), "{body}");
    // Clearing the start only (null clears, omitted keeps): until 2021.
    let mut input = key.clone();
    input["validFrom"] = Value::Null;
    let (_, body) = app
        .send(Some(&token), UPDATE_EDGE, json!({ "input": input }))
        .await;
    let edge = &body["data"]["updateEdge"];
    assert_eq!(
        (&edge["validFrom"], &edge["validTo"]),
        (&Value::Null, &json!("2021")),
        "{body}"
    );
    // The asOf view follows the write: with an open start, Belarus chairs on 2020-12-20 too.
    assert_eq!(chairs_on(&app, "2020-12-20").await, ["state:belarus"]);

    // The change log carries the validity in its images.
    let before: String = sqlx::query_scalar(
        "SELECT before FROM change_log WHERE entity = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind("body:cis/CHAIRED_BY/state:belarus")
    .fetch_one(&app.db.pool)
    .await
    .expect("a logged change");
    assert!(
        before.contains("\"valid_from\":\"2021-01\""),
        "the before image keeps the validity: {before}"
    );
}
