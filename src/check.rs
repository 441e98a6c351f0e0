//! `policygraph check`: the corpus findings a CI pipeline gates on, in the formats CI systems
//! read (plain text, JSON, JUnit XML, SARIF 2.1.0, GitHub workflow annotations).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::corpus::Reading;
use crate::corpus::diagnostic::{Diagnostic, Severity, code};
use crate::model::NodeKind;

/// Output formats of `check`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Readable lines grouped by file: `file:line:column: severity[code] key: message`.
    Text,
    /// One JSON object with the counts and every finding.
    Json,
    /// JUnit XML: one test case per programme (failed when it has an error), one per other finding.
    Junit,
    /// SARIF 2.1.0, for code-scanning views that point at the offending seed line.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...,line=...::message`).
    Github,
}

/// What `check` exits with: 0 clean, 1 failing findings, 2 when a file could not be read.
pub fn exit_code(reading: &Reading, deny_warnings: bool) -> u8 {
    if reading.diagnostics.iter().any(|d| d.code == code::IO) {
        return 2;
    }
    let failing = reading
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error || deny_warnings);
    u8::from(failing)
}

/// Writes the findings of `reading` (of the seed directory `seeds`) in `format`.
pub fn report(
    reading: &Reading,
    seeds: &std::path::Path,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text(reading, out),
        Format::Json => {
            let (errors, warnings) = counts(reading);
            let body = json!({
                "errors": errors,
                "warnings": warnings,
                "nodes": reading.corpus.nodes.len(),
                "edges": reading.corpus.edges.len(),
                "findings": reading.diagnostics,
            });
            writeln!(out, "{body:#}")
        }
        Format::Junit => junit(reading, out),
        Format::Sarif => writeln!(out, "{:#}", sarif(reading, seeds)),
        Format::Github => github(reading, out),
    }
}

fn counts(reading: &Reading) -> (usize, usize) {
    let errors = reading.error_count();
    (errors, reading.diagnostics.len() - errors)
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn text(reading: &Reading, out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_file: BTreeMap<&Path, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &reading.diagnostics {
        by_file.entry(d.file.as_path()).or_default().push(d);
    }
    for (file, findings) in &by_file {
        let errors = findings.iter().filter(|d| d.is_error()).count();
        writeln!(
            out,
            "{}: {errors} error(s), {} warning(s)",
            file.display(),
            findings.len() - errors
        )?;
        for d in findings {
            writeln!(out, "  {d}")?;
        }
        writeln!(out)?;
    }
    let (errors, warnings) = counts(reading);
    let corpus = &reading.corpus;
    writeln!(
        out,
        "{} nodes, {} edges, {} source texts: {errors} error(s), {warnings} warning(s)",
        corpus.nodes.len(),
        corpus.edges.len(),
        corpus.sources.len()
    )
}

/// Escapes text for XML attribute and element content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn junit(reading: &Reading, out: &mut dyn Write) -> std::io::Result<()> {
    // Findings about a programme belong to its test case; the rest get one case each.
    let programmes: Vec<&str> = reading
        .corpus
        .nodes
        .iter()
        .filter(|n| n.kind() == NodeKind::Programme)
        .map(|n| n.id.as_str())
        .collect();
    let about = |d: &Diagnostic, id: &str| d.key == id || owner_of(reading, d) == Some(id);
    let mut cases = Vec::new();
    let mut failures = 0;
    let mut claimed = vec![false; reading.diagnostics.len()];
    for id in &programmes {
        let mut body = String::new();
        for (i, d) in reading.diagnostics.iter().enumerate() {
            if about(d, id) {
                claimed[i] = true;
                body.push_str(&case_body(d));
            }
        }
        if body.contains("<failure") {
            failures += 1;
        }
        let file = reading
            .corpus
            .origins
            .get(*id)
            .map_or(String::new(), |o| o.file.display().to_string());
        cases.push(format!(
            "    <testcase classname=\"programmes\" name=\"{}\" file=\"{}\">{body}</testcase>\n",
            xml(id),
            xml(&file)
        ));
    }
    for (i, d) in reading.diagnostics.iter().enumerate() {
        if claimed[i] {
            continue;
        }
        if d.is_error() {
            failures += 1;
        }
        cases.push(format!(
            "    <testcase classname=\"corpus\" name=\"{}\" file=\"{}\">{}</testcase>\n",
            xml(&format!("{} {}", d.code, d.key)),
            xml(&d.file.display().to_string()),
            case_body(d)
        ));
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"policygraph check\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    )?;
    writeln!(
        out,
        "  <testsuite name=\"policygraph check\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    )?;
    for case in cases {
        write!(out, "{case}")?;
    }
    writeln!(out, "  </testsuite>\n</testsuites>")
}

/// The id of the node whose `[[node]]` table contains the finding, if any (the nearest
/// declaration above it in the same file, when that is a node rather than an edge).
fn owner_of<'a>(reading: &'a Reading, d: &Diagnostic) -> Option<&'a str> {
    reading
        .corpus
        .origins
        .iter()
        .filter(|(_, o)| o.file == d.file && o.line <= d.line)
        .max_by_key(|(_, o)| o.line)
        .map(|(id, _)| id.as_str())
        .filter(|id| !id.contains('/'))
}

fn case_body(d: &Diagnostic) -> String {
    let location = format!("{}:{}:{}", d.file.display(), d.line, d.column);
    match d.severity {
        Severity::Error => format!(
            "<failure type=\"{}\" message=\"{}\">{}</failure>",
            xml(d.code),
            xml(&d.message),
            xml(&location)
        ),
        Severity::Warning => format!(
            "<system-out>{}</system-out>",
            xml(&format!("warning[{}] {location}: {}", d.code, d.message))
        ),
    }
}

/// The `file:` URI of a directory, ending in `/` (the SARIF base the artifacts are relative to).
fn directory_uri(dir: &std::path::Path) -> String {
    let absolute = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let text = absolute.display().to_string().replace('\\', "/");
    let encoded = text.replace('%', "%25").replace(' ', "%20");
    let slash = if encoded.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}/", encoded.trim_end_matches('/'))
}

/// A path relative to `base` with `/` separators, for a SARIF artifact URI.
fn relative_uri(path: &std::path::Path, base: &std::path::Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative
        .display()
        .to_string()
        .replace('\\', "/")
        .replace('%', "%25")
        .replace(' ', "%20")
}

fn sarif(reading: &Reading, seeds: &std::path::Path) -> serde_json::Value {
    let mut rules: Vec<&str> = reading.diagnostics.iter().map(|d| d.code).collect();
    rules.sort_unstable();
    rules.dedup();
    let results: Vec<_> = reading
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "ruleId": d.code,
                "level": severity_word(d.severity),
                "message": { "text": format!("{}: {}", d.key, d.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": relative_uri(&d.file, seeds),
                            "uriBaseId": "SEEDS",
                        },
                        "region": { "startLine": d.line, "startColumn": d.column }
                    }
                }]
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "policygraph",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| {
                    let rule = crate::catalogue::rule(r);
                    json!({
                        "id": r,
                        "shortDescription": { "text": rule.short },
                        "fullDescription": { "text": rule.full },
                        "help": { "text": rule.help },
                    })
                }).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": { "SEEDS": { "uri": directory_uri(seeds) } },
            "results": results,
        }]
    })
}

/// Escapes a workflow-command value (`%`, CR, LF; in properties also `:` and `,`).
fn gh(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn github(reading: &Reading, out: &mut dyn Write) -> std::io::Result<()> {
    for d in &reading.diagnostics {
        writeln!(
            out,
            "::{} file={},line={},col={},title={}::{}",
            severity_word(d.severity),
            gh(&d.file.display().to_string(), true),
            d.line,
            d.column,
            gh(&format!("{} {}", d.code, d.key), true),
            gh(&d.message, false)
        )?;
    }
    let (errors, warnings) = counts(reading);
    writeln!(
        out,
        "policygraph check: {errors} error(s), {warnings} warning(s)"
    )
}
