// The timeline: years on an axis, summits as points, spans of programmes and relations as
// bars, each a link to its node; and what is active in a given year.

import { gql } from './graphql.js';
import { relatedText, timelineChart } from './chart.js';
import { h, nodeHref, nodeLink } from './dom.js';

// A span of a large graph is covered by thousands of programmes: a few are named, then counted.
const RELATED = 5;
const TIMELINE = `query Timeline($from: String!, $to: String!, $related: Int!) {
  timeline(from: $from, to: $to) {
    date kind node { id kind title ... on TimeSpan { start end } } related(first: $related) { id title } relatedCount
    edge { id kind validFrom validTo from { title } to { title } }
  }
}`;
const ACTIVE = `query Active($year: Int!, $asOf: String) {
  nodes(activeIn: $year, asOf: $asOf, first: 100) { totalCount nodes { id kind title } }
}`;

const LABEL = {
  SUMMIT: 'summit', DATED: 'dated', SPAN_STARTS: 'starts', SPAN_ENDS: 'ends', SPAN_RUNS: 'runs',
  RELATION_STARTS: 'relation starts', RELATION_ENDS: 'relation ends', RELATION_HOLDS: 'relation holds',
};

/** The timeline's view; `params` are the address's `from`, `to` and `active` years. */
export async function timelinePage(params) {
  const from = Number(params.get('from')) || 2018;
  const to = Number(params.get('to')) || 2030;
  const active = params.get('active') ? Number(params.get('active')) : null;
  const asOf = params.get('asof') || '';
  const form = h('form', { 'aria-label': 'Period' },
    h('label', { for: 'tl-from' }, 'From '), h('input', { id: 'tl-from', name: 'from', type: 'number', value: from, min: 1900, max: 2100 }),
    h('label', { for: 'tl-to' }, ' to '), h('input', { id: 'tl-to', name: 'to', type: 'number', value: to, min: 1900, max: 2100 }),
    h('label', { for: 'tl-active' }, ' · active in '), h('input', { id: 'tl-active', name: 'active', type: 'number', value: active || '', min: 1900, max: 2100 }),
    h('label', { for: 'tl-asof' }, ' as the sources stood on '),
    h('input', { id: 'tl-asof', name: 'asof', type: 'text', value: asOf, size: 10, placeholder: 'YYYY-MM-DD', pattern: '\\d{4}(-\\d{2}){0,2}' }),
    ' ', h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams({ from: data.get('from'), to: data.get('to') });
    if (data.get('active')) query.set('active', data.get('active'));
    if (data.get('asof')) query.set('asof', data.get('asof'));
    window.location.hash = `#/timeline?${query}`;
  });
  const body = h('article', {}, h('h1', {}, `Timeline ${from}–${to}`), form);

  if (active !== null) {
    const data = await gql(ACTIVE, { year: active, asOf: asOf || null });
    const stood = asOf ? ` as the sources stood on ${asOf}` : '';
    body.append(h('h2', {}, `Active in ${active}${stood}: ${data.nodes.totalCount}`),
      h('ul', { class: 'plain', 'data-testid': 'active' }, data.nodes.nodes.map((n) => h('li', {}, nodeLink(n)))));
  }

  const data = await gql(TIMELINE, { from: String(from), to: String(to), related: RELATED });
  const years = [];
  for (let year = from; year <= to; year += 1) years.push(year);
  const byYear = new Map(years.map((y) => [y, []]));
  for (const entry of data.timeline) {
    const year = Number((entry.date || '').slice(0, 4));
    if (byYear.has(year)) byYear.get(year).push(entry);
  }
  const axis = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
  for (const year of years) {
    const entries = byYear.get(year);
    axis.append(h('li', { class: 'year' },
      h('h2', { class: 'year-label' }, String(year)),
      entries.length
        ? h('ul', { class: 'plain' }, entries.map((e) => h('li', { class: `entry ${e.kind.toLowerCase()}`, 'data-kind': e.kind },
          h('span', { class: 'when' }, e.date), ' ', h('span', { class: 'kind' }, LABEL[e.kind] || e.kind), ' ',
          h('a', { href: nodeHref(e.node.id) }, e.node.title),
          e.related.length ? h('span', { class: 'facts' }, ` (${relatedText(e, ', ')})`) : null)))
        : h('p', { class: 'facts' }, 'nothing dated this year')));
  }
  body.append(h('h2', {}, 'Drawn'), h('div', { class: 'scroll' }, timelineChart(data.timeline, from, to)),
    h('h2', {}, 'Year by year'), axis);
  return { title: 'Timeline', body };
}
