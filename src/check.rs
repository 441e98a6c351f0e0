//! `policygraph check`: the corpus findings a CI pipeline gates on, in several formats.

use std::io::Write;

use serde_json::json;

use crate::corpus::Reading;
use crate::corpus::diagnostic::Severity;

/// Output formats of `check`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Readable lines, `file:line:column: severity[code] key: message`, then a summary.
    Text,
    /// One JSON object with the findings and counts.
    Json,
}

/// Writes the findings of `reading` in `format`.
pub fn report(reading: &Reading, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    let errors = reading.error_count();
    let warnings = reading.diagnostics.len() - errors;
    match format {
        Format::Text => {
            for d in &reading.diagnostics {
                writeln!(out, "{d}")?;
            }
            let corpus = &reading.corpus;
            writeln!(
                out,
                "{} nodes, {} edges, {} source texts: {errors} error(s), {warnings} warning(s)",
                corpus.nodes.len(),
                corpus.edges.len(),
                corpus.sources.len()
            )
        }
        Format::Json => {
            let body = json!({
                "errors": errors,
                "warnings": warnings,
                "findings": reading.diagnostics,
            });
            writeln!(out, "{body:#}")
        }
    }
}

/// The exit code for these findings: 1 when there is an error (or a warning under `deny_warnings`).
pub fn exit_code(reading: &Reading, deny_warnings: bool) -> u8 {
    let failing = reading
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error || deny_warnings);
    u8::from(failing)
}
