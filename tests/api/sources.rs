//! What a reader of the sources needs from the API (the explorer's source viewer and evidence
//! in place use nothing else): a document's stored text, every quotation of it with what it
//! backs, and the explorer's own pages.

use serde_json::Value;

use crate::helpers::{seeds, spawn_app};

#[tokio::test]
async fn a_document_gives_its_text_and_every_quotation_in_text_order() {
    let app = spawn_app().await;
    let body = app
        .query(
            r#"{ node(id: "document:kremlin-cis-summit-2020-12-18") { ... on Document {
                sourcePath sourceText
                quotations { citation { startOffset endOffset excerpt } node { id } edge { id } }
            } } }"#,
        )
        .await;
    let doc = &body["data"]["node"];
    let path = doc["sourcePath"].as_str().expect("a source path");
    let stored = std::fs::read_to_string(seeds().join(path)).expect("the seed's source");
    assert_eq!(doc["sourceText"], stored.as_str(), "byte for byte");

    let characters: Vec<char> = stored.chars().collect();
    let quotations = doc["quotations"].as_array().expect("quotations");
    assert!(quotations.len() > 20, "{}", quotations.len());
    let mut last = 0;
    for q in quotations {
        let (start, end) = (
            q["citation"]["startOffset"].as_u64().expect("start") as usize,
            q["citation"]["endOffset"].as_u64().expect("end") as usize,
        );
        assert!(start >= last, "in text order");
        last = start;
        let passage: String = characters[start..end].iter().collect();
        assert_eq!(passage, q["citation"]["excerpt"].as_str().expect("excerpt"));
        assert!(
            q["node"].is_null() != q["edge"].is_null(),
            "backs one thing: {q}"
        );
    }
    assert!(
        quotations
            .iter()
            .any(|q| q["node"]["id"] == "programme:border-security-2021-2025")
    );
    assert!(quotations.iter().any(|q| q["edge"]["id"].is_string()));

    let other = app
        .query(r#"{ node(id: "goal:border-security") { id ... on Document { sourceText } } }"#)
        .await;
    assert_eq!(
        other["data"]["node"],
        serde_json::json!({ "id": "goal:border-security" }),
        "only documents have a text: {other}"
    );
}

#[tokio::test]
async fn the_explorer_is_served_at_the_root_with_its_assets_and_nothing_else() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    let html = page.text().await.expect("text");
    assert!(html.contains("/explorer/app.js"), "{html}");
    for (asset, kind) in [("app.js", "text/javascript"), ("explorer.css", "text/css")] {
        let response = app
            .client
            .get(format!("{}/explorer/{asset}", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(response.headers()["content-type"], kind);
    }
    let missing = app
        .client
        .get(format!("{}/explorer/../Cargo.toml", app.address))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), 404);
    let _: Value = app.query("{ __typename }").await;
}
