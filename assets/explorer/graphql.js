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

/**
 * Runs `query` with `variables`; resolves to `{ data, notes }`: `notes` are the messages of
 * LIMIT_EXCEEDED errors that came with data (a search cut short answers what it found).
 * Rejects with the first error's message when there is no data, or any other error.
 */
export async function gqlWithNotes(query, variables = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => null);
  if (!body) throw new Error(`the server answered ${response.status} without JSON`);
  const errors = body.errors || [];
  const code = (error) => error.extensions && error.extensions.code;
  const fatal = body.data ? errors.find((e) => code(e) !== 'LIMIT_EXCEEDED') : errors[0];
  if (fatal) {
    if (code(fatal) === 'UNAUTHENTICATED') throw new Unauthenticated(fatal.message);
    throw new Error(fatal.message + (code(fatal) ? ` (${code(fatal)})` : ''));
  }
  return { data: body.data, notes: errors.map((e) => e.message) };
}

/** Runs `query` with `variables`; resolves to `data`, rejects with the first error's message. */
export async function gql(query, variables = {}) {
  const { data, notes } = await gqlWithNotes(query, variables);
  if (notes.length) throw new Error(`${notes[0]} (LIMIT_EXCEEDED)`);
  return data;
}
