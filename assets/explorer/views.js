// The explorer's views: each takes what the address names and returns the element to show.

import { gql } from './graphql.js';
import { h, nodeHref, nodeLink, sourceHref } from './dom.js';
import { chars, inParagraph, segments } from './text.js';

const texts = new Map();

/** A document's stored text as code points, fetched once per page load. */
function textOf(documentId) {
  if (!texts.has(documentId)) {
    texts.set(documentId, gql(
      'query Text($id: ID!) { node(id: $id) { ... on Document { sourceText } } }',
      { id: documentId },
    ).then((data) => chars((data.node && data.node.sourceText) || '')));
  }
  return texts.get(documentId);
}

/** A citation shown inside its paragraph of the source, the quote marked by its offsets. */
export async function evidence(citation) {
  const document = citation.document;
  const box = h('figure', { class: 'evidence' });
  const where = h('figcaption', { class: 'where' },
    document ? h('a', { href: sourceHref(document.id, citation.startOffset) }, document.title) : 'unknown document',
    `, line ${citation.line}`,
    citation.occurrences > 1 ? ` (the text repeats this passage ${citation.occurrences} times)` : '');
  let paragraph;
  if (document) {
    const characters = await textOf(document.id);
    if (characters.length >= citation.endOffset) {
      const p = inParagraph(characters, citation.startOffset, citation.endOffset);
      paragraph = h('p', {}, p.before, h('mark', {}, p.quote), p.after);
    }
  }
  box.append(paragraph || h('p', {}, h('mark', {}, citation.excerpt)), where);
  return box;
}

const CITATION = 'quote excerpt startOffset endOffset line occurrences document { id title }';
const NODE = 'id kind title';

// A hub of a large graph has tens of thousands of links, a root goal as many implementers:
// the page shows the first of each and says how many there are.
const LINKS_SHOWN = 500;
const IMPLEMENTERS_SHOWN = 200;

const NODE_PAGE = `query Node($id: ID!, $links: Int!) {
  node(id: $id) {
    __typename ${NODE} note
    citations { ${CITATION} }
    edgeCount(direction: BOTH)
    edges(direction: BOTH, first: $links) {
      id kind note validFrom validTo
      from { ${NODE} } to { ${NODE} }
      citations { ${CITATION} }
    }
    history(first: 20) { seq at actor op }
    ... on Document { date sourcePath hasSourceText }
    ... on Programme { date span { ${NODE} } }
    ... on Measure { date }
    ... on Summit { date place format }
    ... on TimeSpan { start end }
  }
}`;

// One more than are shown: whether there are more.
const IMPLEMENTERS = `query Implementers($id: ID!, $first: Int!) {
  implementers(goal: $id, first: $first) {
    depth node { ${NODE} }
    chain { id kind from { ${NODE} } to { ${NODE} } citations { ${CITATION} } }
  }
}`;

function facts(node) {
  const parts = [];
  if (node.date) parts.push(`dated ${node.date}`);
  if (node.start || node.end) parts.push(`from ${node.start || 'an open start'} to ${node.end || 'an open end'}`);
  if (node.place) parts.push(`in ${node.place}`);
  if (node.format) parts.push(node.format);
  if (node.span && node.span.length) parts.push(`covering ${node.span.map((s) => s.title).join(', ')}`);
  if (node.sourcePath) parts.push(`source text ${node.sourcePath}`);
  return parts.length ? h('p', { class: 'facts' }, parts.join(' · ')) : null;
}

function validity(edge) {
  if (!edge.validFrom && !edge.validTo) return '';
  return ` (holds ${edge.validFrom || '…'} – ${edge.validTo || '…'})`;
}

/** The goal's implementers as a tree: each with the chain of edges to the goal, quoted. */
async function implementersTree(goal) {
  const found = (await gql(IMPLEMENTERS, { id: goal.id, first: IMPLEMENTERS_SHOWN + 1 })).implementers;
  const list = found.slice(0, IMPLEMENTERS_SHOWN);
  if (!list.length) {
    return h('p', { class: 'empty', 'data-testid': 'no-implementers' },
      'Nothing implements this goal: no programme or measure is linked to it, directly or through its sub-goals and dependencies.');
  }
  const items = [];
  for (const item of list) {
    const hops = [];
    for (const edge of item.chain) {
      const quotes = await Promise.all(edge.citations.slice(0, 1).map(evidence));
      hops.push(h('div', { class: 'hop' },
        `${edge.from.title} — ${edge.kind} → ${edge.to.title}`, quotes));
    }
    const li = h('li', { 'data-testid': 'implementer' },
      nodeLink(item.node), item.depth > 1 ? ` (through ${item.depth} links)` : ' (directly)', hops);
    // Through the CSSOM: the page's policy forbids style attributes.
    li.style.setProperty('--depth', String(item.depth - 1));
    items.push(li);
  }
  const more = found.length > list.length
    ? h('p', { class: 'facts', 'data-testid': 'more-implementers' },
      `…and more: the first ${list.length} are shown, nearest first (the coverage page counts them all).`)
    : null;
  return [h('ul', { class: 'tree' }, items), more];
}

/** Neighbours grouped by edge kind and direction. */
function neighbours(node) {
  const groups = new Map();
  for (const edge of node.edges) {
    const outgoing = edge.from.id === node.id;
    const key = `${outgoing ? '' : '← '}${edge.kind}${outgoing ? ' →' : ''}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ edge, other: outgoing ? edge.to : edge.from });
  }
  if (!groups.size) return h('p', { class: 'empty' }, 'No links.');
  const more = node.edgeCount - node.edges.length;
  const shown = more > 0
    ? h('p', { class: 'facts', 'data-testid': 'more-links' },
      `The first ${node.edges.length} of ${node.edgeCount} links are shown, outgoing ones first.`)
    : null;
  return [shown, ...[...groups.entries()].map(([key, list]) => h('section', {},
    h('h3', {}, key),
    h('ul', { class: 'plain' }, list.map(({ edge, other }) => h('li', {},
      nodeLink(other), validity(edge),
      edge.note ? h('div', { class: 'note' }, h('strong', {}, 'Curator\'s note'), edge.note) : null)))))];
}

/** Every node's page; goals add their implementers. */
export async function nodePage(id) {
  const data = await gql(NODE_PAGE, { id, links: LINKS_SHOWN });
  const node = data.node;
  if (!node) return { title: 'Not found', body: h('p', { class: 'error' }, `No node ${id}.`) };
  const body = h('article', {},
    h('h1', {}, h('span', { class: 'kind' }, node.kind), node.title),
    facts(node),
    node.note ? h('div', { class: 'note', role: 'note' },
      h('strong', {}, 'Curator\'s note (ambiguities in the sources are recorded here)'), node.note) : null,
    node.hasSourceText ? h('p', {}, h('a', { href: sourceHref(node.id) }, 'Read the whole text with every cited passage marked')) : null);
  if (node.__typename === 'Goal') {
    body.append(h('h2', {}, 'Implemented by'), ...[await implementersTree(node)].flat().filter(Boolean));
  }
  body.append(h('h2', {}, 'Evidence'), ...(await Promise.all(node.citations.map(evidence))));
  body.append(h('h2', {}, 'Links'), ...[neighbours(node)].flat().filter(Boolean));
  body.append(h('h2', {}, 'History'), node.history.length
    ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'))),
      h('tbody', {}, node.history.map((c) => h('tr', {}, h('td', {}, c.at), h('td', {}, c.actor), h('td', {}, c.op.toLowerCase())))))
    : h('p', { class: 'empty' }, 'No recorded change.'));
  return { title: node.title, body };
}

const SOURCE_PAGE = `query Source($id: ID!) {
  node(id: $id) {
    id title
    ... on Document {
      sourceText sourcePath
      quotations {
        citation { startOffset endOffset quote }
        node { ${NODE} }
        edge { id kind from { ${NODE} } to { ${NODE} } }
      }
    }
  }
}`;

/** A document's whole text, every cited passage marked; a passage opens what it supports. */
export async function sourcePage(id, at) {
  const data = await gql(SOURCE_PAGE, { id });
  const doc = data.node;
  if (!doc || doc.sourceText == null) {
    return { title: 'No text', body: h('p', { class: 'error' }, `No stored text for ${id}.`) };
  }
  const characters = chars(doc.sourceText);
  const passages = doc.quotations.map((q) => ({
    start: q.citation.startOffset,
    end: q.citation.endOffset,
    target: q.node ? q.node.id : q.edge.from.id,
    label: q.node ? q.node.title : `${q.edge.from.title} — ${q.edge.kind} → ${q.edge.to.title}`,
  }));
  const text = h('div', { class: 'source', 'data-testid': 'source-text' });
  let focus = null;
  for (const segment of segments(characters, passages)) {
    if (!segment.passages.length) {
      text.append(segment.text);
      continue;
    }
    const supported = segment.passages.map((i) => passages[i]);
    const label = `Supports: ${supported.map((p) => p.label).join('; ')}`;
    const open = () => { window.location.hash = nodeHref(supported[0].target); };
    const mark = h('mark', {
      tabindex: 0, role: 'link', title: label, 'aria-label': `${segment.text} — ${label}`,
      'data-start': segment.start,
      onClick: open,
      onKeydown: (event) => { if (event.key === 'Enter') open(); },
    }, segment.text);
    if (at !== undefined && supported.some((p) => p.start <= at && at < p.end) && !focus) {
      mark.classList.add('active');
      focus = mark;
    }
    text.append(mark);
  }
  const body = h('article', {},
    h('h1', {}, doc.title),
    h('p', { class: 'facts' }, `${passages.length} cited passages in ${doc.sourcePath}. Select a marked passage to open what it supports.`),
    text);
  return { title: `${doc.title} (source)`, body, focus };
}

/** The hits for a search, grouped by kind. */
export async function searchPage(text) {
  const data = await gql(
    'query Search($text: String!) { search(text: $text, first: 50) { field snippet node { id kind title } } }',
    { text },
  );
  if (!data.search.length) return { title: `Search: ${text}`, body: h('p', { class: 'empty' }, `Nothing matches “${text}”.`) };
  const groups = new Map();
  for (const hit of data.search) {
    if (!groups.has(hit.node.kind)) groups.set(hit.node.kind, []);
    groups.get(hit.node.kind).push(hit);
  }
  const body = h('article', {}, h('h1', {}, `Search: ${text}`),
    [...groups.entries()].map(([kind, hits]) => h('section', {},
      h('h2', {}, kind.toLowerCase()),
      h('ul', { class: 'plain' }, hits.map((hit) => h('li', {},
        h('a', { href: nodeHref(hit.node.id) }, hit.node.title),
        h('div', { class: 'facts' }, `${hit.field}: `, snippet(hit.snippet))))))));
  return { title: `Search: ${text}`, body };
}

/** A search snippet with its `[matched]` words marked. */
export function snippet(text) {
  return text.split(/(\[[^\]]*\])/).map((part) => (part.startsWith('[') && part.endsWith(']')
    ? h('mark', {}, part.slice(1, -1)) : part));
}

/** Where to start: the questions the explorer answers. */
export function homePage() {
  const q = (label, href) => h('li', {}, h('a', { href }, label));
  return {
    title: 'Explorer',
    body: h('article', {},
      h('h1', {}, 'Trace policy goals to what implements them'),
      h('p', {}, 'Search above, or start from one of these questions. Every answer shows its quotes in place.'),
      h('ul', {},
        q('Which programmes implement border security?', nodeHref('goal:border-security')),
        q('What did the 18 December 2020 summit adopt?', nodeHref('summit:cis-hsc-2020-12-18')),
        q('How is Moldova connected to the 2021–2025 border security programme?',
          '#/path?from=state%3Amoldova&to=programme%3Aborder-security-2021-2025'),
        q('What is active in 2025?', '#/timeline?from=2020&to=2030&active=2025'),
        q('What is not covered: goals nothing implements, programmes ended without a successor?', '#/coverage?year=2025'),
        q('Read the Kremlin transcript of that summit, every cited passage marked',
          sourceHref('document:kremlin-cis-summit-2020-12-18')))),
  };
}
