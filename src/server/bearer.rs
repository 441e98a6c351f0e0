//! Bearer tokens as clients send them, and request URIs with secrets taken out for the log.

use std::borrow::Cow;

use axum::http::Uri;

/// The token of an `Authorization` value `Bearer <token>`, the scheme in any case (RFC 9110
/// makes it case-insensitive); `None` for another scheme or an empty token.
pub fn token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Query parameters whose values never reach the log.
const SECRET_PARAMS: [&str; 6] = [
    "token",
    "access_token",
    "authorization",
    "api_key",
    "apikey",
    "password",
];

/// `uri` for the request log: the value of any parameter that may hold a credential
/// replaced with `[redacted]`.
pub fn scrubbed(uri: &Uri) -> Cow<'_, str> {
    let Some(query) = uri.query() else {
        return Cow::Borrowed(uri.path());
    };
    let secret = |param: &str| {
        let name = param.split('=').next().unwrap_or_default();
        SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name))
    };
    if !query.split('&').any(secret) {
        return Cow::Owned(format!("{}?{query}", uri.path()));
    }
    let query: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, _)) if secret(param) => Cow::Owned(format!("{name}=[redacted]")),
            _ => Cow::Borrowed(param),
        })
        .collect();
    Cow::Owned(format!("{}?{}", uri.path(), query.join("&")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(token("Bearer abc"), Some("abc"));
        assert_eq!(token("bearer abc"), Some("abc"));
        assert_eq!(token("BEARER  abc "), Some("abc"));
        assert_eq!(token("Basic abc"), None);
        assert_eq!(token("Bearer "), None);
        assert_eq!(token("abc"), None);
    }

    #[test]
    fn credentials_in_the_query_string_are_redacted() {
        let uri: Uri = "/graphql?query=%7Ba%7D&access_token=pgt_secret&Token=x"
            .parse()
            .expect("uri");
        assert_eq!(
            scrubbed(&uri),
            "/graphql?query=%7Ba%7D&access_token=[redacted]&Token=[redacted]"
        );
        let plain: Uri = "/graphql?query=%7Ba%7D".parse().expect("uri");
        assert_eq!(scrubbed(&plain), "/graphql?query=%7Ba%7D");
    }
}
