//! Request checks the engine does not make itself: a cap on aliases, so one request cannot ask
//! for the same expensive field a thousand times under different names.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

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

/// Refuses an operation over the alias cap with `LIMIT_EXCEEDED`, right after parsing and
/// before validation or execution, whatever the transport (HTTP, WebSocket, CLI).
pub struct AliasCap(pub usize);

impl ExtensionFactory for AliasCap {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasCapCheck(self.0))
    }
}

struct AliasCapCheck(usize);

#[async_graphql::async_trait::async_trait]
impl Extension for AliasCapCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let count = aliases(&document);
        if count > self.0 {
            let mut error = ServerError::new(
                format!("{count} aliases; at most {} per request", self.0),
                None,
            );
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", Code::LimitExceeded.as_str());
            return Err(error);
        }
        Ok(document)
    }
}
