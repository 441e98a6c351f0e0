//! Settings shared by the commands: each a flag with an environment fallback and a default.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the data lives.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreConfig {
    /// SQLite database: a file path or a `sqlite:` URL. Created and migrated when missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "policygraph.db",
        global = true
    )]
    pub database_url: String,
}

/// How the process logs (to standard error).
#[derive(clap::Args, Debug, Clone)]
pub struct LogConfig {
    /// `text` for people, `json` (one object per line) for log collectors. Colour only on a
    /// terminal and never when `NO_COLOR` is set. The level is `RUST_LOG` (default
    /// `policygraph=info`: one summary line a minute per server, requests at `debug`).
    #[arg(
        long,
        env = "POLICYGRAPH_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,
}

/// The shape of log lines.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the seed corpus lives.
#[derive(clap::Args, Debug, Clone)]
pub struct SeedsConfig {
    /// Directory of seed files (`*.toml`) and their `sources/`.
    #[arg(long, env = "POLICYGRAPH_SEEDS", default_value = "seeds")]
    pub seeds: PathBuf,
}

/// How the server listens and what it accepts.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on; use port 0 for any free port.
    #[arg(long, env = "POLICYGRAPH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Deepest selection nesting a query may have.
    #[arg(long, env = "POLICYGRAPH_MAX_DEPTH", default_value_t = crate::api::Limits::default().max_depth)]
    pub max_depth: usize,
    /// Highest complexity a query may have (fields count 1, lists multiply by `first`).
    #[arg(long, env = "POLICYGRAPH_MAX_COMPLEXITY", default_value_t = crate::api::Limits::default().max_complexity)]
    pub max_complexity: usize,
    /// Largest page (`first`) a connection accepts; larger is refused with LIMIT_EXCEEDED.
    #[arg(long, env = "POLICYGRAPH_MAX_PAGE", default_value_t = crate::api::Limits::default().max_page)]
    pub max_page: usize,
    /// Longest list one answer carries (dependencies, implementers, timeline, findings, a
    /// node's edges); a longer one needs `first`/`offset`, else it is refused with
    /// LIMIT_EXCEEDED.
    #[arg(long, env = "POLICYGRAPH_MAX_LIST", default_value_t = crate::api::Limits::default().max_list)]
    pub max_list: usize,
    /// Largest `maxDepth` accepted by `path` and `paths`.
    #[arg(long, env = "POLICYGRAPH_MAX_PATH_DEPTH", default_value_t = crate::api::Limits::default().max_path_depth)]
    pub max_path_depth: usize,
    /// Most aliased fields in one request.
    #[arg(long, env = "POLICYGRAPH_MAX_ALIASES", default_value_t = crate::api::Limits::default().max_aliases)]
    pub max_aliases: usize,
    /// Most fields (and fragment spreads) a request selects once its fragments are expanded;
    /// counted before anything else looks at the query.
    #[arg(long, env = "POLICYGRAPH_MAX_SELECTIONS", default_value_t = crate::api::Limits::default().max_selections)]
    pub max_selections: u64,
    /// Nodes and edges one request may visit, over all its fields (traversals, reports,
    /// `asOf` views); past it the request gets LIMIT_EXCEEDED.
    #[arg(long, env = "POLICYGRAPH_MAX_WORK", default_value_t = crate::api::Limits::default().max_work)]
    pub max_work: u64,
    /// Longest request URI in bytes; longer is answered with 414 (send long queries by POST).
    #[arg(long, env = "POLICYGRAPH_MAX_URI", default_value_t = crate::server::HttpLimits::default().max_uri)]
    pub max_uri: usize,
    /// Most client connections open at once; past it the oldest idle one (no request in
    /// flight) is closed to make room, and a new one is refused only when all are busy.
    #[arg(long, env = "POLICYGRAPH_MAX_CONNECTIONS", default_value_t = crate::server::ConnectionLimits::default().max_connections)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers (also the longest idle keep-alive).
    #[arg(long, env = "POLICYGRAPH_HEADER_TIMEOUT_SECS", default_value_t = crate::server::ConnectionLimits::default().header_timeout.as_secs())]
    pub header_timeout_secs: u64,
    /// Largest request body in bytes; larger is answered with 413.
    #[arg(long, env = "POLICYGRAPH_MAX_BODY", default_value_t = crate::server::HttpLimits::default().max_body)]
    pub max_body: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "POLICYGRAPH_MAX_BATCH", default_value_t = crate::server::HttpLimits::default().max_batch)]
    pub max_batch: usize,
    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "POLICYGRAPH_TIMEOUT_SECS", default_value_t = crate::server::HttpLimits::default().timeout.as_secs())]
    pub timeout_secs: u64,
    /// Require a bearer token for reads too (writes always need one).
    #[arg(long, env = "POLICYGRAPH_PRIVATE_READS")]
    pub private_reads: bool,
    /// Serve `GET /bench/implementers`, the bare JSON route `scripts/bench-http.sh` compares
    /// GraphQL with (off by default; it obeys --private-reads).
    #[arg(long, env = "POLICYGRAPH_BENCH_ROUTE")]
    pub bench_route: bool,
    /// Allow browser pages from this origin (e.g. https://dash.example.org) to call the API;
    /// repeat or separate with commas. CORS is off when none is given.
    #[arg(
        long = "cors-origin",
        env = "POLICYGRAPH_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
}

impl ServeConfig {
    /// The access rules these settings describe; an origin that is not a valid header value
    /// is a usage error.
    pub fn access(&self) -> anyhow::Result<crate::server::Access> {
        let cors_origins = self
            .cors_origins
            .iter()
            .map(|o| {
                axum::http::HeaderValue::from_str(o.trim_end_matches('/'))
                    .map_err(|_| anyhow::anyhow!("--cors-origin `{o}` is not a valid origin"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(crate::server::Access {
            private_reads: self.private_reads,
            cors_origins,
            bench_route: self.bench_route,
        })
    }

    /// The GraphQL limits these settings describe.
    pub fn api_limits(&self) -> crate::api::Limits {
        crate::api::Limits {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_page: self.max_page,
            max_list: self.max_list,
            max_path_depth: self.max_path_depth,
            max_aliases: self.max_aliases,
            max_selections: self.max_selections,
            max_work: self.max_work,
            max_time: std::time::Duration::from_secs(self.timeout_secs),
            ..crate::api::Limits::default()
        }
    }

    /// The HTTP limits these settings describe.
    pub fn http_limits(&self) -> crate::server::HttpLimits {
        crate::server::HttpLimits {
            max_body: self.max_body,
            max_batch: self.max_batch,
            timeout: std::time::Duration::from_secs(self.timeout_secs),
            max_uri: self.max_uri,
        }
    }

    /// The connection limits these settings describe.
    pub fn connection_limits(&self) -> crate::server::ConnectionLimits {
        crate::server::ConnectionLimits {
            max_connections: self.max_connections,
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs),
        }
    }
}
