//! Parsing `ftpd`'s arguments: the command line, then `--config FILE` for
//! what the command line and environment leave unset, and usage errors
//! reduced to one line.

use clap::Parser;

use super::Cli;

/// Why the command line (with its config file) was not accepted.
#[derive(Debug)]
pub enum ParseFailure {
    /// Help or version: clap prints them itself (`Error::exit`).
    Display(clap::Error),
    /// A usage error, as one line (the file and line when it came from
    /// the config file); exit status 2.
    Usage(String),
}

/// Parse `argv` (with the program name first), adding what `--config FILE`
/// (or `FTPD_CONFIG`) sets that the command line and environment do not.
pub fn parse(argv: Vec<std::ffi::OsString>) -> Result<Cli, ParseFailure> {
    use clap::error::ErrorKind;
    use clap::CommandFactory;
    let cmd = Cli::command();
    // Subcommands (hash-password, completions, man) read no config file.
    let subcommand = argv
        .get(1)
        .and_then(|a| a.to_str())
        .is_some_and(|a| cmd.get_subcommands().any(|s| s.get_name() == a));
    let from_file = match super::file::config_path(&argv) {
        Some(path) if !subcommand => {
            super::file::read(&path, &cmd, &argv).map_err(ParseFailure::Usage)?
        }
        _ => super::file::FromFile::default(),
    };
    let mut all = argv;
    all.extend(from_file.args().iter().cloned());
    Cli::try_parse_from(all).map_err(|e| {
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            return ParseFailure::Display(e);
        }
        let text = e.to_string();
        let what: Vec<&str> = text
            .lines()
            .take_while(|l| !l.starts_with("Usage:"))
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
            .collect();
        let what = what.join(" ");
        let what = what.trim_start_matches("error: ");
        ParseFailure::Usage(
            from_file
                .locate(&e, what)
                .unwrap_or_else(|| format!("{what} (see ftpd --help)")),
        )
    })
}
