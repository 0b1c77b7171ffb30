//! contrib/ftpd.service: `systemd-analyze verify` accepts it without a
//! single warning (run against a private root holding the unit, the
//! system's own units and the built ftpd at the unit's ExecStart path),
//! and it keeps the hardening the README promises.

use std::process::Command;
use std::time::Duration;

use crate::support::run::run;
use crate::support::{require_tool, workspace_bin};

const UNIT: &str = include_str!("../contrib/ftpd.service");

fn directive(key: &str) -> Option<&'static str> {
    UNIT.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
}

#[test]
fn systemd_analyze_verify_accepts_the_unit_without_warnings() {
    require_tool("systemd-analyze");
    let root = tempfile::tempdir().unwrap();
    let units = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .into_iter()
        .find(|d| std::path::Path::new(d).join("sysinit.target").exists())
        .expect("the system's systemd units");
    let lib = root.path().join("usr/lib/systemd");
    std::fs::create_dir_all(&lib).unwrap();
    let copied = run(
        Command::new("cp").args(["-r", units]).arg(&lib),
        Duration::from_secs(60),
    );
    copied.ok();
    // Every program the unit runs, at its path inside the root: the built
    // ftpd for ExecStart, the system's own for the others (kill).
    for key in ["ExecStart", "ExecReload"] {
        let binary = directive(key).unwrap().split_whitespace().next().unwrap();
        let at = root.path().join(binary.trim_start_matches('/'));
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        let from = match key {
            "ExecStart" => workspace_bin("ftpd"),
            _ => std::fs::canonicalize(binary).unwrap(),
        };
        std::fs::copy(from, &at).unwrap();
    }
    let etc = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("ftpd.service"), UNIT).unwrap();
    let ran = run(
        Command::new("systemd-analyze")
            .arg("verify")
            .arg(format!("--root={}", root.path().display()))
            .arg("/etc/systemd/system/ftpd.service"),
        Duration::from_secs(60),
    );
    ran.ok();
    assert!(ran.stderr.trim().is_empty(), "warnings:\n{}", ran.stderr);
}

#[test]
fn the_unit_is_hardened_as_documented() {
    assert_eq!(
        directive("ExecStart"),
        Some("/usr/local/bin/ftpd --config /etc/ftpd/ftpd.toml")
    );
    assert_eq!(directive("User"), Some("ftpd"));
    assert_eq!(directive("ProtectSystem"), Some("strict"));
    assert_eq!(directive("NoNewPrivileges"), Some("yes"));
    assert_eq!(directive("PrivateTmp"), Some("yes"));
    assert_eq!(directive("ReadWritePaths"), Some("/srv/ftp"));
    // No capability unless port 21 needs it (a documented drop-in).
    assert_eq!(directive("CapabilityBoundingSet"), Some(""));
    assert_eq!(directive("AmbientCapabilities"), Some(""));
}
