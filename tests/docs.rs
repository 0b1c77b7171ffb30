//! `ftpd`/`ftpc completions SHELL` and `man`: the completion scripts load
//! in bash and complete real flags and subcommands, zsh and fish scripts
//! are produced for the right command, and the man pages are roff pages
//! that list the flags.

use std::process::Command;

use crate::support::run::run;
use crate::support::{require_tool, workspace_bin};

fn output(bin: &str, args: &[&str]) -> String {
    let ran = run(
        Command::new(workspace_bin(bin)).args(args),
        std::time::Duration::from_secs(20),
    );
    ran.ok();
    ran.stdout.clone()
}

/// What bash completes after `words` with the script loaded.
fn bash_complete(bin: &str, words: &[&str]) -> String {
    require_tool("bash");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("completion.bash");
    std::fs::write(&script, output(bin, &["completions", "bash"])).unwrap();
    let line = words.join(" ");
    let array: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let array = array.join(" ");
    let probe = format!(
        "source {script}; complete -p {bin}; COMP_WORDS=({array}); COMP_CWORD={cword}; \
         COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _{bin} {bin} '{cur}' '{prev}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script.display(),
        cword = words.len() - 1,
        cur = words.last().unwrap(),
        prev = words[words.len() - 2],
    );
    let ran = run(
        Command::new("bash").arg("-c").arg(probe),
        std::time::Duration::from_secs(20),
    );
    ran.ok();
    ran.stdout.clone()
}

#[test]
fn bash_completion_completes_flags_and_subcommands() {
    let out = bash_complete("ftpd", &["ftpd", "--sto"]);
    assert!(out.contains("-F _ftpd ftpd"), "{out}");
    assert!(out.lines().any(|l| l == "--storage"), "{out}");
    let out = bash_complete("ftpd", &["ftpd", "completions", ""]);
    assert!(out.lines().any(|l| l == "fish"), "{out}");
    let out = bash_complete("ftpc", &["ftpc", "--no-p"]);
    assert!(out.lines().any(|l| l == "--no-progress"), "{out}");
    let out = bash_complete("ftpc", &["ftpc", "pu"]);
    assert!(out.lines().any(|l| l == "put"), "{out}");
}

#[test]
fn zsh_and_fish_scripts_are_for_the_right_command() {
    for bin in ["ftpd", "ftpc"] {
        let zsh = output(bin, &["completions", "zsh"]);
        assert!(zsh.starts_with(&format!("#compdef {bin}")), "{zsh}");
        let fish = output(bin, &["completions", "fish"]);
        assert!(fish.contains(&format!("complete -c {bin} ")), "{fish}");
    }
}

#[test]
fn man_pages_are_roff_and_list_the_flags() {
    let ftpd = output("ftpd", &["man"]);
    assert!(ftpd.contains(".TH ftpd 1"), "{ftpd}");
    assert!(ftpd.contains("A sandboxed FTP server"), "{ftpd}");
    for flag in [
        "\\-\\-root",
        "\\-\\-storage",
        "\\-\\-s3\\-timeout",
        "\\-\\-proxy\\-protocol",
    ] {
        assert!(ftpd.contains(flag), "ftpd(1) lacks {flag}");
    }
    let ftpc = output("ftpc", &["man"]);
    assert!(ftpc.contains(".TH ftpc 1"), "{ftpc}");
    assert!(ftpc.contains("Upload, download and list files"), "{ftpc}");
    assert!(ftpc.contains("\\-\\-parallel"), "{ftpc}");
}
