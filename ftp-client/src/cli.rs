//! `ftpc`'s command line, as clap declares it: the global flags, the
//! subcommands and their value enums. Only `main.rs` sees these types; it
//! turns them into the library's arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Upload, download and list files on FTP servers.
#[derive(Parser, Debug)]
#[command(name = "ftpc", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
    /// Log in as USER (overrides the URL's user).
    #[arg(short, long, global = true, value_name = "USER")]
    pub user: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Password (prefer this over putting it in the URL).
    #[arg(
        long,
        env = "FTPC_PASSWORD",
        hide_env_values = true,
        global = true,
        hide = true
    )]
    pub password_env: Option<String>,
    /// Connections for recursive transfers.
    #[arg(short = 'j', long = "parallel", global = true, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Active mode: the server connects back (EPRT/PORT).
    #[arg(long, global = true)]
    pub active: bool,
    /// Send one command at a time (no EPSV+STOR or SIZE+RNFR in one write),
    /// for servers or firewalls that mishandle pipelined commands.
    #[arg(long, global = true)]
    pub no_pipelining: bool,
    /// Ignore MLST/MLSD even when FEAT offers them, and list with LIST
    /// (for servers whose machine listings are broken, or to compare).
    #[arg(long, global = true)]
    pub no_mlsd: bool,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show the protocol dialogue (password masked).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// No progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Connect/read timeout in seconds.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Try a transient failure (connection refused, reset or dropped, a
    /// timeout, a 421/425/426/450/451 reply) N more times, waiting 1 s,
    /// 2 s, 4 s ... (at most 30 s) between tries; transfers resume.
    #[arg(long, global = true, default_value_t = ftp_client::retry::DEFAULT_RETRIES,
          value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: u32,
    /// Explicit FTPS for ftp:// URLs: AUTH TLS, then PBSZ 0 and PROT P.
    /// `--tls` requires it; `--tls=auto` uses it when FEAT offers AUTH TLS.
    /// (ftps:// URLs are implicit TLS.)
    #[arg(long, global = true, value_name = "WHEN", value_enum, num_args = 0..=1,
          require_equals = true, default_missing_value = "required")]
    pub tls: Option<TlsWhen>,
    /// Trust the CA certificates in this PEM file, besides the system's (repeatable).
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,
    /// Do not verify the server's certificate (prints a warning).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Cap each transfer at RATE bytes per second, as curl's --limit-rate:
    /// K, M or G suffix, 1024-based (512K, 2M).
    #[arg(long, global = true, value_name = "RATE", value_parser = ftp_proto::parse_rate)]
    pub limit_rate: Option<u64>,
    /// After each transfer, compare the local digest with the server's
    /// (HASH, or XSHA256/XMD5/...); a mismatch fails and keeps no file.
    /// `sync` also compares files by digest instead of time.
    #[arg(long, global = true)]
    pub checksum: bool,
    /// Do not copy modification times (by default uploads set the remote
    /// time with MFMT or SITE UTIME, and downloads the local one).
    #[arg(long, global = true)]
    pub no_preserve_times: bool,
}

/// The values of `hash --algo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algo {
    Sha256,
    Sha512,
    Sha1,
    Md5,
    Crc32,
}

impl Algo {
    pub fn wire(self) -> ftp_proto::HashAlgo {
        match self {
            Algo::Sha256 => ftp_proto::HashAlgo::Sha256,
            Algo::Sha512 => ftp_proto::HashAlgo::Sha512,
            Algo::Sha1 => ftp_proto::HashAlgo::Sha1,
            Algo::Md5 => ftp_proto::HashAlgo::Md5,
            Algo::Crc32 => ftp_proto::HashAlgo::Crc32,
        }
    }
}

/// The values of `--tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsWhen {
    /// AUTH TLS or fail with exit code 6.
    Required,
    /// AUTH TLS if the server offers it.
    Auto,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// List a directory.
    Ls {
        #[arg(short, long)]
        long: bool,
        #[arg(short, long)]
        all: bool,
        #[arg(short = 'R', long)]
        recursive: bool,
        #[arg(long)]
        json: bool,
        url: String,
    },
    /// Download a file (or a tree with -r).
    Get {
        #[arg(short, long)]
        recursive: bool,
        /// Resume: continue .NAME.ftpc-part (left by an interrupted get), else NAME.
        #[arg(short = 'c', long = "continue")]
        resume: bool,
        /// Write here ("-" for stdout).
        #[arg(short, long, value_name = "PATH", conflicts_with = "local")]
        output: Option<String>,
        url: String,
        local: Option<PathBuf>,
    },
    /// Upload a file, a tree (-r) or stdin ("-").
    Put {
        #[arg(short, long)]
        recursive: bool,
        #[arg(short = 'c', long = "continue")]
        resume: bool,
        /// Write the target directly instead of a temporary name + rename.
        #[arg(long)]
        inplace: bool,
        local: String,
        url: String,
    },
    /// Create a directory.
    Mkdir {
        #[arg(short, long)]
        parents: bool,
        url: String,
    },
    /// Remove a file (or a tree with -r).
    Rm {
        #[arg(short, long)]
        recursive: bool,
        url: String,
    },
    /// Rename or move.
    Mv { url: String, new_path: String },
    /// Write a file to stdout.
    Cat { url: String },
    /// Show type, size and time of a path.
    Stat { url: String },
    /// Print the server's digest of a file, as sha256sum does.
    Hash {
        #[arg(long, value_enum, default_value_t = Algo::Sha256)]
        algo: Algo,
        url: String,
    },
    /// Make DST's tree identical to SRC's; one of them is an ftp:// URL.
    Sync {
        /// Remove files and directories under DST that SRC lacks.
        #[arg(long)]
        delete: bool,
        /// Print what would be done; change nothing.
        #[arg(short = 'n', long)]
        dry_run: bool,
        src: String,
        dst: String,
    },
    /// Print a completion script for SHELL (bash, zsh, fish, ...) on stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout.
    Man,
}

impl Cmd {
    /// The URL the command works on; `None` for the ones that make no
    /// connection (completions, man).
    pub fn url(&self) -> Option<&str> {
        match self {
            Cmd::Ls { url, .. } | Cmd::Get { url, .. } | Cmd::Put { url, .. } => Some(url),
            Cmd::Mkdir { url, .. } | Cmd::Rm { url, .. } | Cmd::Mv { url, .. } => Some(url),
            Cmd::Cat { url } | Cmd::Stat { url } | Cmd::Hash { url, .. } => Some(url),
            // The URL side; `sync::Direction` refuses two or none.
            Cmd::Sync { src, dst, .. } => Some(if ftp_client::commands::sync::is_url(src) {
                src
            } else {
                dst
            }),
            Cmd::Completions { .. } | Cmd::Man => None,
        }
    }
}
