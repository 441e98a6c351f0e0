//! Bulk import of a graph from CSV: `nodes.csv` (`id,type,name`) and `edges.csv`
//! (`src,dst,type`), the shape written by the benchmark generator (`../shared/bench/gen.py`,
//! `policygraph generate`) and by `policygraph export --format csv`.
//!
//! Every row is validated first and every problem is reported with its file and line; nothing is
//! written unless the whole input is clean. The plan is then sorted into the order of the
//! store's indexes and written in one transaction (see `store::bulk`), so a million edges take
//! seconds.
//!
//! Mapping to the model:
//! - `type` is a node kind, matched case-insensitively (`Goal`, `TimeSpan`, `goal`, ...);
//! - `id` is either a slug (`17`, `border-security`), which becomes `<kind>:<slug>` (`goal:17`),
//!   or already a full id of that kind (`goal:17`), so exports import back unchanged;
//! - `src` and `dst` name an `id` of `nodes.csv`, or a node already in the store by its full id;
//! - edge `type` is an edge kind; the generator's `CITES` is our `REFERENCES`.
//!
//! Imported entities carry no citations (synthetic and spreadsheet data has none), so
//! `policygraph check` reports imported programmes as unverified. The change log gets one
//! `create` entry per imported node and edge, and titles enter the full-text index, in the same
//! transaction.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::store::Store;

/// Maps keyed by CSV text: foldhash, several times faster than SipHash on millions of short ids.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

use crate::error::{Error, Result};
use crate::model::{EdgeKind, NodeId, NodeKind};
use crate::store::bulk::{self, NewEdge, NewNode, Plan};

/// One problem in the input, located at a line of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The CSV file.
    pub file: PathBuf,
    /// 1-based line in `file`.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Nodes created.
    pub nodes: usize,
    /// Edges created.
    pub edges: usize,
}

/// Which part of the work a [`Progress`] report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading and validating `nodes.csv`; counts bytes.
    ReadingNodes,
    /// Reading and validating `edges.csv`; counts bytes.
    ReadingEdges,
    /// Inserting rows; counts nodes plus edges.
    Writing,
}

/// How far an import has got, reported now and then to a callback (e.g. a progress bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The current stage.
    pub stage: Stage,
    /// Units done in this stage.
    pub done: u64,
    /// Units in this stage.
    pub total: u64,
}

/// A progress callback; `&|_| {}` reports nothing.
pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// How often (in rows) progress is reported.
const REPORT_EVERY: u64 = 16_384;

/// The node kind a CSV `type` names (case-insensitive spelling of a [`NodeKind`]).
pub fn node_kind(text: &str) -> Option<NodeKind> {
    NodeKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str().eq_ignore_ascii_case(text))
}

/// The edge kind a CSV `type` names: an [`EdgeKind`] spelling, or the generator's `CITES`.
pub fn edge_kind(text: &str) -> Option<EdgeKind> {
    if text.eq_ignore_ascii_case("CITES") {
        return Some(EdgeKind::References);
    }
    EdgeKind::parse(&text.to_ascii_uppercase())
}

/// The id a CSV node gets: `<kind>:<id>`, or `id` itself when it already is a full id of `kind`.
pub fn node_id(kind: NodeKind, csv_id: &str) -> std::result::Result<NodeId, String> {
    if let Some((prefix, _)) = csv_id.split_once(':') {
        let id = NodeId::parse(csv_id).map_err(|e| e.to_string())?;
        if id.kind() != kind {
            return Err(format!(
                "id `{csv_id}` has kind `{prefix}` but the row's type is `{kind}`"
            ));
        }
        return Ok(id);
    }
    NodeId::parse(&format!("{kind}:{csv_id}")).map_err(|_| {
        format!("id `{csv_id}` is not a slug: use lower-case letters, digits and single `-`")
    })
}

/// Reads, validates and imports `nodes` and `edges` into the store, logging each entity as
/// created by `actor`. On any invalid row nothing is written and the error lists every problem.
///
/// Node ids must be new to the store; edges may also name nodes already stored.
pub async fn import_csv(
    pool: &Store,
    nodes: &Path,
    edges: &Path,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<ImportReport> {
    let stored = bulk::node_ids(pool).await?;
    let started = std::time::Instant::now();
    // Parsing is CPU work: keep it off the async workers.
    let plan = bulk::blocking(|| read_plan(nodes, edges, &stored, progress))?;
    let stored_edges = bulk::acyclic_edges(pool).await?;
    check_cycles(&plan, &stored_edges, edges)?;
    tracing::info!(elapsed = ?started.elapsed(), nodes = plan.nodes.len(), edges = plan.edges.len(), "import: read and validated");

    let report = |done: u64, total: u64| {
        progress(Progress {
            stage: Stage::Writing,
            done,
            total,
        })
    };
    bulk::write(pool, &plan, stored.len(), actor, &report).await?;
    tracing::info!(elapsed = ?started.elapsed(), "import: checkpointed");
    Ok(ImportReport {
        nodes: plan.nodes.len(),
        edges: plan.edges.len(),
    })
}

/// Reads both files into a plan, collecting every problem, and puts it in insert order.
fn read_plan(
    nodes_path: &Path,
    edges_path: &Path,
    stored: &HashSet<String>,
    progress: &dyn Fn(Progress),
) -> Result<Plan> {
    let mut problems = Vec::new();
    let mut plan = Plan::default();
    // CSV id -> index into `plan.ids` (and `plan.nodes`).
    let mut by_csv_id: HashMap<String, u32> = HashMap::default();

    let mut rows = Rows::open(nodes_path, Stage::ReadingNodes)?;
    let [id_col, type_col, name_col] = rows.columns(["id", "type", "name"])?;
    while let Some(line) = rows.next(&mut problems, progress)? {
        let record = &rows.record;
        let (csv_id, kind_text, name) = (&record[id_col], &record[type_col], &record[name_col]);
        let mut bad = |message: String| problems.push(row_error(nodes_path, line.into(), message));
        let Some(kind) = node_kind(kind_text) else {
            bad(format!(
                "unknown type `{kind_text}` (known: {})",
                NodeKind::spellings()
            ));
            continue;
        };
        let id = match node_id(kind, csv_id) {
            Ok(id) => id,
            Err(message) => {
                bad(message);
                continue;
            }
        };
        if name.trim().is_empty() {
            bad(format!("node `{id}` has an empty name"));
        }
        if let Some(&first) = by_csv_id.get(csv_id) {
            let first = plan.nodes[first as usize].line;
            bad(format!(
                "duplicate id `{csv_id}`, first declared at line {first}"
            ));
            continue;
        }
        if stored.contains(id.as_str()) {
            bad(format!("node `{id}` already exists in the store"));
            continue;
        }
        by_csv_id.insert(csv_id.to_owned(), plan.ids.len() as u32);
        plan.ids.push(id.as_str().to_owned());
        plan.nodes.push(NewNode {
            kind,
            title: name.to_owned(),
            line,
        });
    }

    let mut rows = Rows::open(edges_path, Stage::ReadingEdges)?;
    let [src_col, dst_col, kind_col] = rows.columns(["src", "dst", "type"])?;
    let mut stored_ix: HashMap<String, u32> = HashMap::default();
    while let Some(line) = rows.next(&mut problems, progress)? {
        let record = &rows.record;
        let mut end = |name: &str, text: &str| -> std::result::Result<u32, String> {
            if let Some(&ix) = by_csv_id.get(text) {
                return Ok(ix);
            }
            if let Some(&ix) = stored_ix.get(text) {
                return Ok(ix);
            }
            if stored.contains(text) {
                let ix = plan.ids.len() as u32;
                plan.ids.push(text.to_owned());
                stored_ix.insert(text.to_owned(), ix);
                return Ok(ix);
            }
            Err(format!(
                "{name} `{text}` is neither an id of the nodes file nor a node in the store"
            ))
        };
        let from = end("src", &record[src_col]);
        let to = end("dst", &record[dst_col]);
        let kind_text = &record[kind_col];
        let kind = edge_kind(kind_text).ok_or_else(|| {
            format!(
                "unknown edge type `{kind_text}` (known: CITES, {})",
                EdgeKind::spellings()
            )
        });
        let mut row_ok = true;
        for message in [from.as_ref().err(), to.as_ref().err(), kind.as_ref().err()]
            .into_iter()
            .flatten()
        {
            problems.push(row_error(edges_path, line.into(), message.clone()));
            row_ok = false;
        }
        let (Ok(from), Ok(to), Ok(kind), true) = (from, to, kind, row_ok) else {
            continue;
        };
        if from == to {
            let message = format!("edge from `{}` to itself", plan.ids[from as usize]);
            problems.push(row_error(edges_path, line.into(), message));
            continue;
        }
        plan.edges.push(NewEdge {
            from,
            kind,
            to,
            line,
        });
    }
    drop((by_csv_id, stored_ix));

    // Sorted, duplicates sit side by side: two CSV ids can name one full id (`17` and
    // `goal:17`), and an edge can come twice.
    plan.sort();
    let new_ids = &plan.ids[..plan.nodes.len()];
    for (pair, ids) in plan.nodes.windows(2).zip(new_ids.windows(2)) {
        if ids[0] == ids[1] {
            let message = format!(
                "duplicate id `{}`, first declared at line {}",
                ids[1], pair[0].line
            );
            problems.push(row_error(nodes_path, pair[1].line.into(), message));
        }
    }
    let mut first = None;
    for pair in plan.edges.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if (a.from, a.kind, a.to) != (b.from, b.kind, b.to) {
            first = None;
            continue;
        }
        let first = *first.get_or_insert(a.line);
        let message = format!(
            "duplicate edge `{}`, first at line {first}",
            bulk::edge_id_text(&plan.ids, b.from, b.kind, b.to)
        );
        problems.push(row_error(edges_path, b.line.into(), message));
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        // In the order of the files' lines, nodes first.
        problems.sort_by_key(|p| (p.file != nodes_path, p.line));
        Err(Error::Import(problems))
    }
}

/// One CSV file read record by record: unreadable rows become problems (with their line) and
/// progress is reported every [`REPORT_EVERY`] rows.
struct Rows<'p> {
    reader: csv::Reader<std::fs::File>,
    path: &'p Path,
    stage: Stage,
    total: u64,
    count: u64,
    /// The record the last [`Rows::next`] read.
    record: csv::StringRecord,
}

impl<'p> Rows<'p> {
    fn open(path: &'p Path, stage: Stage) -> Result<Rows<'p>> {
        Ok(Rows {
            reader: open(path)?,
            path,
            stage,
            total: file_len(path),
            count: 0,
            record: csv::StringRecord::new(),
        })
    }

    /// Positions of the named columns (see [`columns`]).
    fn columns<const N: usize>(&mut self, names: [&str; N]) -> Result<[usize; N]> {
        columns(&mut self.reader, self.path, names)
    }

    /// Reads the next readable record into `self.record` and returns its line; `None` at the
    /// end of the file. A file longer than `u32::MAX` lines is refused.
    fn next(
        &mut self,
        problems: &mut Vec<RowError>,
        progress: &dyn Fn(Progress),
    ) -> Result<Option<u32>> {
        loop {
            let line = self.reader.position().line();
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(line, csv::Position::line);
                    problems.push(row_error(self.path, line, csv_message(&e)));
                    continue;
                }
            }
            self.count += 1;
            if self.count % REPORT_EVERY == 0 {
                progress(Progress {
                    stage: self.stage,
                    done: self.record.position().map_or(0, csv::Position::byte),
                    total: self.total,
                });
            }
            let line = self.record.position().map_or(line, csv::Position::line);
            return u32::try_from(line).map(Some).map_err(|_| {
                let message = format!("more than {} lines: split the file", u32::MAX);
                Error::Import(vec![row_error(self.path, line, message)])
            });
        }
    }
}

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot open {}: {e}", path.display()),
        ))
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(file))
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Positions of the named columns in the header; an error naming the missing ones otherwise.
fn columns<const N: usize>(
    reader: &mut csv::Reader<std::fs::File>,
    path: &Path,
    names: [&str; N],
) -> Result<[usize; N]> {
    let header = reader
        .headers()
        .map_err(|e| Error::Import(vec![row_error(path, 1, csv_message(&e))]))?
        .clone();
    let mut out = [0; N];
    let mut missing = Vec::new();
    for (slot, name) in out.iter_mut().zip(names) {
        match header.iter().position(|h| h.trim() == name) {
            Some(i) => *slot = i,
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let message = format!(
        "the header must name the columns {} (missing: {})",
        names.join(","),
        missing.join(", ")
    );
    Err(Error::Import(vec![row_error(path, 1, message)]))
}

fn row_error(file: &Path, line: u64, message: String) -> RowError {
    RowError {
        file: file.to_owned(),
        line,
        message,
    }
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
        _ => format!("unreadable row: {e}"),
    }
}

/// PART_OF and DEPENDS_ON must stay acyclic (DESIGN.md), counting the edges already stored:
/// every cycle is named, as `check` names it.
fn check_cycles(
    plan: &Plan,
    stored: &[(String, EdgeKind, String)],
    edges_path: &Path,
) -> Result<()> {
    let mut problems = Vec::new();
    for kind in crate::rules::ACYCLIC {
        let new = plan
            .edges
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| (&plan.ids[e.from as usize], &plan.ids[e.to as usize]));
        let old = stored
            .iter()
            .filter(|e| e.1 == kind)
            .map(|(s, _, t)| (s, t));
        for cycle in crate::rules::cycles(new.chain(old)) {
            let names: Vec<&str> = cycle.iter().map(|id| id.as_str()).collect();
            problems.push(RowError {
                file: edges_path.to_owned(),
                line: 0,
                message: format!(
                    "{kind} edges form a cycle: {}; {kind} must be acyclic",
                    names.join(" -> ")
                ),
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Import(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_types_map_to_node_kinds_whatever_their_case() {
        assert_eq!(node_kind("TimeSpan"), Some(NodeKind::TimeSpan));
        assert_eq!(node_kind("goal"), Some(NodeKind::Goal));
        assert_eq!(node_kind("Gaol"), None);
    }

    #[test]
    fn cites_is_read_as_references() {
        assert_eq!(edge_kind("CITES"), Some(EdgeKind::References));
        assert_eq!(edge_kind("PART_OF"), Some(EdgeKind::PartOf));
        assert_eq!(edge_kind("LIKES"), None);
    }

    #[test]
    fn a_slug_gets_the_kind_prefix_and_a_full_id_of_the_same_kind_is_kept() {
        assert_eq!(
            node_id(NodeKind::Goal, "17").expect("id").as_str(),
            "goal:17"
        );
        assert_eq!(
            node_id(NodeKind::Goal, "goal:a-b").expect("id").as_str(),
            "goal:a-b"
        );
        assert!(node_id(NodeKind::Goal, "programme:x").is_err());
        assert!(node_id(NodeKind::Goal, "Not A Slug").is_err());
    }
}
