//! Coded GraphQL errors. Every error a client sees carries `extensions.code`; internal causes
//! are logged, never returned.

use async_graphql::{ErrorExtensions, Response};

/// The codes a client can rely on (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The id or thing asked for does not exist.
    NotFound,
    /// The request is malformed or an argument is invalid.
    BadUserInput,
    /// A bearer token is missing or invalid.
    Unauthenticated,
    /// The request exceeds a safety limit.
    LimitExceeded,
    /// An automatic persisted query names a hash the server does not hold: send the query
    /// text with the hash (Apollo's protocol).
    PersistedQueryNotFound,
    /// The server cannot take this now (writes while its start-up integrity check runs);
    /// the message says why and when to retry.
    Unavailable,
    /// Something failed on our side; the cause is in the server log.
    Internal,
}

impl Code {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::LimitExceeded => "LIMIT_EXCEEDED",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }
}

/// A GraphQL error with a code.
pub fn coded(code: Code, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// A request-level error with a code, for failures outside a resolver.
pub fn server_error(code: Code, message: impl Into<String>) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

/// Logs `cause` and returns an `INTERNAL` error that reveals nothing about it.
pub fn internal(cause: impl std::fmt::Display) -> async_graphql::Error {
    tracing::error!(%cause, "internal error while resolving a query");
    coded(
        Code::Internal,
        "internal error; the cause is in the server log",
    )
}

/// Most errors one response carries (graphql-js stops at 100 too); the rest are summed up in
/// one last error, so a request cannot make its answer many times larger than itself.
pub const MAX_ERRORS: usize = 100;

/// Gives every error of `response` a code (errors raised by the engine itself — syntax,
/// validation, limits — come without one) and keeps at most [`MAX_ERRORS`] of them.
pub fn ensure_codes(mut response: Response) -> Response {
    if response.errors.len() > MAX_ERRORS {
        let omitted = response.errors.len() - (MAX_ERRORS - 1);
        response.errors.truncate(MAX_ERRORS - 1);
        response.errors.push(server_error(
            Code::LimitExceeded,
            format!("{omitted} more errors omitted; at most {MAX_ERRORS} are reported"),
        ));
    }
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        // The engine's own limit messages: depth, complexity, parser recursion and stack.
        let limit = [
            "nested too deep",
            "too complex",
            "too many",
            "recursion limit",
            "recursion depth",
            "number of directives",
            "stack limit",
        ]
        .iter()
        .any(|m| error.message.contains(m));
        let code = if limit {
            Code::LimitExceeded
        } else {
            Code::BadUserInput
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    response
}
