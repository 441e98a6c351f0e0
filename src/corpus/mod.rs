//! The seed corpus: TOML entity files plus the source texts they quote, read into a validated
//! model with every quote located in its source.
//!
//! [`read`] never stops at the first problem: it returns every finding of the whole directory,
//! and callers refuse to write anything when one of them is an error.

pub mod diagnostic;
pub mod quote;
pub mod seedfile;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use diagnostic::{Diagnostic, Severity, code};
use quote::QuoteIndex;
use seedfile::{LineMap, Located, RawCite, RawFile, RawNode, Sink, Spot};

use crate::findings;
use crate::model::{Citation, Edge, EdgeKind, Node, NodeId, NodeKind, PartialDate, SourceText};

/// A validated corpus, ready to store.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    /// Every node, in file order.
    pub nodes: Vec<Node>,
    /// Every edge, in file order.
    pub edges: Vec<Edge>,
    /// Full texts of the documents that have one.
    pub sources: Vec<SourceText>,
    /// Where each node and edge (by id) is declared, for reports.
    pub origins: HashMap<String, Origin>,
}

/// Where an entity is declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The seed file.
    pub file: PathBuf,
    /// 1-based line of its table.
    pub line: u32,
}

/// What reading a seed directory produced: the valid part of the corpus and every finding.
#[derive(Debug, Default)]
pub struct Reading {
    /// The entities that passed validation (complete only when there are no errors).
    pub corpus: Corpus,
    /// Every error and warning, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Reading {
    /// Number of errors among the findings.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Reads every `*.toml` file directly in `dir` (sorted by name) and validates the whole corpus,
/// judging which time spans have ended as of today.
pub fn read(dir: &Path) -> Reading {
    read_as_of(dir, PartialDate::today())
}

/// [`read`], judging which time spans have ended as of `today`.
pub fn read_as_of(dir: &Path, today: PartialDate) -> Reading {
    let mut reader = Reader::default();
    reader.read_dir(dir);
    reader.finish(dir, today)
}

#[derive(Default)]
struct Reader {
    files: Vec<PathBuf>,
    raw: Vec<RawFile>,
    diagnostics: Vec<Diagnostic>,
    corpus: Corpus,
    /// Document id -> quote index over its text.
    texts: HashMap<NodeId, QuoteIndex>,
    /// Node id -> where it was first declared.
    declared: HashMap<NodeId, Spot>,
}

impl Reader {
    fn read_dir(&mut self, dir: &Path) {
        let mut names = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect::<Vec<_>>(),
            Err(e) => {
                self.push(dir, code::IO, format!("cannot read directory: {e}"));
                return;
            }
        };
        names.sort();
        if names.is_empty() {
            self.push(dir, code::IO, "no *.toml seed files here".to_owned());
        }
        for path in names {
            let index = self.files.len();
            self.files.push(path.clone());
            let raw = match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let lines = LineMap::new(&text, index);
                    let mut sink = Sink {
                        diagnostics: &mut self.diagnostics,
                        path: &path,
                    };
                    seedfile::parse(&text, &lines, &mut sink)
                }
                Err(e) => {
                    self.push(&path, code::IO, format!("cannot read file: {e}"));
                    RawFile::default()
                }
            };
            self.raw.push(raw);
        }
        let raw = std::mem::take(&mut self.raw);
        // Pass 1: declare every node (and read its source text) so pass 2 can resolve anything.
        let slots: Vec<Vec<Option<usize>>> = raw
            .iter()
            .enumerate()
            .map(|(file, f)| f.nodes.iter().map(|n| self.node(dir, file, n)).collect())
            .collect();
        // Pass 2: locate quotes and resolve edges.
        for (file, raw_file) in raw.iter().enumerate() {
            for (node, slot) in raw_file.nodes.iter().zip(&slots[file]) {
                if let Some(slot) = *slot {
                    self.corpus.nodes[slot].citations = self.citations(raw_file, &node.cites);
                }
            }
            for edge in &raw_file.edges {
                self.edge(file, raw_file, edge);
            }
        }
        // Pass 3: extra citations for entities declared anywhere.
        for raw_file in &raw {
            for extra in &raw_file.extra {
                self.extra_citation(raw_file, extra);
            }
        }
    }

    /// A `[[cite]]` table: one more quote for an existing node or edge.
    fn extra_citation(&mut self, raw_file: &RawFile, raw: &RawNode) {
        let Some(quote) = raw.field("quote") else {
            self.missing(raw, "quote");
            return;
        };
        let target = match (raw.field("node"), raw.field("edge")) {
            (Some(node), None) => node,
            (None, Some(edge)) => edge,
            _ => {
                if let Some(spot) = raw.at {
                    let message = "a [[cite]] names exactly one of `node` or `edge`".to_owned();
                    self.at(spot, code::MISSING_KEY, &raw.key, message);
                }
                return;
            }
        };
        let is_node = raw.field("node").is_some();
        let slot = if is_node {
            self.corpus
                .nodes
                .iter()
                .position(|n| n.id.as_str() == target.value)
        } else {
            self.corpus
                .edges
                .iter()
                .position(|e| e.id() == target.value)
        };
        let Some(slot) = slot else {
            let message = format!("`{}` is not declared anywhere in the corpus", target.value);
            self.at(target.spot, code::DANGLING_REFERENCE, &target.key, message);
            return;
        };
        let cite = RawCite {
            quote: quote.clone(),
            source: raw.field("source").cloned(),
        };
        let citations = self.citations(raw_file, std::slice::from_ref(&cite));
        if is_node {
            self.corpus.nodes[slot].citations.extend(citations);
        } else {
            self.corpus.edges[slot].citations.extend(citations);
        }
    }

    fn finish(mut self, dir: &Path, today: PartialDate) -> Reading {
        // Graph-level findings (cycles, unverified programmes, ...), located at declarations.
        let nodes: Vec<&Node> = self.corpus.nodes.iter().collect();
        let edges: Vec<&Edge> = self.corpus.edges.iter().collect();
        for finding in findings::analyse(&nodes, &edges, today) {
            let (file, line) = match self.corpus.origins.get(&finding.subject) {
                Some(origin) => (origin.file.clone(), origin.line),
                None => (dir.to_path_buf(), 1),
            };
            self.diagnostics.push(Diagnostic {
                severity: finding.severity,
                code: finding.code,
                file,
                line,
                column: 1,
                key: finding.subject,
                message: finding.message,
            });
        }
        self.diagnostics
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Reading {
            corpus: self.corpus,
            diagnostics: self.diagnostics,
        }
    }

    /// Records an error about a whole file (no position inside it).
    fn push(&mut self, file: &Path, code: &'static str, message: String) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code,
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            key: String::new(),
            message,
        });
    }

    /// Records a finding at a position in a seed file.
    fn report(
        &mut self,
        severity: Severity,
        spot: Spot,
        code: &'static str,
        key: &str,
        message: String,
    ) {
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            file: self.files[spot.file].clone(),
            line: spot.line,
            column: spot.column,
            key: key.to_owned(),
            message,
        });
    }

    /// Records an error at a position in a seed file.
    fn at(&mut self, spot: Spot, code: &'static str, key: &str, message: String) {
        self.report(Severity::Error, spot, code, key, message);
    }

    /// Reports a required key that is absent from `entity`.
    fn missing(&mut self, entity: &RawNode, name: &str) {
        if let Some(spot) = entity.at {
            let key = format!("{}.{name}", entity.key);
            self.at(
                spot,
                code::MISSING_KEY,
                &key,
                format!("`{name}` is required"),
            );
        }
    }

    /// Parses an id field, reporting a malformed one.
    fn id(&mut self, value: &Located<String>) -> Option<NodeId> {
        match NodeId::parse(&value.value) {
            Ok(id) => Some(id),
            Err(e) => {
                let code = match e {
                    crate::model::IdError::UnknownKind { .. } => code::UNKNOWN_KIND,
                    _ => code::BAD_ID,
                };
                self.at(value.spot, code, &value.key, e.to_string());
                None
            }
        }
    }

    fn date(&mut self, node: &RawNode, name: &str) -> Option<PartialDate> {
        let value = node.field(name)?;
        match PartialDate::parse(&value.value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.at(value.spot, code::BAD_DATE, &value.key, e.to_string());
                None
            }
        }
    }

    /// First pass over a node: everything but its citations, which need all source texts.
    /// Returns the node's slot in the corpus, `None` when it cannot be a node.
    fn node(&mut self, dir: &Path, file: usize, raw: &RawNode) -> Option<usize> {
        let Some(id_field) = raw.field("id") else {
            self.missing(raw, "id");
            return None;
        };
        let id = self.id(id_field)?;
        let title = raw.field("title").map(|t| t.value.clone());
        if title.is_none() {
            self.missing(raw, "title");
        }
        if raw.cites.is_empty() {
            if let Some(spot) = raw.at {
                let key = format!("{}.cite", raw.key);
                let message = format!("`{id}` has no citation: every node needs a verbatim quote");
                self.at(spot, code::MISSING_CITATION, &key, message);
            }
        }
        let (date, start, end) = (
            self.date(raw, "date"),
            self.date(raw, "start"),
            self.date(raw, "end"),
        );
        if let (Some(message), Some(end_field)) =
            (crate::rules::span_order(start, end), raw.field("end"))
        {
            self.at(end_field.spot, code::BAD_DATE, &end_field.key, message);
        }
        if let Some(first) = self.declared.get(&id).copied() {
            let message = format!(
                "`{id}` is already declared at {}:{}",
                self.files[first.file].display(),
                first.line
            );
            self.at(id_field.spot, code::DUPLICATE_ID, &id_field.key, message);
            return None;
        }
        self.declared.insert(id.clone(), id_field.spot);
        if let Some(text_field) = raw.field("text") {
            let path = dir.join(&text_field.value);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    self.texts.insert(id.clone(), QuoteIndex::new(&text));
                    self.corpus.sources.push(SourceText {
                        document: id.clone(),
                        path: text_field.value.clone(),
                        text,
                    });
                }
                Err(e) => {
                    let message = format!("cannot read source text {}: {e}", path.display());
                    self.at(text_field.spot, code::IO, &text_field.key, message);
                }
            }
        }
        let field = |name: &str| raw.field(name).map(|f| f.value.clone());
        self.corpus.origins.insert(
            id.to_string(),
            Origin {
                file: self.files[file].clone(),
                line: raw.at.map_or(id_field.spot.line, |s| s.line),
            },
        );
        self.corpus.nodes.push(Node {
            id,
            title: title.unwrap_or_default(),
            note: field("note"),
            date,
            start,
            end,
            place: field("place"),
            format: field("format"),
            citations: Vec::new(),
        });
        Some(self.corpus.nodes.len() - 1)
    }

    fn edge(&mut self, file: usize, raw_file: &RawFile, raw: &RawNode) {
        let mut ends = Vec::new();
        for name in ["from", "to"] {
            let Some(field) = raw.field(name) else {
                self.missing(raw, name);
                continue;
            };
            let Some(id) = self.id(field) else { continue };
            if !self.declared.contains_key(&id) {
                let message = format!("`{id}` is not declared by any [[node]]");
                self.at(field.spot, code::DANGLING_REFERENCE, &field.key, message);
                continue;
            }
            ends.push(id);
        }
        let kind = match raw.field("kind") {
            None => {
                self.missing(raw, "kind");
                None
            }
            Some(field) => {
                let kind = EdgeKind::parse(&field.value);
                if kind.is_none() {
                    let message = format!(
                        "unknown edge kind `{}` (known: {})",
                        field.value,
                        EdgeKind::spellings()
                    );
                    self.at(field.spot, code::UNKNOWN_KIND, &field.key, message);
                }
                kind
            }
        };
        if raw.cites.is_empty() {
            if let Some(spot) = raw.at {
                let key = format!("{}.cite", raw.key);
                let message = "edge has no citation: every edge needs a verbatim quote".to_owned();
                self.at(spot, code::MISSING_CITATION, &key, message);
            }
        }
        let (valid_from, valid_to) = (self.date(raw, "valid_from"), self.date(raw, "valid_to"));
        if let (Some(message), Some(field)) = (
            crate::validity::order(valid_from, valid_to),
            raw.field("valid_to"),
        ) {
            self.at(field.spot, code::BAD_DATE, &field.key, message);
        }
        let citations = self.citations(raw_file, &raw.cites);
        let (Some(kind), [from, to]) = (kind, &ends[..]) else {
            return;
        };
        let edge = Edge {
            from: from.clone(),
            kind,
            to: to.clone(),
            note: raw.field("note").map(|f| f.value.clone()),
            valid_from,
            valid_to,
            citations,
        };
        let id = edge.id();
        if let Some(first) = self.corpus.origins.get(&id) {
            let message = format!(
                "edge `{id}` is already declared at {}:{}",
                first.file.display(),
                first.line
            );
            let spot = raw.at.unwrap_or(Spot {
                file,
                line: 1,
                column: 1,
            });
            self.at(spot, code::DUPLICATE_ID, &raw.key, message);
            return;
        }
        let line = raw.at.map_or(1, |s| s.line);
        self.corpus.origins.insert(
            id,
            Origin {
                file: self.files[file].clone(),
                line,
            },
        );
        if !edge.citations.is_empty() {
            self.corpus.edges.push(edge);
        }
    }

    /// Locates each quote in its document; reports unknown documents and absent quotes.
    fn citations(&mut self, raw_file: &RawFile, cites: &[RawCite]) -> Vec<Citation> {
        let mut out = Vec::new();
        for cite in cites {
            let Some(source) = cite.source.as_ref().or(raw_file.source.as_ref()) else {
                let message = "no document for this quote: set `source = \"document:...\"` at the \
                               top of the file or in the citation"
                    .to_owned();
                self.at(cite.quote.spot, code::MISSING_KEY, &cite.quote.key, message);
                continue;
            };
            let Some(document) = self.id(source) else {
                continue;
            };
            let Some(index) = self.texts.get(&document) else {
                let message = if self.declared.contains_key(&document) {
                    format!("`{document}` has no source text (`text = ...`) to quote from")
                } else {
                    format!("citation into `{document}`, which is not declared")
                };
                self.at(source.spot, code::UNKNOWN_SOURCE, &source.key, message);
                continue;
            };
            let quote = &cite.quote;
            let Some(at) = index.cite(document.clone(), &quote.value) else {
                let message = not_found_message(index, &quote.value, &document);
                self.at(quote.spot, code::QUOTE_NOT_FOUND, &quote.key, message);
                continue;
            };
            if at.occurrences > 1 {
                let message = format!(
                    "quote occurs {} times in `{document}`; the first (line {}) is recorded",
                    at.occurrences, at.line
                );
                let (spot, key) = (quote.spot, quote.key.clone());
                self.report(
                    Severity::Warning,
                    spot,
                    code::AMBIGUOUS_QUOTE,
                    &key,
                    message,
                );
            }
            out.push(at);
        }
        out
    }
}

/// Explains a missing quote by how much of it does match, so the typo is easy to find.
fn not_found_message(index: &QuoteIndex, quote: &str, document: &NodeId) -> String {
    let chars: Vec<char> = quote::normalise(quote).chars().collect();
    // The longest prefix that still occurs (prefix matches are monotone: binary search).
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let prefix: String = chars[..mid].iter().collect();
        if index.locate(&prefix).is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    if lo < 8 {
        return format!("quote not found in `{document}`");
    }
    let prefix: String = chars[..lo].iter().collect();
    let line = index.locate(&prefix).map_or(0, |at| at.line);
    let rest: String = chars[lo..].iter().take(30).collect();
    format!(
        "quote not found in `{document}`: its first {lo} characters match at line {line}, \
         then the source differs at `{rest}`"
    )
}

/// Counts of nodes per kind, for summaries.
pub fn count_by_kind(corpus: &Corpus) -> Vec<(NodeKind, usize)> {
    NodeKind::ALL
        .iter()
        .map(|&k| (k, corpus.nodes.iter().filter(|n| n.kind() == k).count()))
        .collect()
}
