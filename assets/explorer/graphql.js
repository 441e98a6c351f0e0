// The explorer's only way to data: the public GraphQL API of the server that served it, with
// the reader's token when the server wants one for reads (`serve --private-reads`).

const KEY = 'policygraph-token';

/** The token this tab reads with, if the reader gave one (kept for the tab's session only). */
export function token() {
  return sessionStorage.getItem(KEY);
}

/** Reads with `value` from now on; an empty value forgets the token. */
export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** The server wants a (valid) token for reads. */
export class Unauthenticated extends Error {}

/** Runs `query` with `variables`; resolves to `data`, rejects with the first error's message. */
export async function gql(query, variables = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => null);
  if (!body) throw new Error(`the server answered ${response.status} without JSON`);
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const code = first.extensions && first.extensions.code;
    if (code === 'UNAUTHENTICATED') throw new Unauthenticated(first.message);
    throw new Error(first.message + (code ? ` (${code})` : ''));
  }
  return body.data;
}
