//! `policygraph check` as CI runs it: exit codes, findings, and every output format.

use std::path::Path;
use std::process::Command;

use policygraph::corpus;
use policygraph::model::PartialDate;
use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::seeds;

const SOURCE: &str = "The Plan for 2021\u{2013}2025 serves the goal of peace. Peace needs trade.";

/// A corpus with one source text and the given seed file body after a header (lines 1-7).
fn corpus(body: &str) -> TempDir {
    let dir = TempDir::new().expect("dir");
    std::fs::create_dir(dir.path().join("sources")).expect("sources");
    std::fs::write(dir.path().join("sources/s.txt"), SOURCE).expect("source");
    let header = "source = \"document:s\"\n\n[[node]]\nid = \"document:s\"\ntitle = \"S\"\n\
                  text = \"sources/s.txt\"\ncite = [\"The Plan\"]\n";
    std::fs::write(dir.path().join("a.toml"), format!("{header}{body}")).expect("seed");
    dir
}

const CYCLE: &str = r#"
[[node]]
id = "goal:peace"
title = "Peace"
cite = ["the goal of peace"]

[[node]]
id = "goal:trade"
title = "Trade"
cite = ["Peace needs trade."]

[[edge]]
from = "goal:peace"
kind = "DEPENDS_ON"
to = "goal:trade"
cite = ["Peace needs trade."]

[[edge]]
from = "goal:trade"
kind = "DEPENDS_ON"
to = "goal:peace"
cite = ["Peace needs trade."]
"#;

const ENDED: &str = r#"
[[node]]
id = "programme:plan"
title = "Plan"
cite = ["The Plan for 2021-2025"]

[[node]]
id = "timespan:2021-2025"
title = "2021-2025"
start = "2021"
end = "2025"
cite = ["2021-2025"]

[[edge]]
from = "programme:plan"
kind = "COVERS"
to = "timespan:2021-2025"
cite = ["The Plan for 2021-2025"]

[[node]]
id = "goal:peace"
title = "Peace"
cite = ["the goal of peace"]
"#;

fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .arg("check")
        .arg("--seeds")
        .arg(dir)
        .args(args)
        .output()
        .expect("runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    (output.status.code().expect("exit code"), stdout)
}

#[test]
fn the_real_seeds_pass_the_check() {
    let (code, out) = check(&seeds(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s)"), "{out}");
}

#[test]
fn a_depends_on_cycle_is_an_error_that_names_the_cycle_and_refuses_a_load() {
    let dir = corpus(CYCLE);
    let reading = corpus::read(dir.path());
    let cycle = reading
        .diagnostics
        .iter()
        .find(|d| d.code == "cycle")
        .unwrap_or_else(|| panic!("{:#?}", reading.diagnostics));
    assert!(cycle.is_error());
    assert!(
        cycle
            .message
            .contains("goal:peace -> goal:trade -> goal:peace"),
        "{cycle}"
    );
    assert_eq!(cycle.line, 19, "{cycle}");
    assert!(policygraph::state::read_seeds(dir.path()).is_err());
    let (code, _) = check(dir.path(), &[]);
    assert_eq!(code, 1);
}

#[test]
fn an_ended_programme_without_successor_and_an_unimplemented_goal_are_warnings() {
    let dir = corpus(ENDED);
    let before = corpus::read_as_of(dir.path(), PartialDate::parse("2025-06").expect("date"));
    let after = corpus::read_as_of(dir.path(), PartialDate::parse("2026").expect("date"));
    let codes = |r: &corpus::Reading| -> Vec<(&str, u32)> {
        r.diagnostics.iter().map(|d| (d.code, d.line)).collect()
    };
    assert_eq!(codes(&before), vec![("unimplemented-goal", 27)]);
    assert_eq!(
        codes(&after),
        vec![("ended-without-successor", 9), ("unimplemented-goal", 27)]
    );
    assert_eq!(after.error_count(), 0);
}

#[test]
fn warnings_fail_only_under_deny_warnings() {
    let dir = corpus(ENDED);
    assert_eq!(check(dir.path(), &["--as-of", "2026"]).0, 0);
    assert_eq!(
        check(dir.path(), &["--as-of", "2026", "--deny", "warnings"]).0,
        1
    );
}

#[test]
fn usage_and_io_errors_exit_with_2() {
    let missing = Path::new("/nonexistent/seeds");
    assert_eq!(check(missing, &[]).0, 2);
    let dir = corpus(ENDED);
    assert_eq!(check(dir.path(), &["--format", "yaml"]).0, 2);
    assert_eq!(check(dir.path(), &["--as-of", "someday"]).0, 2);
}

#[test]
fn the_text_format_groups_findings_by_file_with_file_and_line() {
    let dir = corpus(CYCLE);
    let (_, out) = check(dir.path(), &[]);
    let file = dir.path().join("a.toml").display().to_string();
    assert!(
        out.starts_with(&format!("{file}: 1 error(s), 2 warning(s)")),
        "{out}"
    );
    assert!(
        out.contains(&format!("  {file}:19:1: error[cycle]")),
        "{out}"
    );
}

#[test]
fn the_json_format_counts_and_lists_findings() {
    let dir = corpus(CYCLE);
    let (_, out) = check(dir.path(), &["--format", "json"]);
    let body: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (body["errors"].clone(), body["warnings"].clone()),
        (1.into(), 2.into())
    );
    let findings = body["findings"].as_array().expect("findings");
    let cycle = findings
        .iter()
        .find(|f| f["code"] == "cycle")
        .expect("cycle");
    assert_eq!(
        (cycle["line"].clone(), cycle["severity"].clone()),
        (19.into(), "error".into())
    );
}

#[test]
fn the_junit_format_has_a_test_case_per_programme() {
    let dir = corpus(&format!(
        "{ENDED}\n[[node]]\nid = \"programme:ghost\"\ntitle = \"Ghost\"\ncite = [\"not in the text\"]\n"
    ));
    let (code, out) = check(dir.path(), &["--format", "junit", "--as-of", "2026"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<?xml"), "{out}");
    assert!(out.contains("name=\"programme:plan\""), "{out}");
    let ghost = out
        .lines()
        .find(|l| l.contains("name=\"programme:ghost\""))
        .expect("ghost case");
    assert!(
        ghost.contains("<failure type=\"quote-not-found\""),
        "{ghost}"
    );
    assert!(
        ghost.contains("<failure type=\"unverified-programme\""),
        "{ghost}"
    );
    assert!(out.contains("failures=\"1\""), "{out}");
}

#[test]
fn the_sarif_format_points_at_the_seed_line() {
    let dir = corpus(CYCLE);
    let (_, out) = check(dir.path(), &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let result = results
        .iter()
        .find(|r| r["ruleId"] == "cycle")
        .expect("cycle");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["region"]["startLine"], 19);
    // Relative to the seed directory, which the run names as its `SEEDS` base.
    let artifact = &location["artifactLocation"];
    assert_eq!(artifact["uriBaseId"], "SEEDS");
    let uri = artifact["uri"].as_str().expect("uri");
    assert!(!uri.starts_with('/') && uri.ends_with(".toml"), "{uri}");
    let base = sarif["runs"][0]["originalUriBaseIds"]["SEEDS"]["uri"]
        .as_str()
        .expect("base");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    // Every rule says what it checks and what to do.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[field]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{rule}"
            );
        }
    }
}

#[test]
fn the_github_format_prints_workflow_annotations() {
    let dir = corpus(CYCLE);
    let (_, out) = check(dir.path(), &["--format", "github"]);
    let error = out
        .lines()
        .find(|l| l.starts_with("::error file="))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(error.contains(",line=19,col=1,title=cycle "), "{error}");
    assert!(out.contains("::warning file="), "{out}");
}
