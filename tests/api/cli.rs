//! The command line on a database that is not there: a command that only reads or adds to a
//! database refuses a missing file (a mistyped `DATABASE_URL` must not become an empty
//! database and a silent "nothing"), one that makes a database creates it and says so.

use std::process::{Command, Output};

use crate::helpers::seeds;

fn policygraph(args: &[&str], database: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("NO_COLOR", "1")
        .output()
        .expect("policygraph runs")
}

#[test]
fn reading_commands_refuse_a_database_that_does_not_exist() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let missing = dir.path().join("typo.db");
    for args in [
        &["query", "{ nodes { totalCount } }"][..],
        &["token", "create", "--name", "ci"],
        &["token", "list"],
        &["export", "--format", "json"],
        &["doctor"],
    ] {
        let out = policygraph(args, &missing);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("no database at"), "{args:?}: {stderr}");
        assert!(stderr.contains("typo.db"), "{args:?}: {stderr}");
        assert!(!missing.exists(), "{args:?} created the file");
    }
}

#[test]
fn load_creates_the_database_and_says_so() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let fresh = dir.path().join("fresh.db");
    let seeds = seeds();
    let out = policygraph(&["load", "--seeds", &seeds.to_string_lossy()], &fresh);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("creating a new database"), "{stderr}");
    assert!(fresh.exists());
    // And the reading commands accept it now.
    let out = policygraph(&["query", "{ nodes { totalCount } }"], &fresh);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_are_valid_shell_and_the_manual_names_every_command() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let unused = dir.path().join("unused.db");
    let out = policygraph(&["completions", "bash"], &unused);
    assert_eq!(out.status.code(), Some(0));
    let script = dir.path().join("policygraph.bash");
    std::fs::write(&script, &out.stdout).expect("script");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["serve", "load", "import", "export", "token", "doctor"] {
        assert!(
            text.contains(command),
            "{command} missing from the completions"
        );
    }
    let man = policygraph(&["man"], &unused);
    assert_eq!(man.status.code(), Some(0));
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(page.contains(".TH policygraph 1"), "{page}");
    for command in [
        "serve",
        "load",
        "import",
        "export",
        "token",
        "doctor",
        "completions",
    ] {
        assert!(page.contains(command), "{command} missing from the manual");
    }
    assert!(!unused.exists(), "printing help text created a database");
}

#[tokio::test]
async fn healthcheck_exits_0_on_a_ready_server_and_1_on_no_server() {
    let app = crate::helpers::spawn_app().await;
    let dir = tempfile::TempDir::new().expect("temp dir");
    let unused = dir.path().join("unused.db");
    let ready = format!("{}/readyz", app.address);
    let out = tokio::task::spawn_blocking({
        let unused = unused.clone();
        move || policygraph(&["healthcheck", &ready], &unused)
    })
    .await
    .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing listens on port 9 (discard) here.
    let out = policygraph(&["healthcheck", "http://127.0.0.1:9/readyz"], &unused);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no answer"));
}
