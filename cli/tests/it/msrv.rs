//! The declared minimum Rust version is true: every crate of the workspace inherits it, and no
//! locked dependency needs a newer compiler. (The workspace's own code is held to it by
//! clippy's `incompatible_msrv` lint, which reads the same `rust-version`.)

use std::process::Command;

/// `1.89` and `1.89.0` compare equal.
fn version(v: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(v.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    out
}

#[test]
fn every_crate_declares_the_workspace_msrv_and_no_dependency_needs_more() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let packages = meta["packages"].as_array().expect("packages");
    let rv = |p: &serde_json::Value| p["rust_version"].as_str().map(str::to_string);

    let ours: Vec<_> = packages
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap_or("")))
        .collect();
    assert!(ours.len() >= 6, "the workspace's crates were found");
    let msrv = rv(ours[0]).expect("rust-version declared");
    for p in &ours {
        assert_eq!(
            rv(p).as_deref(),
            Some(msrv.as_str()),
            "{} must inherit the workspace rust-version",
            p["name"]
        );
    }
    let too_new: Vec<String> = packages
        .iter()
        .filter(|p| !members.contains(&p["id"].as_str().unwrap_or("")))
        .filter_map(|p| {
            let need = rv(p)?;
            (version(&need) > version(&msrv))
                .then(|| format!("{} {} needs {need}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version {msrv} is too old for: {too_new:?}"
    );
}
