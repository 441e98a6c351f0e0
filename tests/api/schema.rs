//! The schema contract: `schema.graphql` is exactly what the code serves.

use std::path::Path;

#[test]
fn the_committed_schema_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let committed = std::fs::read_to_string(&path).expect("schema.graphql exists");
    let generated = policygraph::api::sdl();
    assert!(
        committed == generated,
        "schema.graphql has drifted from the code: run `cargo run -- schema > schema.graphql` \
         and review the diff (renaming a root field breaks dashboards)"
    );
}
