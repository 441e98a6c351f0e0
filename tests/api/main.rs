//! The one integration-test binary: the real server on an ephemeral port over a real SQLite
//! file or a real PostgreSQL database (`POLICYGRAPH_TEST_STORE`), several servers on one
//! PostgreSQL database, the store, the seed reader and the schema contract.

mod auth;
mod bench_route;
mod browser;
mod caching;
mod check;
mod cli;
mod corpus;
mod coverage;
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
mod postgres;
mod schema;
mod shared_store;
mod sources;
mod store;
mod store_failures;
