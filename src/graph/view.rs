//! Read-only views of one node or edge of a snapshot.
//!
//! The snapshot stores nodes and edges in pieces (see `details`), so it cannot lend out a
//! `&model::Node`. A view is a few pointers: the fields are the parts every node or edge has,
//! the methods read the rare parts, and `to_node` / `to_edge` build the owned model value.

use std::fmt;

use super::details::{EdgeDetails, NodeDetails};
use super::{EdgeIx, Graph, NodeIx};
use crate::model::{self, Citation, EdgeKind, Id, NodeKind, PartialDate};

/// A node of a snapshot, read in place.
#[derive(Clone, Copy)]
pub struct NodeView<'g> {
    /// Stable id, `<kind>:<slug>`.
    pub id: &'g Id,
    /// Human-readable name as the sources give it.
    pub title: &'g str,
    graph: &'g Graph,
    ix: NodeIx,
}

impl<'g> NodeView<'g> {
    pub(super) fn new(graph: &'g Graph, ix: NodeIx, id: &'g Id, title: &'g str) -> Self {
        NodeView {
            id,
            title,
            graph,
            ix,
        }
    }

    fn details(&self) -> Option<&'g NodeDetails> {
        self.graph.node_details(self.ix)
    }

    /// The handle of this node.
    pub fn ix(&self) -> NodeIx {
        self.ix
    }

    /// The kind named by the id.
    pub fn kind(&self) -> NodeKind {
        self.graph.kind(self.ix)
    }

    /// Curator's remark, e.g. an ambiguity in the sources.
    pub fn note(&self) -> Option<&'g str> {
        self.details()?.note.as_deref()
    }

    /// Date of a summit, or of a document's issue or adoption.
    pub fn date(&self) -> Option<PartialDate> {
        self.details()?.date
    }

    /// Start of a time span.
    pub fn start(&self) -> Option<PartialDate> {
        self.details()?.start
    }

    /// End of a time span.
    pub fn end(&self) -> Option<PartialDate> {
        self.details()?.end
    }

    /// Where a summit took place.
    pub fn place(&self) -> Option<&'g str> {
        self.details()?.place.as_deref()
    }

    /// How a summit was held (in person, videoconference, informal, ...).
    pub fn format(&self) -> Option<&'g str> {
        self.details()?.format.as_deref()
    }

    /// Evidence for the node; never empty in a valid corpus.
    pub fn citations(&self) -> &'g [Citation] {
        self.details().map_or(&[], |d| d.citations.as_slice())
    }

    /// The node as an owned model value.
    pub fn to_node(&self) -> model::Node {
        model::Node {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            note: self.note().map(str::to_owned),
            date: self.date(),
            start: self.start(),
            end: self.end(),
            place: self.place().map(str::to_owned),
            format: self.format().map(str::to_owned),
            citations: self.citations().to_vec(),
        }
    }
}

impl fmt::Debug for NodeView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_node(), f)
    }
}

/// An edge of a snapshot, read in place.
#[derive(Clone, Copy)]
pub struct EdgeView<'g> {
    /// Source node.
    pub from: &'g Id,
    /// What the link says.
    pub kind: EdgeKind,
    /// Target node.
    pub to: &'g Id,
    graph: &'g Graph,
    ix: EdgeIx,
}

impl<'g> EdgeView<'g> {
    pub(super) fn new(
        graph: &'g Graph,
        ix: EdgeIx,
        from: &'g Id,
        kind: EdgeKind,
        to: &'g Id,
    ) -> Self {
        EdgeView {
            from,
            kind,
            to,
            graph,
            ix,
        }
    }

    fn details(&self) -> Option<&'g EdgeDetails> {
        self.graph.edge_details(self.ix)
    }

    /// The handle of this edge.
    pub fn ix(&self) -> EdgeIx {
        self.ix
    }

    /// Stable id of the edge: `<from>/<KIND>/<to>`.
    pub fn id(&self) -> String {
        model::edge_id(self.from, self.kind, self.to)
    }

    /// Curator's remark.
    pub fn note(&self) -> Option<&'g str> {
        self.details()?.note.as_deref()
    }

    /// The first date the link holds on; `None` when the sources give no start.
    pub fn valid_from(&self) -> Option<PartialDate> {
        self.details()?.valid_from
    }

    /// The last date the link holds on; `None` when open-ended or not given.
    pub fn valid_to(&self) -> Option<PartialDate> {
        self.details()?.valid_to
    }

    /// Does the link hold at some time in `[from, to]`? An edge without validity always does.
    pub fn holds_during(&self, from: PartialDate, to: PartialDate) -> bool {
        model::overlaps(self.valid_from(), self.valid_to(), from, to)
    }

    /// Evidence for the link; never empty in a valid corpus.
    pub fn citations(&self) -> &'g [Citation] {
        self.details().map_or(&[], |d| d.citations.as_slice())
    }

    /// The edge as an owned model value.
    pub fn to_edge(&self) -> model::Edge {
        model::Edge {
            from: self.from.to_owned(),
            kind: self.kind,
            to: self.to.to_owned(),
            note: self.note().map(str::to_owned),
            valid_from: self.valid_from(),
            valid_to: self.valid_to(),
            citations: self.citations().to_vec(),
        }
    }
}

impl fmt::Debug for EdgeView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_edge(), f)
    }
}
