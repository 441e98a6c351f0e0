//! Curating over HTTP: mutations with a token, validated like the seed loader, all or nothing,
//! visible to the next read, and recorded in the audit trail.

use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app};

const TEXT: &str = "Decision on the Border Plan.\n\
    The Border Plan for 2026\u{2013}2030 implements border security.\n\
    Its measures are part of the plan; border security is part of itself.";

const ADD_DOCUMENT: &str = "mutation($text: String!) { addDocument(input: { \
    id: \"document:border-plan-decision\", title: \"Decision on the Border Plan\", \
    date: \"2026-11\", text: $text, quotes: [\"Decision on the Border Plan\"] }) \
    { id ... on Document { hasSourceText } citations { line excerpt } } }";

async fn log_length(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM change_log")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// Adds the test document with `token`, asserting it worked.
async fn add_document(app: &TestApp, token: &str) {
    let (status, body) = app
        .send(Some(token), ADD_DOCUMENT, json!({ "text": TEXT }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["addDocument"]["citations"][0]["line"], 1,
        "{body}"
    );
}

#[tokio::test]
async fn an_analyst_adds_a_document_a_programme_and_a_link_and_sees_it_in_implementers() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    add_document(&app, &token).await;

    let create = r#"mutation {
        createNode(input: { id: "programme:border-plan-2026-2030", title: "Border Plan 2026-2030",
            date: "2026-11",
            citations: [{ document: "document:border-plan-decision",
                          quote: "The Border Plan for 2026-2030" }] }) { id title }
    }"#;
    let (status, body) = app.send(Some(&token), create, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    let link = r#"mutation {
        createEdge(input: { from: "programme:border-plan-2026-2030", kind: IMPLEMENTS,
            to: "goal:border-security",
            citations: [{ document: "document:border-plan-decision",
                          quote: "implements border security" }] }) { id citations { excerpt } }
    }"#;
    let (status, body) = app.send(Some(&token), link, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["createEdge"]["citations"][0]["excerpt"],
        "implements border security"
    );

    // The very next read sees it, with the chain's evidence.
    let body = app
        .query(
            r#"{ implementers(goal: "goal:border-security") { node { id }
                 chain { kind citations { quote document { id } } } } }"#,
        )
        .await;
    let found = body["data"]["implementers"]
        .as_array()
        .expect("implementers")
        .iter()
        .find(|i| i["node"]["id"] == "programme:border-plan-2026-2030")
        .unwrap_or_else(|| panic!("new programme not an implementer: {body}"));
    assert_eq!(
        found["chain"][0]["citations"][0]["document"]["id"],
        "document:border-plan-decision"
    );

    // The audit trail names the token and holds before/after images.
    let body = app
        .query(
            r#"{ node(id: "programme:border-plan-2026-2030") {
                   history { actor op entity before after } } }"#,
        )
        .await;
    let history = &body["data"]["node"]["history"];
    assert_eq!(history[0]["actor"], "alice", "{body}");
    assert_eq!(history[0]["op"], "CREATE");
    assert_eq!(history[0]["before"], Value::Null);
    assert_eq!(history[0]["after"]["title"], "Border Plan 2026-2030");
    let body = app
        .query(r#"{ changes(since: "2000-01-01", first: 100) { totalCount } }"#)
        .await;
    assert!(
        body["data"]["changes"]["totalCount"].as_i64() > Some(3),
        "{body}"
    );
    // The total is counted when asked for, however it is asked for.
    let body = app
        .query(
            r#"{ changes(first: 1) { ...Total edges { node { seq } } } }
               fragment Total on ChangeConnection { total: totalCount }"#,
        )
        .await;
    assert!(
        body["data"]["changes"]["total"].as_i64() > Some(3),
        "{body}"
    );
    assert_eq!(
        body["data"]["changes"]["edges"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
}

#[tokio::test]
async fn a_refused_mutation_lists_every_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    add_document(&app, &token).await;
    let before = log_length(&app).await;
    let import = r#"mutation {
        importGraph(input: {
          nodes: [
            { id: "programme:fine", title: "Fine",
              citations: [{ document: "document:border-plan-decision", quote: "The Border Plan" }] },
            { id: "programme:bad-date", title: "Bad date", date: "2026-13", place: "Minsk",
              citations: [{ document: "document:border-plan-decision", quote: "The Border Plan" }] },
            { id: "programme:no-quote", title: "No quote", citations: [] },
            { id: "programme:typo", title: "Typo",
              citations: [{ document: "document:border-plan-decision", quote: "The Boarder Plan" }] }
          ],
          edges: [
            { from: "programme:fine", kind: IMPLEMENTS, to: "goal:does-not-exist",
              citations: [{ document: "document:border-plan-decision", quote: "implements" }] }
          ] }) { changes { seq } }
    }"#;
    let (status, body) = app.send(Some(&token), import, Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let problems = body["errors"][0]["extensions"]["problems"]
        .as_array()
        .expect("problems listed");
    let fields: Vec<&str> = problems
        .iter()
        .map(|p| p["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "input.nodes[1].place",
            "input.nodes[1].date",
            "input.nodes[2].citations",
            "input.nodes[3].citations[0].quote",
            "input.edges[0].to",
        ],
        "{body}"
    );
    assert_eq!(problems[4]["code"], "NOT_FOUND");
    assert_eq!(log_length(&app).await, before, "nothing was written");
    let body = app.query(r#"{ node(id: "programme:fine") { id } }"#).await;
    assert_eq!(body["data"]["node"], Value::Null, "all or nothing");
}

#[tokio::test]
async fn a_new_part_of_cycle_is_refused_with_the_cycle_named() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    add_document(&app, &token).await;
    let cycle = r#"mutation {
        createEdge(input: { from: "goal:cis-security-cooperation", kind: PART_OF,
            to: "goal:border-security",
            citations: [{ document: "document:border-plan-decision",
                          quote: "border security is part of itself" }] }) { id }
    }"#;
    let (_, body) = app.send(Some(&token), cycle, Value::Null).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("cycle"), "{message}");
    assert!(
        message.contains("goal:cis-security-cooperation"),
        "{message}"
    );
}

#[tokio::test]
async fn deletes_cascade_to_edges_but_never_orphan_a_quote() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    add_document(&app, &token).await;
    let create = r#"mutation {
        importGraph(input: {
          nodes: [{ id: "programme:border-plan-2026-2030", title: "Border Plan",
                    citations: [{ document: "document:border-plan-decision",
                                  quote: "The Border Plan for 2026-2030" }] }],
          edges: [{ from: "programme:border-plan-2026-2030", kind: IMPLEMENTS,
                    to: "goal:border-security",
                    citations: [{ document: "document:border-plan-decision",
                                  quote: "implements border security" }] }] }) {
          changes { op entity } }
    }"#;
    let (_, body) = app.send(Some(&token), create, Value::Null).await;
    assert_eq!(
        body["data"]["importGraph"]["changes"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{body}"
    );

    // The document is quoted by the programme and the edge: it cannot go.
    let delete_doc =
        r#"mutation { deleteNode(id: "document:border-plan-decision") { changes { seq } } }"#;
    let (_, body) = app.send(Some(&token), delete_doc, Value::Null).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("programme:border-plan-2026-2030")),
        "{body}"
    );

    // The last citation of a node cannot be removed.
    let unquote = r#"mutation { removeCitation(entity: "programme:border-plan-2026-2030",
        document: "document:border-plan-decision", quote: "The Border Plan for 2026-2030") {
        changes { seq } } }"#;
    let (_, body) = app.send(Some(&token), unquote, Value::Null).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");

    // Deleting the programme deletes its edge too, and both are logged.
    let delete = r#"mutation { deleteNode(id: "programme:border-plan-2026-2030") {
        changes { op entity } } }"#;
    let (_, body) = app.send(Some(&token), delete, Value::Null).await;
    let changes = &body["data"]["deleteNode"]["changes"];
    assert_eq!(changes.as_array().map(Vec::len), Some(2), "{body}");
    assert!(
        changes
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["op"] == "DELETE"))
    );
    let (_, body) = app.send(Some(&token), delete_doc, Value::Null).await;
    assert_eq!(body["errors"], Value::Null, "now nothing quotes it: {body}");
}

#[tokio::test]
async fn update_node_keeps_omitted_fields_and_clears_null_ones() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let update = r#"mutation { updateNode(input: { id: "summit:cis-hsc-2020-12-18",
        note: null, title: "Renamed summit" }) { title note ... on Summit { date } } }"#;
    let (status, body) = app.send(Some(&token), update, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    let node = &body["data"]["updateNode"];
    assert_eq!(node["title"], "Renamed summit", "{body}");
    assert_eq!(node["note"], Value::Null);
    assert_eq!(node["date"], "2020-12-18", "an omitted field is kept");

    let bad = r#"mutation { updateNode(input: { id: "summit:nowhere", title: "x" }) { id } }"#;
    let (_, body) = app.send(Some(&token), bad, Value::Null).await;
    assert_eq!(first_error_code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn reloading_the_seeds_never_silently_overwrites_curated_changes() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let update = r#"mutation { updateNode(input: { id: "summit:cis-hsc-2020-12-18",
        title: "Curated title" }) { id } }"#;
    let (status, _) = app.send(Some(&token), update, Value::Null).await;
    assert_eq!(status, 200);
    let before = log_length(&app).await;
    let corpus = policygraph::state::read_seeds(&crate::helpers::seeds()).expect("seeds");
    let refused = policygraph::store::sync_corpus(
        &app.db.store,
        &corpus,
        policygraph::state::SEED_LOADER,
        policygraph::store::Curated::Keep,
    )
    .await
    .expect_err("a reload would overwrite alice's change");
    assert!(refused.to_string().contains("`alice`"), "{refused}");
    assert!(refused.to_string().contains("--force"), "{refused}");
    assert_eq!(log_length(&app).await, before, "nothing written");

    let report = policygraph::store::sync_corpus(
        &app.db.store,
        &corpus,
        policygraph::state::SEED_LOADER,
        policygraph::store::Curated::Discard,
    )
    .await
    .expect("forced reload");
    assert_eq!(report.updated, 1, "only the curated title is restored");
}

#[tokio::test]
async fn renaming_a_source_document_keeps_its_text_quotable() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    // Two writes in a row: the second one starts from the first one's snapshot.
    for title in ["Kremlin transcript (renamed)", "Kremlin transcript"] {
        let rename = format!(
            r#"mutation {{ updateNode(input: {{ id: "document:kremlin-cis-summit-2020-12-18",
                title: "{title}" }}) {{ title ... on Document {{ hasSourceText }} }} }}"#
        );
        let (status, body) = app.send(Some(&token), &rename, Value::Null).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["updateNode"]["hasSourceText"], true, "{body}");
    }
    let cite = r#"mutation { addCitation(entity: "state:russia",
        citation: { document: "document:kremlin-cis-summit-2020-12-18", quote: "Commonwealth" }) {
        changes { op entity after } } }"#;
    let (_, body) = app.send(Some(&token), cite, Value::Null).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let stored: Option<String> =
        sqlx::query_scalar("SELECT text FROM documents WHERE node_id = $1")
            .bind("document:kremlin-cis-summit-2020-12-18")
            .fetch_optional(&app.db.pool)
            .await
            .expect("query");
    assert!(
        stored.is_some_and(|t| t.len() > 1000),
        "the text is still stored"
    );
}

#[tokio::test]
async fn import_graph_takes_the_csv_shape_with_a_quote_per_row() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    add_document(&app, &token).await;
    let import = "mutation($nodes: String!, $edges: String!) {
        importGraph(input: { nodesCsv: $nodes, edgesCsv: $edges }) { changes { op entity } } }";
    let nodes = "id,type,name,source,quote\n\
        border-plan,Programme,Border Plan,document:border-plan-decision,The Border Plan for 2026-2030\n";
    let edges = "src,dst,type,source,quote\n\
        border-plan,goal:border-security,IMPLEMENTS,document:border-plan-decision,implements border security\n";
    let (status, body) = app
        .send(
            Some(&token),
            import,
            json!({ "nodes": nodes, "edges": edges }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["importGraph"]["changes"],
        json!([
            { "op": "CREATE", "entity": "programme:border-plan" },
            { "op": "CREATE", "entity": "programme:border-plan/IMPLEMENTS/goal:border-security" }
        ]),
        "{body}"
    );

    // The generator's shape has no quotes: every row is refused, by line, nothing written.
    let before = log_length(&app).await;
    let nodes = "id,type,name\n1,Goal,Goal 1\n2,Programme,Programme 2\n";
    let edges = "src,dst,type\n2,1,IMPLEMENTS\n";
    let (_, body) = app
        .send(
            Some(&token),
            import,
            json!({ "nodes": nodes, "edges": edges }),
        )
        .await;
    let fields: Vec<&str> = body["errors"][0]["extensions"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "input.nodesCsv:2.citations",
            "input.nodesCsv:3.citations",
            "input.edgesCsv:2.citations"
        ],
        "{body}"
    );
    assert_eq!(log_length(&app).await, before);
}

#[tokio::test]
async fn a_write_after_someone_else_wrote_the_file_starts_from_the_store() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    // Another process (here: the CLI's import, on the same file) adds a goal the served
    // snapshot does not hold.
    let dir = tempfile::TempDir::new().expect("dir");
    let (nodes, edges) = (dir.path().join("nodes.csv"), dir.path().join("edges.csv"));
    std::fs::write(&nodes, "id,type,name\nexternal,Goal,External goal\n").expect("nodes");
    std::fs::write(&edges, "src,dst,type\n").expect("edges");
    policygraph::import::import_csv(&app.db.store, &nodes, &edges, "cli-import", &|_| {})
        .await
        .expect("import");
    let body = app.query(r#"{ node(id: "goal:external") { id } }"#).await;
    assert_eq!(
        body["data"]["node"],
        Value::Null,
        "the served snapshot predates it"
    );

    // A write through the API must see it (and then serve it).
    let cite = r#"mutation { addCitation(entity: "goal:external", citation: {
        document: "document:kremlin-cis-summit-2020-12-18", quote: "Commonwealth" }) {
        changes { op entity } } }"#;
    let (status, body) = app.send(Some(&token), cite, Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"], Value::Null, "{body}");
    let body = app
        .query(r#"{ node(id: "goal:external") { citations { quote } } }"#)
        .await;
    assert_eq!(
        body["data"]["node"]["citations"][0]["quote"], "Commonwealth",
        "{body}"
    );
}

/// What is active in a year is kept with the snapshot, and a write's snapshot counts again.
#[tokio::test]
async fn what_is_active_in_a_year_follows_each_write() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    add_document(&app, &token).await;
    async fn active(app: &TestApp) -> u64 {
        let body = app
            .query(r#"{ nodes(activeIn: 2023, first: 100) { totalCount nodes { id } } }"#)
            .await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["nodes"]["totalCount"].as_u64().expect("count")
    }
    let before = active(&app).await;
    assert_eq!(active(&app).await, before, "asked again, the kept answer");
    for mutation in [
        r#"mutation { createNode(input: { id: "programme:border-plan-2026-2030",
             title: "Border Plan 2026-2030", citations: [{ document: "document:border-plan-decision",
             quote: "The Border Plan for 2026-2030" }] }) { id } }"#,
        r#"mutation { createEdge(input: { from: "programme:border-plan-2026-2030", kind: COVERS,
             to: "timespan:2021-2025", citations: [{ document: "document:border-plan-decision",
             quote: "The Border Plan for 2026" }] }) { id } }"#,
    ] {
        let (status, body) = app.send(Some(&token), mutation, Value::Null).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["errors"].is_null(), "{body}");
    }
    assert_eq!(active(&app).await, before + 1);
}
