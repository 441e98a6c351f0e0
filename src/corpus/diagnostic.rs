//! Findings about a seed corpus, each pinned to a file, line, column and key.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; the corpus still loads.
    Warning,
    /// The corpus cannot be loaded until this is fixed.
    Error,
}

/// One finding, located in a seed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable machine-readable class, e.g. `quote-not-found`.
    pub code: &'static str,
    /// The seed file (or source text) the finding is about.
    pub file: PathBuf,
    /// 1-based line in `file`.
    pub line: u32,
    /// 1-based column (in characters) in `file`.
    pub column: u32,
    /// Dotted path of the offending key, e.g. `node[3].cite[0].quote`.
    pub key: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl Diagnostic {
    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}[{}] {}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.code,
            self.key,
            self.message
        )
    }
}

/// Stable codes of every finding the corpus reader emits.
pub mod code {
    /// A file could not be read.
    pub const IO: &str = "io";
    /// The TOML itself is malformed.
    pub const SYNTAX: &str = "syntax";
    /// A key the format does not know (or not on this kind of entity).
    pub const UNKNOWN_KEY: &str = "unknown-key";
    /// A required key is absent.
    pub const MISSING_KEY: &str = "missing-key";
    /// A key has a value of the wrong type.
    pub const WRONG_TYPE: &str = "wrong-type";
    /// An id is malformed.
    pub const BAD_ID: &str = "bad-id";
    /// A node or edge kind that does not exist.
    pub const UNKNOWN_KIND: &str = "unknown-kind";
    /// Two nodes (or two edges) with the same id.
    pub const DUPLICATE_ID: &str = "duplicate-id";
    /// An edge end that names no node.
    pub const DANGLING_REFERENCE: &str = "dangling-reference";
    /// A date that is not a real calendar date, or a span that ends before it starts.
    pub const BAD_DATE: &str = "bad-date";
    /// An entity with no citation.
    pub const MISSING_CITATION: &str = "missing-citation";
    /// A citation into a document that does not exist or has no source text.
    pub const UNKNOWN_SOURCE: &str = "unknown-source";
    /// A quote that does not occur in its source.
    pub const QUOTE_NOT_FOUND: &str = "quote-not-found";
    /// A quote that occurs more than once in its source (the first occurrence is recorded).
    pub const AMBIGUOUS_QUOTE: &str = "ambiguous-quote";
}
