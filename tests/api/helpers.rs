//! Shared set-up: a fresh database per test and the real server on an ephemeral port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use policygraph::api::Limits;
use policygraph::server::{self, Access, ConnectionLimits, HttpLimits};
use policygraph::state::{self, AppState};
use policygraph::store::{self, Store};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use tempfile::TempDir;

/// The repository's seed directory.
pub fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// A fresh SQLite file in its own temporary directory.
pub struct TestDb {
    /// Keeps the directory alive for the test's duration.
    pub dir: TempDir,
    /// The store over it.
    pub store: Store,
    /// The SQLite pool under the store, for the SQL tests check the file with.
    pub pool: SqlitePool,
}

impl TestDb {
    /// Creates and migrates an empty database.
    pub async fn new() -> TestDb {
        let dir = TempDir::new().expect("temp dir");
        let store = store::connect(&dir.path().join("test.db").to_string_lossy())
            .await
            .expect("database opens");
        let pool = store.sqlite().clone();
        TestDb { dir, store, pool }
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }
}

/// A running server with the seed corpus loaded.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The database behind it, kept alive (and its directory undeleted) while the test runs.
    pub db: TestDb,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The server's stop signal for its WebSockets.
    pub shutdown: policygraph::server::Shutdown,
}

/// Starts the real server on port 0 over a fresh database loaded from `seeds/`.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Access::default()).await
}

/// Like [`spawn_app`], with these access rules.
pub async fn spawn_app_with(access: Access) -> TestApp {
    spawn_app_config(Config {
        access,
        ..Config::default()
    })
    .await
}

/// Everything a test may set on the server it starts.
#[derive(Default)]
pub struct Config {
    /// Who may do what.
    pub access: Access,
    /// The GraphQL limits.
    pub limits: Limits,
    /// The HTTP limits.
    pub http: HttpLimits,
    /// The listener's limits.
    pub connections: ConnectionLimits,
}

/// Starts the real server with `config` over a fresh database loaded from `seeds/`.
pub async fn spawn_app_config(config: Config) -> TestApp {
    let db = TestDb::new().await;
    state::load_seeds(&db.store, &seeds())
        .await
        .expect("seeds load");
    let writer = db.store.writer();
    spawn_on(db, writer, config).await
}

/// Starts the real server with `config` over `db` (already loaded), writing through `writer`.
pub async fn spawn_on(db: TestDb, writer: store::Store, config: Config) -> TestApp {
    let app_state = AppState::with_writer(db.store.clone(), writer, config.limits)
        .await
        .expect("state builds")
        .with_access(config.access);
    let shutdown = app_state.shutdown.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("ephemeral port");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let router = server::app(app_state, config.http);
    let connections = config.connections;
    tokio::spawn(async move {
        server::serve_until(listener, router, connections, std::future::pending()).await
    });
    TestApp {
        address,
        db,
        client: reqwest::Client::new(),
        shutdown,
    }
}

impl TestApp {
    /// POSTs a GraphQL query and returns the JSON body.
    pub async fn query(&self, query: &str) -> Value {
        self.client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON body")
    }
}

impl TestApp {
    /// Creates a write token named `name` directly in the database.
    pub async fn token(&self, name: &str) -> String {
        policygraph::auth::create(&self.db.store, name)
            .await
            .expect("token created")
    }

    /// POSTs a GraphQL request with an optional bearer token; returns status and JSON body.
    pub async fn send(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn first_error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no coded error in {body}"))
}

/// `policygraph serve` on an ephemeral port; returns the child and its base URL.
pub fn start_server(database: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policygraph"))
        .args(["serve", "--listen", "127.0.0.1:0", "--seeds"])
        .arg(seeds())
        .env("DATABASE_URL", database)
        .env("RUST_LOG", "policygraph=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let Some(stderr) = child.stderr.take() else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("no stderr pipe");
    };
    let mut lines = BufReader::new(stderr).lines();
    // The address is in the "serving GraphQL at http://..." log line.
    let address = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let at = line.find("http://")?;
        Some(
            line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect::<String>(),
        )
    });
    let Some(address) = address else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("server exited before reporting its address");
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address.trim_end_matches("/graphql").to_owned())
}
