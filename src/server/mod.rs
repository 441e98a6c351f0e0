//! HTTP: `/graphql` (GraphQL over HTTP, GET and POST, GraphiQL for browsers), `/healthz`,
//! `/readyz`, the GraphiQL assets, all served from the binary so it works with no internet,
//! and, when asked for, `/bench/implementers`, a bare JSON route used to measure what the
//! GraphQL layer costs. Every refusal, whatever the layer, is a GraphQL-shaped JSON body with
//! `extensions.code`.

pub mod activity;
mod bearer;
mod etag;
mod listen;
mod pages;
mod shutdown;

pub use listen::{ConnectionLimits, serve, serve_until};
pub use shutdown::Shutdown;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::http::MultipartOptions;
use async_graphql::{BatchRequest, BatchResponse};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{DefaultBodyLimit, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::api::{self, errors::Code};
use crate::auth::{self, Actor};
use crate::state::AppState;

/// Transport limits, separate from the GraphQL limits in [`api::Limits`].
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    /// Largest request body accepted, in bytes; larger gets 413.
    pub max_body: usize,
    /// Most operations in one batched request.
    pub max_batch: usize,
    /// Time a request may take before it is answered with 408.
    pub timeout: Duration,
    /// Longest request URI (path and query) accepted, in bytes; longer gets 414.
    pub max_uri: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_body: 1024 * 1024,
            max_batch: 10,
            timeout: Duration::from_secs(10),
            max_uri: 64 * 1024,
        }
    }
}

/// Who may do what, and from which browser origins.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// Reads need a token too (writes always do).
    pub private_reads: bool,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: Vec<HeaderValue>,
    /// Serve `/bench/implementers` (for `scripts/bench-http.sh`); it obeys `private_reads`.
    pub bench_route: bool,
}

/// The status a GET of `url` answers with, within `timeout` (for `policygraph healthcheck`).
pub async fn probe(url: &str, timeout: Duration) -> Result<u16, String> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let uri: axum::http::Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
    let client = Client::builder(TokioExecutor::new()).build_http::<http_body_util::Empty<Bytes>>();
    match tokio::time::timeout(timeout, client.get(uri)).await {
        Ok(Ok(response)) => Ok(response.status().as_u16()),
        Ok(Err(e)) => Err(format!("no answer: {e}")),
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
    }
}

/// The router, without a socket, so tests can drive it directly.
pub fn app(state: AppState, limits: HttpLimits) -> Router {
    // The recorder goes in before the first request is counted.
    crate::metrics::handle();
    let cors = (!state.access.cors_origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(state.access.cors_origins.clone()))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
    });
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/graphiql/{asset}", get(pages::graphiql_asset))
        .route("/", get(pages::explorer))
        .route("/explorer/{asset}", get(pages::explorer_asset))
        .route("/explorer/vendor/{file}", get(pages::explorer_vendor))
        .route("/favicon.ico", get(pages::favicon))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.access.bench_route {
        router = router.route("/bench/implementers", get(bench_implementers));
    }
    let router = router
        .layer(axum::Extension(limits))
        .layer(DefaultBodyLimit::max(limits.max_body))
        .layer(axum::middleware::from_fn_with_state(limits, within_limits))
        .layer(axum::middleware::from_fn(activity::count))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        id,
                        method = %request.method(),
                        uri = %bearer::scrubbed(request.uri()),
                        version = ?request.version(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
        )
        .layer(SetRequestIdLayer::x_request_id(
            activity::RequestIds::default(),
        ))
        .with_state(state);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// Who is asking: `Ok(None)` for an anonymous request that may read, the token's actor for a
/// valid token, and a ready 401 response otherwise (bad or revoked token, or private reads).
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Actor>, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        if state.access.private_reads {
            return Err(unauthenticated(
                "this server needs a token for reads too: send `Authorization: Bearer <token>`",
            ));
        }
        return Ok(None);
    };
    let Some(token) = value.to_str().ok().and_then(bearer::token) else {
        return Err(unauthenticated(
            "the Authorization header must be `Bearer <token>`",
        ));
    };
    match auth::verify(&state.pool, token).await {
        Ok(Some(actor)) => Ok(Some(actor)),
        Ok(None) => Err(unauthenticated("unknown or revoked token")),
        Err(e) => {
            tracing::error!(error = %e, "cannot check a token");
            Err(coded_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "internal error",
            ))
        }
    }
}

fn unauthenticated(message: &str) -> Response {
    let mut response = coded_response(StatusCode::UNAUTHORIZED, Code::Unauthenticated, message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// GraphQL over WebSocket (`graphql-transport-ws`, and the older `graphql-ws`), for
/// subscriptions; reads the same snapshot-per-operation data as HTTP requests.
async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A token may come as a header (non-browser clients) or in the `connection_init` payload
    // as `{"Authorization": "Bearer <token>"}` (browsers cannot set WebSocket headers).
    let header_actor = if headers.contains_key(header::AUTHORIZATION) {
        match authenticate(&state, &headers).await {
            Ok(actor) => actor,
            Err(refused) => return refused,
        }
    } else {
        None
    };
    let session = state.session(None);
    let private = state.access.private_reads;
    let schema = state.schema.clone();
    let stopping = state.shutdown.stopping();
    let open = state.shutdown.open();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let _open = open;
            // No fixed snapshot: each operation on a long-lived socket reads the current one.
            let mut data = async_graphql::Data::default();
            data.insert(session.pool.clone());
            data.insert(session.curator);
            let pool = session.pool;
            // graphql-transport-ws closes a refused `connection_init` with 4403 Forbidden; the
            // engine closes every failed init with 1002, so the close is rewritten on its way out.
            let refused = Arc::new(AtomicBool::new(false));
            let refused_init = refused.clone();
            let (mut socket_sink, stream) = socket.split();
            // The engine writes into a channel; a forwarder writes to the socket, and on
            // shutdown sends the close frame 1001 ("going away") itself.
            let (outgoing, mut queued) = tokio::sync::mpsc::channel::<Message>(32);
            let sink =
                futures_util::sink::unfold(outgoing, |outgoing, message: Message| async move {
                    outgoing
                        .send(message)
                        .await
                        .map_err(|_| axum::Error::new("the socket has closed"))?;
                    Ok::<_, axum::Error>(outgoing)
                });
            let forward = async move {
                tokio::pin!(stopping);
                loop {
                    tokio::select! {
                        message = queued.recv() => match message {
                            Some(message) => {
                                if socket_sink.send(message).await.is_err() {
                                    break;
                                }
                            }
                            None => break,
                        },
                        () = &mut stopping => {
                            let going_away = Message::Close(Some(CloseFrame {
                                code: 1001,
                                reason: "the server is shutting down".into(),
                            }));
                            let _ = socket_sink.send(going_away).await;
                            break;
                        }
                    }
                }
            };
            let sink = sink.with(move |message: Message| {
                let message = match message {
                    Message::Close(Some(frame))
                        if frame.code == 1002 && refused.load(Ordering::Relaxed) =>
                    {
                        Message::Close(Some(CloseFrame {
                            code: 4403,
                            reason: frame.reason,
                        }))
                    }
                    other => other,
                };
                futures_util::future::ready(Ok::<_, axum::Error>(message))
            });
            let serve = GraphQLWebSocket::new_with_pair(sink, stream, schema, protocol)
                .with_data(data)
                .on_connection_init(move |payload| async move {
                    let actor = connection_actor(&pool, header_actor, &payload, private).await;
                    if actor.is_err() {
                        refused_init.store(true, Ordering::Relaxed);
                    }
                    let mut data = async_graphql::Data::default();
                    if let Some(actor) = actor? {
                        data.insert(actor);
                    }
                    Ok(data)
                })
                .serve();
            tokio::join!(serve, forward);
        })
}

/// Who a WebSocket connection acts for: the header's token, else the `connection_init`
/// payload's; an invalid token, or none where reads are private, refuses the connection.
async fn connection_actor(
    pool: &crate::store::Store,
    header_actor: Option<Actor>,
    payload: &serde_json::Value,
    private: bool,
) -> async_graphql::Result<Option<Actor>> {
    if header_actor.is_some() {
        return Ok(header_actor);
    }
    let token = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k))
        .and_then(|v| v.as_str())
        .map(|v| bearer::token(v).unwrap_or(v.trim()).to_owned());
    match token {
        Some(token) => match auth::verify(pool, &token).await {
            Ok(Some(actor)) => Ok(Some(actor)),
            Ok(None) => Err(api::errors::coded(
                Code::Unauthenticated,
                "unknown or revoked token",
            )),
            Err(e) => Err(api::errors::internal(e)),
        },
        None if private => Err(api::errors::coded(
            Code::Unauthenticated,
            "this server needs a token for reads too: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
        )),
        None => Ok(None),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Applies the URI cap and the request deadline, answering both with coded bodies.
async fn within_limits(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if uri_len > limits.max_uri {
        return coded_response(
            StatusCode::URI_TOO_LONG,
            Code::LimitExceeded,
            &format!(
                "the request URI is {uri_len} bytes; at most {} (send long queries with POST)",
                limits.max_uri
            ),
        );
    }
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => coded_response(
            StatusCode::REQUEST_TIMEOUT,
            Code::LimitExceeded,
            &format!(
                "the request took longer than {} s and was stopped",
                limits.timeout.as_secs_f64()
            ),
        ),
    }
}

/// Liveness: the process answers. Cheap on purpose; `/readyz` checks the store.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let graph = state.graph();
    axum::Json(json!({
        "status": "ok",
        "nodes": graph.node_count(),
        "edges": graph.edge_count(),
    }))
}

/// Readiness: the store can be read, the last write did not fail on the store's side, the
/// start-up integrity check found no damage (it may still be running: `store.integrity` says
/// `checking` until writes are taken), and the snapshot knows which change-log position it
/// reflects; 503 with the reasons otherwise. The body also gives the snapshot's size and
/// both log positions.
async fn readyz(State(state): State<AppState>) -> Response {
    let mut problems = Vec::new();
    // Each probe is bounded, and they run at once: a database that is gone makes every one
    // wait for a connection, and the answer must still come within the request's time.
    let (read, write, store_position) = tokio::join!(
        tokio::time::timeout(READY_PROBE, crate::store::health::probe_read(&state.pool)),
        tokio::time::timeout(READY_PROBE, state.curator.write_failure()),
        tokio::time::timeout(READY_PROBE, crate::store::changes::position(&state.pool)),
    );
    match read {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, "readiness: the store cannot be read");
            problems.push("the store cannot be read".to_owned());
        }
        Err(_) => problems.push("the store did not answer within 2 s".to_owned()),
    }
    match write {
        Ok(None) => {}
        Ok(Some(failure)) => problems.push(format!("the last write failed: {failure}")),
        Err(_) => {
            problems.push("the last write failed, and the store still does not answer".to_owned())
        }
    }
    // A server answers reads while its start-up integrity check runs (writes are refused
    // until it passes); only damage makes it unready.
    let integrity = state.curator.integrity();
    if integrity == crate::curate::Integrity::Damaged {
        problems
            .push("the start-up integrity check found damage; the server is stopping".to_owned());
    }
    // Where the store's change log is, and where the served snapshot is: a follower a few
    // hundred milliseconds behind is normal; the numbers let an operator see one that is not.
    let store_position = store_position.ok().and_then(|p| p.ok());
    let snapshot_position = state.curator.known();
    if snapshot_position.is_none() {
        problems.push("the snapshot does not know its change-log position".to_owned());
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let ready = problems.is_empty();
    let graph = state.graph();
    (
        status,
        axum::Json(json!({
            "status": if ready { "ready" } else { "not ready" },
            "problems": problems,
            "snapshot": {
                "nodes": graph.node_count(),
                "edges": graph.edge_count(),
                "logPosition": snapshot_position,
            },
            "store": { "logPosition": store_position, "integrity": integrity.as_str() },
        })),
    )
        .into_response()
}

/// How long each readiness probe may take.
const READY_PROBE: Duration = Duration::from_secs(2);

/// Query of `GET /bench/implementers`.
#[derive(serde::Deserialize)]
struct GoalParam {
    goal: String,
}

/// The answer of `{ implementers(goal: $goal) { node { id } depth } }` with no GraphQL layer:
/// the same traversal, the same JSON shape, straight from the snapshot. Read-only; it exists so
/// `scripts/bench-http.sh` can show what parsing, validation and resolvers cost.
/// The Prometheus scrape (see `crate::metrics`); it obeys `--private-reads`.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = authenticate(&state, &headers).await {
        return refused;
    }
    let graph = state.graph();
    let (in_use, idle) = state.pool.connections();
    let text = crate::metrics::render(crate::metrics::Gauges {
        nodes: graph.node_count(),
        edges: graph.edge_count(),
        log_position: state.curator.known().unwrap_or(-1),
        subscribers: state.curator.subscriber_count(),
        connections_in_use: in_use,
        connections_idle: idle,
    });
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn bench_implementers(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(param): axum::extract::Query<GoalParam>,
) -> Response {
    if let Err(refused) = authenticate(&state, &headers).await {
        return refused;
    }
    let graph = state.graph();
    let Some(ix) = graph
        .lookup(&param.goal)
        .filter(|&ix| graph.get(ix).kind() == crate::model::NodeKind::Goal)
    else {
        return coded_response(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            &format!("no goal `{}`", param.goal),
        );
    };
    let budget = crate::graph::budget::Budget::unlimited();
    let Ok(implementers) = crate::graph::traverse::implementers(&graph, ix, true, &budget) else {
        return coded_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Internal,
            "internal error",
        );
    };
    let implementers: Vec<serde_json::Value> = implementers
        .into_iter()
        .map(|i| json!({ "node": { "id": graph.get(i.node).id.as_str() }, "depth": i.chain.len() }))
        .collect();
    axum::Json(json!({ "data": { "implementers": implementers } })).into_response()
}

/// Does the client want the GraphQL-over-HTTP media type (which allows 4xx on request errors)?
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/graphql-response+json"))
}

async fn graphql_get(
    State(state): State<AppState>,
    axum::Extension(limits): axum::Extension<HttpLimits>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let query = uri.query().unwrap_or_default();
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if browser && !query.split('&').any(|p| p.starts_with("query=")) {
        return Html(pages::GRAPHIQL_PAGE).into_response();
    }
    let request = match get_request(&uri) {
        Ok(request) => request,
        Err(message) => return request_error(&message),
    };
    let sent = Sent {
        get: true,
        bytes: query.as_bytes(),
    };
    run(
        &state,
        &headers,
        limits,
        BatchRequest::Single(request),
        sent,
    )
    .await
}

/// How a request arrived: by GET (where mutations are refused), and its raw bytes (the URL
/// query or the body), which HTTP caching keys on.
struct Sent<'r> {
    get: bool,
    bytes: &'r [u8],
}

/// The parameters of a GraphQL request sent with GET (GraphQL over HTTP).
#[derive(serde::Deserialize)]
struct GetParams {
    #[serde(default)]
    query: String,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// A GraphQL request from the URL's `query`, `operationName`, `variables` and `extensions`.
fn get_request(uri: &Uri) -> Result<async_graphql::Request, String> {
    let axum::extract::Query(params) = axum::extract::Query::<GetParams>::try_from_uri(uri)
        .map_err(|e| format!("cannot read the GraphQL request from the URL: {e}"))?;
    let json = |name: &str, text: Option<String>| -> Result<Option<serde_json::Value>, String> {
        text.filter(|t| !t.is_empty())
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| format!("`{name}` in the URL is not JSON: {e}"))
    };
    let mut request = async_graphql::Request::new(params.query);
    if let Some(variables) = json("variables", params.variables)? {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(serde_json::Value::Object(extensions)) = json("extensions", params.extensions)? {
        for (key, value) in extensions {
            if let Ok(value) = async_graphql::Value::from_json(value) {
                request.extensions.insert(key, value);
            }
        }
    }
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    Ok(request)
}

/// Is this a body type GraphQL over HTTP accepts (JSON, or multipart as async-graphql reads it)?
fn supported_body(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "multipart/form-data"
}

async fn graphql_post(
    State(state): State<AppState>,
    axum::Extension(limits): axum::Extension<HttpLimits>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if !supported_body(content_type.as_deref()) {
        return coded_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadUserInput,
            "send the GraphQL request as `Content-Type: application/json`",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return coded_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::LimitExceeded,
                &format!("the request body is over {} bytes", limits.max_body),
            );
        }
        Err(rejection) => {
            return request_error(&format!(
                "cannot read the request body: {}",
                rejection.body_text()
            ));
        }
    };
    let batch = async_graphql::http::receive_batch_body(
        content_type,
        &body[..],
        MultipartOptions::default(),
    )
    .await;
    match batch {
        Ok(mut batch) => {
            if batch.iter_mut().any(|r| r.query.trim().is_empty()) {
                if let Some(message) = missing_query(&body) {
                    return request_error(&message);
                }
            }
            let sent = Sent {
                get: false,
                bytes: &body,
            };
            run(&state, &headers, limits, batch, sent).await
        }
        Err(e) => request_error(&format!("cannot read the GraphQL request body: {e}")),
    }
}

/// Why a JSON body has no query, naming the keys it has (`{"qeury": ...}` is a typo the
/// parser would otherwise report as a syntax error in an empty document); `None` when every
/// request has a `query` key or names a persisted query.
fn missing_query(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let requests: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    requests.iter().find_map(|request| {
        let object = request.as_object()?;
        let persisted = object
            .get("extensions")
            .is_some_and(|e| e.get("persistedQuery").is_some());
        if object.contains_key("query") || persisted {
            return None;
        }
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        Some(format!(
            "the request has no `query` (its keys: {}); send {{\"query\": \"...\"}}",
            if keys.is_empty() {
                "none".to_owned()
            } else {
                keys.join(", ")
            }
        ))
    })
}

/// Executes a single or batched request: persisted queries resolved, writes refused without a
/// token or over GET, a read whose tag the client holds answered `304`, the rest run on the
/// snapshot of the moment (a read-only batch on one snapshot).
async fn run(
    state: &AppState,
    headers: &HeaderMap,
    limits: HttpLimits,
    batch: BatchRequest,
    sent: Sent<'_>,
) -> Response {
    let actor = match authenticate(state, headers).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    let mut batch = batch;
    // Automatic persisted queries: the hash becomes its text before anything reads it.
    let unresolved: Vec<Option<async_graphql::ServerError>> = batch
        .iter_mut()
        .map(|request| api::persisted::resolve(request).err())
        .collect();
    if let (BatchRequest::Single(_), Some(Some(error))) = (&batch, unresolved.first()) {
        return graphql_errors(StatusCode::OK, vec![error.clone()]);
    }
    if sent.get && batch.iter_mut().any(api::is_mutation) {
        let mut response = coded_response(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::BadUserInput,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if actor.is_none() && batch.iter_mut().any(api::is_mutation) {
        return unauthenticated(
            "writes need `Authorization: Bearer <token>` (create one with `policygraph token create`)",
        );
    }
    let session = state.session(actor);
    // Only reads are tagged, and only when the snapshot knows its change-log position.
    let reads_only = batch.iter_mut().all(api::is_query);
    let tag = match session.graph.position() {
        Some(position) if reads_only => Some(etag::tag(position, headers, sent.bytes)),
        _ => None,
    };
    if let Some(tag) = &tag
        && etag::not_modified(headers, tag)
    {
        return (StatusCode::NOT_MODIFIED, etag::headers(tag)).into_response();
    }
    let response = match batch {
        BatchRequest::Single(request) => {
            BatchResponse::Single(api::execute(&state.schema, session, request).await)
        }
        BatchRequest::Batch(requests) if requests.len() > limits.max_batch => {
            return coded_response(
                StatusCode::BAD_REQUEST,
                Code::LimitExceeded,
                &format!(
                    "a batch of {} operations; at most {} per request",
                    requests.len(),
                    limits.max_batch
                ),
            );
        }
        BatchRequest::Batch(requests) => {
            let mut out = Vec::with_capacity(requests.len());
            for (request, unresolved) in requests.into_iter().zip(unresolved) {
                if let Some(error) = unresolved {
                    out.push(async_graphql::Response::from_errors(vec![error]));
                    continue;
                }
                // Each operation of a batch that writes reads the snapshot current when it
                // starts, so it sees the batch's own writes; a read-only batch answers from
                // the one snapshot its tag names.
                let graph = if reads_only {
                    session.graph.clone()
                } else {
                    state.graph()
                };
                let session = api::Session {
                    graph,
                    ..session.clone()
                };
                out.push(api::execute(&state.schema, session, request).await);
            }
            BatchResponse::Batch(out)
        }
    };
    let graphql_media = wants_graphql_response(headers);
    // Under application/graphql-response+json a request that never executed (its errors
    // come from parsing or validation, so none has a path) is a 400 without `data`.
    let failed_before_execution = match &response {
        BatchResponse::Single(r) => {
            r.data == async_graphql::Value::Null
                && !r.errors.is_empty()
                && r.errors.iter().all(|e| e.path.is_empty())
        }
        BatchResponse::Batch(_) => false,
    };
    let status = if graphql_media && failed_before_execution {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if graphql_media {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    // An answer with errors is not tagged: a time limit or a missing persisted query may
    // not recur, and a client must not keep such an answer as current.
    let failed = match &response {
        BatchResponse::Single(r) => !r.errors.is_empty(),
        BatchResponse::Batch(rs) => rs.iter().any(|r| !r.errors.is_empty()),
    };
    let tag = tag.filter(|_| !failed);
    let body = serde_json::to_value(&response).and_then(|mut value| {
        if graphql_media && failed_before_execution {
            if let Some(object) = value.as_object_mut() {
                object.remove("data");
            }
        }
        serde_json::to_vec(&value)
    });
    match body {
        Ok(body) => {
            let mut response = (
                status,
                [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
                body,
            )
                .into_response();
            if let Some(tag) = tag {
                response.headers_mut().extend(etag::headers(&tag));
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            coded_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "internal error",
            )
        }
    }
}

fn request_error(message: &str) -> Response {
    coded_response(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
}

/// A GraphQL-shaped error body with a code, for failures before execution.
fn coded_response(status: StatusCode, code: Code, message: &str) -> Response {
    graphql_errors(status, vec![api::errors::server_error(code, message)])
}

/// A GraphQL response of `errors` only, for failures before execution.
fn graphql_errors(status: StatusCode, errors: Vec<async_graphql::ServerError>) -> Response {
    (status, axum::Json(json!({ "errors": errors }))).into_response()
}
