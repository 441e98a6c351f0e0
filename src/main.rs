//! The `policygraph` command: parse the command line, set up logging, run, exit with a code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = policygraph::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "policygraph=info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
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
            let label = if std::io::stderr().is_terminal() {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            eprintln!("{label} {e:#}");
            ExitCode::from(2)
        }
    }
}
