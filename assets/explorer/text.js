// Source texts: citation offsets count Unicode characters (code points), JavaScript strings
// count UTF-16 units, so every cut goes through an array of code points.

/** The text as an array of code points (one entry per Unicode character). */
export function chars(text) {
  return Array.from(text);
}

/**
 * The paragraph (the line) of `characters` around [start, end), as
 * { before, quote, after, line } strings, for showing a quote in place.
 */
export function inParagraph(characters, start, end) {
  let from = start;
  while (from > 0 && characters[from - 1] !== '\n') from -= 1;
  let to = end;
  while (to < characters.length && characters[to] !== '\n') to += 1;
  return {
    before: characters.slice(from, start).join(''),
    quote: characters.slice(start, end).join(''),
    after: characters.slice(end, to).join(''),
  };
}

/**
 * Cuts `characters` at every passage boundary: a list of { text, passages } segments, where
 * `passages` are the indexes of the passages covering the segment (overlaps allowed).
 */
export function segments(characters, passages) {
  const cuts = new Set([0, characters.length]);
  for (const p of passages) {
    cuts.add(Math.max(0, Math.min(p.start, characters.length)));
    cuts.add(Math.max(0, Math.min(p.end, characters.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    const covering = [];
    passages.forEach((p, index) => { if (p.start <= a && b <= p.end) covering.push(index); });
    out.push({ start: a, text: characters.slice(a, b).join(''), passages: covering });
  }
  return out;
}
