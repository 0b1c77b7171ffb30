//! `ftpc`: parse the command line (clap), build the library's arguments, run
//! the subcommand, and map its error to the documented exit code in one place.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use ftp_client::commands::{self, get, ls, put, Context};
use ftp_client::exit;
use ftp_client::output::{Printer, Verbosity};
use ftp_client::session::{Credentials, PasswordSources, Target};
use ftp_client::tls::{self, TlsMode, TlsOptions, Verification};
use ftp_client::{netrc, ClientError, ConnectOptions, FtpUrl};

/// Upload, download and list files on FTP servers.
#[derive(Parser, Debug)]
#[command(name = "ftpc", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
    /// Log in as USER (overrides the URL's user).
    #[arg(short, long, global = true, value_name = "USER")]
    user: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long, global = true)]
    password_stdin: bool,
    /// Password (prefer this over putting it in the URL).
    #[arg(
        long,
        env = "FTPC_PASSWORD",
        hide_env_values = true,
        global = true,
        hide = true
    )]
    password_env: Option<String>,
    /// Connections for recursive transfers.
    #[arg(short = 'j', long = "parallel", global = true, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    parallel: u16,
    /// Active mode: the server connects back (EPRT/PORT).
    #[arg(long, global = true)]
    active: bool,
    /// Send one command at a time (no EPSV+STOR or SIZE+RNFR in one write),
    /// for servers or firewalls that mishandle pipelined commands.
    #[arg(long, global = true)]
    no_pipelining: bool,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Show the protocol dialogue (password masked).
    #[arg(short, long, global = true)]
    verbose: bool,
    /// No progress bars.
    #[arg(long, global = true)]
    no_progress: bool,
    /// Connect/read timeout in seconds.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Try a transient failure (connection refused, reset or dropped, a
    /// timeout, a 421/425/426/450/451 reply) N more times, waiting 1 s,
    /// 2 s, 4 s ... (at most 30 s) between tries; transfers resume.
    #[arg(long, global = true, default_value_t = ftp_client::retry::DEFAULT_RETRIES,
          value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    retries: u32,
    /// Explicit FTPS for ftp:// URLs: AUTH TLS, then PBSZ 0 and PROT P.
    /// `--tls` requires it; `--tls=auto` uses it when FEAT offers AUTH TLS.
    /// (ftps:// URLs are implicit TLS.)
    #[arg(long, global = true, value_name = "WHEN", value_enum, num_args = 0..=1,
          require_equals = true, default_missing_value = "required")]
    tls: Option<TlsWhen>,
    /// Trust the CA certificates in this PEM file, besides the system's (repeatable).
    #[arg(long, global = true, value_name = "PEM")]
    ca_file: Vec<PathBuf>,
    /// Do not verify the server's certificate (prints a warning).
    #[arg(long, global = true)]
    insecure: bool,
    /// Cap each transfer at RATE bytes per second, as curl's --limit-rate:
    /// K, M or G suffix, 1024-based (512K, 2M).
    #[arg(long, global = true, value_name = "RATE", value_parser = ftp_proto::parse_rate)]
    limit_rate: Option<u64>,
}

/// The values of `--tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TlsWhen {
    /// AUTH TLS or fail with exit code 6.
    Required,
    /// AUTH TLS if the server offers it.
    Auto,
}

#[derive(Subcommand, Debug)]
enum Cmd {
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
    fn url(&self) -> Option<&str> {
        match self {
            Cmd::Ls { url, .. } | Cmd::Get { url, .. } | Cmd::Put { url, .. } => Some(url),
            Cmd::Mkdir { url, .. } | Cmd::Rm { url, .. } | Cmd::Mv { url, .. } => Some(url),
            Cmd::Cat { url } | Cmd::Stat { url } => Some(url),
            Cmd::Completions { .. } | Cmd::Man => None,
        }
    }
}

/// `completions SHELL` and `man`: generated from the clap definition, so
/// they always match the flags. Written from memory, so a closed pipe is
/// an error, not a panic inside clap_complete.
fn print_docs(command: &Cmd) -> std::io::Result<()> {
    use clap::CommandFactory;
    use std::io::Write;
    let mut text = Vec::new();
    match command {
        Cmd::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "ftpc", &mut text)
        }
        _ => clap_mangen::Man::new(Cli::command()).render(&mut text)?,
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&text)?;
    out.flush()
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if cli.command.url().is_none() {
        let code = match print_docs(&cli.command) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("ftpc: {e}");
                exit::OTHER
            }
        };
        std::process::exit(code);
    }
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    if verbosity == Verbosity::Verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            // Our dialogue only; rustls' handshake chatter only when it warns.
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "warn,ftp_client=debug,ftpc=debug",
            ))
            .without_time()
            .with_target(false)
            .with_level(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    ftp_client::signal::install();
    let printer = Printer::new(verbosity, !cli.no_progress);
    let code = match run(cli, &printer) {
        Ok(()) => exit::OK,
        Err(e) => {
            // A ClientError's message already names its cause; other errors
            // print their whole chain.
            let (code, msg) = match e.downcast_ref::<ClientError>() {
                Some(ce) => (ce.exit_code(), ce.to_string()),
                None => (exit::OTHER, format!("{e:#}")),
            };
            printer.error(&format!("ftpc: {msg}"));
            code
        }
    };
    std::process::exit(code);
}

/// The TLS mode from the URL scheme and `--tls`, with the run's one rustls
/// configuration (so every connection shares its roots and verifier).
fn tls_options(cli: &Cli, url: &FtpUrl, printer: &Printer) -> anyhow::Result<Option<TlsOptions>> {
    let flag = cli.tls.map(|w| match w {
        TlsWhen::Required => TlsMode::Explicit,
        TlsWhen::Auto => TlsMode::Auto,
    });
    let Some(mode) = TlsMode::choose(url.tls, flag) else {
        return Ok(None);
    };
    if cli.insecure {
        printer.error(
            "ftpc: warning: --insecure: the server's certificate is not verified; \
             anyone on the path can read and change this session",
        );
    }
    let verification = Verification {
        ca_files: cli.ca_file.clone(),
        insecure: cli.insecure,
    };
    let config = tls::client_config(&verification).map_err(ClientError::from)?;
    Ok(Some(TlsOptions::new(mode, config)))
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn run(cli: Cli, printer: &Printer) -> anyhow::Result<()> {
    let url = FtpUrl::parse(cli.command.url().unwrap_or_default())?;
    let sources = PasswordSources {
        cli_user: cli.user.clone(),
        stdin: if cli.password_stdin {
            Some(read_password_stdin()?)
        } else {
            None
        },
        env: cli.password_env.clone(),
        netrc: netrc::load(),
    };
    let credentials = Credentials::resolve(&url, &sources)?;
    let options = ConnectOptions {
        timeout: Duration::from_secs(cli.timeout),
        active: cli.active,
        pipelining: !cli.no_pipelining,
        tls: tls_options(&cli, &url, printer)?,
        limit_rate: cli.limit_rate,
    };
    let target = Target::new(&url, credentials, options)?;
    let ctx = Context {
        printer,
        target,
        parallel: usize::from(cli.parallel),
        retry: ftp_client::retry::Policy::new(cli.retries),
    };
    match cli.command {
        Cmd::Ls {
            long,
            all,
            recursive,
            json,
            ..
        } => ls::run(
            &ctx,
            &ls::Args {
                url,
                long,
                all,
                recursive,
                json,
            },
        )?,
        Cmd::Get {
            recursive,
            resume,
            output,
            local,
            ..
        } => {
            let output = match (output.as_deref(), local) {
                (Some("-"), _) => get::Output::Stdout,
                (Some(p), _) => get::Output::Path(PathBuf::from(p)),
                (None, Some(p)) => get::Output::Path(p),
                (None, None) => get::Output::Default,
            };
            get::run(
                &ctx,
                &get::Args {
                    url,
                    output,
                    recursive,
                    resume,
                },
            )?
        }
        Cmd::Put {
            recursive,
            resume,
            inplace,
            local,
            ..
        } => {
            if cli.password_stdin && local == "-" {
                anyhow::bail!(ClientError::Usage(
                    "--password-stdin and put - both need stdin".into()
                ));
            }
            let source = if local == "-" {
                put::Source::Stdin
            } else {
                put::Source::Path(PathBuf::from(local))
            };
            put::run(
                &ctx,
                &put::Args {
                    source,
                    url,
                    recursive,
                    resume,
                    inplace,
                },
            )?
        }
        Cmd::Mkdir { parents, .. } => commands::mkdir::run(&ctx, &url, parents)?,
        Cmd::Rm { recursive, .. } => commands::rm::run(&ctx, &url, recursive)?,
        Cmd::Mv { new_path, .. } => commands::mv::run(&ctx, &url, &new_path)?,
        Cmd::Cat { .. } => commands::cat::run(&ctx, &url)?,
        Cmd::Stat { .. } => commands::stat::run(&ctx, &url)?,
        // Answered in main, before any connection.
        Cmd::Completions { .. } | Cmd::Man => {}
    }
    Ok(())
}
