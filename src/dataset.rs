//! The whole graph as plain data keyed by id: what the store holds, what a seed corpus or a
//! curation turns it into, and the per-entity difference between two versions.
//!
//! Every write — a seed load or a mutation — computes the next [`Dataset`], takes the
//! [`changes`] from the current one, and hands only those to the store. One mechanism, so a
//! load and a mutation validate, log and write the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::corpus::Corpus;
use crate::graph::{Contents, Graph, Update};
use crate::model::{Edge, Node, NodeId, SourceText, split_edge_id};

/// Every node, edge and source text, keyed by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dataset {
    /// Nodes by id.
    pub nodes: BTreeMap<String, Node>,
    /// Edges by id (`<from>/<KIND>/<to>`).
    pub edges: BTreeMap<String, Edge>,
    /// Source texts by the id of their document node.
    pub texts: BTreeMap<String, SourceText>,
}

impl Dataset {
    /// The dataset a validated seed corpus describes.
    pub fn from_corpus(corpus: &Corpus) -> Dataset {
        Dataset {
            nodes: corpus
                .nodes
                .iter()
                .map(|n| (n.id.to_string(), n.clone()))
                .collect(),
            edges: corpus.edges.iter().map(|e| (e.id(), e.clone())).collect(),
            texts: corpus
                .sources
                .iter()
                .map(|s| (s.document.to_string(), s.clone()))
                .collect(),
        }
    }

    /// Only the entities `ids` (node ids or edge ids) of a snapshot, with the texts given:
    /// the "before" side of a write that touched them.
    pub fn subset_of_graph(
        graph: &Graph,
        ids: &BTreeSet<String>,
        texts: &BTreeMap<String, SourceText>,
    ) -> Dataset {
        let mut out = Dataset::default();
        for id in ids {
            if let Some(ix) = graph.lookup(id) {
                out.nodes.insert(id.clone(), graph.get(ix).to_node());
                if let Some(text) = texts.get(id) {
                    out.texts.insert(id.clone(), text.clone());
                }
                continue;
            }
            let found = split_edge_id(id).and_then(|(from, kind, to)| {
                let (a, b) = (graph.lookup(from.as_str())?, graph.lookup(to.as_str())?);
                graph.find_edge(a, kind, b)
            });
            if let Some(e) = found {
                out.edges.insert(id.clone(), graph.edge(e).to_edge());
            }
        }
        out
    }

    /// What the graph snapshot is built from.
    pub fn contents(&self) -> Contents {
        Contents {
            nodes: self.nodes.values().cloned().collect(),
            edges: self.edges.values().cloned().collect(),
            texts: self
                .texts
                .values()
                .map(|s| (s.document.clone(), s.path.clone()))
                .collect(),
        }
    }

    /// The current version of an entity, node or edge.
    pub fn entity(&self, id: &str) -> Option<Entity> {
        if let Some(node) = self.nodes.get(id) {
            return Some(Entity::Node {
                node: node.clone(),
                text: self.texts.get(id).cloned(),
            });
        }
        self.edges.get(id).cloned().map(Entity::Edge)
    }
}

/// One stored entity: a node (with its source text, for documents that have one) or an edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entity {
    /// A node and, for a document with a stored text, that text.
    Node {
        /// The node.
        node: Node,
        /// Its source text.
        text: Option<SourceText>,
    },
    /// An edge.
    Edge(Edge),
}

impl Entity {
    /// Reads back a change-log image of the entity `id` (a node id, or an edge id
    /// `<from>/<KIND>/<to>`); `None` when the image is not one this version can read.
    pub fn from_image(id: &str, image: &Value) -> Option<Entity> {
        if id.contains('/') {
            return serde_json::from_value::<Edge>(image.clone())
                .ok()
                .map(Entity::Edge);
        }
        let node: Node = serde_json::from_value(image.clone()).ok()?;
        let text = match image.get("source_text") {
            Some(source) => Some(SourceText {
                document: node.id.clone(),
                path: source.get("path")?.as_str()?.to_owned(),
                text: source.get("text")?.as_str()?.to_owned(),
            }),
            None => None,
        };
        Some(Entity::Node { node, text })
    }

    /// The JSON image the change log records.
    pub fn image(&self) -> Value {
        match self {
            Entity::Node { node, text } => {
                let mut image = json!(node);
                if let Some(text) = text {
                    image["source_text"] = json!({ "path": text.path, "text": text.text });
                }
                image
            }
            Entity::Edge(edge) => json!(edge),
        }
    }
}

/// How an entity changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// It did not exist before.
    Create,
    /// Its content differs.
    Update,
    /// It no longer exists.
    Delete,
}

impl Op {
    /// The spelling the change log stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// One entity's change between two datasets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Node or edge id.
    pub id: String,
    /// The version before, absent for a creation.
    pub before: Option<Entity>,
    /// The version after, absent for a deletion.
    pub after: Option<Entity>,
}

impl Change {
    /// Create, update or delete.
    pub fn op(&self) -> Op {
        match (&self.before, &self.after) {
            (None, _) => Op::Create,
            (Some(_), Some(_)) => Op::Update,
            (Some(_), None) => Op::Delete,
        }
    }
}

/// The snapshot updates that bring each entity to its final state (`None`: deleted), in an
/// order that keeps the ends of every edge present: edge deletions, node writes, edge writes,
/// node deletions. Ids that are not node or edge ids are skipped.
pub fn updates(finals: impl IntoIterator<Item = (String, Option<Entity>)>) -> Vec<Update> {
    let (mut edge_deletes, mut node_puts, mut edge_puts, mut node_deletes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, entity) in finals {
        match entity {
            Some(Entity::Node { node, text }) => node_puts.push(Update::Node {
                node,
                text: text.map(|t| t.path),
            }),
            Some(Entity::Edge(edge)) => edge_puts.push(Update::Edge(edge)),
            None if id.contains('/') => {
                let parsed = split_edge_id(&id);
                edge_deletes.extend(parsed.map(|(from, kind, to)| Update::DeleteEdge {
                    from,
                    kind,
                    to,
                }));
            }
            None => node_deletes.extend(NodeId::parse(&id).ok().map(Update::DeleteNode)),
        }
    }
    edge_deletes
        .into_iter()
        .chain(node_puts)
        .chain(edge_puts)
        .chain(node_deletes)
        .collect()
}

/// The changes that turn `before` into `after`, looking only at `ids` (every id of both when
/// `None`), in id order. An entity whose content is equal in both is not a change.
pub fn changes(before: &Dataset, after: &Dataset, ids: Option<&BTreeSet<String>>) -> Vec<Change> {
    let all: BTreeSet<String>;
    let ids = match ids {
        Some(ids) => ids,
        None => {
            all = before
                .nodes
                .keys()
                .chain(before.edges.keys())
                .chain(after.nodes.keys())
                .chain(after.edges.keys())
                .cloned()
                .collect();
            &all
        }
    };
    ids.iter()
        .filter_map(|id| {
            let (old, new) = (before.entity(id), after.entity(id));
            (old != new).then(|| Change {
                id: id.clone(),
                before: old,
                after: new,
            })
        })
        .collect()
}
