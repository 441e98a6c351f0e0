//! Records the git commit the binary is built from (for `--version` and the start-up log
//! line); "unknown" when the source is not a git checkout (a Docker build context, a tarball).

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=POLICYGRAPH_COMMIT={commit}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    // `sqlx::migrate!` embeds these folders: a new migration must rebuild the binary.
    println!("cargo:rerun-if-changed=migrations");
}
