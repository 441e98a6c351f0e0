//! Deriving the next snapshot: [`Graph::apply`] writes a change into a copy of the overlay
//! (sharing everything it does not touch), [`Graph::compact`] folds the overlay into a new
//! base.

use std::sync::Arc;

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::delta::{BaseEdge, Delta, EdgeEntry, NodeEntry};
use super::{Builder, EdgeIx, Graph, NodeIx, Update, Way, details, report};
use crate::error::{Error, Result};
use crate::model::NodeId;

impl Graph {
    /// The next snapshot: this one with `updates` applied in order, sharing everything they do
    /// not touch. Fails (and nothing is returned) when an edge names a node that does not exist.
    /// The citation reports computed for this snapshot are carried into the next (see
    /// `graph::report`), so a request after a write does not compute one whole.
    pub fn apply(&self, updates: impl IntoIterator<Item = Update>) -> Result<Graph> {
        let mut next = self.clone();
        let reports = self.memo.computed();
        let mut touched = report::Touched::default();
        for update in updates {
            if !reports.is_empty() {
                touched.note(&next, &update);
            }
            next.apply_one(update)?;
            next.delta.size += 1;
        }
        for (date, findings) in reports {
            if let Some(carried) = report::carried(self, &next, &findings, &touched, date) {
                next.memo.keep(date, carried);
            }
        }
        Ok(next)
    }

    fn apply_one(&mut self, update: Update) -> Result<()> {
        match update {
            Update::Node { node, text } => {
                let id = node.id.clone();
                let kind = node.kind();
                let (core, details) = details::split_node(node);
                let entry = Arc::new(NodeEntry {
                    core,
                    kind,
                    details,
                });
                match self.lookup_id(&id) {
                    Some(ix) if ix.0.index() < self.base_nodes() => {
                        self.delta.changed_nodes.insert(ix, Some(entry));
                    }
                    Some(ix) => {
                        let at = ix.0.index() - self.base_nodes();
                        self.delta.nodes.set(at, entry);
                    }
                    None => {
                        let ix = NodeIx(NodeIndex::new(self.base_nodes() + self.delta.nodes.len()));
                        self.delta.nodes.push_back(entry);
                        self.delta.ids.insert(id.clone(), Some(ix));
                        self.delta.added_by_id.insert(id.clone(), ix);
                        self.delta.node_balance += 1;
                    }
                }
                if let Some(path) = text {
                    self.delta.texts.insert(id, Some(path));
                }
            }
            Update::DeleteNode(id) => {
                let Some(ix) = self.lookup_id(&id) else {
                    return Ok(());
                };
                let mut attached: Vec<EdgeIx> = self
                    .edges(ix, Way::Outgoing)
                    .chain(self.edges(ix, Way::Incoming))
                    .map(|(e, _)| e)
                    .collect();
                // A self-loop is both outgoing and incoming.
                attached.sort_unstable();
                attached.dedup();
                for e in attached {
                    self.delete_edge(e);
                }
                if ix.0.index() < self.base_nodes() {
                    self.delta.changed_nodes.insert(ix, None);
                    self.delta.deleted_base_nodes += 1;
                } else {
                    self.delta.added_by_id.remove(&id);
                }
                self.delta.ids.insert(id.clone(), None);
                if self.source_path(&id).is_some() {
                    self.delta.texts.insert(id, None);
                }
                self.delta.node_balance -= 1;
            }
            Update::Edge(edge) => {
                let (Some(from), Some(to)) = (self.lookup_id(&edge.from), self.lookup_id(&edge.to))
                else {
                    return Err(Error::Database(format!(
                        "edge {} names a node that does not exist",
                        edge.id()
                    )));
                };
                let kind = edge.kind;
                let dated = edge.valid_from.is_some() || edge.valid_to.is_some();
                let details = details::edge_details(edge);
                let ix = match self.find_edge(from, kind, to) {
                    Some(e) if e.0.index() < self.base_edges() => {
                        let was_dated = self.is_dated(e);
                        let details = details.map(Arc::new);
                        self.delta
                            .changed_edges
                            .insert(e, BaseEdge::Details(details));
                        if was_dated {
                            return Ok(());
                        }
                        e
                    }
                    Some(e) => {
                        let was_dated = self.is_dated(e);
                        let at = e.0.index() - self.base_edges();
                        let entry = EdgeEntry {
                            from,
                            to,
                            kind,
                            details,
                        };
                        self.delta.edges.set(at, Arc::new(entry));
                        if was_dated {
                            return Ok(());
                        }
                        e
                    }
                    None => {
                        let e = EdgeIx(EdgeIndex::new(self.base_edges() + self.delta.edges.len()));
                        let entry = EdgeEntry {
                            from,
                            to,
                            kind,
                            details,
                        };
                        self.delta.edges.push_back(Arc::new(entry));
                        Delta::link(&mut self.delta.out, from, e);
                        Delta::link(&mut self.delta.inc, to, e);
                        self.delta.edge_balance += 1;
                        e
                    }
                };
                if dated {
                    self.delta.dated.push_back(ix);
                    Delta::link(&mut self.delta.dated_at, from, ix);
                    Delta::link(&mut self.delta.dated_at, to, ix);
                }
            }
            Update::DeleteEdge { from, kind, to } => {
                let (Some(a), Some(b)) = (self.lookup_id(&from), self.lookup_id(&to)) else {
                    return Ok(());
                };
                if let Some(e) = self.find_edge(a, kind, b) {
                    self.delete_edge(e);
                }
            }
        }
        Ok(())
    }

    fn delete_edge(&mut self, e: EdgeIx) {
        if e.0.index() < self.base_edges() {
            self.delta.changed_edges.insert(e, BaseEdge::Deleted);
            self.delta.deleted_base_edges += 1;
        } else {
            let (a, b) = self.ends(e);
            self.delta.dead_edges.insert(e);
            Delta::unlink(&mut self.delta.out, a, e);
            Delta::unlink(&mut self.delta.inc, b, e);
        }
        self.delta.edge_balance -= 1;
    }

    /// The same graph with its overlay folded into a new base: what the store would build.
    /// O(graph); run it off the request path when [`Graph::overlay_size`] has grown. Nodes and
    /// edges go into the builder one at a time, never all as model values at once.
    pub fn compact(&self) -> Result<Graph> {
        let mut texts: Vec<(NodeId, String)> = self
            .base
            .texts
            .keys()
            .chain(self.delta.texts.keys())
            .filter_map(|id| Some((id.clone(), self.source_path(id)?.to_owned())))
            .collect();
        texts.sort();
        texts.dedup();
        let mut builder = Builder::with_capacity(self.node_count(), self.edge_count());
        for node in self.all_nodes() {
            match self.node_details(node.ix()) {
                None => builder.plain_node(node.id, node.title)?,
                Some(_) => builder.node(node.to_node())?,
            }
        }
        for edge in self.all_edges() {
            match self.edge_details(edge.ix()) {
                None => builder.plain_edge(edge.from, edge.kind, edge.to)?,
                Some(_) => builder.edge(edge.to_edge())?,
            }
        }
        for (document, path) in texts {
            builder.text(document, path);
        }
        let compacted = builder.finish()?;
        // The same contents: the same reports.
        for (date, findings) in self.memo.computed() {
            compacted.memo.keep(date, findings);
        }
        Ok(Graph {
            position: self.position,
            ..compacted
        })
    }
}
