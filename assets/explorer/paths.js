// The path finder: two nodes picked by search, the shortest paths between them drawn as a
// graph (Cytoscape.js), each step with its quote beside it, and edge-kind filters.

import cytoscape from './vendor/cytoscape.esm.min.js';
import { gql, gqlWithNotes } from './graphql.js';
import { h, nodeHref, nodeLink } from './dom.js';
import { evidence } from './views.js';

/** Every edge kind, for the filters. */
const KINDS = ['IMPLEMENTS', 'PART_OF', 'DEPENDS_ON', 'SETS', 'ADOPTED_AT', 'COVERS', 'ISSUED_BY',
  'ATTENDED', 'CHAIRED_BY', 'REFERENCES', 'SUPERSEDES', 'MEETING_OF', 'AMENDS', 'BASED_ON'];

const CITATION = 'quote excerpt startOffset endOffset line occurrences document { id title }';
const PATHS = `query Paths($from: ID!, $to: ID!, $via: [EdgeKind!]) {
  paths(from: $from, to: $to, via: $via, maxDepth: 6, limit: 5) {
    length
    nodes { id kind title }
    steps { kind direction from { id kind title } to { id kind title } edge { id } citations { ${CITATION} } }
  }
}`;

/** A text input that suggests nodes by search; its value is the picked node's id. */
function nodePicker(id, label, value) {
  const list = h('datalist', { id: `${id}-options` });
  const input = h('input', { id, name: id, value: value || '', list: `${id}-options`, autocomplete: 'off',
    placeholder: 'type to search, or a node id such as state:moldova', required: true });
  let timer = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      if (!text || text.includes(':')) return;
      const data = await gql('query S($t: String!) { search(text: $t, first: 10) { node { id title } } }', { t: text })
        .catch(() => ({ search: [] }));
      list.replaceChildren(...data.search.map((hit) => h('option', { value: hit.node.id, label: hit.node.title })));
    }, 150);
  });
  return h('p', {}, h('label', { for: id }, label), ' ', input, list);
}

function draw(container, paths) {
  const nodes = new Map();
  const edges = new Map();
  for (const path of paths) {
    for (const node of path.nodes) nodes.set(node.id, node);
    for (const step of path.steps) edges.set(step.edge.id, step);
  }
  const elements = [
    ...[...nodes.values()].map((n) => ({ data: { id: n.id, label: `${n.title.slice(0, 48)}${n.title.length > 48 ? '…' : ''}`, kind: n.kind } })),
    ...[...edges.values()].map((s) => {
      const forward = s.direction === 'FORWARD';
      return { data: { id: s.edge.id, source: forward ? s.from.id : s.to.id, target: forward ? s.to.id : s.from.id, label: s.kind } };
    }),
  ];
  container.dataset.nodeCount = String(nodes.size);
  container.dataset.edgeCount = String(edges.size);
  const cy = cytoscape({
    container,
    elements,
    layout: { name: 'breadthfirst', directed: false, roots: [paths[0].nodes[0].id], spacingFactor: 1.1 },
    style: [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-wrap': 'wrap', 'text-max-width': 160,
        'background-color': '#0b5cad', color: '#1d2430', 'text-valign': 'bottom', 'text-margin-y': 4 } },
      { selector: 'edge', style: { label: 'data(label)', 'font-size': 9, 'curve-style': 'bezier',
        'target-arrow-shape': 'triangle', 'line-color': '#8a94a3', 'target-arrow-color': '#8a94a3',
        'text-background-color': '#fff', 'text-background-opacity': 1 } },
    ],
  });
  cy.on('tap', 'node', (event) => { window.location.hash = nodeHref(event.target.id()); });
  return cy;
}

/** The path finder's view; `params` are the address's `from`, `to` and `via`. */
export async function pathPage(params) {
  const from = params.get('from') || '';
  const to = params.get('to') || '';
  const via = (params.get('via') || '').split(',').filter((k) => KINDS.includes(k));
  const form = h('form', { class: 'pathform', 'aria-label': 'Find paths' },
    nodePicker('from', 'From', from),
    nodePicker('to', 'To', to),
    h('fieldset', {}, h('legend', {}, 'Only through these kinds of link (none ticked: every kind)'),
      KINDS.map((kind) => h('label', { class: 'kindbox' },
        h('input', { type: 'checkbox', name: 'via', value: kind, checked: via.includes(kind) }), ` ${kind} `))),
    h('button', { type: 'submit' }, 'Find paths'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams({ from: data.get('from').trim(), to: data.get('to').trim() });
    const kinds = data.getAll('via');
    if (kinds.length) query.set('via', kinds.join(','));
    window.location.hash = `#/path?${query}`;
  });
  const body = h('article', {}, h('h1', {}, 'How are two nodes connected?'), form);
  if (!from || !to) return { title: 'Path finder', body };

  const { data, notes } = await gqlWithNotes(PATHS, { from, to, via: via.length ? via : null });
  // A search cut short by the server's cap says so; what it found is still shown.
  const cut = notes.length
    ? h('p', { class: 'facts', role: 'status', 'data-testid': 'paths-cut' },
      `The search stopped early (${notes[0]}); choosing kinds of links above narrows it.`)
    : null;
  if (!data.paths.length) {
    body.append(cut || h('p', { class: 'empty' }, `No path of at most 6 links between ${from} and ${to}${via.length ? ' through those kinds' : ''}.`));
    return { title: 'Path finder', body };
  }
  if (cut) body.append(cut);
  const graph = h('div', { class: 'graph', 'data-testid': 'path-graph', role: 'img',
    'aria-label': `The ${data.paths.length} shortest paths drawn as a graph; the same paths are listed below.` });
  body.append(h('h2', {}, `${data.paths.length} shortest path${data.paths.length > 1 ? 's' : ''}`), graph);
  for (const [i, path] of data.paths.entries()) {
    const steps = [];
    for (const step of path.steps) {
      const arrow = step.direction === 'FORWARD' ? `— ${step.kind} →` : `← ${step.kind} —`;
      steps.push(h('li', { 'data-testid': 'step' }, nodeLink(step.from), ` ${arrow} `, nodeLink(step.to),
        await Promise.all(step.citations.slice(0, 1).map(evidence))));
    }
    body.append(h('h3', {}, `Path ${i + 1}: ${path.length} link${path.length > 1 ? 's' : ''}`), h('ol', {}, steps));
  }
  return { title: 'Path finder', body, after: () => draw(graph, data.paths) };
}
