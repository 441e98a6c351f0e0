//! The explorer in a real headless Chromium: `tests/browser/explorer.mjs` (npm's
//! playwright-core driving Debian's chromium) against the real server on an ephemeral port.
//! It needs Node.js, chromium and the packages of tests/browser, which `scripts/test.sh`
//! installs; without them this test fails and says so, it never skips. Screenshots of every
//! view land in `target/explorer-screenshots/`, with the matrix the coverage view downloads.

use std::path::Path;
use std::process::Command;

use policygraph::export::{self, Format};
use policygraph::graph::Graph;
use policygraph::store;

use policygraph::server::Access;

use crate::helpers::{Config, spawn_app, spawn_app_config, spawn_app_with};

#[tokio::test]
async fn the_explorer_answers_the_analyst_s_questions_in_a_real_browser() {
    let app = spawn_app().await;
    // A second server that wants a token for reads: the explorer must ask for one.
    let private = spawn_app_with(Access {
        private_reads: true,
        ..Access::default()
    })
    .await;
    let token = private.token("analyst").await;
    // A third whose `paths` searches stop after 30 expansions: the path finder shows what
    // such a search found, and says it was cut short.
    let cut = spawn_app_config(Config {
        limits: policygraph::api::Limits {
            max_expansions: 30,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = root.join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "tests/browser has no node_modules: run scripts/test.sh (the README's test command), \
         or `npm ci --prefix tests/browser`"
    );
    let shots = root.join("target/explorer-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    // A matrix left by an earlier run must not stand in for this one's download.
    let _ = std::fs::remove_file(shots.join("matrix.csv"));
    let address = app.address.clone();
    let private_address = private.address.clone();
    let cut_address = cut.address.clone();
    let downloads = shots.clone();
    // The browser runs on a blocking thread: this test's runtime keeps serving it.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser.join("explorer.mjs"))
            .arg(&address)
            .arg(&shots)
            .arg(&private_address)
            .arg(&token)
            .arg(&cut_address)
            .output()
    })
    .await
    .expect("joined")
    .unwrap_or_else(|e| panic!("cannot run node (install Node.js: scripts/test.sh): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The matrix the coverage view downloaded is the one the CLI exports.
    let downloaded =
        std::fs::read_to_string(downloads.join("matrix.csv")).expect("matrix.csv saved");
    let graph = Graph::build(store::read_all(&app.db.store).await.expect("read")).expect("graph");
    let mut exported = Vec::new();
    let nodes = export::select(&graph, None, 0);
    export::write(&graph, &nodes, Format::Matrix, &mut exported).expect("matrix");
    assert_eq!(downloaded, String::from_utf8(exported).expect("utf-8"));
}
