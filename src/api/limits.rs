//! Request checks the engine does not make itself, run on the parsed document before the
//! engine's own checks and validation (which expand every fragment spread, so a small document
//! of fragments that each spread the next twice would cost 2^n work there):
//! - the **expanded size**: selections after fragment expansion, counted without expanding
//!   (each fragment's size is computed once);
//! - a cap on **aliases**, so one request cannot ask for the same expensive field a thousand
//!   times under different names;
//! - **no repeated directive** at one location (none of ours is repeatable).
//!
//! Queries are parsed once per request (and cached by their text) and handed to the engine
//! already parsed.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::{
    Directive, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Positioned, Request, ServerError, ServerResult};

use super::errors::Code;
use super::window::AnswerItems;
use crate::graph::budget::Budget;

/// What the document checks refuse above.
#[derive(Clone, Copy, Debug)]
pub struct DocumentLimits {
    /// Most aliased fields in the document.
    pub max_aliases: usize,
    /// Most selections after fragment expansion, over all operations.
    pub max_selections: u64,
    /// Graph work (nodes and edges visited) one request may do.
    pub max_work: u64,
    /// Time one request's graph work may take.
    pub max_time: Duration,
    /// Longest list one answer may carry (the lists of one answer hold twice that in all).
    pub max_list: usize,
}

impl DocumentLimits {
    /// A fresh budget for one request, starting now.
    pub fn budget(&self) -> Budget {
        Budget::new(self.max_work, Some(Instant::now() + self.max_time))
    }
}

/// Number of aliased fields in every operation and fragment of `document`.
fn aliases(document: &ExecutableDocument) -> usize {
    fn count(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + count(&f.node.selection_set.node)
                }
                Selection::InlineFragment(f) => count(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| count(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| count(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

/// The names of the fragments `set` spreads, nested selections included.
fn spreads<'d>(set: &'d SelectionSet, out: &mut Vec<&'d str>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => spreads(&f.node.selection_set.node, out),
            Selection::InlineFragment(f) => spreads(&f.node.selection_set.node, out),
            Selection::FragmentSpread(s) => out.push(s.node.fragment_name.node.as_str()),
        }
    }
}

/// Selections in `set` once every spread is replaced by its fragment, given the expanded size
/// of every fragment it spreads (an unknown fragment counts 0: validation reports it).
fn size_of(set: &SelectionSet, fragments: &HashMap<&str, u64>) -> u64 {
    set.items.iter().fold(0u64, |total, item| {
        let size = match &item.node {
            Selection::Field(f) => {
                1u64.saturating_add(size_of(&f.node.selection_set.node, fragments))
            }
            Selection::InlineFragment(f) => {
                1u64.saturating_add(size_of(&f.node.selection_set.node, fragments))
            }
            Selection::FragmentSpread(s) => 1u64.saturating_add(
                fragments
                    .get(s.node.fragment_name.node.as_str())
                    .copied()
                    .unwrap_or(0),
            ),
        };
        total.saturating_add(size)
    })
}

/// Why a document's expanded size cannot be known.
#[derive(Debug, PartialEq, Eq)]
struct FragmentCycle(String);

/// The number of selections `document` executes after fragment expansion, summed over its
/// operations, without expanding anything: a post-order walk over fragments (iterative, so a
/// long chain of fragments cannot overflow the stack) sizes each fragment once. Saturates.
fn expanded_size(document: &ExecutableDocument) -> Result<u64, FragmentCycle> {
    let definitions: HashMap<&str, &FragmentDefinition> = document
        .fragments
        .iter()
        .map(|(name, f)| (name.as_str(), &f.node))
        .collect();
    let mut sizes: HashMap<&str, u64> = HashMap::with_capacity(definitions.len());
    let mut on_path: std::collections::HashSet<&str> = Default::default();
    for &root in definitions.keys() {
        if sizes.contains_key(root) {
            continue;
        }
        // Each frame: a fragment, the fragments it spreads, and how many of those are done.
        let mut stack: Vec<(&str, Vec<&str>, usize)> = Vec::new();
        let mut targets = Vec::new();
        spreads(&definitions[root].selection_set.node, &mut targets);
        on_path.insert(root);
        stack.push((root, targets, 0));
        while let Some((name, targets, next)) = stack.last_mut() {
            if let Some(&target) = targets.get(*next) {
                *next += 1;
                if sizes.contains_key(target) {
                    continue;
                }
                if on_path.contains(target) {
                    return Err(FragmentCycle(target.to_owned()));
                }
                let Some(definition) = definitions.get(target) else {
                    continue; // unknown: validation reports it
                };
                let mut inner = Vec::new();
                spreads(&definition.selection_set.node, &mut inner);
                on_path.insert(target);
                stack.push((target, inner, 0));
            } else {
                let name = *name;
                let size = size_of(&definitions[name].selection_set.node, &sizes);
                sizes.insert(name, size);
                on_path.remove(name);
                stack.pop();
            }
        }
    }
    Ok(document
        .operations
        .iter()
        .map(|(_, op)| size_of(&op.node.selection_set.node, &sizes))
        .fold(0u64, u64::saturating_add))
}

/// The first directive that appears twice at one location, with where it is.
fn repeated_directive(document: &ExecutableDocument) -> Option<(String, &'static str)> {
    fn repeated(directives: &[Positioned<Directive>]) -> Option<String> {
        directives.iter().enumerate().find_map(|(i, d)| {
            directives[..i]
                .iter()
                .any(|e| e.node.name.node == d.node.name.node)
                .then(|| d.node.name.node.to_string())
        })
    }
    fn in_set(set: &SelectionSet) -> Option<(String, &'static str)> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => repeated(&f.node.directives)
                .map(|d| (d, "a field"))
                .or_else(|| in_set(&f.node.selection_set.node)),
            Selection::InlineFragment(f) => repeated(&f.node.directives)
                .map(|d| (d, "an inline fragment"))
                .or_else(|| in_set(&f.node.selection_set.node)),
            Selection::FragmentSpread(s) => {
                repeated(&s.node.directives).map(|d| (d, "a fragment spread"))
            }
        })
    }
    let operations = document.operations.iter().find_map(|(_, op)| {
        repeated(&op.node.directives)
            .map(|d| (d, "an operation"))
            .or_else(|| {
                op.node
                    .variable_definitions
                    .iter()
                    .find_map(|v| repeated(&v.node.directives))
                    .map(|d| (d, "a variable"))
            })
            .or_else(|| in_set(&op.node.selection_set.node))
    });
    operations.or_else(|| {
        document.fragments.values().find_map(|f| {
            repeated(&f.node.directives)
                .map(|d| (d, "a fragment definition"))
                .or_else(|| in_set(&f.node.selection_set.node))
        })
    })
}

/// Why `document` is refused before the engine looks at it, if it is.
fn refusal(document: &ExecutableDocument, limits: DocumentLimits) -> Option<ServerError> {
    let coded = |code: Code, message: String| {
        let mut error = ServerError::new(message, None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
        error
    };
    match expanded_size(document) {
        Err(FragmentCycle(name)) => {
            return Some(coded(
                Code::BadUserInput,
                format!("fragment `{name}` spreads itself (directly or through other fragments)"),
            ));
        }
        Ok(size) if size > limits.max_selections => {
            let shown = if size == u64::MAX {
                "more than 2^64".to_owned()
            } else {
                size.to_string()
            };
            return Some(coded(
                Code::LimitExceeded,
                format!(
                    "the document selects {shown} fields once its fragments are expanded; at most {} per request",
                    limits.max_selections
                ),
            ));
        }
        Ok(_) => {}
    }
    let count = aliases(document);
    if count > limits.max_aliases {
        return Some(coded(
            Code::LimitExceeded,
            format!(
                "{count} aliases; at most {} per request",
                limits.max_aliases
            ),
        ));
    }
    if let Some((directive, location)) = repeated_directive(document) {
        return Some(coded(
            Code::BadUserInput,
            format!("the directive `@{directive}` is repeated on {location}; it may appear once"),
        ));
    }
    None
}

/// Parsed documents by query text. Dashboards send the same few queries over and over, and
/// parsing was the largest single cost of a small query in the HTTP load test (pest, about a
/// tenth of the server's CPU); a clone of the parsed document is much cheaper.
static PARSED: LazyLock<Mutex<HashMap<String, ExecutableDocument>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Most distinct query texts kept; the cache is emptied when full (dashboards use a handful).
const PARSED_CAP: usize = 512;

/// Longest query text cached; longer ones are parsed every time.
const PARSED_MAX_LEN: usize = 8 * 1024;

/// Gives `request` its parsed document, from the cache when this text was parsed before; the
/// engine then skips parsing (extensions still see the document). `None` when it does not
/// parse: the engine reports the syntax error itself.
pub fn parse_cached(request: &mut Request) -> Option<&ExecutableDocument> {
    let cacheable = request.query.len() <= PARSED_MAX_LEN;
    if cacheable {
        let cached = PARSED
            .lock()
            .ok()
            .and_then(|cache| cache.get(&request.query).cloned());
        if let Some(document) = cached {
            request.set_parsed_query(document);
            return request.parsed_query().ok();
        }
    }
    let document = request.parsed_query().ok()?.clone();
    if cacheable && let Ok(mut cache) = PARSED.lock() {
        if cache.len() >= PARSED_CAP {
            cache.clear();
        }
        cache.insert(request.query.clone(), document);
    }
    request.parsed_query().ok()
}

/// Refuses a document over [`DocumentLimits`] with a coded error, before the engine's own
/// checks and validation, whatever the transport (HTTP, WebSocket, CLI); and gives a request
/// that has none (a batch shares one) its [`Budget`] of graph work.
pub struct DocumentCheck(pub DocumentLimits);

impl ExtensionFactory for DocumentCheck {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentCheckRun(self.0))
    }
}

struct DocumentCheckRun(DocumentLimits);

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentCheckRun {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // An unparsable document goes on: the engine reports its syntax error.
        if let Some(document) = parse_cached(&mut request)
            && let Some(error) = refusal(document, self.0)
        {
            return Err(error);
        }
        if !request
            .data
            .contains_key(&std::any::TypeId::of::<Arc<Budget>>())
        {
            request.data.insert(Arc::new(self.0.budget()));
        }
        request
            .data
            .insert(Arc::new(AnswerItems::for_cap(self.0.max_list)));
        next.run(ctx, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("parses")
    }

    /// `k` fragments on Query, each spreading the next twice: 2^k leaves.
    fn fan_out(k: usize) -> String {
        let fragments: Vec<String> = (0..k)
            .map(|i| format!("fragment F{i} on Query {{ ...F{} ...F{} }}", i + 1, i + 1))
            .collect();
        format!(
            "query {{ ...F0 }} {} fragment F{k} on Query {{ __typename }}",
            fragments.join(" ")
        )
    }

    #[test]
    fn the_expanded_size_counts_every_selection_once_per_spread() {
        let document = parse("{ a b { c } ...F } fragment F on Query { d ... on Query { e } }");
        // a, b, c, the spread, d, the inline fragment, e
        assert_eq!(expanded_size(&document), Ok(7));
    }

    #[test]
    fn a_fragment_fan_out_of_two_to_the_sixty_is_sized_without_expanding_it() {
        let document = parse(&fan_out(60));
        let size = expanded_size(&document).expect("no cycle");
        assert!(size > 1u64 << 60, "{size}");
        let started = std::time::Instant::now();
        let _ = expanded_size(&parse(&fan_out(2000)));
        assert!(started.elapsed().as_secs() < 5, "linear in the document");
    }

    #[test]
    fn a_fragment_cycle_is_named() {
        let document = parse("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }");
        assert!(matches!(expanded_size(&document), Err(FragmentCycle(_))));
    }

    #[test]
    fn a_long_chain_of_fragments_does_not_overflow_the_stack() {
        let k = 20_000;
        let fragments: Vec<String> = (0..k)
            .map(|i| format!("fragment F{i} on Query {{ ...F{} }}", i + 1))
            .collect();
        let query = format!(
            "{{ ...F0 }} {} fragment F{k} on Query {{ __typename }}",
            fragments.join(" ")
        );
        assert_eq!(expanded_size(&parse(&query)), Ok(k as u64 + 2));
    }

    #[test]
    fn a_repeated_directive_is_found_wherever_it_is() {
        for query in [
            "{ a @include(if: true) @include(if: true) }",
            "{ ... on Query @skip(if: false) @skip(if: false) { a } }",
            "{ ...F @include(if: true) @include(if: true) } fragment F on Query { a }",
            "{ a } fragment F on Query { b { c @skip(if: true) @skip(if: true) } }",
        ] {
            assert!(repeated_directive(&parse(query)).is_some(), "{query}");
        }
        assert_eq!(
            repeated_directive(&parse("{ a @include(if: true) @skip(if: false) }")),
            None
        );
    }
}
