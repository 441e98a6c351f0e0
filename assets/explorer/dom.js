// Building the page: elements from data, never from HTML strings, so no text can inject markup.

/** An element `tag` with `props` (attributes; `on*` functions become listeners) and children. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The explorer's address of a node's page. */
export function nodeHref(id) {
  return `#/node/${encodeURIComponent(id)}`;
}

/** The explorer's address of a document's source viewer, at a passage. */
export function sourceHref(documentId, start) {
  const at = start === undefined ? '' : `?at=${start}`;
  return `#/source/${encodeURIComponent(documentId)}${at}`;
}

/** A link to a node, with its kind. */
export function nodeLink(node) {
  return h('span', {}, h('span', { class: 'kind' }, node.kind), h('a', { href: nodeHref(node.id) }, node.title));
}
