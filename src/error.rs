//! The crate's error type. Internal causes are kept for logs; the API maps them to coded
//! GraphQL errors without exposing them (see `api::errors`).

/// Everything that can go wrong below the API and CLI layers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The seed corpus has errors; each is in the list, already located.
    #[error("the seed corpus has {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Corpus(Vec<crate::corpus::diagnostic::Diagnostic>),
    /// A CSV import has invalid rows; each is in the list, located by file and line.
    #[error("the CSV import has {} error(s)", .0.len())]
    Import(Vec<crate::import::RowError>),
    /// The database is not what it must be (a broken invariant, a bad URL, a failed
    /// migration); the message says what.
    #[error("database: {0}")]
    Database(String),
    /// A query failed; the driver's error is kept as the source.
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
    /// A request or argument is invalid; the message says why and how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
