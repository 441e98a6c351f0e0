//! Shared set-up: a fresh database per test and the real server on an ephemeral port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use policygraph::api::Limits;
use policygraph::server::{self, Access, ConnectionLimits, HttpLimits};
use policygraph::state::{self, AppState};
use policygraph::store::Backend;
use policygraph::store::{self, Store};
use serde_json::{Value, json};
use sqlx::AnyPool;
use tempfile::TempDir;

/// The repository's seed directory.
pub fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// The backend the suites run on: `POLICYGRAPH_TEST_STORE=postgres` runs them against a
/// throw-away PostgreSQL cluster (`.ci/run` does both); SQLite otherwise.
pub fn test_backend() -> Backend {
    match std::env::var("POLICYGRAPH_TEST_STORE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("POLICYGRAPH_TEST_STORE={other}: expected sqlite or postgres"),
    }
}

/// A pool of sqlx's `Any` driver over the database at `url` (a path or a PostgreSQL URL).
async fn any_pool(url: &str) -> AnyPool {
    let url = match Backend::of_url(url) {
        Backend::Sqlite => format!("sqlite://{url}"),
        Backend::Postgres => url.to_owned(),
    };
    sqlx::pool::PoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .expect("a checking pool opens")
}

/// A fresh, empty database: an SQLite file in its own temporary directory, or a new database
/// on the test process's PostgreSQL cluster.
pub struct TestDb {
    /// Keeps the directory alive for the test's duration (the SQLite file lives there).
    pub dir: TempDir,
    /// The store over it.
    pub store: Store,
    /// A second pool over the same database, for the SQL tests check it with (`$1`
    /// placeholders, which both backends read).
    pub pool: AnyPool,
    url: String,
}

impl TestDb {
    /// Creates and migrates an empty database of the backend the suites run on.
    pub async fn new() -> TestDb {
        TestDb::of(test_backend()).await
    }

    /// An empty SQLite database, whatever the suites run on: for tests of the file itself.
    pub async fn sqlite() -> TestDb {
        TestDb::of(Backend::Sqlite).await
    }

    /// An empty PostgreSQL database, whatever the suites run on.
    pub async fn postgres() -> TestDb {
        TestDb::of(Backend::Postgres).await
    }

    /// Creates and migrates an empty database of `backend`.
    pub async fn of(backend: Backend) -> TestDb {
        sqlx::any::install_default_drivers();
        let dir = TempDir::new().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => dir.path().join("test.db").to_string_lossy().into_owned(),
            Backend::Postgres => crate::postgres::fresh_url(),
        };
        let store = store::connect(&url).await.expect("database opens");
        let pool = any_pool(&url).await;
        TestDb {
            dir,
            store,
            pool,
            url,
        }
    }

    /// A new checking pool, for a test that closed [`TestDb::pool`] while servers ran.
    pub async fn reopen(&self) -> AnyPool {
        any_pool(&self.url).await
    }

    /// What `DATABASE_URL` names it by: the file's path, or the PostgreSQL URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The SQLite file; panics on PostgreSQL (for tests of the file itself).
    pub fn path(&self) -> PathBuf {
        assert_eq!(self.store.backend(), Backend::Sqlite, "an SQLite test");
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
    /// The server's writer (for tests of what gates writes).
    pub curator: std::sync::Arc<policygraph::curate::Curator>,
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
    let curator = app_state.curator.clone();
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
        curator,
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
