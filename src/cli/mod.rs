//! The command line: `serve`, `load`, `import`, `generate`, `check`, `schema`, `export`,
//! `query`, `token`, `doctor`, `migrate-store`, `healthcheck`, `completions`, `man`: the
//! arguments and their help here, what each command does in `commands`.

mod commands;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{LogConfig, SeedsConfig, ServeConfig, StoreConfig};
use crate::error::Error;
use crate::model::PartialDate;
use crate::{api, check, export, generate, import};

/// A traceability graph of strategic policy documents: which programmes implement which goals,
/// adopted where, covering when — every fact backed by a verbatim quote from its source.
#[derive(Parser, Debug)]
#[command(name = "policygraph", version = VERSION, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    store: StoreConfig,
    /// How the process logs.
    #[command(flatten)]
    pub log: LogConfig,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create and migrate the database, load the seeds when it is empty, and serve GraphQL
    /// (GraphiQL in a browser at http://<listen>/graphql).
    Serve {
        #[command(flatten)]
        seeds: SeedsConfig,
        #[command(flatten)]
        serve: ServeConfig,
    },
    /// Make the database hold exactly the seed corpus: one transaction, all or nothing,
    /// idempotent (loading twice changes nothing the second time).
    Load {
        #[command(flatten)]
        seeds: SeedsConfig,
        /// Overwrite changes made through the API since the last load (refused otherwise;
        /// `export --format seeds` saves them first).
        #[arg(long)]
        force: bool,
    },
    /// Add a graph from CSV files (`nodes.csv`: id,type,name; `edges.csv`: src,dst,type) to the
    /// database: every row is validated first and every bad row is reported with its line;
    /// nothing is written unless all are clean. Imported entities carry no citations.
    Import {
        /// The nodes file: `id,type,name`. A slug id `17` of type `Goal` becomes `goal:17`.
        #[arg(long)]
        nodes: std::path::PathBuf,
        /// The edges file: `src,dst,type`, ends naming ids of the nodes file or stored nodes.
        #[arg(long)]
        edges: std::path::PathBuf,
        /// Do not draw a progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Write the synthetic benchmark graph (../shared/bench/MODEL.md): nodes.csv, edges.csv,
    /// queries.json and stats.json, deterministic for a scale and a seed.
    Generate {
        /// Roughly how many edges.
        #[arg(long, value_enum)]
        scale: generate::Scale,
        /// Output directory (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Seed of the random stream.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Validate the seed corpus and its citations without a database. Exit code 0 when clean,
    /// 1 on findings that fail the check, 2 on usage or I/O errors.
    Check {
        #[command(flatten)]
        seeds: SeedsConfig,
        /// Output format.
        #[arg(long, value_enum, default_value_t = check::Format::Text)]
        format: check::Format,
        /// Make warnings fail the check too.
        #[arg(long, value_enum)]
        deny: Option<Deny>,
        /// Judge which time spans have ended as of this date (YYYY, YYYY-MM or YYYY-MM-DD;
        /// default today), so a run is reproducible.
        #[arg(long, value_parser = PartialDate::parse)]
        as_of: Option<PartialDate>,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Print a shell completion script, e.g. `policygraph completions bash >
    /// /etc/bash_completion.d/policygraph`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `policygraph man > policygraph.1 && man
    /// ./policygraph.1`.
    Man,
    /// Probe a running server: exit 0 when `URL` answers 2xx within 3 s, 1 otherwise. For
    /// container health checks (the image has no curl): `policygraph healthcheck`.
    Healthcheck {
        /// What to probe; `/readyz` checks the store too, `/healthz` only that the server runs.
        #[arg(
            env = "POLICYGRAPH_HEALTHCHECK_URL",
            default_value = "http://127.0.0.1:8080/readyz"
        )]
        url: String,
    },
    /// Write the whole graph, or the neighbourhood of a node, for other tools: Graphviz, Gephi or
    /// yEd, spreadsheets, Markdown, JSON, or the goals × programmes traceability matrix.
    Export {
        /// Output format.
        #[arg(long, value_enum)]
        format: export::Format,
        /// Export only the nodes within `--depth` edges of this node (either direction).
        #[arg(long)]
        root: Option<String>,
        /// With `--root`: how many edges away to go.
        #[arg(long, default_value_t = 2, requires = "root")]
        depth: usize,
        /// Output file (directory for `csv`); standard output when omitted (not for `csv`).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Create, list or revoke the bearer tokens that writes (GraphQL mutations) need.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Run one GraphQL query against the database without a server and print the JSON
    /// response. Exit code 1 when the response has errors. Mutations are allowed and logged
    /// under the actor `cli`.
    Query {
        /// The query text, or `-` to read it from standard input.
        query: String,
        /// Variables as a JSON object.
        #[arg(long)]
        variables: Option<String>,
    },
    /// Check the database file for damage (every page, every index, the search index) and
    /// optionally rebuild the search index. Exit code 0 when sound, 1 when damaged.
    Doctor(DoctorArgs),
    /// Copy a whole store into a new, empty one, e.g. from the SQLite file to a shared
    /// PostgreSQL database: the graph, the source texts, the change log (positions, times and
    /// authors kept) and the tokens, in one transaction. The search index is rebuilt there.
    #[command(name = "migrate-store")]
    MigrateStore {
        /// The store to copy: a path or `sqlite://` URL, or a `postgres://` URL.
        #[arg(long)]
        from: String,
        /// The store to fill; created when missing, refused when it already holds a graph,
        /// log entries or tokens.
        #[arg(long)]
        to: String,
    },
}

/// Runs SQLite's full integrity check of the database and FTS5's check of its search index;
/// exit code 0 when sound, 1 when damaged.
#[derive(clap::Args, Debug)]
struct DoctorArgs {
    /// First drop and rebuild the search index from the nodes (the fix when only the index is
    /// damaged; the graph itself is not touched).
    #[arg(long)]
    rebuild_search: bool,
}

/// What to do with tokens.
#[derive(Subcommand, Debug)]
enum TokenAction {
    /// Create a token and print it once; only its hash is stored.
    Create {
        /// A unique name; the change log records it as the author of each write.
        #[arg(long)]
        name: String,
    },
    /// List tokens (names and dates; tokens themselves are never stored).
    List,
    /// Revoke a token; requests that present it get 401 from then on.
    Revoke {
        /// The token's name.
        #[arg(long)]
        name: String,
    },
}

/// The change-log actor of mutations run through `policygraph query`.
pub const CLI_ACTOR: &str = "cli";

/// Finding classes that `--deny` can promote to failures.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Deny {
    /// Warnings fail the check.
    Warnings,
}

/// The version with the git commit the binary was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("POLICYGRAPH_COMMIT"),
    ")"
);

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    use commands::*;
    let url = cli.store.database_url;
    match cli.command {
        Command::Schema => {
            print!("{}", api::sdl());
            Ok(0)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "policygraph", &mut out);
            Ok(0)
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout().lock())?;
            Ok(0)
        }
        Command::Healthcheck { url } => runtime()?.block_on(healthcheck(&url)),
        Command::Check {
            seeds,
            format,
            deny,
            as_of,
        } => check_seeds(&seeds, format, deny, as_of),
        Command::Load { seeds, force } => runtime()?.block_on(load(&url, &seeds, force)),
        Command::Import {
            nodes,
            edges,
            quiet,
        } => runtime()?.block_on(import_files(&url, &nodes, &edges, quiet)),
        Command::Generate { scale, out, seed } => generate_graph(scale, seed, &out),
        Command::Export {
            format,
            root,
            depth,
            out,
        } => runtime()?.block_on(export_graph(&url, format, root, depth, out)),
        Command::Query { query, variables } => query_database(&url, query, variables),
        Command::Token { action } => runtime()?.block_on(tokens(&url, action)),
        Command::Doctor(args) => runtime()?.block_on(doctor(&url, args.rebuild_search)),
        Command::MigrateStore { from, to } => runtime()?.block_on(migrate_store(&from, &to)),
        Command::Serve { seeds, serve } => runtime()?.block_on(serve_graph(&url, &seeds, &serve)),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Prints every corpus or import finding before the error itself, so one run shows them all.
fn explain(error: Error) -> anyhow::Error {
    match &error {
        Error::Corpus(diagnostics) => {
            for d in diagnostics {
                eprintln!("{d}");
            }
        }
        Error::Import(problems) => {
            for p in problems {
                eprintln!("{p}");
            }
        }
        _ => return error.into(),
    }
    anyhow::anyhow!("{error}; nothing was written")
}

/// The actor recorded in the change log for CSV imports.
const IMPORT_ACTOR: &str = "csv-import";

/// An `indicatif` bar for import progress, hidden when `quiet` or not on a terminal.
struct ImportBar {
    bar: indicatif::ProgressBar,
    stage: std::sync::Mutex<Option<import::Stage>>,
}

fn progress_bar(quiet: bool) -> ImportBar {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    ImportBar {
        bar,
        stage: std::sync::Mutex::new(None),
    }
}

impl ImportBar {
    fn show(&self, p: import::Progress) {
        let Ok(mut stage) = self.stage.lock() else {
            return;
        };
        if *stage != Some(p.stage) {
            *stage = Some(p.stage);
            let (template, message) = match p.stage {
                import::Stage::ReadingNodes => {
                    ("{msg:>14} {wide_bar} {bytes}/{total_bytes}", "nodes.csv")
                }
                import::Stage::ReadingEdges => {
                    ("{msg:>14} {wide_bar} {bytes}/{total_bytes}", "edges.csv")
                }
                import::Stage::Writing => ("{msg:>14} {wide_bar} {pos}/{len} rows", "writing"),
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                self.bar.set_style(style);
            }
            self.bar.set_message(message);
            self.bar.set_length(p.total);
        }
        self.bar.set_position(p.done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
