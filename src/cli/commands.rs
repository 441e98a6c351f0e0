//! One function per subcommand: what `policygraph <command>` does once its arguments are
//! parsed ([`super::run`] dispatches here).

use std::io::Write;

use anyhow::Context;

use super::{CLI_ACTOR, Deny, IMPORT_ACTOR, TokenAction, VERSION, explain, progress_bar, runtime};
use crate::config::{SeedsConfig, ServeConfig};
use crate::model::PartialDate;
use crate::{api, auth, check, corpus, curate, export, generate, import, server, state, store};

/// `policygraph healthcheck`: 0 when `url` answers 2xx within 3 s.
pub(super) async fn healthcheck(url: &str) -> anyhow::Result<u8> {
    match crate::server::probe(url, std::time::Duration::from_secs(3)).await {
        Ok(code) if (200..300).contains(&code) => Ok(0),
        Ok(code) => {
            eprintln!("{url} answered {code}");
            Ok(1)
        }
        Err(e) => {
            eprintln!("{url}: {e}");
            Ok(1)
        }
    }
}

/// `policygraph check`: the seed corpus's findings; the exit code says whether it passes.
pub(super) fn check_seeds(
    seeds: &SeedsConfig,
    format: check::Format,
    deny: Option<Deny>,
    as_of: Option<PartialDate>,
) -> anyhow::Result<u8> {
    if !seeds.seeds.is_dir() {
        anyhow::bail!("seed directory {} does not exist", seeds.seeds.display());
    }
    let today = as_of.unwrap_or_else(PartialDate::today);
    let reading = corpus::read_as_of(&seeds.seeds, today);
    check::report(
        &reading,
        &seeds.seeds,
        format,
        &mut std::io::stdout().lock(),
    )?;
    Ok(check::exit_code(&reading, deny == Some(Deny::Warnings)))
}

/// `policygraph load`: the database holds exactly the seed corpus afterwards.
pub(super) async fn load(url: &str, seeds: &SeedsConfig, force: bool) -> anyhow::Result<u8> {
    // Validate before opening the database, so a bad corpus leaves no trace at all.
    let corpus = state::read_seeds(&seeds.seeds).map_err(explain)?;
    let pool = store::connect(url).await?;
    let curated = if force {
        store::Curated::Discard
    } else {
        store::Curated::Keep
    };
    let report = store::sync_corpus(&pool, &corpus, state::SEED_LOADER, curated).await?;
    println!(
        "loaded {} into {url}: {} created, {} updated, {} deleted",
        seeds.seeds.display(),
        report.created,
        report.updated,
        report.deleted
    );
    Ok(0)
}

/// `policygraph import`: a CSV graph added in one transaction.
pub(super) async fn import_files(
    url: &str,
    nodes: &std::path::Path,
    edges: &std::path::Path,
    quiet: bool,
) -> anyhow::Result<u8> {
    let pool = store::connect(url).await?;
    let bar = progress_bar(quiet);
    let on_progress = |p: import::Progress| bar.show(p);
    let started = std::time::Instant::now();
    let report = import::import_csv(&pool, nodes, edges, IMPORT_ACTOR, &on_progress)
        .await
        .map_err(explain)?;
    bar.finish();
    println!(
        "imported {} nodes and {} edges into {url} in {:.1} s",
        report.nodes,
        report.edges,
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// `policygraph generate`: the synthetic benchmark graph.
pub(super) fn generate_graph(
    scale: generate::Scale,
    seed: u64,
    out: &std::path::Path,
) -> anyhow::Result<u8> {
    let stats = generate::write_dir(scale, seed, out)
        .with_context(|| format!("cannot write into {}", out.display()))?;
    println!(
        "wrote {} nodes and {} edges into {}",
        stats["nodes"],
        stats["edges"],
        out.display()
    );
    Ok(0)
}

/// `policygraph export`: the graph or a neighbourhood in one of the export formats.
pub(super) async fn export_graph(
    url: &str,
    format: export::Format,
    root: Option<String>,
    depth: usize,
    out: Option<std::path::PathBuf>,
) -> anyhow::Result<u8> {
    let pool = store::connect_existing(url).await?;
    if format == export::Format::Seeds {
        let Some(dir) = out else {
            anyhow::bail!("--format seeds writes a seed directory: give --out DIR");
        };
        if root.is_some() {
            anyhow::bail!("--format seeds exports the whole graph; drop --root");
        }
        let mut tx = pool.read().await?;
        let data = store::read_dataset(&mut tx).await?;
        tx.commit().await?;
        export::seeds::write(&data, &dir)?;
        eprintln!(
            "wrote {} nodes, {} edges and {} source texts to {}",
            data.nodes.len(),
            data.edges.len(),
            data.texts.len(),
            dir.display()
        );
        return Ok(0);
    }
    let (graph, _) = store::read_graph_at(&pool).await?;
    let root = match root {
        None => None,
        Some(id) => Some(
            graph
                .lookup(&id)
                .with_context(|| format!("no node `{id}` in {url}"))?,
        ),
    };
    let nodes = export::select(&graph, root, depth);
    match (format, out) {
        (export::Format::Csv, Some(dir)) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let mut nodes_file = std::fs::File::create(dir.join("nodes.csv"))?;
            let mut edges_file = std::fs::File::create(dir.join("edges.csv"))?;
            export::write_csv(&graph, &nodes, &mut nodes_file, &mut edges_file)?;
        }
        (export::Format::Csv, None) => {
            anyhow::bail!("--format csv writes nodes.csv and edges.csv: give --out DIR")
        }
        (format, Some(file)) => {
            let mut file = std::fs::File::create(&file)
                .with_context(|| format!("cannot create {}", file.display()))?;
            export::write(&graph, &nodes, format, &mut file)?;
        }
        (format, None) => export::write(&graph, &nodes, format, &mut std::io::stdout().lock())?,
    }
    Ok(0)
}

/// `policygraph query`: one GraphQL request against the database, without a server.
pub(super) fn query_database(
    url: &str,
    query: String,
    variables: Option<String>,
) -> anyhow::Result<u8> {
    let query = if query == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read the query from stdin")?
    } else {
        query
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(text) = variables {
        let value: serde_json::Value =
            serde_json::from_str(&text).context("--variables is not valid JSON")?;
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    runtime()?.block_on(async {
        let pool = store::connect_existing(url).await?;
        let app_state = state::AppState::new(pool, api::Limits::default()).await?;
        // Whoever can run this can write the database file anyway; mutations are logged
        // under the actor `cli`.
        let session = app_state.session(Some(auth::Actor(CLI_ACTOR.to_owned())));
        let response = api::execute(&app_state.schema, session, request).await;
        // A closed pipe (`| head`) must end quietly, not panic as println! would.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{:#}", serde_json::to_value(&response)?)?;
        Ok(u8::from(!response.errors.is_empty()))
    })
}

/// `policygraph token`: create, list or revoke write tokens.
pub(super) async fn tokens(url: &str, action: TokenAction) -> anyhow::Result<u8> {
    let pool = store::connect_existing(url).await?;
    match action {
        TokenAction::Create { name } => {
            let token = auth::create(&pool, &name).await?;
            eprintln!("token `{name}` created; it is shown only now, store it safely:");
            println!("{token}");
        }
        TokenAction::List => {
            let tokens = auth::list(&pool).await?;
            if tokens.is_empty() {
                eprintln!("no tokens; create one with `policygraph token create --name NAME`");
            }
            for t in tokens {
                let state = match &t.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".to_owned(),
                };
                println!("{}\tcreated {}\t{state}", t.name, t.created_at);
            }
        }
        TokenAction::Revoke { name } => {
            auth::revoke(&pool, &name).await?;
            println!("token `{name}` revoked");
        }
    }
    Ok(0)
}

/// `policygraph migrate-store`: copies one store into a new one.
pub(super) async fn migrate_store(from: &str, to: &str) -> anyhow::Result<u8> {
    let source = store::connect_existing(from).await?;
    let target = store::connect(to).await?;
    let report = store::copy::copy_all(&source, &target).await?;
    for (table, rows) in &report {
        println!("{table}: {rows} rows");
    }
    println!("copied {} to {}", store::redact(from), store::redact(to));
    Ok(0)
}

/// `policygraph doctor`: the full integrity check (and a search-index rebuild on request).
pub(super) async fn doctor(url: &str, rebuild_search: bool) -> anyhow::Result<u8> {
    let pool = store::connect_existing(url).await?;
    if rebuild_search {
        let indexed = store::health::rebuild_search(&pool).await?;
        println!("search index rebuilt: {indexed} nodes indexed");
    }
    let problems = store::health::integrity_check(&pool).await?;
    for problem in &problems {
        println!("{problem}");
    }
    let url = store::redact(url);
    if problems.is_empty() {
        println!("{url}: no damage found");
        Ok(0)
    } else {
        println!("{url}: {} problem(s)", problems.len());
        Ok(1)
    }
}

/// The state `serve` serves: the seed corpus loaded first when the database is empty, then the
/// snapshot read.
async fn snapshot_state(
    pool: store::Store,
    seeds: &SeedsConfig,
    serve: &ServeConfig,
) -> anyhow::Result<state::AppState> {
    if store::is_empty(&pool).await? {
        let report = state::load_seeds(&pool, &seeds.seeds)
            .await
            .map_err(explain)?;
        tracing::info!(created = report.created, seeds = %seeds.seeds.display(), "loaded the seed corpus into an empty database");
    }
    Ok(state::AppState::new(pool, serve.api_limits())
        .await?
        .with_access(serve.access()?))
}

/// `policygraph serve`: seed an empty database, read the snapshot, serve until stopped, with
/// the file's integrity check running beside the first requests.
///
/// The check (`PRAGMA quick_check` and FTS5's own) is linear in the file: 24 s for the 5.7 GB
/// of 10m edges, three times the snapshot read. So reads are served as soon as the snapshot
/// is built (every row of it was read and validated); writes are refused with UNAVAILABLE
/// until the check passes, and damage stops the server with the same error as a damaged
/// file that cannot be read at all.
pub(super) async fn serve_graph(
    url: &str,
    seeds: &SeedsConfig,
    serve: &ServeConfig,
) -> anyhow::Result<u8> {
    tracing::info!(version = VERSION, "policygraph starting");
    let pool = store::connect(url).await?;
    let app_state = match snapshot_state(pool.clone(), seeds, serve).await {
        Ok(state) => state,
        Err(e) => {
            // Damage is the likeliest cause of a file that cannot be read: say so if it is.
            refuse_damaged(url, &store::health::quick_check(&pool).await?)?;
            return Err(e);
        }
    };
    let backend = pool.backend();
    let graph = app_state.graph();
    let listener = tokio::net::TcpListener::bind(serve.listen)
        .await
        .with_context(|| format!("cannot listen on {}", serve.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        nodes = graph.node_count(),
        edges = graph.edge_count(),
        database = %store::redact(url),
        backend = backend.name(),
        "serving GraphQL at http://{address}/graphql"
    );
    drop(graph);
    let shutdown = app_state.shutdown.clone();
    // Before the first request is accepted, so no write slips in ahead of the check.
    app_state
        .curator
        .set_integrity(curate::Integrity::Checking(std::time::Instant::now()));
    let curator = app_state.curator.clone();
    let check = tokio::spawn(check_integrity(
        pool.clone(),
        curator.clone(),
        shutdown.clone(),
    ));
    crate::graph::report::prepare(curator.graph(), crate::model::PartialDate::today());
    let app = server::app(app_state, serve.http_limits());
    server::activity::spawn_summary(std::time::Duration::from_secs(60));
    server::serve(listener, app, serve.connection_limits(), shutdown).await;
    // The check marks the damage before it stops the server, so a stop it caused is seen
    // here even while its task is still returning; any other stop (a signal) ends the check.
    if curator.integrity() == curate::Integrity::Damaged {
        let problems = check.await.context("the integrity check stopped")??;
        refuse_damaged(url, &problems)?;
        return Ok(0);
    }
    check.abort();
    Ok(0)
}

/// Runs the start-up integrity check while the server serves reads (the curator refuses
/// writes meanwhile): records the verdict with the curator and stops the server when the
/// file is damaged.
async fn check_integrity(
    pool: store::Store,
    curator: std::sync::Arc<curate::Curator>,
    shutdown: server::Shutdown,
) -> anyhow::Result<store::health::Problems> {
    let started = std::time::Instant::now();
    // A check that cannot start (no connection within the pool's timeout while the first
    // requests take them all) is tried again before it counts as a failure.
    let mut attempt = 1;
    let problems = loop {
        match store::health::quick_check(&pool).await {
            Ok(problems) => break problems,
            Err(e) if attempt < CHECK_ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "the integrity check could not run; retrying");
                tokio::time::sleep(CHECK_RETRY).await;
                attempt += 1;
            }
            Err(e) => break vec![format!("the integrity check could not run: {e}")],
        }
    };
    if problems.is_empty() {
        curator.set_integrity(curate::Integrity::Sound);
        tracing::info!(took = ?started.elapsed(), "integrity check passed; writes are taken");
    } else {
        curator.set_integrity(curate::Integrity::Damaged);
        tracing::error!(
            problems = problems.len(),
            "integrity check found damage; stopping"
        );
        shutdown.trigger();
    }
    Ok(problems)
}

/// How many times the start-up integrity check is tried when it cannot run at all.
const CHECK_ATTEMPTS: u32 = 3;

/// How long to wait before trying the integrity check again.
const CHECK_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// An error naming every problem the integrity check found, and what to do; `Ok` when none.
fn refuse_damaged(url: &str, problems: &store::health::Problems) -> anyhow::Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    for problem in problems {
        eprintln!("{problem}");
    }
    let url = store::redact(url);
    anyhow::bail!(
        "the database `{url}` is damaged ({} problem(s) above); not serving it. \
         `policygraph doctor --database-url {url}` runs the full check \
         (`--rebuild-search` repairs a damaged search index); otherwise restore a backup",
        problems.len(),
    );
}
