//! policygraph: a traceability graph of strategic policy documents.
//!
//! Data flows one way: seed files and source texts ([`corpus`]) are validated and written to
//! SQLite ([`store`]), read into an immutable in-memory [`graph`] snapshot, and served through
//! the GraphQL [`api`] over HTTP ([`server`]) or the command line ([`cli`]). Every node and edge
//! carries verbatim citations into its source text. Bulk data enters through [`import`]; the
//! synthetic benchmark graph comes from [`generate`].

pub mod api;
pub mod auth;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod curate;
pub mod dataset;
pub mod error;
pub mod export;
pub mod findings;
pub mod generate;
pub mod graph;
pub mod import;
pub mod metrics;
pub mod model;
pub mod rules;
pub mod server;
pub mod state;
pub mod store;
pub mod validity;
