//! The snapshot as the edits of one request see it: entities are copied out of the snapshot on
//! first touch and changed here, so validating a write costs what the write touches, never a
//! copy of the graph.

use std::collections::{BTreeMap, BTreeSet};

use crate::dataset::Dataset;
use crate::graph::{Graph, Way};
use crate::model::{Edge, EdgeKind, Node, NodeId, SourceText};

/// A snapshot plus the changes made so far (`None`: deleted here).
pub struct View<'g> {
    graph: &'g Graph,
    nodes: BTreeMap<String, Option<Node>>,
    edges: BTreeMap<String, Option<Edge>>,
    /// Source texts of the documents the edits need (loaded from the store) or create.
    pub texts: BTreeMap<String, SourceText>,
}

impl<'g> View<'g> {
    /// The snapshot `graph` with nothing changed yet; `texts` are the stored texts the edits
    /// need.
    pub fn new(graph: &'g Graph, texts: BTreeMap<String, SourceText>) -> View<'g> {
        View {
            graph,
            nodes: BTreeMap::new(),
            edges: BTreeMap::new(),
            texts,
        }
    }

    fn graph_edge(&self, id: &str) -> Option<Edge> {
        let (from, kind, to) = crate::model::split_edge_id(id)?;
        let (a, b) = (
            self.graph.lookup(from.as_str())?,
            self.graph.lookup(to.as_str())?,
        );
        let e = self.graph.find_edge(a, kind, b)?;
        Some(self.graph.edge(e).to_edge())
    }

    /// Does the node exist (here or in the snapshot)?
    pub fn contains_node(&self, id: &str) -> bool {
        match self.nodes.get(id) {
            Some(node) => node.is_some(),
            None => self.graph.lookup(id).is_some(),
        }
    }

    /// The node, copied out of the snapshot on first touch.
    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        if !self.nodes.contains_key(id) {
            let found = self
                .graph
                .lookup(id)
                .map(|ix| self.graph.get(ix).to_node())?;
            self.nodes.insert(id.to_owned(), Some(found));
        }
        self.nodes.get_mut(id)?.as_mut()
    }

    /// Creates or replaces a node.
    pub fn insert_node(&mut self, id: String, node: Node) {
        self.nodes.insert(id, Some(node));
    }

    /// Deletes a node (its edges are the caller's to delete) and its text.
    pub fn remove_node(&mut self, id: &str) {
        self.nodes.insert(id.to_owned(), None);
        self.texts.remove(id);
    }

    /// Does the edge exist (here or in the snapshot)?
    pub fn contains_edge(&self, id: &str) -> bool {
        match self.edges.get(id) {
            Some(edge) => edge.is_some(),
            None => self.graph_edge(id).is_some(),
        }
    }

    /// The edge, copied out of the snapshot on first touch.
    pub fn edge_mut(&mut self, id: &str) -> Option<&mut Edge> {
        if !self.edges.contains_key(id) {
            let found = self.graph_edge(id)?;
            self.edges.insert(id.to_owned(), Some(found));
        }
        self.edges.get_mut(id)?.as_mut()
    }

    /// The edge as it stands now.
    pub fn edge(&mut self, id: &str) -> Option<&Edge> {
        self.edge_mut(id).map(|e| &*e)
    }

    /// Creates or replaces an edge.
    pub fn insert_edge(&mut self, id: String, edge: Edge) {
        self.edges.insert(id, Some(edge));
    }

    /// Deletes an edge.
    pub fn remove_edge(&mut self, id: &str) {
        self.edges.insert(id.to_owned(), None);
    }

    /// Ids of the live edges at a node, either end.
    pub fn edges_at(&self, id: &str) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        if let Some(ix) = self.graph.lookup(id) {
            for way in [Way::Outgoing, Way::Incoming] {
                out.extend(
                    self.graph
                        .edges(ix, way)
                        .map(|(e, _)| self.graph.edge(e).id()),
                );
            }
        }
        for (edge_id, edge) in &self.edges {
            match edge {
                Some(e) if e.from.as_str() == id || e.to.as_str() == id => {
                    out.insert(edge_id.clone());
                }
                _ => {}
            }
        }
        out.retain(|e| !matches!(self.edges.get(e), Some(None)));
        out.into_iter().collect()
    }

    /// The live edges of `kind` leaving a node, as they stand now.
    pub fn edges_from(&self, id: &str, kind: EdgeKind) -> Vec<Edge> {
        let mut out: BTreeMap<String, Edge> = BTreeMap::new();
        if let Some(ix) = self.graph.lookup(id) {
            for (e, _) in self.graph.edges(ix, Way::Outgoing) {
                if self.graph.edge_kind(e) == kind {
                    let edge = self.graph.edge(e).to_edge();
                    out.insert(edge.id(), edge);
                }
            }
        }
        for (edge_id, edge) in &self.edges {
            match edge {
                Some(e) if e.from.as_str() == id && e.kind == kind => {
                    out.insert(edge_id.clone(), e.clone());
                }
                Some(_) => {}
                None => {
                    out.remove(edge_id);
                }
            }
        }
        out.into_values().collect()
    }

    /// Ids of the other nodes and edges that quote `document`, as they stand now.
    pub fn quoting(&self, document: &str) -> Vec<String> {
        let Ok(doc) = NodeId::parse(document) else {
            return Vec::new();
        };
        let quotes =
            |citations: &[crate::model::Citation]| citations.iter().any(|c| c.document == doc);
        let mut out: BTreeSet<String> = self
            .graph
            .quoting(&doc)
            .into_iter()
            .filter(|id| !self.nodes.contains_key(id) && !self.edges.contains_key(id))
            .collect();
        for (id, node) in &self.nodes {
            if node
                .as_ref()
                .is_some_and(|n| n.id != doc && quotes(&n.citations))
            {
                out.insert(id.clone());
            }
        }
        for (id, edge) in &self.edges {
            if edge
                .as_ref()
                .is_some_and(|e| e.from != doc && e.to != doc && quotes(&e.citations))
            {
                out.insert(id.clone());
            }
        }
        out.into_iter().collect()
    }

    /// The entities `touched` as they stand now (deleted ones absent), with their texts.
    pub fn into_after(self, touched: &BTreeSet<String>) -> Dataset {
        let mut after = Dataset::default();
        for id in touched {
            if let Some(Some(node)) = self.nodes.get(id) {
                after.nodes.insert(id.clone(), node.clone());
                if let Some(text) = self.texts.get(id) {
                    after.texts.insert(id.clone(), text.clone());
                }
            } else if let Some(Some(edge)) = self.edges.get(id) {
                after.edges.insert(id.clone(), edge.clone());
            }
        }
        after
    }
}
