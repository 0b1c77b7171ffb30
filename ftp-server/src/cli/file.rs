//! `--config FILE`: the same options as the command line, in TOML. Every
//! long flag is a key, with `-` written as `_` (`passive_ports =
//! "50000-50100"`, `write = true`, `user = ["alice:pw"]`).
//!
//! The file is turned into command-line arguments, appended after the real
//! ones for every key that neither the command line nor its `FTPD_*`
//! variable sets, and clap parses the whole: one parser, one set of checks,
//! and the precedence command line, environment, file. An unknown key, a
//! value of the wrong shape, or a value clap refuses is one line naming the
//! file and the line.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue};
use clap::{ArgAction, Command};
use toml::{Spanned, Value};

/// The arguments a config file contributes, and where each came from.
#[derive(Debug, Default)]
pub struct FromFile {
    path: PathBuf,
    args: Vec<OsString>,
    /// (long flag, line) of each key used.
    lines: Vec<(String, usize)>,
}

impl FromFile {
    /// The arguments to append to the command line.
    pub fn args(&self) -> &[OsString] {
        &self.args
    }

    /// `FILE:LINE: MESSAGE` when clap refused a value that came from the
    /// file; `None` when the refused argument was on the command line.
    pub fn locate(&self, error: &clap::Error, message: &str) -> Option<String> {
        let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
            return None;
        };
        let long = arg.split([' ', '=']).next()?.strip_prefix("--")?;
        let (_, line) = self.lines.iter().find(|(l, _)| l == long)?;
        Some(format!("{}:{line}: {message}", self.path.display()))
    }
}

/// The `--config FILE` (or `--config=FILE`) on the command line, else
/// `FTPD_CONFIG`.
pub fn config_path(argv: &[OsString]) -> Option<PathBuf> {
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("FTPD_CONFIG").map(PathBuf::from)
}

/// Read `path` into arguments for `cmd`, skipping what `argv` or the
/// environment already sets. Errors are one line: `FILE:LINE: why`.
pub fn read(path: &Path, cmd: &Command, argv: &[OsString]) -> Result<FromFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("config file {}: {e}", path.display()))?;
    let at = |offset: usize| format!("{}:{}", path.display(), value_line(&text, offset));
    let doc: std::collections::BTreeMap<String, Spanned<Value>> =
        toml::from_str(&text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().lines().next().unwrap_or("bad TOML").to_string();
            format!("{}: {message}", at(offset))
        })?;
    let mut keys: Vec<(&String, &Spanned<Value>)> = doc.iter().collect();
    keys.sort_by_key(|(_, v)| v.span().start);
    let mut out = FromFile {
        path: path.to_path_buf(),
        ..FromFile::default()
    };
    for (key, value) in keys {
        let line_of = || at(value.span().start);
        let long = key.replace('_', "-");
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()))
            .filter(|_| !matches!(long.as_str(), "config" | "help" | "version"))
            .ok_or_else(|| format!("{}: unknown key {key:?}", line_of()))?;
        let on_command_line = argv.iter().skip(1).any(|a| {
            a == OsStr::new(&format!("--{long}"))
                || a.to_str()
                    .is_some_and(|a| a.starts_with(&format!("--{long}=")))
        });
        let in_env = arg.get_env().is_some_and(|v| std::env::var_os(v).is_some());
        if on_command_line || in_env {
            continue;
        }
        let flag = format!("--{long}");
        let is_switch = matches!(arg.get_action(), ArgAction::SetTrue);
        let many = matches!(arg.get_action(), ArgAction::Append);
        let scalar = |v: &Value| -> Result<String, String> {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Integer(i) => Ok(i.to_string()),
                _ => Err(format!("{}: {key} must be a string or a number", line_of())),
            }
        };
        match value.get_ref() {
            Value::Boolean(b) if is_switch => {
                if *b {
                    out.args.push(flag.into());
                }
            }
            _ if is_switch => {
                return Err(format!("{}: {key} must be true or false", line_of()));
            }
            Value::Array(items) if many => {
                for item in items {
                    out.args.push(flag.clone().into());
                    out.args.push(scalar(item)?.into());
                }
            }
            Value::Array(_) => {
                return Err(format!("{}: {key} takes one value, not a list", line_of()));
            }
            v => {
                out.args.push(flag.into());
                out.args.push(scalar(v)?.into());
            }
        }
        out.lines
            .push((long, value_line(&text, value.span().start)));
    }
    Ok(out)
}

fn value_line(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
