//! What each finding code means and what to do about it: the rule metadata `policygraph check
//! --format sarif` publishes (code-scanning tools show it beside each result).

/// One rule: a one-line summary, a fuller description, and what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// One line.
    pub short: &'static str,
    /// What the rule checks.
    pub full: &'static str,
    /// How to fix a finding.
    pub help: &'static str,
}

/// The rule behind a finding code (seed-level codes and graph-level ones alike).
pub fn rule(code: &str) -> Rule {
    let (short, full, help) = match code {
        "io" => (
            "A file cannot be read",
            "A seed file, the seed directory or a source text could not be read.",
            "Check that the path exists and is readable.",
        ),
        "syntax" => (
            "A seed file is not valid TOML",
            "The TOML parser stopped at the position given.",
            "Fix the TOML syntax at that line and column.",
        ),
        "unknown-key" => (
            "A key the format does not know",
            "A table has a key that its kind of node, edge or citation does not take.",
            "Remove the key or correct its spelling; seeds/README.md lists the keys of each kind.",
        ),
        "missing-key" => (
            "A required key is missing",
            "A node, edge or citation lacks a key it needs (id, title, kind, from, to, quote, ...).",
            "Add the key.",
        ),
        "wrong-type" => (
            "A value of the wrong type",
            "A key holds, say, a number or a table where the format wants a string or a list.",
            "Write the value as the format expects (seeds/README.md).",
        ),
        "bad-id" => (
            "An id that is not `<kind>:<slug>`",
            "Ids are a node kind, a colon, and lower-case letters, digits and single dashes.",
            "Rename the id, e.g. `programme:border-security-2021-2025`.",
        ),
        "unknown-kind" => (
            "An unknown node or edge kind",
            "The id prefix or the edge `kind` is not one of the model's kinds.",
            "Use one of the kinds the message lists.",
        ),
        "duplicate-id" => (
            "An id declared twice",
            "Every node and edge is declared once in the whole corpus.",
            "Keep one declaration; add evidence elsewhere with a `[[cite]]` table.",
        ),
        "dangling-reference" => (
            "A reference to a node that is not declared",
            "An edge end or a `[[cite]]` target names an id no `[[node]]` declares.",
            "Declare the node, or correct the id.",
        ),
        "bad-date" => (
            "An impossible date or a range that runs backwards",
            "Dates are YYYY, YYYY-MM or YYYY-MM-DD with a real month and day; a span or a validity must not end before it starts.",
            "Give the date at the precision the source gives, or swap the ends.",
        ),
        "missing-citation" => (
            "An entity without a quote",
            "Every node and edge needs at least one verbatim quote from its source text.",
            "Add a `cite` with a passage of the source that states the fact.",
        ),
        "unknown-source" => (
            "A quote into a document without a text",
            "A citation names a document that is not declared or has no `text`.",
            "Declare the document with its source text, or cite another document.",
        ),
        "quote-not-found" => (
            "A quote that is not in its source",
            "The quote does not occur in the source text, even after normalising whitespace, dashes and quotation marks.",
            "Copy the passage from the source; the message says where the match stops.",
        ),
        "ambiguous-quote" => (
            "A quote that occurs more than once",
            "The quote occurs several times in its source; the first occurrence is recorded.",
            "Quote a longer passage so that it is unique.",
        ),
        "unverified-programme" => (
            "A programme without a verified citation",
            "A programme must be backed by at least one quote found in its source.",
            "Add a citation for the programme, or fix the one that is not found.",
        ),
        "cycle" => (
            "A cycle of PART_OF or DEPENDS_ON edges",
            "Goals and dependencies must not contain themselves; the message names the cycle.",
            "Remove or reverse one edge of the cycle.",
        ),
        "unimplemented-goal" => (
            "A goal nothing implements",
            "No programme or measure implements the goal, directly or through its sub-goals.",
            "Link the programmes or measures the sources name, or leave the gap visible.",
        ),
        "ended-without-successor" => (
            "A programme that ended with no successor",
            "Every time span the programme covers has ended and no programme SUPERSEDES it.",
            "Record the successor the sources name, if any.",
        ),
        "validity-contradicts-quote" => (
            "A validity its quotes contradict",
            "The edge's valid_from/valid_to include none of the years its quotes name.",
            "Cite the passage that dates the relation, or fix the dates.",
        ),
        "overlapping-chairmanship" => (
            "Two chairs of one body at once",
            "A body has one chair at a time: its CHAIRED_BY edges must not overlap in time.",
            "Give each chairmanship the dates its text states.",
        ),
        _ => (
            "A finding of policygraph check",
            "A problem policygraph check found in the seed corpus.",
            "See the message.",
        ),
    };
    Rule { short, full, help }
}
