//! Request checks the engine does not make itself: a cap on aliases, so one request cannot ask
//! for the same expensive field a thousand times under different names. Queries are parsed
//! once per request (and cached by their text) and handed to the engine already parsed.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, ServerError, ServerResult, Variables};

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
