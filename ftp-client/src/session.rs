//! Who to log in as and how to open a ready connection: `Credentials` are
//! resolved once from the URL, `-u`, `--password-stdin`, `FTPC_PASSWORD` and
//! `~/.netrc` (in that order), and `Target::connect` yields a logged-in
//! `FtpClient`. Parallel transfers call `connect` once per worker.

use crate::client::{ConnectOptions, FtpClient};
use crate::error::Result;
use crate::netrc::{self, NetrcEntry};
use crate::url::FtpUrl;

/// User name and password for one server.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"****")
            .finish()
    }
}

/// Password sources other than the URL, gathered by the binary.
#[derive(Debug, Default, Clone)]
pub struct PasswordSources {
    /// `-u USER`.
    pub cli_user: Option<String>,
    /// The first line of stdin, with `--password-stdin`.
    pub stdin: Option<String>,
    /// `FTPC_PASSWORD`.
    pub env: Option<String>,
    /// Parsed `~/.netrc`.
    pub netrc: Vec<NetrcEntry>,
}

impl Credentials {
    /// Resolve who to log in as. `-u` overrides the URL's user; the password
    /// comes from the URL, then stdin, then the environment, then netrc.
    /// With no user anywhere, log in as `anonymous`.
    pub fn resolve(url: &FtpUrl, sources: &PasswordSources) -> Result<Credentials> {
        let mut user = sources.cli_user.clone().or_else(|| url.user.clone());
        let netrc_entry = netrc::lookup(&sources.netrc, &url.host, user.as_deref());
        if user.is_none() {
            user = netrc_entry.and_then(|e| e.login.clone());
        }
        let password = url
            .password
            .clone()
            .or_else(|| sources.stdin.clone())
            .or_else(|| sources.env.clone())
            .or_else(|| netrc_entry.and_then(|e| e.password.clone()));
        let creds = match user {
            Some(user) => Credentials {
                user,
                password: password.unwrap_or_default(),
            },
            None => Credentials {
                user: "anonymous".into(),
                password: password.unwrap_or_else(|| "ftpc@".into()),
            },
        };
        crate::url::check_arg("user name", &creds.user)?;
        crate::url::check_arg("password", &creds.password)?;
        Ok(creds)
    }
}

/// Everything needed to open another logged-in connection.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub credentials: Credentials,
    pub options: ConnectOptions,
}

impl Target {
    /// `options.tls` decides TLS; the binary sets it from the URL scheme
    /// and `--tls` (see `TlsMode::choose`).
    pub fn new(url: &FtpUrl, credentials: Credentials, options: ConnectOptions) -> Result<Target> {
        Ok(Target {
            host: url.host.clone(),
            port: url.port,
            credentials,
            options,
        })
    }

    /// Connect and log in.
    pub fn connect(&self) -> Result<FtpClient> {
        let mut client = FtpClient::connect(&self.host, self.port, self.options.clone())?;
        client.login(&self.credentials.user, &self.credentials.password)?;
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ClientError;

    fn url(s: &str) -> FtpUrl {
        FtpUrl::parse(s).unwrap()
    }

    #[test]
    fn anonymous_without_any_user() {
        let c = Credentials::resolve(&url("ftp://h/"), &PasswordSources::default()).unwrap();
        assert_eq!(c.user, "anonymous");
    }

    #[test]
    fn url_password_beats_env_and_stdin() {
        let s = PasswordSources {
            stdin: Some("in".into()),
            env: Some("env".into()),
            ..Default::default()
        };
        let c = Credentials::resolve(&url("ftp://u:url@h/"), &s).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("u", "url"));
        let c = Credentials::resolve(&url("ftp://u@h/"), &s).unwrap();
        assert_eq!(c.password, "in");
    }

    #[test]
    fn cli_user_and_env_password() {
        let s = PasswordSources {
            cli_user: Some("bob".into()),
            env: Some("pw".into()),
            ..Default::default()
        };
        let c = Credentials::resolve(&url("ftp://alice@h/"), &s).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("bob", "pw"));
    }

    #[test]
    fn netrc_supplies_user_and_password() {
        let s = PasswordSources {
            netrc: netrc::parse("machine h login nick password npw"),
            ..Default::default()
        };
        let c = Credentials::resolve(&url("ftp://h/"), &s).unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("nick", "npw"));
    }

    #[test]
    fn password_with_line_break_is_refused() {
        let s = PasswordSources {
            env: Some("pw\r\nDELE x".into()),
            ..Default::default()
        };
        assert!(matches!(
            Credentials::resolve(&url("ftp://u@h/"), &s),
            Err(ClientError::Usage(_))
        ));
    }

    #[test]
    fn debug_masks_password() {
        let c = Credentials {
            user: "u".into(),
            password: "secret".into(),
        };
        assert!(!format!("{c:?}").contains("secret"));
    }
}
