//! Root mutation fields: curating the graph. Every field needs a bearer token, is one
//! transaction validated with the seed loader's rules, and applies whole or not at all.

use std::sync::Arc;

use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject,
};

use super::audit::Change;
use super::errors::{Code, coded, internal};
use super::types::{Edge, EdgeKind, Node};
use crate::auth::Actor;
use crate::curate::{
    Applied, CiteDraft, Curator, EdgeKey, EdgePatch, Edit, NodeDraft, NodePatch, Problem,
    ProblemCode, Refusal,
};
use crate::graph::{Graph, Way};
use crate::store::changes::{self, LogFilter};

/// Writes to the graph. Each needs `Authorization: Bearer <token>`.
pub struct Mutation;

/// A quote backing a node or edge.
#[derive(InputObject, Clone)]
pub struct CitationInput {
    /// The document quoted (it must have a stored text). For `createNode` of a document
    /// with `text`, omit it to quote the new document itself.
    document: Option<ID>,
    /// The verbatim quote; whitespace, dashes and quote marks are normalised, nothing else.
    quote: String,
}

/// A node to create.
#[derive(InputObject, Clone)]
pub struct CreateNodeInput {
    /// `<kind>:<slug>`, e.g. `programme:border-security-2026-2030`.
    id: ID,
    /// Name as the sources give it.
    title: String,
    /// Curator's remark, e.g. an ambiguity in the sources.
    note: Option<String>,
    /// Date of a summit, document, programme or measure (YYYY, YYYY-MM or YYYY-MM-DD).
    date: Option<String>,
    /// Start of a time span.
    start: Option<String>,
    /// End of a time span.
    end: Option<String>,
    /// Where a summit took place.
    place: Option<String>,
    /// How a summit was held.
    format: Option<String>,
    /// The full source text, for a document that others will quote.
    text: Option<String>,
    /// At least one verbatim quote.
    citations: Vec<CitationInput>,
}

/// A new source document with its full text.
#[derive(InputObject, Clone)]
pub struct AddDocumentInput {
    /// `document:<slug>`.
    id: ID,
    /// The document's title.
    title: String,
    /// Date of issue or adoption.
    date: Option<String>,
    /// Curator's remark.
    note: Option<String>,
    /// The full text, exactly as published; quotes are located in it.
    text: String,
    /// Quotes from the text itself that back the document node (e.g. its heading).
    quotes: Vec<String>,
}

/// Changes to a node: an omitted field is kept, `null` clears it.
#[derive(InputObject, Clone)]
pub struct UpdateNodeInput {
    /// The node to change.
    id: ID,
    /// New title.
    title: Option<String>,
    /// New note.
    note: MaybeUndefined<String>,
    /// New date.
    date: MaybeUndefined<String>,
    /// New span start.
    start: MaybeUndefined<String>,
    /// New span end.
    end: MaybeUndefined<String>,
    /// New place.
    place: MaybeUndefined<String>,
    /// New format.
    format: MaybeUndefined<String>,
}

/// An edge by its three parts.
#[derive(InputObject, Clone)]
pub struct EdgeKeyInput {
    /// Source node id.
    from: ID,
    /// What the link says.
    kind: EdgeKind,
    /// Target node id.
    to: ID,
}

/// An edge to create.
#[derive(InputObject, Clone)]
pub struct CreateEdgeInput {
    /// Source node id.
    from: ID,
    /// What the link says.
    kind: EdgeKind,
    /// Target node id.
    to: ID,
    /// Curator's remark.
    note: Option<String>,
    /// First date the link holds on (YYYY, YYYY-MM or YYYY-MM-DD); omitted: from the start.
    valid_from: Option<String>,
    /// Last date the link holds on; omitted: open-ended. When the quotes name years, the
    /// validity must include one of them; a body's chairmanships must not overlap.
    valid_to: Option<String>,
    /// At least one verbatim quote stating the link.
    citations: Vec<CitationInput>,
}

/// Changes to an edge: an omitted field is kept, `null` clears it.
#[derive(InputObject, Clone)]
pub struct UpdateEdgeInput {
    /// Source node id.
    from: ID,
    /// What the link says.
    kind: EdgeKind,
    /// Target node id.
    to: ID,
    /// The new note.
    note: MaybeUndefined<String>,
    /// The new first date the link holds on (YYYY, YYYY-MM or YYYY-MM-DD).
    valid_from: MaybeUndefined<String>,
    /// The new last date the link holds on.
    valid_to: MaybeUndefined<String>,
}

/// Many nodes and edges created in one transaction, all or nothing.
#[derive(InputObject, Clone)]
pub struct ImportGraphInput {
    /// Nodes to create (documents may bring their text).
    #[graphql(default)]
    nodes: Vec<CreateNodeInput>,
    /// Edges to create; they may link nodes of this same import.
    #[graphql(default)]
    edges: Vec<CreateEdgeInput>,
    /// Nodes as CSV text with a header: `id,type,name,source,quote` (the shape of
    /// `nodes.csv` from `policygraph generate` or `export --format csv`, plus the quote that
    /// backs each row). `id` is a slug or a full id of the row's type.
    nodes_csv: Option<String>,
    /// Edges as CSV text with a header: `src,dst,type,source,quote`, optionally also
    /// `valid_from,valid_to`; `src` and `dst` name a row of `nodesCsv` or a stored node by its
    /// full id.
    edges_csv: Option<String>,
}

/// What a write changed.
#[derive(SimpleObject)]
pub struct MutationResult {
    /// The change-log entries the write appended, in order; empty when nothing changed.
    changes: Vec<Change>,
}

fn cites(list: &[CitationInput]) -> Vec<CiteDraft> {
    list.iter()
        .map(|c| CiteDraft {
            document: c.document.as_ref().map(|d| d.to_string()),
            quote: c.quote.clone(),
        })
        .collect()
}

fn maybe(value: &MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

impl CreateNodeInput {
    fn draft(&self) -> NodeDraft {
        NodeDraft {
            id: self.id.to_string(),
            title: self.title.clone(),
            note: self.note.clone(),
            date: self.date.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            place: self.place.clone(),
            format: self.format.clone(),
            text: self.text.clone(),
            citations: cites(&self.citations),
        }
    }
}

impl CreateEdgeInput {
    fn edit(&self) -> Edit {
        Edit::CreateEdge {
            key: key(&self.from, self.kind, &self.to),
            note: self.note.clone(),
            valid_from: self.valid_from.clone(),
            valid_to: self.valid_to.clone(),
            citations: cites(&self.citations),
        }
    }
}

fn key(from: &ID, kind: EdgeKind, to: &ID) -> EdgeKey {
    EdgeKey {
        from: from.to_string(),
        kind: kind.into(),
        to: to.to_string(),
    }
}

/// The writer, after checking that the request carries a valid token.
fn writer<'c>(ctx: &Context<'c>) -> Result<(&'c Actor, &'c Arc<Curator>)> {
    let actor = ctx.data_opt::<Actor>().ok_or_else(|| {
        coded(
            Code::Unauthenticated,
            "writes need `Authorization: Bearer <token>` (create one with `policygraph token create`)",
        )
    })?;
    let curator = ctx
        .data::<Arc<Curator>>()
        .map_err(|e| internal(e.message))?;
    Ok((actor, curator))
}

/// Applies `edits`; a refusal becomes one coded error listing every problem.
async fn apply(ctx: &Context<'_>, edits: Vec<(String, Edit)>) -> Result<Applied> {
    let (actor, curator) = writer(ctx)?;
    match curator.apply(actor, &edits).await {
        Ok(applied) => Ok(applied),
        Err(Refusal::Failed(e)) => Err(internal(e)),
        Err(Refusal::Unavailable(reason)) => Err(coded(Code::Unavailable, reason)),
        Err(Refusal::Rejected(problems)) => Err(rejected(problems)),
    }
}

/// One coded error listing every problem: `NOT_FOUND` when each is a missing thing, else
/// `BAD_USER_INPUT`; `extensions.problems` has them all with their input fields.
fn rejected(problems: Vec<Problem>) -> async_graphql::Error {
    let code = if problems.iter().all(|p| p.code == ProblemCode::NotFound) {
        Code::NotFound
    } else {
        Code::BadUserInput
    };
    let summary: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    let message = format!(
        "{} problem(s), nothing was written: {}",
        problems.len(),
        summary.join("; ")
    );
    coded(code, message).extend_with(|_, e| {
        let list: Vec<async_graphql::Value> = problems
            .iter()
            .map(|p| {
                let code = match p.code {
                    ProblemCode::NotFound => Code::NotFound,
                    ProblemCode::BadUserInput => Code::BadUserInput,
                };
                async_graphql::value!({
                    "field": p.field.clone(),
                    "code": code.as_str(),
                    "message": p.message.clone(),
                })
            })
            .collect();
        e.set("problems", list);
    })
}

/// The change-log entries a write appended.
async fn result(ctx: &Context<'_>, applied: &Applied) -> Result<MutationResult> {
    let Some(changed) = &applied.changed else {
        return Ok(MutationResult {
            changes: Vec::new(),
        });
    };
    let pool = ctx
        .data::<crate::store::Store>()
        .map_err(|e| internal(e.message))?;
    let first = changed.seqs.first().copied().unwrap_or_default();
    let filter = LogFilter {
        after_seq: Some(first - 1),
        ..LogFilter::default()
    };
    let (entries, _) = changes::read_log(pool, &filter, changed.seqs.len())
        .await
        .map_err(internal)?;
    Ok(MutationResult {
        changes: entries.into_iter().map(Change::from).collect(),
    })
}

fn node_in(graph: &Arc<Graph>, id: &str) -> Result<Node> {
    graph
        .lookup(id)
        .map(|ix| Node::new(graph.clone(), ix))
        .ok_or_else(|| internal(format!("`{id}` missing right after its write")))
}

fn edge_in(graph: &Arc<Graph>, key: &EdgeKey) -> Result<Edge> {
    let missing = || internal(format!("edge from `{}` missing after its write", key.from));
    let from = graph.lookup(&key.from).ok_or_else(missing)?;
    graph
        .edges(from, Way::Outgoing)
        .find(|&(e, to)| graph.edge_kind(e) == key.kind && graph.get(to).id.as_str() == key.to)
        .map(|(e, _)| Edge::new(graph.clone(), e))
        .ok_or_else(missing)
}

#[Object]
impl Mutation {
    /// Adds a source document with its full text, so nodes and edges can quote it.
    async fn add_document(&self, ctx: &Context<'_>, input: AddDocumentInput) -> Result<Node> {
        let draft = NodeDraft {
            id: input.id.to_string(),
            title: input.title,
            note: input.note,
            date: input.date,
            text: Some(input.text),
            citations: input
                .quotes
                .into_iter()
                .map(|quote| CiteDraft {
                    document: None,
                    quote,
                })
                .collect(),
            ..NodeDraft::default()
        };
        let applied = apply(ctx, vec![("input".into(), Edit::CreateNode(draft))]).await?;
        node_in(&applied.graph, input.id.as_str())
    }

    /// Creates a node with at least one verbatim quote.
    async fn create_node(&self, ctx: &Context<'_>, input: CreateNodeInput) -> Result<Node> {
        let applied = apply(ctx, vec![("input".into(), Edit::CreateNode(input.draft()))]).await?;
        node_in(&applied.graph, input.id.as_str())
    }

    /// Changes a node's fields; its id, kind, edges and citations stay.
    async fn update_node(&self, ctx: &Context<'_>, input: UpdateNodeInput) -> Result<Node> {
        let patch = NodePatch {
            id: input.id.to_string(),
            title: input.title.clone(),
            note: maybe(&input.note),
            date: maybe(&input.date),
            start: maybe(&input.start),
            end: maybe(&input.end),
            place: maybe(&input.place),
            format: maybe(&input.format),
        };
        let applied = apply(ctx, vec![("input".into(), Edit::UpdateNode(patch))]).await?;
        node_in(&applied.graph, input.id.as_str())
    }

    /// Deletes a node and every edge at it. A document other entities quote cannot be deleted.
    async fn delete_node(&self, ctx: &Context<'_>, id: ID) -> Result<MutationResult> {
        let applied = apply(ctx, vec![("id".into(), Edit::DeleteNode(id.to_string()))]).await?;
        result(ctx, &applied).await
    }

    /// Creates an edge with at least one verbatim quote stating it.
    async fn create_edge(&self, ctx: &Context<'_>, input: CreateEdgeInput) -> Result<Edge> {
        let applied = apply(ctx, vec![("input".into(), input.edit())]).await?;
        edge_in(&applied.graph, &key(&input.from, input.kind, &input.to))
    }

    /// Changes an edge's note or validity; its ends, kind and citations stay.
    async fn update_edge(&self, ctx: &Context<'_>, input: UpdateEdgeInput) -> Result<Edge> {
        let key = key(&input.from, input.kind, &input.to);
        let edit = Edit::UpdateEdge(EdgePatch {
            key: key.clone(),
            note: maybe(&input.note),
            valid_from: maybe(&input.valid_from),
            valid_to: maybe(&input.valid_to),
        });
        let applied = apply(ctx, vec![("input".into(), edit)]).await?;
        edge_in(&applied.graph, &key)
    }

    /// Deletes an edge.
    async fn delete_edge(&self, ctx: &Context<'_>, input: EdgeKeyInput) -> Result<MutationResult> {
        let edit = Edit::DeleteEdge(key(&input.from, input.kind, &input.to));
        let applied = apply(ctx, vec![("input".into(), edit)]).await?;
        result(ctx, &applied).await
    }

    /// Adds a verbatim quote to a node or an edge.
    async fn add_citation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A node id, or an edge id `<from>/<KIND>/<to>`.")] entity: ID,
        citation: CitationInput,
    ) -> Result<MutationResult> {
        let edit = Edit::AddCitation {
            entity: entity.to_string(),
            cite: cites(std::slice::from_ref(&citation)).remove(0),
        };
        let applied = apply(ctx, vec![("citation".into(), edit)]).await?;
        result(ctx, &applied).await
    }

    /// Removes one quote from a node or an edge; the last one cannot be removed.
    async fn remove_citation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A node id, or an edge id `<from>/<KIND>/<to>`.")] entity: ID,
        #[graphql(desc = "The document the quote is from.")] document: ID,
        #[graphql(desc = "The quote exactly as stored.")] quote: String,
    ) -> Result<MutationResult> {
        let edit = Edit::RemoveCitation {
            entity: entity.to_string(),
            document: document.to_string(),
            quote,
        };
        let applied = apply(ctx, vec![("citation".into(), edit)]).await?;
        result(ctx, &applied).await
    }

    /// Creates many nodes and edges in one transaction: all of them, or none when any
    /// breaks a rule (every problem is listed, by input position).
    async fn import_graph(
        &self,
        ctx: &Context<'_>,
        input: ImportGraphInput,
    ) -> Result<MutationResult> {
        let nodes = input
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("input.nodes[{i}]"), Edit::CreateNode(n.draft())));
        let edges = input
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("input.edges[{i}]"), e.edit()));
        let mut edits: Vec<(String, Edit)> = nodes.chain(edges).collect();
        if input.nodes_csv.is_some() || input.edges_csv.is_some() {
            let from_csv = crate::curate::csv::edits(
                input.nodes_csv.as_deref().unwrap_or("id,type,name\n"),
                input.edges_csv.as_deref().unwrap_or("src,dst,type\n"),
            );
            match from_csv {
                Ok(more) => edits.extend(more),
                Err(problems) => return Err(rejected(problems)),
            }
        }
        let applied = apply(ctx, edits).await?;
        result(ctx, &applied).await
    }
}
