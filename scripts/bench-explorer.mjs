// The explorer's views on a large graph, in Debian's headless chromium (playwright-core from
// tests/browser): for each view, the time from navigation until its heading is drawn and no
// request is in flight, the GraphQL requests it made, the bytes they answered and the
// elements on the page. Run by scripts/bench-explorer.sh:
//   node scripts/bench-explorer.mjs BASE_URL
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [base] = process.argv.slice(2);

async function first(kind) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ nodes(kind: ${kind}, first: 1) { nodes { id } } }` }),
  });
  const [found] = (await response.json()).data.nodes.nodes;
  return found ? found.id : null;
}

const [goal, programme, state, span] = await Promise.all(['GOAL', 'PROGRAMME', 'STATE', 'TIME_SPAN'].map(first));
const node = (id) => `#/node/${encodeURIComponent(id)}`;
const views = [
  ['home', '#/'],
  [`goal page (${goal})`, node(goal)],
  [`programme page (${programme})`, node(programme)],
  state && [`state page (${state})`, node(state)],
  span && [`time span page (${span})`, node(span)],
  ['search "measure"', '#/search?q=measure'],
  [`path finder (${programme} to ${goal})`, `#/path?from=${encodeURIComponent(programme)}&to=${encodeURIComponent(goal)}`],
  ['timeline 2018-2030', '#/timeline'],
  ['coverage', '#/coverage?year=2025'],
].filter(Boolean);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
let inflight = 0;
let requests = 0;
let bytes = 0;
page.on('request', (r) => { inflight += 1; if (r.url().endsWith('/graphql')) requests += 1; });
page.on('requestfailed', () => { inflight -= 1; });
page.on('requestfinished', async (r) => {
  inflight -= 1;
  if (r.url().endsWith('/graphql')) {
    const response = await r.response();
    bytes += Number((await response.allHeaders())['content-length'] || (await response.body()).length);
  }
});
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));

console.log('view | ms | GraphQL requests | KB answered | elements');
for (const [name, hash] of views) {
  await page.goto('about:blank');
  [inflight, requests, bytes] = [0, 0, 0];
  const started = Date.now();
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('main article h1, main p.error', { state: 'attached', timeout: 120_000 });
  // Settled: nothing in flight for three looks 10 ms apart.
  for (let quiet = 0; quiet < 3;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    quiet = inflight === 0 ? quiet + 1 : 0;
  }
  const ms = Date.now() - started - 30;
  const elements = await page.evaluate(() => document.querySelectorAll('*').length);
  const error = await page.locator('main p.error').allTextContents();
  console.log(`${name} | ${ms} | ${requests} | ${(bytes / 1024).toFixed(0)} | ${elements}${error.length ? ` | ${error.join(' ')}` : ''}`);
}
await browser.close();
