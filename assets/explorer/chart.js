// The timeline drawn: years on an axis, summits and dated documents as points, time spans
// (labelled with the programmes covering them) and dated relations as bars. SVG built from
// data like every other element; each mark is a link to its node, reachable from the keyboard.

import { nodeHref } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const LABEL_WIDTH = 280;
const PLOT_WIDTH = 640;
const ROW = 26;
const AXIS = 28;

/** An SVG element with attributes and children. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Days since 1 January of year 0 for a date's first (`end` false) or last day, roughly. */
function day(date, end) {
  const [y, m, d] = date.split('-').map(Number);
  if (!end) return y * 372 + ((m || 1) - 1) * 31 + ((d || 1) - 1);
  return y * 372 + ((m || 12) - 1) * 31 + ((d || 31) - 1);
}

function shorten(text, max = 42) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The titles of an entry's related nodes, `separator` between them, and how many more there are. */
export function relatedText(entry, separator) {
  const titles = entry.related.map((r) => r.title).join(separator);
  const more = entry.relatedCount - entry.related.length;
  return more > 0 ? `${titles}${separator}and ${more} more` : titles;
}

/**
 * The chart of `entries` (the `timeline` field's answer, with TimeSpan `start`/`end` and each
 * relation's `edge`) between the years `from` and `to`.
 */
export function timelineChart(entries, from, to) {
  const first = from * 372;
  const last = (to + 1) * 372;
  const x = (d) => LABEL_WIDTH + ((Math.min(Math.max(d, first), last) - first) / (last - first)) * PLOT_WIDTH;
  const rows = [];
  const points = entries.filter((e) => e.kind === 'SUMMIT' || e.kind === 'DATED');
  if (points.length) rows.push({ label: 'Summits and dated documents', points });
  const spans = new Map();
  const relations = new Map();
  for (const e of entries) {
    if (e.kind.startsWith('SPAN_') && !spans.has(e.node.id)) spans.set(e.node.id, e);
    if (e.kind.startsWith('RELATION_') && e.edge && !relations.has(e.edge.id)) relations.set(e.edge.id, e);
  }
  for (const e of spans.values()) {
    const covering = relatedText(e, '; ');
    rows.push({
      label: covering || e.node.title,
      title: `${e.node.title}${covering ? ` — covered by ${covering}` : ''}: ${e.node.start || 'open'} to ${e.node.end || 'open'}`,
      href: nodeHref(e.relatedCount === 1 ? e.related[0].id : e.node.id),
      start: e.node.start,
      end: e.node.end,
      kind: 'span',
    });
  }
  for (const e of relations.values()) {
    const edge = e.edge;
    rows.push({
      label: `${edge.from.title} ${edge.kind} ${edge.to.title}`,
      title: `${edge.from.title} ${edge.kind} ${edge.to.title}: ${edge.validFrom || 'open'} to ${edge.validTo || 'open'}`,
      href: nodeHref(e.node.id),
      start: edge.validFrom,
      end: edge.validTo,
      kind: 'relation',
    });
  }
  const height = AXIS + rows.length * ROW + 8;
  const svg = s('svg', {
    class: 'chart', role: 'group', 'aria-label': `Timeline ${from} to ${to}: ${rows.length} rows`,
    viewBox: `0 0 ${LABEL_WIDTH + PLOT_WIDTH + 10} ${height}`, 'data-testid': 'timeline-chart',
  });
  for (let year = from; year <= to + 1; year += 1) {
    const at = x(year * 372);
    svg.append(s('line', { x1: at, x2: at, y1: AXIS - 6, y2: height, class: 'tick' }));
    if (year <= to) svg.append(s('text', { x: at + 3, y: AXIS - 10, class: 'year' }, String(year)));
  }
  rows.forEach((row, i) => {
    const y = AXIS + i * ROW;
    svg.append(s('text', { x: 4, y: y + ROW * 0.65, class: 'row-label' }, s('title', {}, row.title || row.label), shorten(row.label)));
    if (row.points) {
      for (const p of row.points) {
        const at = (x(day(p.date, false)) + x(day(p.date, true))) / 2;
        const name = `${p.date}: ${p.node.title}`;
        svg.append(s('a', { href: nodeHref(p.node.id), 'aria-label': name, 'data-point': p.kind },
          s('title', {}, name),
          s('circle', { cx: at, cy: y + ROW / 2, r: 6, class: p.kind === 'SUMMIT' ? 'summit' : 'dated' })));
      }
      return;
    }
    const start = row.start ? x(day(row.start, false)) : LABEL_WIDTH;
    const end = row.end ? x(day(row.end, true)) : LABEL_WIDTH + PLOT_WIDTH;
    svg.append(s('a', { href: row.href, 'aria-label': row.title, 'data-bar': row.kind },
      s('title', {}, row.title),
      s('rect', {
        x: start, y: y + 5, width: Math.max(end - start, 3), height: ROW - 10, rx: 3,
        class: `bar ${row.kind}${row.start ? '' : ' open-start'}${row.end ? '' : ' open-end'}`,
      })));
  });
  return svg;
}
