//! Request checks the engine does not make itself: a cap on aliases, so one request cannot ask
//! for the same expensive field a thousand times under different names.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerError};

use super::Limits;
use super::errors::Code;

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

/// Refuses a request over the alias cap with a `LIMIT_EXCEEDED` response; unparsable queries
/// pass through so the engine reports the syntax error itself.
pub fn refuse(request: &Request, limits: &Limits) -> Option<Response> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let count = aliases(&document);
    (count > limits.max_aliases).then(|| {
        let mut error = ServerError::new(
            format!(
                "{count} aliases; at most {} per request",
                limits.max_aliases
            ),
            None,
        );
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", Code::LimitExceeded.as_str());
        Response::from_errors(vec![error])
    })
}
