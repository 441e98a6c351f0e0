//! The static pages: the explorer at `/`, GraphiQL at `/graphql`, and their assets, shipped
//! in the binary so both work offline.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// GraphiQL, served at `/graphql` to browsers.
pub(super) const GRAPHIQL_PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// One GraphiQL asset by name.
pub(super) async fn graphiql_asset(Path(asset): Path<String>) -> Response {
    let (body, content_type): (&'static [u8], &str) = match asset.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
            "text/javascript",
        ),
        "graphiql.min.css" => (
            include_bytes!("../../assets/graphiql/graphiql.min.css"),
            "text/css",
        ),
        "react.production.min.js" => (
            include_bytes!("../../assets/graphiql/react.production.min.js"),
            "text/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
            "text/javascript",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The explorer's page, served at `/`. Its policy lets it load only this server's own
/// scripts, styles and data, so no request leaves the host it came from.
pub(super) async fn explorer() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
                 frame-ancestors 'none'",
            ),
        ],
        include_str!("../../assets/explorer/index.html"),
    )
        .into_response()
}

/// The explorer's files: name, content, type. Plain ES modules and a style sheet, and
/// vendored libraries (each with its licence) under `vendor/`.
const EXPLORER_FILES: &[(&str, &str, &str)] = &[
    ("app.js", include_str!("../../assets/explorer/app.js"), JS),
    (
        "views.js",
        include_str!("../../assets/explorer/views.js"),
        JS,
    ),
    (
        "paths.js",
        include_str!("../../assets/explorer/paths.js"),
        JS,
    ),
    (
        "timeline.js",
        include_str!("../../assets/explorer/timeline.js"),
        JS,
    ),
    (
        "chart.js",
        include_str!("../../assets/explorer/chart.js"),
        JS,
    ),
    (
        "coverage.js",
        include_str!("../../assets/explorer/coverage.js"),
        JS,
    ),
    (
        "graphql.js",
        include_str!("../../assets/explorer/graphql.js"),
        JS,
    ),
    ("dom.js", include_str!("../../assets/explorer/dom.js"), JS),
    ("text.js", include_str!("../../assets/explorer/text.js"), JS),
    (
        "explorer.css",
        include_str!("../../assets/explorer/explorer.css"),
        "text/css",
    ),
    (
        "vendor/cytoscape.esm.min.js",
        include_str!("../../assets/explorer/vendor/cytoscape.esm.min.js"),
        JS,
    ),
    (
        "vendor/LICENSE-cytoscape",
        include_str!("../../assets/explorer/vendor/LICENSE-cytoscape"),
        "text/plain; charset=utf-8",
    ),
];

const JS: &str = "text/javascript";

/// One explorer file by name (`/explorer/{asset}`), revalidated on each load: they change
/// with the binary.
pub(super) async fn explorer_asset(Path(asset): Path<String>) -> Response {
    explorer_file(&asset)
}

/// One vendored library of the explorer (`/explorer/vendor/{file}`).
pub(super) async fn explorer_vendor(Path(file): Path<String>) -> Response {
    explorer_file(&format!("vendor/{file}"))
}

fn explorer_file(name: &str) -> Response {
    let Some(&(_, body, content_type)) = EXPLORER_FILES.iter().find(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The site icon (an SVG: every browser GraphiQL supports reads it), so a GraphiQL page load
/// is not followed by a 404 for `/favicon.ico`.
pub(super) async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../assets/favicon.svg"),
    )
        .into_response()
}
