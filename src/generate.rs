//! `policygraph generate`: the synthetic benchmark graph of `../shared/bench/MODEL.md` ("Shape"),
//! the same model as the reference `gen.py`, deterministic for a scale and a seed.
//!
//! The random stream is ChaCha8 (`rand_chacha`), whose output is specified and portable, so a
//! seed gives the same files on every machine. The numbers differ from `gen.py` (another random
//! stream); the shape and the sizes are the same.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// How big a graph to generate: roughly this many edges.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// About 12 500 edges (500 goals).
    #[value(name = "10k")]
    Small,
    /// About 100 000 edges (5 000 goals).
    #[value(name = "100k")]
    Medium,
    /// About 1 000 000 edges (50 000 goals).
    #[value(name = "1m")]
    Large,
    /// About 10 000 000 edges (500 000 goals), gen.py's `10m`.
    #[value(name = "10m")]
    Huge,
}

impl Scale {
    /// The number of goals the generator grows policy areas to.
    pub fn goals(self) -> usize {
        match self {
            Scale::Small => 500,
            Scale::Medium => 5_000,
            Scale::Large => 50_000,
            Scale::Huge => 500_000,
        }
    }
}

/// Node types, spelled as `gen.py` spells them in `nodes.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// A goal.
    Goal,
    /// A time span (hub).
    TimeSpan,
    /// A summit (hub).
    Summit,
    /// A programme.
    Programme,
    /// A measure.
    Measure,
    /// A document.
    Document,
}

impl Type {
    /// The spelling in `nodes.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Goal => "Goal",
            Type::TimeSpan => "TimeSpan",
            Type::Summit => "Summit",
            Type::Programme => "Programme",
            Type::Measure => "Measure",
            Type::Document => "Document",
        }
    }
}

/// A generated graph: node `i` has type `types[i]`; edges are `(source, target, type)`.
#[derive(Debug, Default)]
pub struct Synthetic {
    /// Type of each node; ids are positions.
    pub types: Vec<Type>,
    /// Edges, unique, in generation order.
    pub edges: Vec<(u32, u32, &'static str)>,
    goals: Vec<u32>,
    programmes: Vec<u32>,
    measures: Vec<u32>,
}

/// The 200 arguments of each query kind, shared by every engine.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Queries {
    /// Goals for (a) implementers.
    pub a_goal: Vec<u32>,
    /// Node pairs for (b) shortest path.
    pub b_pair: Vec<[u32; 2]>,
    /// Goals, programmes or measures for (c) closure.
    pub c_node: Vec<u32>,
}

const MAX_LEVEL: u32 = 5;

/// Generates the graph for `goals` target goals from `seed`.
pub fn generate(goals_target: usize, seed: u64) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut g = Synthetic::default();
    let mut edges: Vec<(u32, u32, &'static str)> = Vec::new();
    let add = |g: &mut Synthetic, t: Type| -> u32 {
        g.types.push(t);
        (g.types.len() - 1) as u32
    };

    // Goal trees: one policy area (root and its tree) at a time until the target.
    let mut level: HashMap<u32, u32> = HashMap::new();
    let mut area: HashMap<u32, u32> = HashMap::new();
    while g.goals.len() < goals_target {
        let root = add(&mut g, Type::Goal);
        g.goals.push(root);
        level.insert(root, 0);
        area.insert(root, root);
        let mut frontier = vec![root];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for p in frontier {
                let lp = level[&p];
                if lp >= MAX_LEVEL || (lp > 0 && rng.random::<f64>() < 0.15) {
                    continue;
                }
                for _ in 0..rng.random_range(1..=5) {
                    let c = add(&mut g, Type::Goal);
                    g.goals.push(c);
                    level.insert(c, lp + 1);
                    area.insert(c, root);
                    edges.push((c, p, "PART_OF"));
                    next.push(c);
                }
            }
            frontier = next;
        }
    }
    let mut by_area_level: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    let mut by_level: HashMap<u32, Vec<u32>> = HashMap::new();
    for &x in &g.goals {
        by_area_level
            .entry((area[&x], level[&x]))
            .or_default()
            .push(x);
        by_level.entry(level[&x]).or_default().push(x);
    }
    for &x in &g.goals {
        if level[&x] == 0 || rng.random::<f64>() >= 0.3 {
            continue;
        }
        for _ in 0..rng.random_range(1..=2) {
            let lv = rng.random_range(0..level[&x]);
            let same_area = rng.random::<f64>() < 0.85;
            let pool = match by_area_level.get(&(area[&x], lv)) {
                Some(pool) if same_area && !pool.is_empty() => pool,
                _ => &by_level[&lv],
            };
            if let Some(&h) = pool.choose(&mut rng) {
                edges.push((x, h, "DEPENDS_ON"));
            }
        }
    }
    let n_goals = g.goals.len();

    // Hubs.
    let spans: Vec<u32> = (0..40 + n_goals / 1000)
        .map(|_| add(&mut g, Type::TimeSpan))
        .collect();
    let summits: Vec<u32> = (0..(n_goals / 50).max(5))
        .map(|_| add(&mut g, Type::Summit))
        .collect();

    // Programmes: IMPLEMENTS 1..5 goals, DEPENDS_ON an earlier one, COVERS 1..2 spans.
    for i in 0..n_goals {
        let p = add(&mut g, Type::Programme);
        g.programmes.push(p);
        let k = rng.random_range(1..=5);
        for &goal in g.goals.choose_multiple(&mut rng, k) {
            edges.push((p, goal, "IMPLEMENTS"));
        }
        if i > 0 && rng.random::<f64>() < 0.2 {
            edges.push((p, g.programmes[rng.random_range(0..i)], "DEPENDS_ON"));
        }
        let k = rng.random_range(1..=2);
        for &s in spans.choose_multiple(&mut rng, k) {
            edges.push((p, s, "COVERS"));
        }
    }

    // Measures: PART_OF a programme near their own index (10 % a second one), COVERS a span,
    // DEPENDS_ON an earlier measure within 50.
    for i in 0..3 * n_goals {
        let m = add(&mut g, Type::Measure);
        g.measures.push(m);
        let home = if i / 3 >= 2 {
            let at = (i / 3) as i64 + rng.random_range(-2..=2);
            at.clamp(0, n_goals as i64 - 1) as usize
        } else {
            i / 3
        };
        let prog = g.programmes[home];
        edges.push((m, prog, "PART_OF"));
        if rng.random::<f64>() < 0.1 {
            if let Some(&other) = g.programmes.choose(&mut rng) {
                if other != prog {
                    edges.push((m, other, "PART_OF"));
                }
            }
        }
        if let Some(&s) = spans.choose(&mut rng) {
            edges.push((m, s, "COVERS"));
        }
        if i > 0 && rng.random::<f64>() < 0.2 {
            let earlier = g.measures[rng.random_range(i.saturating_sub(50)..i)];
            edges.push((m, earlier, "DEPENDS_ON"));
        }
    }

    // Documents: ADOPTED_AT a summit (p = 0.7), CITES 2..10 earlier things.
    let citable: Vec<u32> = g
        .goals
        .iter()
        .chain(&g.programmes)
        .chain(&g.measures)
        .copied()
        .collect();
    let mut docs: Vec<u32> = Vec::new();
    for _ in 0..n_goals {
        let d = add(&mut g, Type::Document);
        if rng.random::<f64>() < 0.7 {
            if let Some(&s) = summits.choose(&mut rng) {
                edges.push((d, s, "ADOPTED_AT"));
            }
        }
        let mut targets = std::collections::BTreeSet::new();
        for _ in 0..rng.random_range(2..=10) {
            let from_docs = !docs.is_empty() && rng.random::<f64>() < 0.1;
            let pool = if from_docs { &docs } else { &citable };
            if let Some(&t) = pool.choose(&mut rng) {
                targets.insert(t);
            }
        }
        edges.extend(targets.into_iter().map(|t| (d, t, "CITES")));
        docs.push(d);
    }

    let mut seen = HashSet::new();
    g.edges = edges.into_iter().filter(|e| seen.insert(*e)).collect();
    g
}

impl Synthetic {
    /// The query workload: 200 arguments per kind, from its own stream (`seed + 1`).
    pub fn queries(&self, seed: u64, n: usize) -> Queries {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
        let nodes = self.types.len() as u32;
        let dep: Vec<u32> = self
            .goals
            .iter()
            .chain(&self.programmes)
            .chain(&self.measures)
            .copied()
            .collect();
        let pick = |rng: &mut ChaCha8Rng, pool: &[u32]| pool.choose(rng).copied().unwrap_or(0);
        Queries {
            a_goal: (0..n).map(|_| pick(&mut rng, &self.goals)).collect(),
            b_pair: (0..n)
                .map(|_| [rng.random_range(0..nodes), rng.random_range(0..nodes)])
                .collect(),
            c_node: (0..n).map(|_| pick(&mut rng, &dep)).collect(),
        }
    }

    /// Counts per node type and per edge type, for `stats.json` and reports.
    pub fn stats(&self) -> serde_json::Value {
        let mut node_types: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &self.types {
            *node_types.entry(t.as_str()).or_default() += 1;
        }
        let mut edge_types: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.edges {
            *edge_types.entry(e.2).or_default() += 1;
        }
        json!({
            "nodes": self.types.len(),
            "edges": self.edges.len(),
            "node_types": node_types,
            "edge_types": edge_types,
        })
    }

    /// Writes `nodes.csv` and `edges.csv` in `gen.py`'s format.
    pub fn write_csv(&self, nodes: &mut dyn Write, edges: &mut dyn Write) -> std::io::Result<()> {
        writeln!(nodes, "id,type,name")?;
        for (i, t) in self.types.iter().enumerate() {
            let name = t.as_str().to_ascii_lowercase();
            writeln!(nodes, "{i},{},{name}-{i}", t.as_str())?;
        }
        writeln!(edges, "src,dst,type")?;
        for (s, d, t) in &self.edges {
            writeln!(edges, "{s},{d},{t}")?;
        }
        Ok(())
    }
}

/// Generates at `scale` from `seed` and writes `nodes.csv`, `edges.csv`, `queries.json` and
/// `stats.json` into `out` (created if needed). Returns the stats.
pub fn write_dir(scale: Scale, seed: u64, out: &Path) -> std::io::Result<serde_json::Value> {
    std::fs::create_dir_all(out)?;
    let graph = generate(scale.goals(), seed);
    let mut nodes = std::io::BufWriter::new(std::fs::File::create(out.join("nodes.csv"))?);
    let mut edges = std::io::BufWriter::new(std::fs::File::create(out.join("edges.csv"))?);
    graph.write_csv(&mut nodes, &mut edges)?;
    nodes.flush()?;
    edges.flush()?;
    let queries = graph.queries(seed, 200);
    std::fs::write(out.join("queries.json"), serde_json::to_vec(&queries)?)?;
    let mut stats = graph.stats();
    stats["seed"] = json!(seed);
    std::fs::write(out.join("stats.json"), serde_json::to_vec_pretty(&stats)?)?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_graph_and_another_seed_another() {
        let a = generate(50, 7);
        let b = generate(50, 7);
        let c = generate(50, 8);
        assert_eq!(a.edges, b.edges);
        assert_eq!(a.types, b.types);
        assert_ne!(a.edges, c.edges);
    }

    #[test]
    fn every_edge_points_to_an_earlier_or_hub_node_so_the_graph_is_a_dag() {
        let g = generate(200, 1);
        // Topological check: Kahn's algorithm consumes every node.
        let n = g.types.len();
        let mut indegree = vec![0usize; n];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(s, d, _) in &g.edges {
            out[s as usize].push(d as usize);
            indegree[d as usize] += 1;
        }
        let mut queue: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut seen = 0;
        while let Some(i) = queue.pop() {
            seen += 1;
            for &j in &out[i] {
                indegree[j] -= 1;
                if indegree[j] == 0 {
                    queue.push(j);
                }
            }
        }
        assert_eq!(seen, n);
    }

    #[test]
    fn queries_name_nodes_of_the_right_types() {
        let g = generate(100, 3);
        let q = g.queries(3, 20);
        assert!(q.a_goal.iter().all(|&x| g.types[x as usize] == Type::Goal));
        assert!(q.c_node.iter().all(|&x| matches!(
            g.types[x as usize],
            Type::Goal | Type::Programme | Type::Measure
        )));
        assert_eq!(q.b_pair.len(), 20);
    }
}
