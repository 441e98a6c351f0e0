//! The one integration-test binary: the real server on an ephemeral port over a real SQLite
//! file, the store, the seed reader and the schema contract.

mod auth;
mod bench_route;
mod check;
mod cli;
mod corpus;
mod curate;
mod durability;
mod export;
mod follow;
mod helpers;
mod hostile;
mod http;
mod import;
mod limits;
mod live;
mod logs;
mod metrics;
mod over_time;
mod schema;
mod store;
mod store_failures;
