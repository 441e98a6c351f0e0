//! The rules every write keeps, each written once: the seed reader (`check`, `load`), the
//! curation workspace (the mutations) and the bulk import call these, so a seed file, an API
//! write and an imported row are judged alike. The rules about when an edge holds are in
//! [`crate::validity`]; where a quote stands in its source is [`crate::corpus::quote`].

use std::collections::{HashMap, HashSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{EdgeKind, Node, NodeKind, PartialDate};

/// The edge kinds that must stay acyclic (DESIGN.md): a goal cannot be part of itself, and a
/// dependency cannot depend on what depends on it.
pub const ACYCLIC: [EdgeKind; 2] = [EdgeKind::PartOf, EdgeKind::DependsOn];

/// Why a time span that ends before it starts is refused, `None` when it does not.
pub fn span_order(start: Option<PartialDate>, end: Option<PartialDate>) -> Option<String> {
    let (start, end) = (start?, end?);
    (end.latest() < start.earliest())
        .then(|| format!("span ends ({end}) before it starts ({start})"))
}

/// Why a programme without a single verified citation is refused, `None` for any other node.
pub fn uncited_programme(node: &Node) -> Option<&'static str> {
    (node.kind() == NodeKind::Programme && node.citations.is_empty())
        .then_some("programme has no verified citation")
}

/// A path from `start` to `goal` following `next` (both ends included), if there is one: the
/// proof that a new edge `goal -> start` closes a cycle. Walks only what is reachable from
/// `start`, so a write checks its new edges without reading the whole graph.
pub fn path_between(
    next: impl Fn(&str) -> Vec<String>,
    start: &str,
    goal: &str,
) -> Option<Vec<String>> {
    let mut parent: HashMap<String, String> = HashMap::new();
    let mut stack = vec![start.to_owned()];
    let mut seen: HashSet<String> = HashSet::from([start.to_owned()]);
    while let Some(at) = stack.pop() {
        if at == goal {
            let mut path = vec![at.clone()];
            let mut cur = at;
            while let Some(p) = parent.get(&cur) {
                path.push(p.clone());
                cur = p.clone();
            }
            path.reverse();
            return Some(path);
        }
        for n in next(&at) {
            if seen.insert(n.clone()) {
                parent.insert(n.clone(), at.clone());
                stack.push(n);
            }
        }
    }
    None
}

/// Every cycle among `edges` (source and target ids, all of one kind), each as the ids along
/// it with the first repeated at the end, starting from its smallest id so it is always named
/// the same way. For whole corpora and bulk imports; a single write uses [`path_between`].
pub fn cycles<'a, T: Ord + std::hash::Hash + ?Sized + 'a>(
    edges: impl IntoIterator<Item = (&'a T, &'a T)>,
) -> Vec<Vec<&'a T>> {
    let mut graph = DiGraph::<&T, ()>::new();
    let mut index: HashMap<&'a T, NodeIndex> = HashMap::new();
    let mut at = |graph: &mut DiGraph<&'a T, ()>, id: &'a T| {
        *index.entry(id).or_insert_with(|| graph.add_node(id))
    };
    for (from, to) in edges {
        let (a, b) = (at(&mut graph, from), at(&mut graph, to));
        graph.add_edge(a, b, ());
    }
    let mut out = Vec::new();
    for component in tarjan_scc(&graph) {
        let looped = component.len() == 1 && graph.contains_edge(component[0], component[0]);
        if component.len() < 2 && !looped {
            continue;
        }
        let members: HashSet<NodeIndex> = component.iter().copied().collect();
        let start = component
            .iter()
            .copied()
            .min_by_key(|&i| graph[i])
            .unwrap_or(component[0]);
        out.push(
            walk_cycle(&graph, &members, start)
                .into_iter()
                .map(|i| graph[i])
                .collect(),
        );
    }
    out.sort();
    out
}

/// Follows edges inside a strongly connected component until a node repeats; returns the
/// cycle with its first node repeated at the end.
fn walk_cycle<T: ?Sized>(
    graph: &DiGraph<&T, ()>,
    members: &HashSet<NodeIndex>,
    start: NodeIndex,
) -> Vec<NodeIndex> {
    let mut path = vec![start];
    let mut seen: HashMap<NodeIndex, usize> = HashMap::from([(start, 0)]);
    let mut at = start;
    loop {
        // Every node of a non-trivial component has a successor inside it.
        let Some(next) = graph.neighbors(at).filter(|n| members.contains(n)).min() else {
            return path;
        };
        if let Some(&pos) = seen.get(&next) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(next);
            return cycle;
        }
        seen.insert(next, path.len());
        path.push(next);
        at = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_named_from_its_smallest_id_and_a_self_loop_counts() {
        let (a, b, c, d) = ("a", "b", "c", "d");
        let edges = [(&b, &c), (&c, &a), (&a, &b), (&d, &d), (&a, &d)];
        let found = cycles(edges.iter().map(|(x, y)| (*x, *y)));
        let named: Vec<Vec<&str>> = found
            .into_iter()
            .map(|cycle| cycle.into_iter().copied().collect())
            .collect();
        assert_eq!(named, [vec!["a", "b", "c", "a"], vec!["d", "d"]]);
    }

    #[test]
    fn a_path_is_found_only_where_the_edges_lead() {
        let next = |at: &str| -> Vec<String> {
            match at {
                "a" => vec!["b".to_owned()],
                "b" => vec!["c".to_owned()],
                _ => Vec::new(),
            }
        };
        assert_eq!(
            path_between(next, "a", "c"),
            Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()])
        );
        assert_eq!(path_between(next, "c", "a"), None);
    }
}
