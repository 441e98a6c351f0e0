// Coverage: what is not covered (goals nothing implements, programmes whose span ended with
// no successor, citation findings), what each source document supports, every goal's
// implementer counts, and the goals × programmes matrix — tables sortable by any column, the
// matrix downloadable as the CSV `policygraph export --format matrix` writes.
//
// A large graph has tens of thousands of goals: the goal table loads `rows` goals at a time
// (`#/coverage?rows=N`, 500 by default) and the matrix a tenth as many, each with a button for
// the next ones, instead of asking the server for every page and the browser to draw every
// row (at 1m edges: 50 000 goals, a matrix 50 000 programmes wide).

import { gql } from './graphql.js';
import { h, nodeHref } from './dom.js';

const COVERAGE = `query Coverage($first: Int!, $after: String, $year: Int) {
  coverage(first: $first, after: $after, activeIn: $year) {
    pageInfo { hasNextPage endCursor }
    nodes { goal { id title } direct transitive activeIn }
  }
}`;
const MATRIX = `query Matrix($first: Int!, $after: String) {
  matrix(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { goal { id title } cells { programme { id title } label } }
  }
}`;
const PROGRAMMES = `query Programmes($first: Int!, $after: String) {
  nodes(kind: PROGRAMME, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id title }
  }
}`;
const REPORT = `query Report {
  citationReport { asOf errors warnings byCode { code count } }
  stats { nodes edges byKind { kind count } byDocument(cited: true) { document { id title } nodes edges citations } }
}`;
// The first findings of one code: a large import can bring hundreds of thousands.
const SHOWN_PER_CODE = 200;
const FINDINGS = `query Findings($code: String) {
  citationReport { findings(code: $code, first: ${SHOWN_PER_CODE}) { severity code subjectId message subject { id kind title } } }
}`;
// The most a page of each query asks for: 50 matrix rows cost about 500 in the server's
// complexity budget (1 000).
const PAGE = { coverage: 100, matrix: 50, nodes: 100 };
// Goals the goal table loads at a time, unless the address says `rows`; the matrix, whose
// rows are wider (a column per programme that reaches a goal shown), loads a tenth as many.
const ROWS = 500;
// The largest matrix (goals × programmes) the browser builds as a CSV download; past it,
// the page points to `policygraph export --format matrix` (at 1m edges it is 50 000 × 50 000).
const CSV_CELLS_AT_MOST = 4_000_000;

/**
 * Pages through the connection `field` answers, `size` items a page at most: `next(limit)`
 * resolves to the next items, at least `limit` unless the connection ends (pages are whole),
 * and `more()` says whether any are left.
 */
function pager(query, field, variables = {}, size = PAGE[field]) {
  const first = Math.min(size, PAGE[field]);
  let after = null;
  let more = true;
  return {
    more: () => more,
    async next(limit = Infinity) {
      const out = [];
      while (more && out.length < limit) {
        const page = (await gql(query, { ...variables, first, after }))[field];
        out.push(...page.nodes);
        more = page.pageInfo.hasNextPage;
        after = page.pageInfo.endCursor;
      }
      return out;
    },
  };
}

/**
 * A table whose column headers sort it (click or Enter; again to reverse). `columns` are
 * `{ key, label, value(row), cell(row) }`; numbers sort numerically, text alphabetically.
 * `sort` (`{ key, ascending }`) is the order to start in, and is updated as the user sorts,
 * so a table rebuilt with more rows keeps it.
 */
function sortableTable(caption, columns, rows, testid, sort = { key: null, ascending: true }) {
  const body = h('tbody');
  const headers = columns.map((column) => {
    const button = h('button', { type: 'button', class: 'sort' }, column.label);
    const th = h('th', { scope: 'col', 'aria-sort': 'none' }, button);
    button.addEventListener('click', () => {
      const ascending = sort.key === column.key ? !sort.ascending : column === columns[0];
      sortBy(column.key, ascending);
    });
    return th;
  });
  function draw() {
    body.replaceChildren(...rows.map((row) => h('tr', {}, columns.map((c, i) =>
      h(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : { class: 'num' }, c.cell(row))))));
  }
  function sortBy(key, ascending) {
    const index = columns.findIndex((c) => c.key === key);
    if (index >= 0) {
      const { value } = columns[index];
      rows.sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
    }
    Object.assign(sort, { key, ascending });
    headers.forEach((th, i) => th.setAttribute('aria-sort', i === index ? (ascending ? 'ascending' : 'descending') : 'none'));
    draw();
  }
  if (sort.key !== null) sortBy(sort.key, sort.ascending); else draw();
  return h('div', { class: 'scroll' },
    h('table', { 'data-testid': testid }, h('caption', {}, caption), h('thead', {}, h('tr', {}, headers)), body));
}

/**
 * The rows of `source` (a pager), `rows` at a time: `render(items, done)` draws every item
 * loaded so far (`done`: none is left), and a button under it loads the next ones.
 */
async function growing(source, rows, render, noun, testid) {
  const items = await source.next(rows);
  const holder = h('div', {}, render(items, !source.more()));
  const status = h('p', { class: 'error', role: 'alert', hidden: true });
  const button = h('button', { type: 'button', 'data-testid': `${testid}-more`, hidden: !source.more() },
    `Show the next ${rows} ${noun}`);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      items.push(...await source.next(rows));
      holder.replaceChildren(render(items, !source.more()));
      status.hidden = true;
    } catch (error) {
      status.textContent = `Could not load more ${noun}: ${error.message}`;
      status.hidden = false;
    }
    button.disabled = false;
    button.hidden = !source.more();
  });
  return h('div', {}, holder, status, button);
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

/** The matrix as the CSV `policygraph export --format matrix` writes: every goal, every programme. */
async function matrixCsv() {
  const [rows, programmes] = await Promise.all([pager(MATRIX, 'matrix').next(), pager(PROGRAMMES, 'nodes').next()]);
  const lines = [['goal', ...programmes.map((p) => p.id)]]
    .concat(rows.map((r) => {
      const labels = new Map(r.cells.map((c) => [c.programme.id, c.label]));
      return [r.goal.id, ...programmes.map((p) => labels.get(p.id) || '')];
    }))
    .map((fields) => fields.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * The coverage view. `params` may name a `year` for the "active in" counts and `rows`, how
 * many goals each goal table loads at a time.
 */
export async function coveragePage(params) {
  const year = Number(params.get('year')) || new Date().getFullYear();
  const asked = Math.floor(Number(params.get('rows')));
  const rows = asked > 0 ? asked : ROWS;
  const matrixRows = Math.max(1, Math.floor(rows / 10));
  const goalSource = pager(COVERAGE, 'coverage', { year }, rows);
  const matrixSource = pager(MATRIX, 'matrix', {}, matrixRows);
  const report = await gql(REPORT);
  const form = h('form', { 'aria-label': 'Year' },
    h('label', { for: 'cv-year' }, 'Count implementers active in '),
    h('input', { id: 'cv-year', name: 'year', type: 'number', value: year, min: 1900, max: 2100 }),
    ' ', h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const address = new URLSearchParams({ year: new FormData(form).get('year') });
    if (params.get('rows')) address.set('rows', params.get('rows'));
    window.location.hash = `#/coverage?${address}`;
  });
  const { citationReport: cr, stats } = report;
  const count = (kind) => (stats.byKind.find((k) => k.kind === kind) || { count: 0 }).count;
  const [goalCount, programmeCount] = [count('GOAL'), count('PROGRAMME')];
  const shown = await Promise.all(cr.byCode.map(({ code }) => gql(FINDINGS, { code })));
  const body = h('article', {}, h('h1', {}, 'Coverage: what is and is not implemented'),
    h('p', { class: 'facts' },
      `${stats.nodes} nodes, ${stats.edges} edges · findings as of ${cr.asOf}: ${cr.errors} errors, ${cr.warnings} warnings`),
    form);

  // What is not covered, grouped by finding: each code's count, and its first findings.
  const groups = new Map(cr.byCode.map(({ code, count: n }, i) =>
    [code, { count: n, findings: shown[i].citationReport.findings }]));
  body.append(h('h2', {}, 'What is not covered'));
  if (!groups.size) body.append(h('p', { class: 'empty' }, 'No finding: every goal is implemented and every citation verified.'));
  // Coverage first (what the view is for), then the citation findings; the first two open.
  const order = Object.keys(CODES);
  const rank = (code) => (order.includes(code) ? order.indexOf(code) : order.length);
  const codes = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const code of codes) {
    const { count: n, findings } = groups.get(code);
    const more = n - findings.length;
    body.append(h('details', { 'data-code': code, 'data-testid': 'finding-group', open: rank(code) < 2 },
      h('summary', {}, h('h3', {}, `${CODES[code] || code}: ${n}`)),
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
      { key: 'document', label: 'Document', value: (d) => d.document.title, cell: (d) => h('a', { href: nodeHref(d.document.id) }, d.document.title) },
      { key: 'nodes', label: 'Nodes', value: (d) => d.nodes, cell: (d) => d.nodes },
      { key: 'edges', label: 'Edges', value: (d) => d.edges, cell: (d) => d.edges },
      { key: 'citations', label: 'Citations', value: (d) => d.citations, cell: (d) => d.citations },
    ], documents, 'documents'));

  // Every goal, with its counts, `rows` at a time; sorting orders the goals loaded.
  const uncovered = (groups.get('unimplemented-goal') || { count: 0 }).count;
  const goalSort = { key: null, ascending: true };
  const goalTable = (goals, done) => sortableTable(
    done ? 'Implementers per goal (programmes and measures)'
      : `Implementers per goal (programmes and measures): the first ${goals.length} of ${goalCount} goals by id; sorting orders these`,
    [
      { key: 'goal', label: 'Goal', value: (g) => g.goal.title, cell: (g) => h('a', { href: nodeHref(g.goal.id) }, g.goal.title) },
      { key: 'direct', label: 'Direct', value: (g) => g.direct, cell: (g) => g.direct },
      { key: 'transitive', label: 'With sub-goals', value: (g) => g.transitive, cell: (g) => g.transitive },
      { key: 'active', label: `Active in ${year}`, value: (g) => g.activeIn, cell: (g) => g.activeIn },
    ], goals, 'goals', goalSort);
  body.append(h('h2', {}, `Goals: ${goalCount}, of which ${uncovered} nothing implements`),
    await growing(goalSource, rows, goalTable, 'goals', 'goals'));

  // The matrix: goals that some programme reaches × the programmes that reach them.
  const csvNote = goalCount * programmeCount <= CSV_CELLS_AT_MOST
    ? (() => {
      const button = h('button', { type: 'button', 'data-testid': 'matrix-csv' }, 'Download the matrix as CSV');
      button.addEventListener('click', async () => {
        button.disabled = true;
        button.textContent = 'Preparing the matrix…';
        try {
          download('matrix.csv', await matrixCsv());
          button.textContent = 'Download the matrix as CSV';
        } catch (error) {
          button.textContent = `Could not prepare the matrix: ${error.message}`;
        }
        button.disabled = false;
      });
      return button;
    })()
    : h('span', { 'data-testid': 'matrix-too-large' },
      `The whole matrix (${goalCount} goals × ${programmeCount} programmes) is too large to download here: \`policygraph export --format matrix\` writes it.`);
  const matrixSort = { key: null, ascending: true };
  const matrixTable = (loaded, done) => {
    const reached = loaded.filter((r) => r.cells.length);
    const columns = new Map();
    for (const r of reached) for (const c of r.cells) columns.set(c.programme.id, c.programme);
    const programmes = [...columns.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const labels = new Map(reached.map((r) => [r, new Map(r.cells.map((c) => [c.programme.id, c.label]))]));
    const label = (row, id) => labels.get(row).get(id) || '';
    const among = done ? '' : ` (of the first ${loaded.length} of ${goalCount} goals by id)`;
    return h('div', {},
      h('p', {}, `${reached.length} goals${among} reached by ${programmes.length} of ${programmeCount} programmes; a cell says how many links lead from the programme to the goal (hover for the chain and the document quoted for the first link). `, csvNote),
      sortableTable('Traceability matrix', [
        { key: 'goal', label: 'Goal', value: (r) => r.goal.title, cell: (r) => h('a', { href: nodeHref(r.goal.id) }, r.goal.title) },
        { key: 'programmes', label: 'Programmes', value: (r) => r.cells.length, cell: (r) => r.cells.length },
        ...programmes.map((p) => ({
          key: p.id,
          label: p.title,
          value: (r) => (label(r, p.id) ? 1 : 0),
          cell: (r) => {
            const text = label(r, p.id);
            if (!text) return '';
            const hops = text.split(' ')[0].split('>').length;
            return h('abbr', { title: text }, hops === 1 ? 'direct' : `${hops} hops`);
          },
        })),
      ], reached, 'matrix', matrixSort));
  };
  body.append(h('h2', {}, 'Goals × programmes'),
    await growing(matrixSource, matrixRows, matrixTable, 'goals of the matrix', 'matrix'));
  return { title: 'Coverage', body };
}
