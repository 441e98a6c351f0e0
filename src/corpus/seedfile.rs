//! Reading one seed file: TOML with spans, every key checked, every problem collected.
//!
//! The format (documented in `seeds/README.md`):
//! ```toml
//! source = "document:kremlin-2020-12-18"      # default document for quotes in this file
//!
//! [[node]]
//! id = "programme:border-security-2021-2025"
//! title = "CIS Programme of Cooperation to Strengthen Border Security for 2021–2025"
//! cite = ["the CIS Programme of Cooperation to Strengthen Border Security for 2021–2025"]
//!
//! [[edge]]
//! from = "programme:border-security-2021-2025"
//! kind = "COVERS"
//! to = "timespan:2021-2025"
//! cite = [{ source = "document:other", quote = "for 2021–2025" }]
//!
//! [[edge]]                                   # a relation that holds for a time
//! from = "body:cis"
//! kind = "CHAIRED_BY"
//! to = "state:belarus"
//! valid_from = "2021"                        # optional; absent = open
//! valid_to = "2021"
//! cite = ["chairing the CIS in 2021"]
//! ```

use std::borrow::Cow;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, Severity, code};
use crate::model::NodeKind;

/// A position in a seed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spot {
    /// Index of the file in the reading's file list.
    pub file: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

/// A string value together with where it was written and under which key.
#[derive(Clone, Debug)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where the value starts.
    pub spot: Spot,
    /// Dotted key path, e.g. `node[2].cite[0].quote`.
    pub key: String,
}

/// One citation as written in a seed file, not yet found in its source.
#[derive(Clone, Debug)]
pub struct RawCite {
    /// The quote text.
    pub quote: Located<String>,
    /// The document named by the citation itself, if any (else the file's default `source`).
    pub source: Option<Located<String>>,
}

/// A node as written; values are checked for type but ids and dates not yet resolved.
#[derive(Clone, Debug, Default)]
pub struct RawNode {
    /// Where the `[[node]]` table starts, for findings about missing keys.
    pub at: Option<Spot>,
    /// Key path of the table, e.g. `node[2]`.
    pub key: String,
    /// The raw fields that hold strings, by name.
    pub fields: Vec<(&'static str, Located<String>)>,
    /// Citations.
    pub cites: Vec<RawCite>,
}

impl RawNode {
    /// The located value of `name`, if present.
    pub fn field(&self, name: &str) -> Option<&Located<String>> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// The result of reading one seed file.
#[derive(Debug, Default)]
pub struct RawFile {
    /// Default document for citations written as plain strings.
    pub source: Option<Located<String>>,
    /// `[[node]]` tables.
    pub nodes: Vec<RawNode>,
    /// `[[edge]]` tables (same shape: fields and citations).
    pub edges: Vec<RawNode>,
    /// `[[cite]]` tables: more evidence, from this file's source, for an entity declared
    /// anywhere in the corpus (fields `node` or `edge`, `quote`, optional `source`).
    pub extra: Vec<RawNode>,
}

/// Which array of tables an entity table belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Node,
    Edge,
    Cite,
}

/// Keys of a `[[cite]]` table.
const CITE_KEYS: &[&str] = &["node", "edge", "quote", "source"];

/// Keys every node may carry.
pub const NODE_COMMON: &[&str] = &["id", "title", "note", "cite"];
/// Keys an edge may carry; `valid_from` / `valid_to` date a relation that holds for a time.
const EDGE_KEYS: &[&str] = &[
    "from",
    "kind",
    "to",
    "note",
    "valid_from",
    "valid_to",
    "cite",
];

/// Keys a node of `kind` may carry besides the common ones.
pub fn node_extra_keys(kind: NodeKind) -> &'static [&'static str] {
    match kind {
        NodeKind::Document => &["date", "text"],
        NodeKind::Summit => &["date", "place", "format"],
        NodeKind::Programme | NodeKind::Measure => &["date"],
        NodeKind::TimeSpan => &["start", "end"],
        NodeKind::Goal | NodeKind::Body | NodeKind::State => &[],
    }
}

/// Every key any node may carry: used when the node's kind is unknown (its id is bad).
const NODE_ANY: &[&str] = &[
    "id", "title", "note", "cite", "date", "text", "place", "format", "start", "end",
];

/// The keys a node table may carry, given its `id` (when the id names a kind).
fn node_keys(table: &DeTable<'_>) -> Vec<&'static str> {
    let kind = table
        .get("id")
        .and_then(|v| v.get_ref().as_str())
        .and_then(|id| id.split_once(':'))
        .and_then(|(kind, _)| NodeKind::parse(kind));
    match kind {
        Some(kind) => NODE_COMMON
            .iter()
            .chain(node_extra_keys(kind))
            .copied()
            .collect(),
        None => NODE_ANY.to_vec(),
    }
}

/// Turns byte offsets into line and column.
pub struct LineMap<'a> {
    text: &'a str,
    starts: Vec<usize>,
    file: usize,
}

impl<'a> LineMap<'a> {
    /// Indexes the line starts of `text`, which is file number `file`.
    pub fn new(text: &'a str, file: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineMap { text, starts, file }
    }

    /// The spot of byte offset `byte`.
    pub fn spot(&self, byte: usize) -> Spot {
        let byte = byte.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= byte) - 1;
        let start = self.starts[line];
        let column = self.text.get(start..byte).map_or(0, |s| s.chars().count());
        Spot {
            file: self.file,
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }
}

/// Collects findings for one file.
pub struct Sink<'a> {
    /// Findings so far.
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// The file's path as shown to users.
    pub path: &'a Path,
}

impl Sink<'_> {
    fn error(&mut self, spot: Spot, code: &'static str, key: &str, message: String) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code,
            file: self.path.to_path_buf(),
            line: spot.line,
            column: spot.column,
            key: key.to_owned(),
            message,
        });
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a TOML date (quote it: \"2021-01-01\")",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Parses the text of one seed file; findings go to `sink`.
pub fn parse(text: &str, lines: &LineMap<'_>, sink: &mut Sink<'_>) -> RawFile {
    let (document, errors) = DeTable::parse_recoverable(text);
    for error in &errors {
        let spot = lines.spot(error.span().map_or(0, |s| s.start));
        sink.error(spot, code::SYNTAX, "", error.message().trim().to_owned());
    }
    let mut file = RawFile::default();
    for (key, value) in document.get_ref().iter() {
        let spot = lines.spot(key.span().start);
        match key.get_ref().as_ref() {
            "source" => file.source = string(value, "source", lines, sink),
            name @ ("node" | "edge" | "cite") => {
                let DeValue::Array(items) = value.get_ref() else {
                    let message = format!(
                        "`{name}` must be an array of tables (`[[{name}]]`), found {}",
                        type_name(value.get_ref())
                    );
                    sink.error(spot, code::WRONG_TYPE, name, message);
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{name}[{i}]");
                    let table = match name {
                        "node" => Table::Node,
                        "edge" => Table::Edge,
                        _ => Table::Cite,
                    };
                    if let Some(raw) = entity(item, &path, table, lines, sink) {
                        match table {
                            Table::Node => file.nodes.push(raw),
                            Table::Edge => file.edges.push(raw),
                            Table::Cite => file.extra.push(raw),
                        }
                    }
                }
            }
            other => sink.error(
                spot,
                code::UNKNOWN_KEY,
                other,
                "unknown top-level key (known: source, node, edge, cite)".to_owned(),
            ),
        }
    }
    file
}

/// Reads a `[[node]]` or `[[edge]]` table.
fn entity(
    item: &Spanned<DeValue<'_>>,
    path: &str,
    table_kind: Table,
    lines: &LineMap<'_>,
    sink: &mut Sink<'_>,
) -> Option<RawNode> {
    let at = lines.spot(item.span().start);
    let DeValue::Table(table) = item.get_ref() else {
        let message = format!("expected a table, found {}", type_name(item.get_ref()));
        sink.error(at, code::WRONG_TYPE, path, message);
        return None;
    };
    let is_node = table_kind == Table::Node;
    let allowed = match table_kind {
        Table::Node => node_keys(table),
        Table::Edge => EDGE_KEYS.to_vec(),
        Table::Cite => CITE_KEYS.to_vec(),
    };
    let mut raw = RawNode {
        at: Some(at),
        key: path.to_owned(),
        ..RawNode::default()
    };
    for (key, value) in table.iter() {
        let name: &str = key.get_ref().as_ref();
        let key_path = format!("{path}.{name}");
        let Some(&known) = allowed.iter().find(|k| **k == name) else {
            let what = match (is_node, table.get("id").and_then(|v| v.get_ref().as_str())) {
                (true, Some(id)) => format!(" on `{id}`"),
                _ => String::new(),
            };
            let message = format!("unknown key `{name}`{what} (known: {})", allowed.join(", "));
            sink.error(
                lines.spot(key.span().start),
                code::UNKNOWN_KEY,
                &key_path,
                message,
            );
            continue;
        };
        if known == "cite" {
            raw.cites = cites(value, &key_path, lines, sink);
        } else if let Some(v) = string(value, &key_path, lines, sink) {
            raw.fields.push((known, v));
        }
    }
    Some(raw)
}

/// Reads `cite = [...]`: each item a quote string or `{ quote = "...", source = "document:..." }`.
fn cites(
    value: &Spanned<DeValue<'_>>,
    path: &str,
    lines: &LineMap<'_>,
    sink: &mut Sink<'_>,
) -> Vec<RawCite> {
    let items: Cow<'_, [Spanned<DeValue<'_>>]> = match value.get_ref() {
        DeValue::Array(items) => Cow::Borrowed(&items[..]),
        DeValue::String(_) | DeValue::Table(_) => Cow::Owned(vec![value.clone()]),
        other => {
            let message = format!(
                "`cite` must be a quote, a table or an array of them, found {}",
                type_name(other)
            );
            sink.error(
                lines.spot(value.span().start),
                code::WRONG_TYPE,
                path,
                message,
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("{path}[{i}]");
        let spot = lines.spot(item.span().start);
        match item.get_ref() {
            DeValue::String(s) => out.push(RawCite {
                quote: Located {
                    value: s.to_string(),
                    spot,
                    key,
                },
                source: None,
            }),
            DeValue::Table(table) => {
                let mut quote = None;
                let mut source = None;
                for (k, v) in table.iter() {
                    let name: &str = k.get_ref().as_ref();
                    let sub = format!("{key}.{name}");
                    match name {
                        "quote" => quote = string(v, &sub, lines, sink),
                        "source" => source = string(v, &sub, lines, sink),
                        _ => sink.error(
                            lines.spot(k.span().start),
                            code::UNKNOWN_KEY,
                            &sub,
                            format!("unknown key `{name}` in a citation (known: quote, source)"),
                        ),
                    }
                }
                match quote {
                    Some(quote) => out.push(RawCite { quote, source }),
                    None => sink.error(
                        spot,
                        code::MISSING_KEY,
                        &key,
                        "a citation table needs `quote`".to_owned(),
                    ),
                }
            }
            other => sink.error(
                spot,
                code::WRONG_TYPE,
                &key,
                format!(
                    "a citation is a string or a table, found {}",
                    type_name(other)
                ),
            ),
        }
    }
    out
}

/// Reads a string value, reporting anything else.
fn string(
    value: &Spanned<DeValue<'_>>,
    key: &str,
    lines: &LineMap<'_>,
    sink: &mut Sink<'_>,
) -> Option<Located<String>> {
    let spot = lines.spot(value.span().start);
    match value.get_ref() {
        DeValue::String(s) => Some(Located {
            value: s.to_string(),
            spot,
            key: key.to_owned(),
        }),
        other => {
            let message = format!("expected a string, found {}", type_name(other));
            sink.error(spot, code::WRONG_TYPE, key, message);
            None
        }
    }
}
