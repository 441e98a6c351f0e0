// The explorer's only way to data: the public GraphQL API of the server that served it.

/** Runs `query` with `variables`; resolves to `data`, rejects with the first error's message. */
export async function gql(query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => null);
  if (!body) throw new Error(`the server answered ${response.status} without JSON`);
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const code = first.extensions && first.extensions.code ? ` (${first.extensions.code})` : '';
    throw new Error(first.message + code);
  }
  return body.data;
}
