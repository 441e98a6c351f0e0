// Coverage: what is not covered (goals nothing implements, programmes whose span ended with
// no successor, citation findings), what each source document supports, every goal's
// implementer counts, and the goals × programmes matrix — tables sortable by any column, the
// matrix downloadable as the CSV `policygraph export --format matrix` writes.

import { gql } from './graphql.js';
import { h, nodeHref } from './dom.js';

const COVERAGE = `query Coverage($after: String, $year: Int) {
  coverage(first: 100, after: $after, activeIn: $year) {
    pageInfo { hasNextPage endCursor }
    nodes { goal { id title } direct transitive activeIn }
  }
}`;
// 50 rows a page: a row with its cells costs about 10 in the server's complexity budget (1 000).
const MATRIX = `query Matrix($after: String) {
  matrix(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { goal { id title } cells { programme { id } label } }
  }
}`;
const PROGRAMMES = `query Programmes($after: String) {
  nodes(kind: PROGRAMME, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id title }
  }
}`;
const REPORT = `query Report {
  citationReport { asOf errors warnings byCode { code count } }
  stats { nodes edges byDocument(cited: true) { document { id title } nodes edges citations } }
}`;
// The first findings of one code: a large import can bring hundreds of thousands.
const SHOWN_PER_CODE = 200;
const FINDINGS = `query Findings($code: String) {
  citationReport { findings(code: $code, first: ${SHOWN_PER_CODE}) { severity code subjectId message subject { id kind title } } }
}`;

/** Every item of the connection `field` answers, following its cursors. */
async function allPages(query, field, variables = {}) {
  const out = [];
  let after = null;
  for (;;) {
    const page = (await gql(query, { ...variables, after }))[field];
    out.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/**
 * A table whose column headers sort it (click or Enter; again to reverse). `columns` are
 * `{ label, value(row), cell(row) }`; numbers sort numerically, text alphabetically.
 */
function sortableTable(caption, columns, rows, testid) {
  const body = h('tbody');
  const headers = columns.map((column, index) => {
    const button = h('button', { type: 'button', class: 'sort' }, column.label);
    const th = h('th', { scope: 'col', 'aria-sort': 'none' }, button);
    button.addEventListener('click', () => sortBy(index));
    return th;
  });
  let current = { index: -1, ascending: true };
  function draw() {
    body.replaceChildren(...rows.map((row) => h('tr', {}, columns.map((c, i) =>
      h(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : { class: 'num' }, c.cell(row))))));
  }
  function sortBy(index) {
    const ascending = current.index === index ? !current.ascending : index === 0;
    const value = columns[index].value;
    rows.sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    current = { index, ascending };
    headers.forEach((th, i) => th.setAttribute('aria-sort', i === index ? (ascending ? 'ascending' : 'descending') : 'none'));
    draw();
  }
  draw();
  return h('div', { class: 'scroll' },
    h('table', { 'data-testid': testid }, h('caption', {}, caption), h('thead', {}, h('tr', {}, headers)), body));
}

/** A CSV field, quoted when it must be (RFC 4180). */
function csvField(text) {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Offers `text` as a file download named `name`. */
function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const CODES = {
  'unimplemented-goal': 'Goals nothing implements',
  'ended-without-successor': 'Programmes whose span ended with no successor',
  'unverified-programme': 'Programmes without a verified citation',
  cycle: 'PART_OF / DEPENDS_ON cycles',
  'ambiguous-quote': 'Quotes that occur more than once in their source',
};

/** The coverage view; `params` may name a `year` for the "active in" counts. */
export async function coveragePage(params) {
  const year = Number(params.get('year')) || new Date().getFullYear();
  const [report, goals, rows, programmes] = await Promise.all([
    gql(REPORT),
    allPages(COVERAGE, 'coverage', { year }),
    allPages(MATRIX, 'matrix'),
    allPages(PROGRAMMES, 'nodes'),
  ]);
  const form = h('form', { 'aria-label': 'Year' },
    h('label', { for: 'cv-year' }, 'Count implementers active in '),
    h('input', { id: 'cv-year', name: 'year', type: 'number', value: year, min: 1900, max: 2100 }),
    ' ', h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.location.hash = `#/coverage?year=${encodeURIComponent(new FormData(form).get('year'))}`;
  });
  const { citationReport: cr, stats } = report;
  const shown = await Promise.all(cr.byCode.map(({ code }) => gql(FINDINGS, { code })));
  const body = h('article', {}, h('h1', {}, 'Coverage: what is and is not implemented'),
    h('p', { class: 'facts' },
      `${stats.nodes} nodes, ${stats.edges} edges · findings as of ${cr.asOf}: ${cr.errors} errors, ${cr.warnings} warnings`),
    form);

  // What is not covered, grouped by finding: each code's count, and its first findings.
  const groups = new Map(cr.byCode.map(({ code, count }, i) =>
    [code, { count, findings: shown[i].citationReport.findings }]));
  body.append(h('h2', {}, 'What is not covered'));
  if (!groups.size) body.append(h('p', { class: 'empty' }, 'No finding: every goal is implemented and every citation verified.'));
  // Coverage first (what the view is for), then the citation findings; the first two open.
  const order = Object.keys(CODES);
  const rank = (code) => (order.includes(code) ? order.indexOf(code) : order.length);
  const codes = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const code of codes) {
    const { count, findings } = groups.get(code);
    const more = count - findings.length;
    body.append(h('details', { 'data-code': code, 'data-testid': 'finding-group', open: rank(code) < 2 },
      h('summary', {}, h('h3', {}, `${CODES[code] || code}: ${count}`)),
      h('ul', { class: 'plain' }, findings.map((f) => h('li', { 'data-testid': 'finding' },
        h('span', { class: `kind ${f.severity.toLowerCase()}` }, f.severity.toLowerCase()),
        f.subject ? h('a', { href: nodeHref(f.subject.id) }, f.subject.title) : h('code', {}, f.subjectId),
        h('div', { class: 'facts' }, f.message)))),
      more > 0 ? h('p', { class: 'facts', 'data-testid': 'more-findings' },
        `…and ${more} more (the first ${findings.length} are shown; \`policygraph check\` lists them all)`) : null));
  }

  // What each document supports.
  const documents = stats.byDocument.filter((d) => d.citations > 0);
  body.append(h('h2', {}, 'What each source document supports'),
    sortableTable(`${documents.length} documents with citations`, [
      { label: 'Document', value: (d) => d.document.title, cell: (d) => h('a', { href: nodeHref(d.document.id) }, d.document.title) },
      { label: 'Nodes', value: (d) => d.nodes, cell: (d) => d.nodes },
      { label: 'Edges', value: (d) => d.edges, cell: (d) => d.edges },
      { label: 'Citations', value: (d) => d.citations, cell: (d) => d.citations },
    ], documents, 'documents'));

  // Every goal, with its counts.
  const uncovered = goals.filter((g) => g.transitive === 0).length;
  body.append(h('h2', {}, `Goals: ${goals.length}, of which ${uncovered} nothing implements`),
    sortableTable('Implementers per goal (programmes and measures)', [
      { label: 'Goal', value: (g) => g.goal.title, cell: (g) => h('a', { href: nodeHref(g.goal.id) }, g.goal.title) },
      { label: 'Direct', value: (g) => g.direct, cell: (g) => g.direct },
      { label: 'With sub-goals', value: (g) => g.transitive, cell: (g) => g.transitive },
      { label: `Active in ${year}`, value: (g) => g.activeIn, cell: (g) => g.activeIn },
    ], goals, 'goals'));

  // The matrix: goals that some programme reaches × the programmes that reach any goal.
  const used = new Set(rows.flatMap((r) => r.cells.map((c) => c.programme.id)));
  const columns = programmes.filter((p) => used.has(p.id));
  const reached = rows.filter((r) => r.cells.length);
  const label = (row, id) => (row.cells.find((c) => c.programme.id === id) || {}).label || '';
  const button = h('button', { type: 'button', 'data-testid': 'matrix-csv' }, 'Download the matrix as CSV');
  button.addEventListener('click', () => {
    const lines = [['goal', ...programmes.map((p) => p.id)]]
      .concat(rows.map((r) => [r.goal.id, ...programmes.map((p) => label(r, p.id))]))
      .map((fields) => fields.map(csvField).join(','));
    download('matrix.csv', `${lines.join('\n')}\n`);
  });
  body.append(h('h2', {}, 'Goals × programmes'),
    h('p', {}, `${reached.length} goals reached by ${columns.length} of ${programmes.length} programmes; a cell says how many links lead from the programme to the goal (hover for the chain and the document quoted for the first link). `, button),
    sortableTable('Traceability matrix', [
      { label: 'Goal', value: (r) => r.goal.title, cell: (r) => h('a', { href: nodeHref(r.goal.id) }, r.goal.title) },
      { label: 'Programmes', value: (r) => r.cells.length, cell: (r) => r.cells.length },
      ...columns.map((p) => ({
        label: p.title,
        value: (r) => (label(r, p.id) ? 1 : 0),
        cell: (r) => {
          const text = label(r, p.id);
          if (!text) return '';
          const hops = text.split(' ')[0].split('>').length;
          return h('abbr', { title: text }, hops === 1 ? 'direct' : `${hops} hops`);
        },
      })),
    ], reached, 'matrix'));
  return { title: 'Coverage', body };
}
