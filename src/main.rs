//! The `policygraph` command: parse the command line, set up logging, run, exit with a code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use policygraph::config::LogFormat;

/// Colour on standard error: only on a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    let cli = policygraph::cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "policygraph=info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log.log_format {
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => logs.with_ansi(colour()).init(),
    }
    match policygraph::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`policygraph export ... | head`) is the reader's choice, not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let label = if colour() {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            eprintln!("{label} {e:#}");
            ExitCode::from(2)
        }
    }
}
