//! HTTP caching of read queries. A query's answer depends on the snapshot (named by its
//! change-log position, the same on every server of a shared store), the day (`asOf` and
//! `citationReport` default to today), the caller, how the answer is encoded, and the request
//! itself; its entity tag is a hash of exactly those. A dashboard polling with
//! `If-None-Match` then gets `304 Not Modified`, with no execution, until something changes.

use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

use crate::model::PartialDate;

/// The entity tag (quoted) of a read answered from the snapshot at `position`, for a request
/// with these headers whose body or URL query is `request`.
pub fn tag(position: i64, headers: &HeaderMap, request: &[u8]) -> String {
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(env!("CARGO_PKG_VERSION").as_bytes());
    part(&position.to_le_bytes());
    part(PartialDate::today().to_string().as_bytes());
    for name in [header::AUTHORIZATION, header::ACCEPT] {
        part(headers.get(name).map_or(&[][..], HeaderValue::as_bytes));
    }
    part(request);
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Does `If-None-Match` name `tag`? Weak tags (`W/"..."`) compare by their value, as RFC 9110
/// asks of `If-None-Match`. `*` is not honoured: only a tag the server issued (for an answer
/// without errors) says the client holds a good answer.
pub fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| candidate.trim_start_matches("W/") == tag)
}

/// Headers of a cacheable read: its tag, "revalidate before reuse", and what it varies with.
pub fn headers(tag: &str) -> [(header::HeaderName, HeaderValue); 3] {
    [
        (
            header::ETAG,
            HeaderValue::from_str(tag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::VARY,
            HeaderValue::from_static("Authorization, Accept"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn the_tag_changes_with_each_thing_the_answer_depends_on() {
        let none = HeaderMap::new();
        let base = tag(7, &none, b"{ stats { nodes } }");
        assert_eq!(base, tag(7, &none, b"{ stats { nodes } }"));
        assert_ne!(base, tag(8, &none, b"{ stats { nodes } }"));
        assert_ne!(base, tag(7, &none, b"{ stats { edges } }"));
        assert_ne!(
            base,
            tag(
                7,
                &with(header::AUTHORIZATION, "Bearer x"),
                b"{ stats { nodes } }"
            )
        );
        assert_ne!(
            base,
            tag(
                7,
                &with(header::ACCEPT, "application/graphql-response+json"),
                b"{ stats { nodes } }"
            )
        );
    }

    #[test]
    fn if_none_match_lists_tags_weak_or_strong_but_no_star() {
        let tag = "\"abc\"";
        assert!(not_modified(&with(header::IF_NONE_MATCH, "\"abc\""), tag));
        assert!(not_modified(
            &with(header::IF_NONE_MATCH, "\"x\", W/\"abc\""),
            tag
        ));
        assert!(!not_modified(&with(header::IF_NONE_MATCH, "*"), tag));
        assert!(!not_modified(&with(header::IF_NONE_MATCH, "\"abcd\""), tag));
        assert!(!not_modified(&HeaderMap::new(), tag));
    }
}
