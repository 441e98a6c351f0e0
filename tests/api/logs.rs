//! Logs an operator can use: JSON lines that carry each request's id (the client's, or one the
//! server makes and returns), no colour codes when standard error is not a terminal, and the
//! version with its commit at start.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{TestDb, seeds};

/// `policygraph serve` with `args`, its log written to `log`; waits for its address.
fn serve(db: &TestDb, log: &std::path::Path, args: &[&str]) -> (Child, String) {
    let file = std::fs::File::create(log).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(["serve", "--listen", "127.0.0.1:0", "--seeds"])
        .arg(seeds())
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "policygraph=info,tower_http=debug")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("server starts");
    match address_in(log) {
        Some(address) => (child, address),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no address in {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
    }
}

/// The server's base URL once its log names it (within 30 s).
fn address_in(log: &std::path::Path) -> Option<String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(at) = text.find("http://127.0.0.1:") {
            let address: String = text[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\\')
                .collect();
            return Some(address.trim_end_matches("/graphql").to_owned());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn json_log_lines_carry_the_request_id_the_response_returns() {
    let db = TestDb::new().await;
    let dir = tempfile::TempDir::new().expect("temp dir");
    let log = dir.path().join("server.log");
    let (child, address) = serve(&db, &log, &["--log-format", "json"]);
    let client = reqwest::Client::new();
    let given = client
        .get(format!("{address}/healthz"))
        .header("x-request-id", "req-from-the-client")
        .send()
        .await
        .expect("healthz");
    assert_eq!(given.headers()["x-request-id"], "req-from-the-client");
    let made = client
        .get(format!("{address}/healthz"))
        .send()
        .await
        .expect("healthz");
    let made_id = made.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(!made_id.is_empty());
    // Give the server a moment to write the response lines.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(child);

    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let carries = |id: &str| lines.iter().any(|l| l["span"]["id"] == id);
    assert!(carries("req-from-the-client"), "{text}");
    assert!(carries(&made_id), "{text}");
    assert!(
        lines.iter().any(|l| l["message"] == "policygraph starting"
            && l["version"].as_str().is_some_and(|v| v.contains("commit"))),
        "{text}"
    );
}

#[tokio::test]
async fn text_logs_to_a_file_have_no_colour_codes() {
    let db = TestDb::new().await;
    let dir = tempfile::TempDir::new().expect("temp dir");
    let log = dir.path().join("server.log");
    let (child, address) = serve(&db, &log, &[]);
    reqwest::get(format!("{address}/healthz"))
        .await
        .expect("healthz");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(child);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("serving GraphQL at"), "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in a file: {text:?}");
}

#[tokio::test]
async fn a_server_prepares_todays_citation_report_at_start() {
    let db = TestDb::new().await;
    let dir = tempfile::TempDir::new().expect("temp dir");
    let log = dir.path().join("server.log");
    let (child, address) = serve(&db, &log, &["--log-format", "json"]);
    let started = Instant::now();
    let prepared = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let line = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["message"] == "citation report prepared");
        if let Some(line) = line {
            break line;
        }
        if started.elapsed() > Duration::from_secs(30) {
            stop(child);
            panic!("the report was not prepared within 30 s:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let body: Value = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&serde_json::json!({ "query": "{ citationReport { errors warnings } }" }))
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    stop(child);
    let report = &body["data"]["citationReport"];
    let total = report["errors"].as_u64().zip(report["warnings"].as_u64());
    assert_eq!(
        total.map(|(e, w)| e + w),
        prepared["findings"].as_u64(),
        "{body} against {prepared}"
    );
    assert!(prepared["findings"].as_u64() > Some(0), "{prepared}");
}
