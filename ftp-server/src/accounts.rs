//! Named accounts from a users file (`ftpd --users FILE`): parsing and
//! validating the TOML, checking passwords against argon2id PHC strings,
//! and reloading on SIGHUP.
//!
//! The file is a list of `[[user]]` tables (`name`, `password` as a PHC
//! string, optional `home` relative to the served root, optional `write`).
//! Every mistake an operator can make (unreadable file, TOML syntax, unknown
//! key, bad hash, duplicate name, a home outside the root) is an
//! [`AccountsError`] whose one-line message names the file and the line.
//!
//! Sessions read a snapshot (`Arc<UserDb>`) at login, so a reload swaps the
//! snapshot without touching running sessions, and a reload that fails keeps
//! the old one. Reading and checking the file is in the `file` submodule.
//!
//! Timing: every check of a name runs exactly one argon2 verification. A name
//! that is not in the file is checked against a dummy hash made at load time
//! with the parameters most accounts use, so an unknown user costs what a
//! wrong password costs and login time does not tell which names exist.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

/// Why a users file (or a password to hash) was refused. Every message is
/// one line.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("users file {}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is wrong at `line` (1-based).
    #[error("users file {} line {line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The served root itself cannot be resolved.
    #[error("users file {}: served root {}: {source}", path.display(), root.display())]
    Root {
        path: PathBuf,
        root: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `hash-password` could not read or hash the password.
    #[error("cannot hash password: {0}")]
    Hash(String),
}

/// One account from the users file.
#[derive(Clone)]
pub struct Account {
    pub name: String,
    /// The user's sandbox root, relative to the served root (empty: the
    /// served root itself). Validated at load, checked again at login.
    pub home: PathBuf,
    /// May change files (STOR, DELE, MKD, ...), besides a global `--write`.
    pub write: bool,
    /// `max_rate_down` / `max_rate_up`; where unset, the server's caps apply.
    pub rates: crate::config::Rates,
    /// The argon2 PHC string, already checked to parse.
    hash: String,
}

impl std::fmt::Debug for Account {
    /// Never prints the hash.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("home", &self.home)
            .field("write", &self.write)
            .finish_non_exhaustive()
    }
}

/// What a password check found. `Unknown` and `WrongPassword` took the same
/// work; callers must answer both the same way.
#[derive(Debug)]
pub enum Check {
    Ok(Account),
    WrongPassword,
    Unknown,
}

/// One parsed, validated users file: an immutable snapshot.
pub struct UserDb {
    users: HashMap<String, Account>,
    /// A hash of a random password, checked for names not in the file.
    dummy: String,
}

impl std::fmt::Debug for UserDb {
    /// Names only: no hashes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.users.keys().collect();
        names.sort();
        f.debug_struct("UserDb")
            .field("users", &names)
            .finish_non_exhaustive()
    }
}

impl UserDb {
    /// Parse and validate a users file's `text`. `path` is only used in
    /// messages; homes are checked against `root` on disk.
    pub fn parse(path: &Path, text: &str, root: &Path) -> Result<UserDb, AccountsError> {
        file::parse(path, text, Some(root))
    }

    /// How many accounts the file defines.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Check `password` for `name`. Blocking and slow on purpose (one argon2
    /// verification, whether or not the name exists): run it off the async
    /// workers.
    pub fn check(&self, name: &str, password: &str) -> Check {
        match self.users.get(name) {
            Some(account) if verify(&account.hash, password) => Check::Ok(account.clone()),
            Some(_) => Check::WrongPassword,
            None => {
                // Same work as a real account; the result cannot matter.
                let _ = verify(&self.dummy, password);
                Check::Unknown
            }
        }
    }
}

/// The accounts a running server uses: the current snapshot behind a lock
/// that is held only to clone or swap the `Arc`, plus a cap on concurrent
/// password checks.
pub struct Accounts {
    path: PathBuf,
    /// The served directory homes are checked in; `None` on an object
    /// store, where a home is a key prefix checked at login.
    root: Option<PathBuf>,
    db: RwLock<Arc<UserDb>>,
    /// Each argon2 check takes about 19 MiB and a core for tens of
    /// milliseconds; this bounds how many run at once (PASS floods).
    checks: tokio::sync::Semaphore,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("path", &self.path)
            .field("users", &self.current().len())
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Read and validate `path`; homes are relative to `root`. At most
    /// `max_checks` password checks run at once (at least one).
    pub fn load(path: &Path, root: &Path, max_checks: usize) -> Result<Accounts, AccountsError> {
        Self::load_in(path, Some(root), max_checks)
    }

    /// `load` for a root that is not a local directory (the S3 backend):
    /// homes are checked as paths only here, and for existence at login.
    pub fn load_without_root(path: &Path, max_checks: usize) -> Result<Accounts, AccountsError> {
        Self::load_in(path, None, max_checks)
    }

    fn load_in(
        path: &Path,
        root: Option<&Path>,
        max_checks: usize,
    ) -> Result<Accounts, AccountsError> {
        let db = read_file(path, root)?;
        Ok(Accounts {
            path: path.to_path_buf(),
            root: root.map(Path::to_path_buf),
            db: RwLock::new(Arc::new(db)),
            checks: tokio::sync::Semaphore::new(max_checks.max(1)),
        })
    }

    /// Read the file again and swap it in; on error the current accounts
    /// stay. Returns the new number of accounts. Blocking.
    pub fn reload(&self) -> Result<usize, AccountsError> {
        let db = read_file(&self.path, self.root.as_deref())?;
        let n = db.len();
        *self.db.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(db);
        Ok(n)
    }

    /// The current snapshot (what a login now sees).
    pub fn current(&self) -> Arc<UserDb> {
        self.db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The users file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `UserDb::check` on a blocking thread, at most `max_checks` at once.
    pub async fn check(&self, name: &str, password: String) -> Check {
        let db = self.current();
        // The semaphore is never closed; if it were, check anyway.
        let _permit = self.checks.acquire().await.ok();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || db.check(&name, &password))
            .await
            .unwrap_or(Check::WrongPassword)
    }
}

/// Reload `accounts` on every SIGHUP, forever. `hup` is created by the caller
/// before it announces readiness, so an early SIGHUP is not fatal.
pub async fn reload_on(accounts: Arc<Accounts>, mut hup: tokio::signal::unix::Signal) {
    while hup.recv().await.is_some() {
        reload_logged(&accounts).await;
    }
}

/// Reload the users file once, off the async workers, and log the outcome.
pub async fn reload_logged(accounts: &Arc<Accounts>) {
    let acc = accounts.clone();
    let file = accounts.path().display().to_string();
    match tokio::task::spawn_blocking(move || acc.reload()).await {
        Ok(Ok(users)) => tracing::info!(%file, users, "SIGHUP: users file reloaded"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "SIGHUP: users file not reloaded; keeping the old accounts")
        }
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP: reload failed; keeping the old accounts")
        }
    }
}

/// `ftpd hash-password`: read one line from `input` (without its line end)
/// and return its argon2id PHC string, made with the crate's default
/// parameters and a random salt.
pub fn hash_password_from(input: impl BufRead) -> Result<String, AccountsError> {
    let mut input = input;
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| AccountsError::Hash(format!("cannot read standard input: {e}")))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    hash_password(password)
}

/// The argon2id PHC string of `password` (random salt, default parameters).
pub fn hash_password(password: &str) -> Result<String, AccountsError> {
    if password.is_empty() {
        return Err(AccountsError::Hash("empty password".into()));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AccountsError::Hash(e.to_string()))
}

fn read_file(path: &Path, root: Option<&Path>) -> Result<UserDb, AccountsError> {
    let text = std::fs::read_to_string(path).map_err(|source| AccountsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    file::parse(path, &text, root)
}

/// Does `password` match the PHC string `hash`? Any error is a mismatch.
fn verify(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

mod file;
#[cfg(test)]
mod tests;
