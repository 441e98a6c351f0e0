//! The overlay of a snapshot: every change since its base was built, in persistent maps, so the
//! next snapshot shares everything untouched with the last one.
//!
//! Cloning a [`Delta`] copies a few pointers (the `imbl` collections share their trees), and a
//! change costs a logarithmic number of small node copies: a write allocates memory in
//! proportion to what it changes, not to the graph.

use std::sync::Arc;

use imbl::{HashMap, OrdMap, Vector};

use super::details::{EdgeDetails, NodeCore, NodeDetails};
use super::{EdgeIx, NodeIx};
use crate::model::{EdgeKind, NodeId, NodeKind};

/// A node added or replaced since the base was built.
#[derive(Debug)]
pub(super) struct NodeEntry {
    pub(super) core: NodeCore,
    pub(super) kind: NodeKind,
    pub(super) details: Option<NodeDetails>,
}

/// An edge added since the base was built.
#[derive(Debug)]
pub(super) struct EdgeEntry {
    pub(super) from: NodeIx,
    pub(super) to: NodeIx,
    pub(super) kind: EdgeKind,
    pub(super) details: Option<EdgeDetails>,
}

/// What became of an edge of the base.
#[derive(Clone, Debug)]
pub(super) enum BaseEdge {
    /// Deleted.
    Deleted,
    /// Its note, validity or citations changed (`None`: it has none any more).
    Details(Option<Arc<EdgeDetails>>),
}

/// Everything that changed since the base was built. Indices of added nodes and edges follow
/// the base's: the first added node is `base.node_count()`.
#[derive(Clone, Debug, Default)]
pub(super) struct Delta {
    /// Added nodes by index past the base (a deleted one keeps its slot; the id map and the
    /// listings forget it).
    pub(super) nodes: Vector<Arc<NodeEntry>>,
    /// Base nodes replaced (`Some`) or deleted (`None`).
    pub(super) changed_nodes: HashMap<NodeIx, Option<Arc<NodeEntry>>>,
    /// Id map overrides: an added node's index, or `None` for a deleted base node.
    pub(super) ids: HashMap<NodeId, Option<NodeIx>>,
    /// The live added nodes in id order, for listings.
    pub(super) added_by_id: OrdMap<NodeId, NodeIx>,
    /// Base nodes deleted (so listings must filter the base's orderings).
    pub(super) deleted_base_nodes: usize,
    /// Added edges by index past the base (a deleted one keeps its slot, leaves the adjacency
    /// lists and joins `dead_edges`).
    pub(super) edges: Vector<Arc<EdgeEntry>>,
    pub(super) dead_edges: imbl::HashSet<EdgeIx>,
    /// Base edges deleted or given new details.
    pub(super) changed_edges: HashMap<EdgeIx, BaseEdge>,
    /// Base edges deleted (traversals skip the check while there are none).
    pub(super) deleted_base_edges: usize,
    /// Live added edges by source and by target.
    pub(super) out: HashMap<NodeIx, Vector<EdgeIx>>,
    pub(super) inc: HashMap<NodeIx, Vector<EdgeIx>>,
    /// Edges that became dated (added with a validity, or given one), by each end; readers
    /// filter out those that are gone or no longer dated.
    pub(super) dated_at: HashMap<NodeIx, Vector<EdgeIx>>,
    pub(super) dated: Vector<EdgeIx>,
    /// Stored-text paths set (`Some`) or removed (`None`) since the base.
    pub(super) texts: HashMap<NodeId, Option<String>>,
    /// Live nodes and edges minus the base's counts.
    pub(super) node_balance: isize,
    pub(super) edge_balance: isize,
    /// Changes applied since the base (a measure of when to compact).
    pub(super) size: usize,
}

impl Delta {
    /// Removes `edge` from the adjacency list of `node` in `lists`.
    pub(super) fn unlink(lists: &mut HashMap<NodeIx, Vector<EdgeIx>>, node: NodeIx, edge: EdgeIx) {
        if let Some(list) = lists.get_mut(&node) {
            if let Some(at) = list.index_of(&edge) {
                list.remove(at);
            }
            if list.is_empty() {
                lists.remove(&node);
            }
        }
    }

    /// Adds `edge` to the adjacency list of `node` in `lists`.
    pub(super) fn link(lists: &mut HashMap<NodeIx, Vector<EdgeIx>>, node: NodeIx, edge: EdgeIx) {
        lists.entry(node).or_default().push_back(edge);
    }
}
