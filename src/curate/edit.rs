//! Edits to the graph and the rules they must keep: the seed loader's rules, applied to a
//! [`View`] of the snapshot that copies out only what the edits touch. Every problem is
//! collected, each naming the input field it is about, so one refused request lists all of
//! them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::view::View;
use crate::corpus::quote::QuoteIndex;
use crate::corpus::seedfile;
use crate::dataset::Dataset;
use crate::graph::Graph;
use crate::model::{Citation, Edge, EdgeKind, Node, NodeId, NodeKind, PartialDate, SourceText};

/// A quote to locate in a document's stored text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CiteDraft {
    /// The document quoted; `None` means the node being created, which must carry a text.
    pub document: Option<String>,
    /// The verbatim quote (matched after normalising whitespace, dashes and quotes).
    pub quote: String,
}

/// A node to create.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeDraft {
    /// `<kind>:<slug>`.
    pub id: String,
    /// Name as the sources give it.
    pub title: String,
    /// Curator's remark.
    pub note: Option<String>,
    /// Date (summits, documents, programmes, measures).
    pub date: Option<String>,
    /// Start of a time span.
    pub start: Option<String>,
    /// End of a time span.
    pub end: Option<String>,
    /// Place of a summit.
    pub place: Option<String>,
    /// Format of a summit.
    pub format: Option<String>,
    /// Full source text, for a document that can be quoted.
    pub text: Option<String>,
    /// Evidence; at least one.
    pub citations: Vec<CiteDraft>,
}

/// A change to a node's fields: `None` keeps a field, `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodePatch {
    /// The node to change.
    pub id: String,
    /// New title (a title cannot be cleared).
    pub title: Option<String>,
    /// New note.
    pub note: Option<Option<String>>,
    /// New date.
    pub date: Option<Option<String>>,
    /// New span start.
    pub start: Option<Option<String>>,
    /// New span end.
    pub end: Option<Option<String>>,
    /// New place.
    pub place: Option<Option<String>>,
    /// New format.
    pub format: Option<Option<String>>,
}

/// Changes to an edge: `None` keeps a field, `Some(None)` clears it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgePatch {
    /// Which edge.
    pub key: EdgeKey,
    /// New note.
    pub note: Option<Option<String>>,
    /// New first date the edge holds on (unchecked text).
    pub valid_from: Option<Option<String>>,
    /// New last date the edge holds on (unchecked text).
    pub valid_to: Option<Option<String>>,
}

/// An edge by its three parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeKey {
    /// Source node id.
    pub from: String,
    /// What the link says.
    pub kind: EdgeKind,
    /// Target node id.
    pub to: String,
}

/// One change a client asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Create a node (a document may bring its full text).
    CreateNode(NodeDraft),
    /// Change a node's fields.
    UpdateNode(NodePatch),
    /// Delete a node and every edge at it.
    DeleteNode(String),
    /// Create an edge with its evidence.
    CreateEdge {
        /// Which edge.
        key: EdgeKey,
        /// Curator's remark.
        note: Option<String>,
        /// First date the edge holds on (`YYYY[-MM[-DD]]`), unchecked text; `None` is open.
        valid_from: Option<String>,
        /// Last date the edge holds on, unchecked text; `None` is open.
        valid_to: Option<String>,
        /// Evidence; at least one.
        citations: Vec<CiteDraft>,
    },
    /// Change an edge's note or validity.
    UpdateEdge(EdgePatch),
    /// Delete an edge.
    DeleteEdge(EdgeKey),
    /// Add evidence to a node or edge (by id).
    AddCitation {
        /// Node id or edge id `<from>/<KIND>/<to>`.
        entity: String,
        /// The quote.
        cite: CiteDraft,
    },
    /// Remove one citation from a node or edge; the last one cannot be removed.
    RemoveCitation {
        /// Node id or edge id.
        entity: String,
        /// The document of the citation.
        document: String,
        /// The quote exactly as stored.
        quote: String,
    },
}

/// What is wrong with one part of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `NOT_FOUND` or `BAD_USER_INPUT`.
    pub code: ProblemCode,
    /// The input field it is about, e.g. `input.citations[0].quote`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The class of a [`Problem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemCode {
    /// Something named does not exist.
    NotFound,
    /// Something given is invalid.
    BadUserInput,
}

/// The documents whose stored text applying `edits` may need: those quoted, and document
/// nodes the edits change or delete (their text is part of what the change log records).
pub fn documents_needed(edits: &[(String, Edit)]) -> BTreeSet<String> {
    let is_document = |id: &str| id.starts_with("document:");
    let quoted = |cites: &[CiteDraft]| -> Vec<String> {
        cites.iter().filter_map(|c| c.document.clone()).collect()
    };
    let mut out = BTreeSet::new();
    for (_, edit) in edits {
        match edit {
            Edit::CreateNode(draft) => out.extend(quoted(&draft.citations)),
            Edit::CreateEdge { citations, .. } => out.extend(quoted(citations)),
            Edit::AddCitation { entity, cite } => {
                out.extend(quoted(std::slice::from_ref(cite)));
                if cite.document.is_none() {
                    out.insert(entity.clone());
                }
            }
            Edit::UpdateNode(patch) if is_document(&patch.id) => {
                out.insert(patch.id.clone());
            }
            Edit::DeleteNode(id) if is_document(id) => {
                out.insert(id.clone());
            }
            _ => {}
        }
    }
    out
}

/// Applies `edits` (each with the input field it came from) to the snapshot `graph`; `texts`
/// are the stored texts of [`documents_needed`].
///
/// Returns the touched entities as they are after the edits (deleted ones absent) and the ids
/// of every entity the edits touched, or every problem.
pub fn apply(
    graph: &Graph,
    texts: BTreeMap<String, SourceText>,
    edits: &[(String, Edit)],
) -> Result<(Dataset, BTreeSet<String>), Vec<Problem>> {
    let mut w = Workspace {
        data: View::new(graph, texts),
        fields: HashMap::new(),
        edited: HashMap::new(),
        touched: BTreeSet::new(),
        problems: Vec::new(),
        indexes: HashMap::new(),
    };
    for (field, edit) in edits {
        w.apply(field, edit);
    }
    if w.problems.is_empty() {
        w.graph_rules();
    }
    if w.problems.is_empty() {
        let after = w.data.into_after(&w.touched);
        Ok((after, w.touched))
    } else {
        Err(w.problems)
    }
}

struct Workspace<'g> {
    data: View<'g>,
    /// The input field each created edge came from (so also: which edges are new).
    fields: HashMap<String, String>,
    /// The input field each created or updated edge came from.
    edited: HashMap<String, String>,
    touched: BTreeSet<String>,
    problems: Vec<Problem>,
    indexes: HashMap<String, QuoteIndex>,
}

impl Workspace<'_> {
    fn bad(&mut self, field: &str, message: String) {
        self.problems.push(Problem {
            code: ProblemCode::BadUserInput,
            field: field.to_owned(),
            message,
        });
    }

    fn missing(&mut self, field: &str, message: String) {
        self.problems.push(Problem {
            code: ProblemCode::NotFound,
            field: field.to_owned(),
            message,
        });
    }

    fn apply(&mut self, field: &str, edit: &Edit) {
        match edit {
            Edit::CreateNode(draft) => self.create_node(field, draft),
            Edit::UpdateNode(patch) => self.update_node(field, patch),
            Edit::DeleteNode(id) => self.delete_node(&format!("{field}.id"), id),
            Edit::CreateEdge {
                key,
                note,
                valid_from,
                valid_to,
                citations,
            } => {
                let validity = self.validity(field, valid_from, valid_to);
                self.create_edge(field, key, note, validity, citations)
            }
            Edit::UpdateEdge(patch) => self.update_edge(field, patch),
            Edit::DeleteEdge(key) => {
                if let Some(id) = self.existing_edge(field, key) {
                    self.data.remove_edge(&id);
                    self.touched.insert(id);
                }
            }
            Edit::AddCitation { entity, cite } => self.add_citation(field, entity, cite),
            Edit::RemoveCitation {
                entity,
                document,
                quote,
            } => self.remove_citation(field, entity, document, quote),
        }
    }

    fn node_id(&mut self, field: &str, text: &str) -> Option<NodeId> {
        match NodeId::parse(text) {
            Ok(id) => Some(id),
            Err(e) => {
                self.bad(field, format!("`{text}` is not a node id: {e}"));
                None
            }
        }
    }

    fn date(&mut self, field: &str, text: &Option<String>) -> Option<PartialDate> {
        let text = text.as_deref()?;
        match PartialDate::parse(text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.bad(field, format!("bad date `{text}`: {}", e.0));
                None
            }
        }
    }

    fn create_node(&mut self, field: &str, draft: &NodeDraft) {
        let Some(id) = self.node_id(&format!("{field}.id"), &draft.id) else {
            return;
        };
        if self.data.contains_node(id.as_str()) {
            self.bad(
                &format!("{field}.id"),
                format!("`{id}` already exists; use updateNode to change it"),
            );
            return;
        }
        if draft.title.trim().is_empty() {
            self.bad(&format!("{field}.title"), "a title is required".to_owned());
        }
        if let Some(text) = &draft.text {
            if id.kind() != NodeKind::Document {
                self.bad(
                    &format!("{field}.text"),
                    "only a document can carry a source text".to_owned(),
                );
            } else if text.trim().is_empty() {
                self.bad(
                    &format!("{field}.text"),
                    "the source text is empty".to_owned(),
                );
            } else {
                let path = format!("api/{}.txt", id.as_str().trim_start_matches("document:"));
                self.data.texts.insert(
                    id.to_string(),
                    SourceText {
                        document: id.clone(),
                        path,
                        text: text.clone(),
                    },
                );
            }
        }
        let given = [
            ("date", draft.date.is_some()),
            ("start", draft.start.is_some()),
            ("end", draft.end.is_some()),
            ("place", draft.place.is_some()),
            ("format", draft.format.is_some()),
        ];
        self.fields_fit(field, id.kind(), &given);
        let node = Node {
            id: id.clone(),
            title: draft.title.trim().to_owned(),
            note: draft.note.clone(),
            date: self.date(&format!("{field}.date"), &draft.date),
            start: self.date(&format!("{field}.start"), &draft.start),
            end: self.date(&format!("{field}.end"), &draft.end),
            place: draft.place.clone(),
            format: draft.format.clone(),
            citations: Vec::new(),
        };
        self.check_span(field, &node);
        self.data.insert_node(id.to_string(), node);
        self.touched.insert(id.to_string());
        let citations = self.citations(field, id.as_str(), &draft.citations);
        if let Some(node) = self.data.node_mut(id.as_str()) {
            node.citations = citations;
        }
    }

    /// The seed format's per-kind keys apply here too, so every node can be exported as seeds.
    fn fields_fit(&mut self, field: &str, kind: NodeKind, given: &[(&str, bool)]) {
        let allowed = seedfile::node_extra_keys(kind);
        for &(name, set) in given {
            if set && !allowed.contains(&name) {
                let fits = if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                };
                self.bad(
                    &format!("{field}.{name}"),
                    format!(
                        "a {} has no `{name}` (its own fields: {fits})",
                        kind.as_str()
                    ),
                );
            }
        }
    }

    fn check_span(&mut self, field: &str, node: &Node) {
        if let Some(message) = crate::rules::span_order(node.start, node.end) {
            self.bad(&format!("{field}.end"), message);
        }
    }

    fn update_node(&mut self, field: &str, patch: &NodePatch) {
        let Some(mut node) = self.data.node_mut(&patch.id).map(|n| n.clone()) else {
            self.missing(&format!("{field}.id"), format!("no node `{}`", patch.id));
            return;
        };
        let given = [
            ("date", matches!(patch.date, Some(Some(_)))),
            ("start", matches!(patch.start, Some(Some(_)))),
            ("end", matches!(patch.end, Some(Some(_)))),
            ("place", matches!(patch.place, Some(Some(_)))),
            ("format", matches!(patch.format, Some(Some(_)))),
        ];
        self.fields_fit(field, node.kind(), &given);
        if let Some(title) = &patch.title {
            if title.trim().is_empty() {
                self.bad(
                    &format!("{field}.title"),
                    "a title cannot be blank".to_owned(),
                );
            }
            node.title = title.trim().to_owned();
        }
        let dates = [
            ("date", &patch.date, &mut node.date),
            ("start", &patch.start, &mut node.start),
            ("end", &patch.end, &mut node.end),
        ];
        let mut parsed = Vec::new();
        for (name, value, _) in &dates {
            if let Some(value) = value {
                parsed.push((*name, self.date(&format!("{field}.{name}"), value)));
            }
        }
        for (name, _, slot) in dates {
            if let Some((_, d)) = parsed.iter().find(|(n, _)| *n == name) {
                *slot = *d;
            }
        }
        for (value, slot) in [
            (&patch.note, &mut node.note),
            (&patch.place, &mut node.place),
            (&patch.format, &mut node.format),
        ] {
            if let Some(value) = value {
                slot.clone_from(value);
            }
        }
        self.check_span(field, &node);
        self.touched.insert(patch.id.clone());
        self.data.insert_node(patch.id.clone(), node);
    }

    fn delete_node(&mut self, field: &str, id: &str) {
        if !self.data.contains_node(id) {
            self.missing(field, format!("no node `{id}`"));
            return;
        }
        let citing = self.data.quoting(id);
        if !citing.is_empty() {
            let shown: Vec<&str> = citing.iter().take(5).map(String::as_str).collect();
            self.bad(
                field,
                format!(
                    "`{id}` is quoted by {} other entit{} ({}{}); remove those citations first",
                    citing.len(),
                    if citing.len() == 1 { "y" } else { "ies" },
                    shown.join(", "),
                    if citing.len() > 5 { ", ..." } else { "" }
                ),
            );
            return;
        }
        for edge in self.data.edges_at(id) {
            self.data.remove_edge(&edge);
            self.touched.insert(edge);
        }
        self.data.remove_node(id);
        self.touched.insert(id.to_owned());
    }

    fn existing_edge(&mut self, field: &str, key: &EdgeKey) -> Option<String> {
        let id = format!("{}/{}/{}", key.from, key.kind, key.to);
        if self.data.contains_edge(&id) {
            Some(id)
        } else {
            self.missing(field, format!("no edge `{id}`"));
            None
        }
    }

    /// Parses a validity given as text, reporting bad dates and a validity that runs
    /// backwards at `field.validFrom` / `field.validTo`.
    fn validity(
        &mut self,
        field: &str,
        from: &Option<String>,
        to: &Option<String>,
    ) -> (Option<PartialDate>, Option<PartialDate>) {
        let from = self.date(&format!("{field}.validFrom"), from);
        let to = self.date(&format!("{field}.validTo"), to);
        if let Some(message) = crate::validity::order(from, to) {
            self.bad(&format!("{field}.validTo"), message);
        }
        (from, to)
    }

    fn update_edge(&mut self, field: &str, patch: &EdgePatch) {
        let Some(id) = self.existing_edge(field, &patch.key) else {
            return;
        };
        let Some(old) = self.data.edge(&id) else {
            return;
        };
        let keep = |new: &Option<Option<String>>, old: Option<PartialDate>| match new {
            None => old.map(|d| d.to_string()),
            Some(value) => value.clone(),
        };
        let (from, to) = (
            keep(&patch.valid_from, old.valid_from),
            keep(&patch.valid_to, old.valid_to),
        );
        let (valid_from, valid_to) = self.validity(field, &from, &to);
        if let Some(edge) = self.data.edge_mut(&id) {
            if let Some(note) = &patch.note {
                edge.note = note.clone();
            }
            edge.valid_from = valid_from;
            edge.valid_to = valid_to;
        }
        self.edited.insert(id.clone(), field.to_owned());
        self.touched.insert(id);
    }

    fn create_edge(
        &mut self,
        field: &str,
        key: &EdgeKey,
        note: &Option<String>,
        (valid_from, valid_to): (Option<PartialDate>, Option<PartialDate>),
        cites: &[CiteDraft],
    ) {
        let mut ends = Vec::new();
        for (name, text) in [("from", &key.from), ("to", &key.to)] {
            let Some(id) = self.node_id(&format!("{field}.{name}"), text) else {
                continue;
            };
            if self.data.contains_node(id.as_str()) {
                ends.push(id);
            } else {
                self.missing(&format!("{field}.{name}"), format!("no node `{id}`"));
            }
        }
        let [from, to] = &ends[..] else { return };
        let mut edge = Edge {
            from: from.clone(),
            kind: key.kind,
            to: to.clone(),
            note: note.clone(),
            valid_from,
            valid_to,
            citations: Vec::new(),
        };
        let id = edge.id();
        if self.data.contains_edge(&id) {
            self.bad(field, format!("edge `{id}` already exists"));
            return;
        }
        edge.citations = self.citations(field, &id, cites);
        self.fields.insert(id.clone(), field.to_owned());
        self.edited.insert(id.clone(), field.to_owned());
        self.data.insert_edge(id.clone(), edge);
        self.touched.insert(id);
    }

    fn citations_of(&mut self, entity: &str) -> Option<&mut Vec<Citation>> {
        if self.data.contains_node(entity) {
            return self.data.node_mut(entity).map(|n| &mut n.citations);
        }
        self.data.edge_mut(entity).map(|e| &mut e.citations)
    }

    fn add_citation(&mut self, field: &str, entity: &str, cite: &CiteDraft) {
        if self.citations_of(entity).is_none() {
            self.missing(
                &format!("{field}.entity"),
                format!("no node or edge `{entity}`"),
            );
            return;
        }
        let located = self.citations(field, entity, std::slice::from_ref(cite));
        if let Some(list) = self.citations_of(entity) {
            list.extend(located);
        }
        self.touched.insert(entity.to_owned());
    }

    fn remove_citation(&mut self, field: &str, entity: &str, document: &str, quote: &str) {
        let Some(list) = self.citations_of(entity) else {
            self.missing(
                &format!("{field}.entity"),
                format!("no node or edge `{entity}`"),
            );
            return;
        };
        let Some(at) = list
            .iter()
            .position(|c| c.document.as_str() == document && c.quote == quote)
        else {
            self.missing(
                &format!("{field}.quote"),
                format!("`{entity}` has no citation of that quote from `{document}`"),
            );
            return;
        };
        if list.len() == 1 {
            self.bad(
                &format!("{field}.quote"),
                format!("that is the last citation of `{entity}`: every entity needs one"),
            );
            return;
        }
        list.remove(at);
        self.touched.insert(entity.to_owned());
    }

    /// Locates each quote; an entity without a single located quote is refused.
    fn citations(&mut self, field: &str, entity: &str, cites: &[CiteDraft]) -> Vec<Citation> {
        if cites.is_empty() {
            self.bad(
                &format!("{field}.citations"),
                format!("`{entity}` has no citation: every node and edge needs a verbatim quote"),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, cite) in cites.iter().enumerate() {
            let at = format!("{field}.citations[{i}]");
            let document = cite.document.clone().unwrap_or_else(|| entity.to_owned());
            let Some(doc_id) = self.node_id(&format!("{at}.document"), &document) else {
                continue;
            };
            if !self.indexes.contains_key(&document) {
                let Some(source) = self.data.texts.get(&document) else {
                    let message = if self.data.contains_node(&document) {
                        format!("`{document}` has no stored source text to quote from")
                    } else {
                        format!("no document `{document}`")
                    };
                    self.missing(&format!("{at}.document"), message);
                    continue;
                };
                let index = QuoteIndex::new(&source.text);
                self.indexes.insert(document.clone(), index);
            }
            let Some(index) = self.indexes.get(&document) else {
                continue;
            };
            let Some(found) = index.cite(doc_id, &cite.quote) else {
                self.bad(
                    &format!("{at}.quote"),
                    format!("quote not found in `{document}` (whitespace, dashes and quotes are normalised; nothing else)"),
                );
                continue;
            };
            out.push(found);
        }
        out
    }

    /// The rules of [`crate::validity`] for the touched edges: a validity must agree with the
    /// years its quotes name, and a touched chairmanship must not overlap another of its body.
    fn validity_rules(&mut self, touched: &[String]) {
        let field_of = |w: &Self, id: &str| w.edited.get(id).cloned().unwrap_or(id.to_owned());
        let mut bodies: BTreeMap<String, String> = BTreeMap::new();
        for id in touched {
            let Some(edge) = self.data.edge(id).cloned() else {
                continue;
            };
            if edge.kind == EdgeKind::ChairedBy {
                bodies
                    .entry(edge.from.to_string())
                    .or_insert_with(|| field_of(self, id));
            }
            if let Some(message) = crate::validity::contradicts_quotes(&edge) {
                let field = field_of(self, id);
                self.bad(&field, message);
            }
        }
        for (body, field) in bodies {
            let chairs = self.data.edges_from(&body, EdgeKind::ChairedBy);
            for overlap in crate::validity::overlapping_chairs(&chairs) {
                self.bad(&field, overlap.message);
            }
        }
    }

    /// Graph-wide rules, checked only where the edits can break them: a touched programme
    /// must keep a citation, a touched edge must keep the validity rules, and a new `PART_OF`
    /// or `DEPENDS_ON` edge must not close a cycle (the rest of the graph was acyclic before:
    /// loads and writes refuse cycles), which a search from the new edge's target finds.
    fn graph_rules(&mut self) {
        let touched: Vec<String> = self.touched.iter().cloned().collect();
        for id in &touched {
            let uncited = if self.data.contains_node(id) {
                self.data
                    .node_mut(id)
                    .and_then(|n| crate::rules::uncited_programme(n))
            } else {
                None
            };
            if let Some(message) = uncited {
                self.bad(id, message.to_owned());
            }
        }
        self.validity_rules(&touched);
        let new: Vec<Edge> = touched
            .iter()
            .filter(|id| self.fields.contains_key(*id))
            .filter_map(|id| self.data.edge(id).cloned())
            .filter(|e| crate::rules::ACYCLIC.contains(&e.kind))
            .collect();
        for edge in new {
            let (from, kind, to) = (edge.from.as_str(), edge.kind, edge.to.as_str());
            let next = |at: &str| -> Vec<String> {
                self.data
                    .edges_from(at, kind)
                    .into_iter()
                    .map(|e| e.to.to_string())
                    .collect()
            };
            if let Some(path) = crate::rules::path_between(next, to, from) {
                let mut names = vec![from.to_owned()];
                names.extend(path);
                let id = edge.id();
                let field = self.fields.get(&id).cloned().unwrap_or(id);
                let message = format!("this edge closes a {kind} cycle: {}", names.join(" -> "));
                self.bad(&field, message);
            }
        }
    }
}
