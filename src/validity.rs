//! When a relation holds: the rules about an edge's validity (`valid_from` / `valid_to`).
//!
//! One set of rules, called by the seed reader (`check`, `load`) and by the curation workspace
//! (the mutations), so a seed file and an API write are judged alike:
//! - a validity must not end before it starts;
//! - when the quotes of an edge name years, its validity must include at least one of them
//!   (a chairmanship "in 2021" cannot be valid in 2019 only);
//! - a body has one chair at a time: its `CHAIRED_BY` edges must not overlap in time.

use std::collections::BTreeMap;

use crate::model::{Edge, EdgeKind, NodeKind, PartialDate};

/// Why a validity that runs backwards is refused, `None` when `from <= to` (or either is open).
pub fn order(from: Option<PartialDate>, to: Option<PartialDate>) -> Option<String> {
    let (from, to) = (from?, to?);
    (to.latest() < from.earliest())
        .then(|| format!("the edge stops holding ({to}) before it starts holding ({from})"))
}

/// How the validity reads in messages: `2021`, `2021–2022`, `from 2025-01-01`, `until 2020`.
pub fn describe(from: Option<PartialDate>, to: Option<PartialDate>) -> String {
    match (from, to) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!("from {a}"),
        (None, Some(b)) => format!("until {b}"),
        (None, None) => "always".to_owned(),
    }
}

/// Years from 1900 to 2099 written as four digits on their own ("January 1st, 2025" names
/// 2025; "2021-2025" names both; "12000" names none).
pub fn named_years(text: &str) -> Vec<i32> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 4 {
            if let Ok(year) = text[start..i].parse::<i32>() {
                if (1900..2100).contains(&year) && !out.contains(&year) {
                    out.push(year);
                }
            }
        }
    }
    out
}

/// Why an edge's validity contradicts the years its quotes name, `None` when it does not
/// (or when it has no validity, or its quotes name no year).
pub fn contradicts_quotes(edge: &Edge) -> Option<String> {
    if edge.valid_from.is_none() && edge.valid_to.is_none() {
        return None;
    }
    let mut years: Vec<i32> = edge
        .citations
        .iter()
        .flat_map(|c| named_years(&c.quote))
        .collect();
    if years.is_empty() {
        return None;
    }
    years.sort_unstable();
    years.dedup();
    let any_within = years.iter().any(|&y| {
        let year = PartialDate::parse(&format!("{y:04}")).ok();
        year.is_some_and(|year| edge.holds_during(year, year))
    });
    if any_within {
        return None;
    }
    let named: Vec<String> = years.iter().map(i32::to_string).collect();
    Some(format!(
        "valid {} but its quotes name only {}: cite the passage that dates it, or fix the dates",
        describe(edge.valid_from, edge.valid_to),
        named.join(", ")
    ))
}

/// Do two validities (each end open when `None`) share a day?
fn share_a_day(a: &Edge, b: &Edge) -> bool {
    let starts_before_end = |s: Option<PartialDate>, e: Option<PartialDate>| match (s, e) {
        (Some(s), Some(e)) => s.earliest() <= e.latest(),
        _ => true,
    };
    starts_before_end(a.valid_from, b.valid_to) && starts_before_end(b.valid_from, a.valid_to)
}

/// A chairmanship that overlaps another of the same body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// The edge reported (the later of the two by id).
    pub edge: String,
    /// What is wrong.
    pub message: String,
}

/// Every pair of `CHAIRED_BY` edges from one body whose validities share a day (an edge
/// without validity holds always, so two undated chairmanships of a body overlap too).
/// Summits are left out: a meeting may have co-chairs, and its date is its validity.
pub fn overlapping_chairs<'a>(edges: impl IntoIterator<Item = &'a Edge>) -> Vec<Overlap> {
    let mut by_body: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    for edge in edges {
        if edge.kind == EdgeKind::ChairedBy && edge.from.kind() == NodeKind::Body {
            by_body.entry(edge.from.as_str()).or_default().push(edge);
        }
    }
    let mut out = Vec::new();
    for (body, mut chairs) in by_body {
        chairs.sort_by_key(|e| e.id());
        for (i, a) in chairs.iter().enumerate() {
            for b in &chairs[i + 1..] {
                if share_a_day(a, b) {
                    out.push(Overlap {
                        edge: b.id(),
                        message: format!(
                            "`{body}` has one chair at a time, but `{}` ({}) overlaps `{}` ({}): \
                             give each chairmanship the dates its text states",
                            b.to,
                            describe(b.valid_from, b.valid_to),
                            a.to,
                            describe(a.valid_from, a.valid_to),
                        ),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Citation, NodeId};

    fn d(text: &str) -> Option<PartialDate> {
        Some(PartialDate::parse(text).expect("date"))
    }

    fn chair(body: &str, state: &str, from: Option<PartialDate>, to: Option<PartialDate>) -> Edge {
        Edge {
            from: NodeId::parse(body).expect("id"),
            kind: EdgeKind::ChairedBy,
            to: NodeId::parse(state).expect("id"),
            note: None,
            valid_from: from,
            valid_to: to,
            citations: Vec::new(),
        }
    }

    fn quoted(mut edge: Edge, quote: &str) -> Edge {
        edge.citations.push(Citation {
            document: NodeId::parse("document:d").expect("id"),
            quote: quote.to_owned(),
            start: 0,
            end: 1,
            line: 1,
            column: 1,
            occurrences: 1,
            excerpt: quote.to_owned(),
        });
        edge
    }

    #[test]
    fn a_validity_must_not_run_backwards() {
        assert!(order(d("2025"), d("2024")).is_some());
        assert!(order(d("2024-10"), d("2024")).is_none());
        assert!(order(None, d("2024")).is_none());
    }

    #[test]
    fn years_are_four_digits_standing_alone() {
        assert_eq!(named_years("from January 1st, 2025."), vec![2025]);
        assert_eq!(named_years("for 2021-2025 and 2021"), vec![2021, 2025]);
        assert!(named_years("12000 tonnes, 1800 km, item 24").is_empty());
    }

    #[test]
    fn a_validity_must_include_a_year_its_quotes_name() {
        let belarus = |from, to| {
            quoted(
                chair("body:cis", "state:belarus", from, to),
                "chairing the CIS in 2021",
            )
        };
        assert!(contradicts_quotes(&belarus(d("2021"), d("2021"))).is_none());
        assert!(contradicts_quotes(&belarus(d("2021-03"), None)).is_none());
        let wrong = contradicts_quotes(&belarus(d("2019"), d("2019"))).expect("contradiction");
        assert!(wrong.contains("2019") && wrong.contains("2021"), "{wrong}");
        // No year in the quote: nothing to contradict.
        let undated = quoted(
            chair("body:cis", "state:x", d("2019"), None),
            "chaired by X",
        );
        assert!(contradicts_quotes(&undated).is_none());
    }

    #[test]
    fn chairmanships_of_one_body_must_not_overlap() {
        let edges = [
            chair("body:cis", "state:belarus", d("2021"), d("2021")),
            chair("body:cis", "state:russia", d("2024"), d("2024")),
            chair("body:cis", "state:tajikistan", d("2025-01-01"), None),
            chair("body:other", "state:russia", d("2024"), d("2024")),
        ];
        assert!(overlapping_chairs(&edges).is_empty());
        let clash = chair("body:cis", "state:kazakhstan", d("2024-06"), d("2025-02"));
        let found = overlapping_chairs(edges.iter().chain([&clash]));
        let reported: Vec<&str> = found.iter().map(|o| o.edge.as_str()).collect();
        assert_eq!(
            reported,
            [
                "body:cis/CHAIRED_BY/state:russia",
                "body:cis/CHAIRED_BY/state:tajikistan"
            ]
        );
        assert!(found[0].message.contains("state:kazakhstan"), "{found:?}");
    }
}
