//! The seed reader on crafted corpora: every class of bad input is reported with its file, line,
//! column and key, all findings come in one run, and the real seeds are clean.

use std::path::Path;

use policygraph::corpus::diagnostic::{Diagnostic, Severity};
use policygraph::corpus::{self, Reading};
use tempfile::TempDir;

/// A source text with the typography of the real corpus: NO-BREAK SPACE and an en dash.
const SOURCE: &str =
    "The Programme\u{a0}for 2021\u{2013}2025 was adopted.\nSecond line. Second line.";

/// Lines 1-7 of every crafted seed file: a default source and the document that holds it.
const HEADER: &str = r#"source = "document:src"

[[node]]
id = "document:src"
title = "Source"
text = "sources/src.txt"
cite = ["The Programme"]
"#;

/// Writes `HEADER + body` as `seeds/a.toml` next to the source text and reads the corpus.
fn read(body: &str) -> (TempDir, Reading) {
    let dir = TempDir::new().expect("temp dir");
    std::fs::create_dir(dir.path().join("sources")).expect("sources dir");
    std::fs::write(dir.path().join("sources/src.txt"), SOURCE).expect("source");
    std::fs::write(dir.path().join("a.toml"), format!("{HEADER}{body}")).expect("seed");
    let reading = corpus::read(dir.path());
    (dir, reading)
}

/// The one error of `reading`, failing with all findings shown when there is not exactly one.
fn only_error(reading: &Reading) -> &Diagnostic {
    let errors: Vec<_> = reading
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "expected one error, got {:#?}",
        reading.diagnostics
    );
    errors[0]
}

fn assert_at(d: &Diagnostic, code: &str, line: u32, key: &str) {
    assert_eq!(d.code, code, "{d}");
    assert_eq!(d.line, line, "{d}");
    assert_eq!(d.key, key, "{d}");
    assert!(d.file.ends_with("a.toml"), "{d}");
    assert!(d.column >= 1, "{d}");
    let shown = d.to_string();
    assert!(shown.contains(&format!("a.toml:{line}:")), "{shown}");
}

#[test]
fn a_clean_corpus_has_no_findings_and_locates_its_quote_in_the_original() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "programme:p"
title = "P"
cite = ["Programme for 2021-2025"]
"#,
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
    let node = &reading.corpus.nodes[1];
    let c = &node.citations[0];
    assert_eq!(c.excerpt, "Programme\u{a0}for 2021\u{2013}2025");
    assert_eq!((c.start, c.end, c.line, c.column), (4, 27, 1, 5));
}

#[test]
fn an_unknown_key_is_reported_at_its_line() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "goal:g"
title = "G"
colour = "red"
cite = ["Second line."]
"#,
    );
    assert_at(only_error(&reading), "unknown-key", 12, "node[1].colour");
}

#[test]
fn a_key_that_does_not_belong_to_the_kind_is_an_unknown_key() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "goal:g"
title = "G"
start = "2021"
cite = ["The Programme"]
"#,
    );
    assert_at(only_error(&reading), "unknown-key", 12, "node[1].start");
}

#[test]
fn a_duplicate_id_names_the_first_declaration() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "goal:g"
title = "G"
cite = ["The Programme"]

[[node]]
id = "goal:g"
title = "G again"
cite = ["The Programme"]
"#,
    );
    let d = only_error(&reading);
    assert_at(d, "duplicate-id", 15, "node[2].id");
    assert!(d.message.contains("a.toml:10"), "{d}");
}

#[test]
fn an_edge_to_an_undeclared_node_is_a_dangling_reference() {
    let (_dir, reading) = read(
        r#"
[[edge]]
from = "document:src"
kind = "SETS"
to = "goal:missing"
cite = ["The Programme"]
"#,
    );
    assert_at(only_error(&reading), "dangling-reference", 12, "edge[0].to");
}

#[test]
fn unknown_node_and_edge_kinds_are_reported() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "plan:x"
title = "X"
cite = ["The Programme"]

[[edge]]
from = "document:src"
kind = "FUNDS"
to = "document:src"
cite = ["The Programme"]
"#,
    );
    let errors: Vec<_> = reading
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(errors.len(), 2, "{:#?}", reading.diagnostics);
    assert_at(errors[0], "unknown-kind", 10, "node[1].id");
    assert_at(errors[1], "unknown-kind", 16, "edge[0].kind");
}

#[test]
fn an_impossible_date_is_reported() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "programme:p"
title = "P"
date = "2021-02-30"
cite = ["The Programme"]
"#,
    );
    assert_at(only_error(&reading), "bad-date", 12, "node[1].date");
}

#[test]
fn a_span_that_ends_before_it_starts_is_a_bad_date() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "timespan:backwards"
title = "backwards"
start = "2025"
end = "2021"
cite = ["2021-2025"]
"#,
    );
    assert_at(only_error(&reading), "bad-date", 13, "node[1].end");
}

/// A council and two states (lines 8-22 of the seed file), for the chairmanship tests.
const COUNCIL: &str = r#"
[[node]]
id = "body:council"
title = "Council"
cite = ["The Programme"]

[[node]]
id = "state:a"
title = "A"
cite = ["Second line"]

[[node]]
id = "state:b"
title = "B"
cite = ["was adopted"]
"#;

#[test]
fn a_validity_that_ends_before_it_starts_is_a_bad_date() {
    let body = format!(
        r#"{COUNCIL}
[[edge]]
from = "body:council"
kind = "CHAIRED_BY"
to = "state:a"
valid_from = "2025"
valid_to = "2021"
cite = ["was adopted"]
"#
    );
    let (_dir, reading) = read(&body);
    assert_at(only_error(&reading), "bad-date", 29, "edge[0].valid_to");
}

#[test]
fn a_validity_must_include_a_year_its_quotes_name() {
    let body = format!(
        r#"{COUNCIL}
[[edge]]
from = "body:council"
kind = "CHAIRED_BY"
to = "state:a"
valid_from = "2019"
valid_to = "2019"
cite = ["for 2021"]
"#
    );
    let (_dir, reading) = read(&body);
    let error = only_error(&reading);
    assert_at(
        error,
        "validity-contradicts-quote",
        24,
        "body:council/CHAIRED_BY/state:a",
    );
    assert!(error.message.contains("2021"), "{error}");
}

#[test]
fn two_chairmanships_of_one_body_must_not_overlap() {
    let body = format!(
        r#"{COUNCIL}
[[edge]]
from = "body:council"
kind = "CHAIRED_BY"
to = "state:a"
valid_from = "2021"
valid_to = "2021"
cite = ["for 2021"]

[[edge]]
from = "body:council"
kind = "CHAIRED_BY"
to = "state:b"
valid_from = "2021-06"
cite = ["was adopted"]
"#
    );
    let (_dir, reading) = read(&body);
    let error = only_error(&reading);
    assert_at(
        error,
        "overlapping-chairmanship",
        32,
        "body:council/CHAIRED_BY/state:b",
    );
    assert!(error.message.contains("state:a"), "{error}");
}

#[test]
fn an_entity_without_a_citation_is_reported() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "body:b"
title = "B"
"#,
    );
    assert_at(only_error(&reading), "missing-citation", 9, "node[1].cite");
}

#[test]
fn an_edge_without_a_citation_is_reported() {
    let (_dir, reading) = read(
        r#"
[[edge]]
from = "document:src"
kind = "REFERENCES"
to = "document:src"
"#,
    );
    assert_at(only_error(&reading), "missing-citation", 9, "edge[0].cite");
}

#[test]
fn a_quote_not_in_the_source_is_reported_with_how_much_matched() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "body:b"
title = "B"
cite = ["The Programme for 2021-2026"]
"#,
    );
    let d = only_error(&reading);
    assert_at(d, "quote-not-found", 12, "node[1].cite[0]");
    assert!(d.message.contains("first 26 characters match"), "{d}");
}

#[test]
fn a_citation_into_an_undeclared_document_is_an_unknown_source() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "body:b"
title = "B"
cite = [{ source = "document:nowhere", quote = "The Programme" }]
"#,
    );
    assert_at(
        only_error(&reading),
        "unknown-source",
        12,
        "node[1].cite[0].source",
    );
}

#[test]
fn a_toml_syntax_error_is_located() {
    let (_dir, reading) = read("\n[[node]]\nid = \"goal:g\ntitle = \"G\"\n");
    let d = reading
        .diagnostics
        .iter()
        .find(|d| d.code == "syntax")
        .unwrap_or_else(|| panic!("no syntax error in {:#?}", reading.diagnostics));
    assert_eq!(d.line, 10, "{d}");
}

#[test]
fn every_error_of_a_run_is_reported_at_once() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "goal:g"
title = "G"
colour = "red"
cite = ["not in the text"]

[[node]]
id = "programme:p"
title = "P"
date = "someday"

[[edge]]
from = "programme:p"
kind = "IMPLEMENTS"
to = "goal:nowhere"
cite = ["The Programme"]
"#,
    );
    let codes: Vec<_> = reading
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code, d.line))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("unknown-key", 12),
            ("quote-not-found", 13),
            ("missing-citation", 15),
            ("unverified-programme", 15),
            ("bad-date", 18),
            ("dangling-reference", 23),
        ]
    );
}

#[test]
fn a_quote_that_occurs_twice_is_a_warning_not_an_error() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "body:b"
title = "B"
cite = ["Second line."]
"#,
    );
    assert_eq!(reading.error_count(), 0);
    let d = &reading.diagnostics[0];
    assert_eq!(
        (d.severity, d.code, d.line),
        (Severity::Warning, "ambiguous-quote", 12)
    );
    assert_eq!(reading.corpus.nodes[1].citations[0].occurrences, 2);
}

#[test]
fn the_real_seed_corpus_is_clean_and_its_quotes_point_into_the_original_texts() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let reading = corpus::read(&seeds);
    assert_eq!(reading.error_count(), 0, "{:#?}", reading.diagnostics);
    for node in &reading.corpus.nodes {
        for c in &node.citations {
            let source = reading
                .corpus
                .sources
                .iter()
                .find(|s| s.document == c.document)
                .expect("cited document has a text");
            let chars: Vec<char> = source.text.chars().collect();
            let original: String = chars[c.start as usize..c.end as usize].iter().collect();
            assert_eq!(original, c.excerpt, "{}", node.id);
        }
    }
}

#[test]
fn a_plain_typed_quote_is_found_in_001_at_the_original_offsets() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let text = std::fs::read_to_string(seeds.join("sources/001_16830d1d99dc7d5d.txt"))
        .expect("source 001");
    let index = corpus::quote::QuoteIndex::new(&text);
    let at = index
        .locate("Strengthen Border Security for 2021-2025")
        .expect("found despite the en dash and NO-BREAK SPACEs");
    let excerpt = index.excerpt(&at);
    assert!(excerpt.contains('\u{2013}'), "{excerpt:?}");
    assert_eq!(at.line, 23);
    let before: String = text.chars().take(at.start as usize).collect();
    assert_eq!(before.matches('\n').count() + 1, 23);
}

#[test]
fn a_cite_table_adds_evidence_to_a_node_or_edge_declared_elsewhere() {
    let (_dir, reading) = read(
        r#"
[[node]]
id = "programme:p"
title = "P"
cite = ["The Programme"]

[[edge]]
from = "document:src"
kind = "REFERENCES"
to = "programme:p"
cite = ["The Programme"]

[[cite]]
node = "programme:p"
quote = "Second line. Second line."

[[cite]]
edge = "document:src/REFERENCES/programme:p"
quote = "was adopted"

[[cite]]
node = "programme:nowhere"
quote = "was adopted"
"#,
    );
    assert_at(
        only_error(&reading),
        "dangling-reference",
        29,
        "cite[2].node",
    );
    let node = &reading.corpus.nodes[1];
    assert_eq!(node.citations.len(), 2);
    assert_eq!(reading.corpus.edges[0].citations[1].excerpt, "was adopted");
}

/// Pins the size of the real corpus so an accidental deletion fails CI. Update the numbers
/// deliberately when the seeds grow.
#[test]
fn the_real_corpus_has_the_expected_number_of_entities() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let reading = corpus::read(&seeds);
    let counts: std::collections::BTreeMap<&str, usize> = corpus::count_by_kind(&reading.corpus)
        .into_iter()
        .map(|(kind, n)| (kind.as_str(), n))
        .collect();
    let expected = [
        ("body", 36),
        ("document", 22),
        ("goal", 101),
        ("measure", 167),
        ("programme", 36),
        ("state", 16),
        ("summit", 9),
        ("timespan", 12),
    ];
    assert_eq!(
        counts,
        expected.into_iter().collect(),
        "node counts per kind"
    );
    assert_eq!(reading.corpus.edges.len(), 502, "edge count");
    assert_eq!(reading.corpus.sources.len(), 5, "source texts encoded");
}

/// Ids of the nodes with an edge of `kind` to `to` in the real corpus.
fn linked_to(reading: &Reading, kind: &str, to: &str) -> Vec<String> {
    reading
        .corpus
        .edges
        .iter()
        .filter(|e| e.kind.as_str() == kind && e.to.as_str() == to)
        .map(|e| e.from.to_string())
        .collect()
}

/// Russia's 2024 chairmanship paper (003) is organised as fields of action: each is a goal under
/// the goal of lines 4-11 it belongs to, with the measures the paper announces for it.
#[test]
fn the_fields_of_action_of_003_are_goals_under_their_parent_with_their_measures() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let reading = corpus::read(&seeds);
    assert_eq!(reading.error_count(), 0, "{:#?}", reading.diagnostics);

    let digitalization = "goal:digitalization-and-ict";
    assert!(
        reading
            .corpus
            .nodes
            .iter()
            .any(|n| n.id.as_str() == digitalization),
        "no {digitalization}"
    );
    let measures = linked_to(&reading, "IMPLEMENTS", digitalization);
    for id in [
        "measure:digital-business-space",
        "measure:artificial-intelligence-technologies",
        "measure:digital-and-geodetic-infrastructure",
        "measure:electronic-services",
        "measure:digital-public-administration",
    ] {
        assert!(
            measures.iter().any(|m| m == id),
            "{id} does not implement {digitalization}: {measures:?}"
        );
    }
    for edge in reading
        .corpus
        .edges
        .iter()
        .filter(|e| e.kind.as_str() == "IMPLEMENTS" && e.to.as_str() == digitalization)
    {
        assert!(!edge.citations.is_empty(), "{} has no quote", edge.id());
    }

    // Line 7: "deepening economic integration, including in the context of creating a common
    // economic space, interaction in the field of energy, industrial and agro-industrial
    // cooperation, digitalization, transport and communications, ecology and climate protection,
    // scientific, technical and innovative cooperation".
    let economic = linked_to(&reading, "PART_OF", "goal:deepening-economic-integration");
    for id in [
        "goal:common-economic-space",
        "goal:energy-cooperation",
        "goal:industrial-cooperation",
        "goal:agro-industrial-cooperation",
        digitalization,
        "goal:transport-and-communications",
        "goal:ecology-and-climate-protection",
        "goal:scientific-technical-innovative-cooperation",
    ] {
        assert!(
            economic.iter().any(|g| g == id),
            "{id} is not PART_OF deepening economic integration: {economic:?}"
        );
    }
    // Line 8: "strengthening cooperation in the military sphere and in the field of border security".
    let security = linked_to(&reading, "PART_OF", "goal:cis-security-cooperation");
    for id in ["goal:military-cooperation", "goal:border-security"] {
        assert!(security.iter().any(|g| g == id), "{id}: {security:?}");
    }
}

/// The Council of Heads of Government met on 29 May 2020 and adopted the Economic Development
/// Strategy up to 2030 (003, line 3).
#[test]
fn the_29_may_2020_meeting_adopted_the_economic_development_strategy() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let reading = corpus::read(&seeds);
    let summit = "summit:cis-hgc-2020-05-29";
    let node = reading
        .corpus
        .nodes
        .iter()
        .find(|n| n.id.as_str() == summit)
        .unwrap_or_else(|| panic!("no {summit}"));
    assert_eq!(
        node.date.map(|d| d.to_string()).as_deref(),
        Some("2020-05-29")
    );
    let adopted = linked_to(&reading, "ADOPTED_AT", summit);
    for id in [
        "programme:cis-economic-development-strategy-2030",
        "document:decision-hgc-economic-strategy-2030",
    ] {
        assert!(adopted.iter().any(|a| a == id), "{id}: {adopted:?}");
    }
}

#[test]
fn nothing_is_cited_from_the_third_party_commentary_at_the_end_of_003() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let reading = corpus::read(&seeds);
    let text =
        std::fs::read_to_string(seeds.join("sources/003_5a048fa4e0a4e7b4.txt")).expect("003");
    let commentary_line = text
        .lines()
        .position(|l| l.starts_with("As you read"))
        .expect("the commentary starts with 'As you read'") as u32
        + 1;
    let citations = reading
        .corpus
        .nodes
        .iter()
        .flat_map(|n| &n.citations)
        .chain(reading.corpus.edges.iter().flat_map(|e| &e.citations));
    for c in
        citations.filter(|c| c.document.as_str() == "document:mfa-russia-cis-chairmanship-2024")
    {
        assert!(c.line < commentary_line, "cited from the commentary: {c:?}");
    }
}
