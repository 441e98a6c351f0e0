"""The MODEL.md queries on igraph and networkx, in-process, on the same gen.py files and the
same queries.json the engine bench reads (issue 16: every ratio measured in the same run).

    python3 scripts/lib/peers.py DATA_DIR [igraph] [networkx]

Prints, per engine, load time and RSS growth, then median / p95 ms of each query kind, each of
the 200 queries timed on its own: (a) implementers of a_goal, (a top) of the first 200
top-level goals in the engine's id order, (b) undirected hop distance of b_pair, (c3) and (cU)
up- and downstream closure of c_node over PART_OF, DEPENDS_ON, IMPLEMENTS. Answers of the
engines are compared with each other; a difference fails the run.
"""

import csv
import json
import resource
import statistics
import sys
import time
from collections import deque

DEP = ("PART_OF", "DEPENDS_ON", "IMPLEMENTS")


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read(data):
    with open(f"{data}/nodes.csv") as f:
        types = [row["type"] for row in csv.DictReader(f)]
    with open(f"{data}/edges.csv") as f:
        edges = [(int(r["src"]), int(r["dst"]), r["type"]) for r in csv.DictReader(f)]
    with open(f"{data}/queries.json") as f:
        queries = json.load(f)
    return types, edges, queries


def top_goals(types, edges):
    """Goals with no outgoing PART_OF, the first 200 in the engine's id order ("goal:<n>")."""
    has_parent = {s for s, _, t in edges if t == "PART_OF" and types[s] == "Goal"}
    tops = [n for n, t in enumerate(types) if t == "Goal" and n not in has_parent]
    return sorted(tops, key=str)[:200]


def timed(queries, run):
    times, answers = [], []
    for q in queries:
        started = time.perf_counter()
        answer = run(q)
        times.append((time.perf_counter() - started) * 1000)
        answers.append(answer)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], answers


class Igraph:
    name = "igraph"

    def __init__(self, types, edges):
        import igraph

        self.version = igraph.__version__
        n = len(types)
        self.programme = [t == "Programme" for t in types]
        self.goal = [t == "Goal" for t in types]
        self.all = igraph.Graph(n=n, edges=[(s, d) for s, d, _ in edges], directed=True)
        self.contrib = igraph.Graph(
            n=n,
            edges=[(s, d) for s, d, t in edges if t in ("PART_OF", "DEPENDS_ON") and self.goal[s]],
            directed=True,
        )
        self.implements = igraph.Graph(
            n=n, edges=[(s, d) for s, d, t in edges if t == "IMPLEMENTS"], directed=True
        )
        self.dep = igraph.Graph(n=n, edges=[(s, d) for s, d, t in edges if t in DEP], directed=True)

    def implementers(self, goal):
        goals = self.contrib.subcomponent(goal, mode="in")
        found = set()
        for g in goals:
            found.update(p for p in self.implements.neighbors(g, mode="in") if self.programme[p])
        return sorted(found)

    def distance(self, pair):
        d = self.all.distances(pair[0], pair[1], mode="all")[0][0]
        return None if d == float("inf") else int(d)

    def closure(self, node, order):
        if order < 0:
            up = self.dep.subcomponent(node, mode="out")
            down = self.dep.subcomponent(node, mode="in")
        else:
            up = self.dep.neighborhood(node, order=order, mode="out")
            down = self.dep.neighborhood(node, order=order, mode="in")
        return len((set(up) | set(down)) - {node})


class Networkx:
    name = "networkx"

    def __init__(self, types, edges):
        import networkx

        self.version = networkx.__version__
        self.nx = networkx
        self.programme = [t == "Programme" for t in types]
        self.goal = [t == "Goal" for t in types]
        self.all = networkx.Graph()
        self.all.add_nodes_from(range(len(types)))
        self.all.add_edges_from((s, d) for s, d, _ in edges)
        self.contrib_in = {}
        self.implements_in = {}
        self.dep = networkx.DiGraph()
        self.dep.add_nodes_from(range(len(types)))
        for s, d, t in edges:
            if t in ("PART_OF", "DEPENDS_ON") and self.goal[s]:
                self.contrib_in.setdefault(d, []).append(s)
            if t == "IMPLEMENTS":
                self.implements_in.setdefault(d, []).append(s)
            if t in DEP:
                self.dep.add_edge(s, d)
        self.dep_rev = self.dep.reverse(copy=False)

    def implementers(self, goal):
        seen, queue, found = {goal}, deque([goal]), set()
        while queue:
            g = queue.popleft()
            found.update(p for p in self.implements_in.get(g, ()) if self.programme[p])
            for c in self.contrib_in.get(g, ()):
                if c not in seen:
                    seen.add(c)
                    queue.append(c)
        return sorted(found)

    def distance(self, pair):
        try:
            return self.nx.shortest_path_length(self.all, pair[0], pair[1])
        except self.nx.NetworkXNoPath:
            return None

    def closure(self, node, order):
        cutoff = None if order < 0 else order
        up = self.nx.single_source_shortest_path_length(self.dep, node, cutoff=cutoff)
        down = self.nx.single_source_shortest_path_length(self.dep_rev, node, cutoff=cutoff)
        return len((set(up) | set(down)) - {node})


def main():
    data, wanted = sys.argv[1], sys.argv[2:] or ["igraph", "networkx"]
    types, edges, queries = read(data)
    tops = top_goals(types, edges)
    print(f"data: {data}, {len(types)} nodes, {len(edges)} edges; {len(tops)} top-level goals")
    kinds = {
        "(a) implementers": ("implementers", queries["a_goal"]),
        "(a top) implementers of top-level goals": ("implementers", tops),
        "(b) hop distance, undirected": ("distance", queries["b_pair"]),
        "(c3) closure up and down, 3 hops": ("closure3", queries["c_node"]),
        "(cU) closure up and down, unbounded": ("closureU", queries["c_node"]),
    }
    answers = {}
    print("| engine | version | load | RSS growth | " + " | ".join(kinds) + " |")
    print("|---|---|---:|---:|" + "---|" * len(kinds))
    for engine in [e for e in (Igraph, Networkx) if e.name in wanted]:
        before = rss_mb()
        started = time.perf_counter()
        graph = engine(types, edges)
        load = time.perf_counter() - started
        grown = rss_mb() - before
        run = {
            "implementers": graph.implementers,
            "distance": graph.distance,
            "closure3": lambda n: graph.closure(n, 3),
            "closureU": lambda n: graph.closure(n, -1),
        }
        cells = []
        for kind, (method, qs) in kinds.items():
            median, p95, got = timed(qs, run[method])
            cells.append(f"{median:.4f} / {p95:.4f}")
            answers.setdefault(kind, {})[engine.name] = got
        print(f"| {engine.name} | {graph.version} | {load:.1f} s | {grown:.0f} MB | " + " | ".join(cells) + " |")
        del graph
    for kind, by_engine in answers.items():
        first = next(iter(by_engine.values()))
        for name, got in by_engine.items():
            if got != first:
                sys.exit(f"answers differ for {kind}: {name}")
    print("answers: " + ", ".join(answers[next(iter(answers))]) + " agree on every query")
    sizes = [len(a) for a in next(iter(answers["(a top) implementers of top-level goals"].values()))]
    print(f"(a top) answer sizes: median {statistics.median(sizes)}, max {max(sizes)} programmes")


if __name__ == "__main__":
    main()
