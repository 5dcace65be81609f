//! The reduced kill -9 campaign (`scripts/kill-campaign.sh` with
//! `KILL_TRIALS=20`, or `KILL_TRIALS` from the environment): `pum
//! upgrade` killed at random moments of a mixed upgrade must never leave
//! a half-applied transactional delta, and the next upgrade must finish
//! equal to an uninterrupted one. The script exits with 1 otherwise.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn kill_9_campaign_leaves_no_half_applied_delta() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/kill-campaign.sh");
    let trials = std::env::var("KILL_TRIALS").unwrap_or_else(|_| "20".into());
    let out = Command::new("bash")
        .arg(&script)
        .env("PUM", env!("CARGO_BIN_EXE_pum"))
        .env("PUM_PYTHON", common::python())
        .env("KILL_TRIALS", &trials)
        .env_remove("PGSERVICEFILE")
        .env_remove("PGSERVICE")
        .env_remove("PGDATABASE")
        .output()
        .expect("run scripts/kill-campaign.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the campaign failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains(&format!("trials:                          {trials}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("invariant violations:            0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("re-runs that failed:             0"),
        "{stdout}"
    );
}
