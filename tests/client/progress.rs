//! Progress output: drawn on a terminal (run under a pseudo-terminal with
//! util-linux `script`), absent when stderr is a pipe, and never on stdout.

use std::process::Command;

use crate::support::{pseudo_random, require_tool, sha256, sha256_file, workspace_bin, TestServer};

use super::{ftpc_in, run_with, tempdir, write};

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn progress_bar_renders_on_a_terminal() {
    require_tool("script");
    let s = TestServer::start();
    let content = pseudo_random(8 * 1024 * 1024, 31);
    write(&s.root(), "bar.bin", &content);
    let dir = tempdir();
    let inner = format!(
        "{} get {} {}",
        shell_quote(workspace_bin("ftpc").to_str().expect("utf8")),
        shell_quote(&s.url("bar.bin")),
        shell_quote(dir.path().join("bar.bin").to_str().expect("utf8"))
    );
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env("TERM", "xterm")
        .env("NETRC", "/nonexistent");
    let out = run_with(cmd, None);
    out.ok();
    let screen = out.stdout_str();
    assert!(
        screen.contains("bar.bin") && screen.contains("MiB"),
        "no bar drawn: {}",
        out.describe()
    );
    assert!(
        screen.contains("[") && screen.contains("eta"),
        "no bar drawn: {}",
        out.describe()
    );
    assert!(
        screen.contains("1 file transferred"),
        "no summary: {}",
        out.describe()
    );
    assert_eq!(sha256_file(&dir.path().join("bar.bin")), sha256(&content));
}

#[test]
fn no_bar_and_empty_stdout_without_a_terminal() {
    let s = TestServer::start();
    write(&s.root(), "t/a.bin", &pseudo_random(2 * 1024 * 1024, 32));
    write(&s.root(), "t/b.bin", &pseudo_random(1024, 33));
    let dir = tempdir();
    for args in [
        &["get", &s.url("t/a.bin")][..],
        &["get", "-r", &s.url("t"), "tree"],
    ] {
        let out = ftpc_in(dir.path(), args);
        out.ok();
        assert!(
            out.stdout.is_empty(),
            "stdout must carry results only: {}",
            out.describe()
        );
        assert!(
            !out.stderr.contains('\x1b') && !out.stderr.contains("eta"),
            "{}",
            out.describe()
        );
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "only the summary line: {}",
            out.describe()
        );
    }
    let out = ftpc_in(dir.path(), &["-q", "get", "-c", &s.url("t/a.bin")]);
    out.ok();
    assert!(
        out.stderr.is_empty() && out.stdout.is_empty(),
        "{}",
        out.describe()
    );
}
