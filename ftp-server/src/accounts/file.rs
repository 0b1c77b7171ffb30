//! Reading a users file: the TOML shape, and the checks on each account
//! (name, argon2 PHC string, home inside the root), each failure reported at
//! the line of the offending value. Also makes the dummy hash for unknown
//! names.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use argon2::password_hash::{self, PasswordHasher};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use serde::Deserialize;
use toml::Spanned;

use super::{Account, AccountsError, UserDb};
use crate::storage::{LocalStorage, StorageError, VirtualPath};

/// `UserDb::parse`: TOML first (its errors carry a span), then each
/// account's name, hash and home, each error at the line of its value.
pub(super) fn parse(path: &Path, text: &str, root: Option<&Path>) -> Result<UserDb, AccountsError> {
    let invalid = |span: Range<usize>, message: String| AccountsError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, span.start),
        message,
    };
    let doc: UsersFile = toml::from_str(text)
        .map_err(|e| invalid(e.span().unwrap_or(0..0), one_line(e.message())))?;
    let storage = root
        .map(|root| {
            LocalStorage::new(root).map_err(|source| AccountsError::Root {
                path: path.to_path_buf(),
                root: root.to_path_buf(),
                source,
            })
        })
        .transpose()?;
    let mut users: HashMap<String, Account> = HashMap::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for raw in doc.user {
        let name = raw.name.get_ref().clone();
        check_name(&name).map_err(|why| invalid(raw.name.span(), why))?;
        if let Some(first) = first_seen.get(&name) {
            return Err(invalid(
                raw.name.span(),
                format!("duplicate user {name:?} (first defined at line {first})"),
            ));
        }
        check_hash(raw.password.get_ref()).map_err(|why| {
            invalid(
                raw.password.span(),
                format!("bad password hash for {name:?}: {why}"),
            )
        })?;
        let home = match &raw.home {
            None => PathBuf::new(),
            Some(h) => check_home(storage.as_ref(), h.get_ref()).map_err(|why| {
                invalid(
                    h.span(),
                    format!("home {:?} of {name:?} {why}", h.get_ref()),
                )
            })?,
        };
        let rate = |field: &Option<Spanned<String>>, key: &str| match field {
            None => Ok(None),
            Some(v) => ftp_proto::parse_rate(v.get_ref())
                .map(Some)
                .map_err(|why| invalid(v.span(), format!("{key} of {name:?}: {why}"))),
        };
        let rates = crate::config::Rates {
            down: rate(&raw.max_rate_down, "max_rate_down")?,
            up: rate(&raw.max_rate_up, "max_rate_up")?,
        };
        first_seen.insert(name.clone(), line_of(text, raw.name.span().start));
        let account = Account {
            name: name.clone(),
            home,
            write: raw.write,
            rates,
            hash: raw.password.into_inner(),
        };
        users.insert(name, account);
    }
    let dummy = make_dummy(users.values().map(|a| a.hash.as_str()))?;
    Ok(UserDb { users, dummy })
}

/// The users file as written: `[[user]]` tables, nothing else. Unknown keys
/// are errors, so a typo such as `writ = true` is not silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    user: Vec<RawUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    name: Spanned<String>,
    password: Spanned<String>,
    #[serde(default)]
    home: Option<Spanned<String>>,
    #[serde(default)]
    write: bool,
    #[serde(default)]
    max_rate_down: Option<Spanned<String>>,
    #[serde(default)]
    max_rate_up: Option<Spanned<String>>,
}

/// The 1-based line holding byte `offset` of `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Keep an error message on one line.
pub(super) fn one_line(message: &str) -> String {
    message.trim().replace(['\r', '\n'], "; ")
}

/// Names are what USER sends: non-empty, no spaces or control characters.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty user name".into());
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "user name {name:?} has spaces or control characters"
        ));
    }
    Ok(())
}

/// A usable argon2 PHC string: parses, names an argon2 variant and version,
/// has valid parameters, a salt and a hash.
pub(super) fn check_hash(phc: &str) -> Result<(), String> {
    let hash = PasswordHash::new(phc).map_err(|e| format!("not a PHC string ({e})"))?;
    Algorithm::try_from(hash.algorithm.as_str())
        .map_err(|_| format!("algorithm {} is not argon2", hash.algorithm))?;
    if let Some(v) = hash.version {
        Version::try_from(v).map_err(|_| format!("unknown argon2 version {v}"))?;
    }
    Params::try_from(&hash).map_err(|e| format!("bad argon2 parameters ({e})"))?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err("no salt or no hash".into());
    }
    Ok(())
}

/// A home must be a relative path without `..`, naming an existing directory
/// that the sandbox opens beneath the root (so not a symlink leading out).
/// It is opened through the same chokepoint as at login
/// (`LocalStorage::scope_blocking`); without a local root (an object
/// store) only the path is checked here. Returns it as a relative path.
/// The error completes "home \"x\" of \"alice\" ...".
pub(super) fn check_home(root: Option<&LocalStorage>, home: &str) -> Result<PathBuf, String> {
    let rel = Path::new(home);
    if rel.is_absolute() {
        return Err("must be relative to the served root".into());
    }
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err("must not contain \"..\"".into());
    }
    let path = VirtualPath::root()
        .resolve(home)
        .map_err(|e| format!("is not a valid path ({e})"))?;
    let Some(root) = root else {
        return Ok(rel.to_path_buf());
    };
    match root.scope_blocking(&path) {
        Ok(_) => Ok(rel.to_path_buf()),
        Err(StorageError::PermissionDenied) => {
            Err("resolves outside the served root (through a symlink)".into())
        }
        Err(StorageError::NotADirectory) => Err("is not a directory".into()),
        Err(e) => Err(format!("cannot be opened ({e})")),
    }
}

/// A hash of a random password with the algorithm, version and parameters
/// most of `hashes` use (argon2 defaults when there are none), so checking an
/// unknown name costs what checking a real one does.
pub(super) fn make_dummy<'a>(
    hashes: impl Iterator<Item = &'a str>,
) -> Result<String, AccountsError> {
    let mut counts: HashMap<String, (usize, &'a str)> = HashMap::new();
    for phc in hashes {
        if let Ok(h) = PasswordHash::new(phc) {
            let key = format!("{}${:?}${}", h.algorithm, h.version, h.params);
            counts.entry(key).or_insert((0, phc)).0 += 1;
        }
    }
    // Most common first; ties broken by the key so the choice is stable.
    let common = counts
        .iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then_with(|| b.0.cmp(a.0)))
        .map(|(_, (_, phc))| *phc);
    let hasher = match common.and_then(|phc| PasswordHash::new(phc).ok()) {
        Some(h) => {
            let algorithm = Algorithm::try_from(h.algorithm.as_str()).unwrap_or_default();
            let version = h
                .version
                .and_then(|v| Version::try_from(v).ok())
                .unwrap_or_default();
            let params = Params::try_from(&h).unwrap_or_default();
            Argon2::new(algorithm, version, params)
        }
        None => Argon2::default(),
    };
    let secret = password_hash::try_generate_salt()
        .map_err(|e| AccountsError::Hash(format!("no randomness for the dummy hash: {e}")))?;
    hasher
        .hash_password(&secret)
        .map(|h| h.to_string())
        .map_err(|e| AccountsError::Hash(e.to_string()))
}
