// The explorer in a real headless Chromium (Debian's), driven by playwright-core:
//   node tests/browser/explorer.mjs BASE_URL SCREENSHOT_DIR PRIVATE_BASE_URL TOKEN CUT_BASE_URL
// (PRIVATE_BASE_URL: a server run with --private-reads; TOKEN: a valid token of it;
// CUT_BASE_URL: a server whose `paths` searches stop after a few expansions).
// Exit 0 when every check passes; otherwise prints the failed check and exits 1.
// Each view is saved as a PNG under SCREENSHOT_DIR.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const [base, shots, privateBase, token, cutBase] = process.argv.slice(2);
if (!base || !shots || !privateBase || !token || !cutBase) {
  console.error('usage: node explorer.mjs BASE_URL SCREENSHOT_DIR PRIVATE_BASE_URL TOKEN CUT_BASE_URL');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const offsite = [];
const failures = [];
page.on('request', (request) => {
  const host = new URL(request.url()).hostname;
  if (host !== '127.0.0.1') offsite.push(request.url());
});
page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
page.on('console', (message) => {
  if (message.type() === 'error') failures.push(`console error: ${message.text()}`);
});

/** Runs axe-core on the page; returns its serious and critical violations. */
async function accessibility(view) {
  // Evaluated through the DevTools protocol: the page's policy refuses inline scripts.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${view}: ${v.id} (${v.impact}) on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const checks = [];
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    checks.push(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    checks.push(`FAIL ${name}: ${error.message}`);
  }
}

const violations = [];

await check('search "border security" suggests the goal; the keyboard opens it', async () => {
  await page.goto(`${base}/`);
  await page.waitForSelector('main article h1');
  await page.fill('#q', 'border security');
  await page.waitForSelector('#suggestions li[role=option]');
  const options = await page.$$eval('#suggestions li[role=option]', (els) => els.map((e) => e.textContent));
  const index = options.findIndex((t) => t === 'Strengthening cooperation in the field of border security');
  assert.ok(index >= 0, `the goal among the suggestions: ${options.join(' | ')}`);
  for (let i = 0; i <= index; i += 1) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/node\/goal%3Aborder-security$/);
  await page.waitForSelector('[data-testid=implementer]');
  await page.screenshot({ path: `${shots}/goal-page.png`, fullPage: true });
  violations.push(...await accessibility('goal page'));
});

await check('the goal page lists the 2021–2025 border security programme, its quote marked', async () => {
  const implementer = page.locator('[data-testid=implementer]', {
    has: page.locator('a[href="#/node/programme%3Aborder-security-2021-2025"]'),
  });
  assert.equal(await implementer.count(), 1, 'one implementer entry for the programme');
  const marks = await implementer.locator('mark').allTextContents();
  assert.ok(marks.length > 0, 'a quote is marked on the way to the programme');
  // Evidence in place: the programme's own page shows its quote inside its paragraph.
  await implementer.locator('a[href="#/node/programme%3Aborder-security-2021-2025"]').first().click();
  await page.waitForURL(/programme%3Aborder-security-2021-2025/);
  await page.waitForSelector('figure.evidence mark');
  const figure = page.locator('figure.evidence', { has: page.locator('mark', { hasText: 'Border Security' }) });
  assert.ok(await figure.count() >= 1, 'a quote naming the programme is marked');
  const quote = await figure.first().locator('mark').first().textContent();
  const paragraph = await figure.first().locator('p').first().textContent();
  assert.ok(paragraph.length > quote.length, 'the quote stands inside more of its paragraph');
  assert.ok(await figure.first().locator('a[href^="#/source/"]').count() === 1, 'a link to the source viewer');
  await page.screenshot({ path: `${shots}/programme-page.png`, fullPage: true });
  violations.push(...await accessibility('programme page'));
});

await check('the back button returns to the goal page', async () => {
  await page.goBack();
  await page.waitForURL(/goal%3Aborder-security$/);
  await page.waitForSelector('[data-testid=implementer]');
});

await check('the source viewer of 001 marks a quote with NO-BREAK SPACEs; it opens what it supports', async () => {
  await page.goto(`${base}/#/source/document%3Akremlin-cis-summit-2020-12-18`);
  await page.waitForSelector('[data-testid=source-text] mark');
  const marks = page.locator('[data-testid=source-text] mark');
  const texts = await marks.allTextContents();
  const nbsp = texts.findIndex((t) => t.includes('\u00a0') && t.includes('Border Security'));
  assert.ok(nbsp >= 0, `a marked passage with a NO-BREAK SPACE among ${texts.length}`);
  await page.screenshot({ path: `${shots}/source-viewer.png`, fullPage: false });
  violations.push(...await accessibility('source viewer'));
  await marks.nth(nbsp).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/node\//);
  await page.waitForSelector('main article h1');
});

await check('the path finder draws the path from state:moldova to the 2021–2025 programme', async () => {
  await page.goto(`${base}/#/path`);
  await page.waitForSelector('form.pathform');
  await page.fill('#from', 'state:moldova');
  await page.fill('#to', 'programme:border-security-2021-2025');
  await page.locator('#to').press('Enter');
  await page.waitForURL(/#\/path\?from=state%3Amoldova&to=programme%3Aborder-security-2021-2025/);
  await page.waitForSelector('[data-testid=path-graph] canvas');
  const graph = page.locator('[data-testid=path-graph]');
  const nodes = Number(await graph.getAttribute('data-node-count'));
  const edges = Number(await graph.getAttribute('data-edge-count'));
  assert.ok(nodes >= 2 && edges >= 1, `drawn: ${nodes} nodes, ${edges} edges`);
  const first = page.locator('ol').first().locator('[data-testid=step]');
  assert.ok(await first.count() >= 1, 'the first path lists its steps');
  assert.ok(await first.first().locator('a[href="#/node/state%3Amoldova"]').count() === 1, 'it starts at Moldova');
  assert.ok(await first.last().locator('a[href="#/node/programme%3Aborder-security-2021-2025"]').count() === 1,
    'it ends at the programme');
  assert.ok(await page.locator('[data-testid=step] figure.evidence mark').count() >= 1, 'each step quoted');
  await page.screenshot({ path: `${shots}/path-finder.png`, fullPage: true });
  violations.push(...await accessibility('path finder'));
});

await check('a path search the server cut short shows what it found, and says so', async () => {
  await page.goto(`${cutBase}/#/path?from=state%3Amoldova&to=programme%3Aborder-security-2021-2025`);
  await page.waitForSelector('[data-testid=paths-cut]');
  assert.match(await page.locator('[data-testid=paths-cut]').textContent(), /more may exist/);
  assert.equal(await page.locator('main p.error').count(), 0, 'not an error page');
  assert.ok(await page.locator('[data-testid=step]').count() >= 1, 'the paths found are listed');
});

await check('the timeline shows the 2020-12-18 summit, and what is active in 2025', async () => {
  await page.goto(`${base}/#/timeline?from=2019&to=2026&active=2025`);
  await page.waitForSelector('[data-testid=timeline]');
  const summit = page.locator('[data-testid=timeline] li[data-kind=SUMMIT]', { hasText: '2020-12-18' });
  assert.ok(await summit.count() >= 1, 'the 18 December 2020 summit is on the axis');
  assert.ok(await page.locator('[data-testid=active] li').count() > 0, 'something is active in 2025');
  const chart = page.locator('[data-testid=timeline-chart]');
  assert.ok(await chart.locator('a[data-bar=span]').count() >= 1, 'programme spans drawn as bars');
  assert.ok(await chart.locator('a[data-point=SUMMIT][aria-label^="2020-12-18"]').count() === 1, 'the summit drawn as a point');
  await summit.first().locator('a').click();
  await page.waitForURL(/#\/node\/summit%3A/);
  await page.goBack();
  await page.waitForSelector('[data-testid=timeline]');
  await page.screenshot({ path: `${shots}/timeline.png`, fullPage: false });
  // As the sources stood in 2019, less was known to be active in 2025.
  const now = await page.locator('[data-testid=active] li').count();
  await page.fill('#tl-asof', '2019');
  await page.locator('#tl-asof').press('Enter');
  await page.waitForURL(/asof=2019/);
  await page.waitForSelector('h2:has-text("as the sources stood on 2019")');
  assert.ok(await page.locator('[data-testid=active] li').count() < now, 'asOf narrows what is active');
  await page.locator('[data-testid=timeline-chart]').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 120));
  await page.screenshot({ path: `${shots}/timeline-chart.png`, fullPage: false });
  violations.push(...await accessibility('timeline'));
});

await check('coverage lists a goal nothing implements; its tables sort; the matrix downloads as CSV', async () => {
  await page.goto(`${base}/`);
  await page.locator('a[href="#/coverage?year=2025"]').click();
  await page.waitForSelector('[data-testid=matrix]');
  const unimplemented = page.locator('[data-code=unimplemented-goal] [data-testid=finding] a[href^="#/node/goal%3A"]');
  assert.ok(await unimplemented.count() >= 1, 'a goal nothing implements is listed');
  // The goals table agrees: that goal has no implementer.
  const goal = await unimplemented.first().textContent();
  const row = page.locator('[data-testid=goals] tbody tr', { has: page.locator('th a', { hasText: goal }) });
  assert.equal(await row.first().locator('td').nth(1).textContent(), '0', `${goal} has no implementer`);
  // Sorting by "With sub-goals" from the keyboard: counts sort the largest first, then, pressed
  // again, the smallest.
  const header = page.locator('[data-testid=goals] thead th').nth(2);
  const counts = async () => (await page.locator('[data-testid=goals] tbody tr td:nth-of-type(2)').allTextContents()).map(Number);
  await header.locator('button').focus();
  await page.keyboard.press('Enter');
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  let sorted = await counts();
  assert.ok(sorted[0] > 0 && sorted.every((c, i) => i === 0 || sorted[i - 1] >= c), 'sorted by count, descending');
  await page.keyboard.press('Enter');
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  sorted = await counts();
  assert.ok(sorted[0] === 0 && sorted.every((c, i) => i === 0 || sorted[i - 1] <= c), 'sorted by count, ascending');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/coverage.png`, fullPage: false });
  await page.locator('[data-testid=matrix]').screenshot({ path: `${shots}/coverage-matrix.png` });
  violations.push(...await accessibility('coverage'));
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=matrix-csv]')]);
  assert.equal(file.suggestedFilename(), 'matrix.csv');
  await file.saveAs(`${shots}/matrix.csv`);
});

await check('coverage loads a large graph\'s goals a few at a time, keeping the order asked for', async () => {
  // `rows=5`: the paging a graph of 50 000 goals gets at 500, on the seeds.
  // The coverage view is open already: wait for the new one's caption, not its tables.
  await page.goto(`${base}/#/coverage?year=2025&rows=5`);
  await page.waitForSelector('[data-testid=goals] caption:has-text("the first 5 of")');
  await page.waitForSelector('[data-testid=matrix]', { state: 'attached' });
  const rows = page.locator('[data-testid=goals] tbody tr');
  assert.equal(await rows.count(), 5, 'five goals at first');
  assert.match(await page.locator('[data-testid=goals] caption').textContent(), /the first 5 of \d+ goals by id/);
  const header = page.locator('[data-testid=goals] thead th').nth(1);
  await header.locator('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  await page.click('[data-testid=goals-more]');
  await page.waitForSelector('[data-testid=goals] caption:has-text("the first 10 of")');
  assert.equal(await rows.count(), 10, 'five more');
  const sorted = page.locator('[data-testid=goals] thead th').nth(1);
  assert.equal(await sorted.getAttribute('aria-sort'), 'descending', 'the order survives loading more');
  const direct = (await page.locator('[data-testid=goals] tbody tr td:nth-of-type(1)').allTextContents()).map(Number);
  assert.ok(direct.every((c, i) => i === 0 || direct[i - 1] >= c), `sorted by direct count: ${direct}`);
  // The matrix loads a tenth as many goals: one, then two.
  await page.waitForSelector('text=(of the first 1 of');
  await page.click('[data-testid=matrix-more]');
  await page.waitForSelector('text=(of the first 2 of');
  assert.equal(await page.locator('[data-testid=matrix-csv]').count(), 1, 'a small matrix still downloads whole');
  violations.push(...await accessibility('coverage, paged'));
});

await check('a search for words nothing has says so', async () => {
  await page.goto(`${base}/#/search?q=${encodeURIComponent('zzzyxw')}`);
  await page.waitForSelector('main .empty');
});

await check('a server with private reads asks for a token, then answers with it', async () => {
  // The refused reads are expected here: the browser logs each 401 as a console error.
  const before = failures.length;
  await page.goto(`${privateBase}/#/coverage`);
  await page.waitForSelector('[data-testid=token-form]');
  assert.ok(await page.locator('[role=alert]').count() === 1, 'the refusal is said');
  violations.push(...await accessibility('token form'));
  await page.fill('#token', 'not-a-token');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[role=alert]:has-text("unknown or revoked token")');
  await page.fill('#token', token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=matrix]');
  failures.splice(before, failures.length - before, ...failures.slice(before).filter((f) => !f.includes('401')));
});

await check('no request left 127.0.0.1, and no script error', async () => {
  assert.deepEqual(offsite, []);
  assert.deepEqual(failures, []);
});

await check('axe-core finds no serious or critical violation', async () => {
  assert.deepEqual(violations, []);
});

// How long each view takes to load, from navigation to its content (printed, never judged:
// speed is measured, not asserted).
const timings = [];
for (const [name, hash, ready] of [
  ['home', '#/', 'main article h1'],
  ['goal page', '#/node/goal%3Aborder-security', '[data-testid=implementer]'],
  ['programme page', '#/node/programme%3Aborder-security-2021-2025', 'figure.evidence mark'],
  ['source viewer', '#/source/document%3Akremlin-cis-summit-2020-12-18', '[data-testid=source-text] mark'],
  ['path finder', '#/path?from=state%3Amoldova&to=programme%3Aborder-security-2021-2025', '[data-testid=path-graph] canvas'],
  ['timeline', '#/timeline?from=2019&to=2026&active=2025', '[data-testid=timeline-chart]'],
  ['coverage', '#/coverage?year=2025', '[data-testid=matrix]'],
]) {
  await page.goto('about:blank');
  const started = Date.now();
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector(ready);
  timings.push(`${name} ${Date.now() - started} ms`);
}

await browser.close();
console.log(checks.join('\n'));
console.log(`load times: ${timings.join(', ')}`);
process.exit(checks.some((c) => c.startsWith('FAIL')) ? 1 : 0);
