//! The explorer in a real headless Chromium: `tests/browser/explorer.mjs` (npm's
//! playwright-core driving Debian's chromium) against the real server on an ephemeral port.
//! It needs Node.js, chromium and the packages of tests/browser, which `scripts/test.sh`
//! installs; without them this test fails and says so, it never skips. Screenshots of every
//! view land in `target/explorer-screenshots/`.

use std::path::Path;
use std::process::Command;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_explorer_answers_the_analyst_s_questions_in_a_real_browser() {
    let app = spawn_app().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = root.join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "tests/browser has no node_modules: run scripts/test.sh (the README's test command), \
         or `npm ci --prefix tests/browser`"
    );
    let shots = root.join("target/explorer-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    let address = app.address.clone();
    // The browser runs on a blocking thread: this test's runtime keeps serving it.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser.join("explorer.mjs"))
            .arg(&address)
            .arg(&shots)
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
}
