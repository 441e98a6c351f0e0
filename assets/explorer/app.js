// The explorer: a router over the address's hash (every view has its own URL, the back
// button works) and the search box with suggestions as you type.

import { Unauthenticated, gql, setToken, token } from './graphql.js';
import { h, nodeHref } from './dom.js';
import { coveragePage } from './coverage.js';
import { pathPage } from './paths.js';
import { timelinePage } from './timeline.js';
import { homePage, nodePage, searchPage, snippet, sourcePage } from './views.js';

const view = document.getElementById('view');

/**
 * The view the hash names: `#/`, `#/search?q=…`, `#/node/ID`, `#/source/ID?at=N`,
 * `#/path?from=ID&to=ID&via=KIND,…`, `#/timeline?from=YEAR&to=YEAR&active=YEAR`,
 * `#/coverage?year=YEAR`, `#/token` (the token to read with).
 */
function route(hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'node' && parts[1]) return () => nodePage(parts[1]);
  if (parts[0] === 'source' && parts[1]) {
    const at = params.has('at') ? Number(params.get('at')) : undefined;
    return () => sourcePage(parts[1], at);
  }
  if (parts[0] === 'search' && params.get('q')) return () => searchPage(params.get('q'));
  if (parts[0] === 'path') return () => pathPage(params);
  if (parts[0] === 'timeline') return () => timelinePage(params);
  if (parts[0] === 'coverage') return () => coveragePage(params);
  if (parts[0] === 'token') return async () => tokenPage();
  return async () => homePage();
}

let rendering = 0;
async function render() {
  const mine = ++rendering;
  view.setAttribute('aria-busy', 'true');
  try {
    const { title, body, focus, after } = await route(window.location.hash)();
    if (mine !== rendering) return;
    view.replaceChildren(body);
    if (after) after();
    document.title = `${title} · policygraph`;
    (focus || view).focus();
    if (focus) focus.scrollIntoView({ block: 'center' });
  } catch (error) {
    if (mine !== rendering) return;
    if (error instanceof Unauthenticated) {
      const { body, focus } = tokenPage(error.message);
      view.replaceChildren(body);
      document.title = 'Token needed · policygraph';
      focus.focus();
    } else {
      view.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not load this view: ${error.message}`));
    }
  } finally {
    view.removeAttribute('aria-busy');
  }
}

/**
 * The form that gives the explorer a token to read with: shown by itself when the server
 * refuses a read (`why` says why), and at `#/token`. The token stays in this tab's session.
 */
function tokenPage(why) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, size: 40 });
  const form = h('form', { class: 'token', 'data-testid': 'token-form' },
    h('label', { for: 'token' }, 'Token '), input, ' ', h('button', { type: 'submit' }, 'Read with this token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    render();
  });
  const forget = h('button', { type: 'button', onClick: () => { setToken(''); render(); } }, 'Forget the token');
  return {
    title: 'Token',
    focus: input,
    body: h('article', {}, h('h1', {}, 'A token to read with'),
      why ? h('p', { class: 'error', role: 'alert' }, `The server refused: ${why}.`) : null,
      h('p', {}, 'This server answers readers who show a token. Ask its operator for one ',
        '(they make it with ', h('code', {}, 'policygraph token create NAME'), ') and paste it here; ',
        'it is kept for this browser tab only.'),
      form,
      token() ? h('p', {}, 'This tab reads with a token now. ', forget) : null),
  };
}

window.addEventListener('hashchange', render);
render();

// The search box: suggestions grouped by kind, arrows to move, Enter to open, Escape to close.
const input = document.getElementById('q');
const list = document.getElementById('suggestions');
let options = [];
let selected = -1;
let timer = 0;
let asked = 0;

function close() {
  list.hidden = true;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
  options = [];
  selected = -1;
}

function select(index) {
  options.forEach((option, i) => option.el.setAttribute('aria-selected', String(i === index)));
  selected = index;
  if (index >= 0) {
    input.setAttribute('aria-activedescendant', options[index].el.id);
    options[index].el.scrollIntoView({ block: 'nearest' });
  }
}

async function suggest() {
  const text = input.value.trim();
  const mine = ++asked;
  if (!text) { close(); return; }
  let hits;
  try {
    hits = (await gql(
      'query Suggest($text: String!) { search(text: $text, first: 12) { snippet node { id kind title } } }',
      { text },
    )).search;
  } catch {
    return;
  }
  if (mine !== asked) return;
  const groups = new Map();
  for (const hit of hits) {
    if (!groups.has(hit.node.kind)) groups.set(hit.node.kind, []);
    groups.get(hit.node.kind).push(hit);
  }
  options = [];
  const items = [];
  for (const [kind, group] of groups) {
    items.push(h('li', { class: 'group', role: 'presentation' }, kind.toLowerCase()));
    for (const hit of group) {
      const el = h('li', {
        role: 'option', id: `suggestion-${options.length}`, 'aria-selected': 'false',
        onMousedown: (event) => { event.preventDefault(); open(hit.node.id); },
      }, hit.node.title);
      options.push({ el, id: hit.node.id });
      items.push(el);
    }
  }
  if (!options.length) items.push(h('li', { class: 'group', role: 'presentation' }, 'no match'));
  list.replaceChildren(...items);
  list.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  select(-1);
}

function open(id) {
  close();
  window.location.hash = nodeHref(id);
}

input.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(suggest, 120);
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' && options.length) {
    event.preventDefault();
    select((selected + 1) % options.length);
  } else if (event.key === 'ArrowUp' && options.length) {
    event.preventDefault();
    select(selected <= 0 ? options.length - 1 : selected - 1);
  } else if (event.key === 'Enter') {
    event.preventDefault();
    if (selected >= 0) open(options[selected].id);
    else if (input.value.trim()) {
      close();
      window.location.hash = `#/search?q=${encodeURIComponent(input.value.trim())}`;
    }
  } else if (event.key === 'Escape') {
    close();
  }
});
input.addEventListener('blur', () => setTimeout(close, 150));

export { snippet };
