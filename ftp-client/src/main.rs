//! `ftpc`: parse the command line (clap), build the library's arguments, run
//! the subcommand, and map its error to the documented exit code in one place.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ftp_client::commands::{self, get, ls, put, Context};
use ftp_client::error::exit;
use ftp_client::output::{Printer, Verbosity};
use ftp_client::session::{Credentials, PasswordSources, Target};
use ftp_client::{netrc, ClientError, ConnectOptions, FtpUrl};

/// Upload, download and list files on FTP servers.
#[derive(Parser, Debug)]
#[command(name = "ftpc", version, about)]
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
}

impl Cmd {
    fn url(&self) -> &str {
        match self {
            Cmd::Ls { url, .. } | Cmd::Get { url, .. } | Cmd::Put { url, .. } => url,
            Cmd::Mkdir { url, .. } | Cmd::Rm { url, .. } | Cmd::Mv { url, .. } => url,
            Cmd::Cat { url } | Cmd::Stat { url } => url,
        }
    }
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
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    if verbosity == Verbosity::Verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::DEBUG)
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
            let code = e
                .downcast_ref::<ClientError>()
                .map_or(exit::OTHER, ClientError::exit_code);
            printer.error(&format!("ftpc: {e:#}"));
            code
        }
    };
    std::process::exit(code);
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn run(cli: Cli, printer: &Printer) -> anyhow::Result<()> {
    let url = FtpUrl::parse(cli.command.url())?;
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
    };
    let target = Target::new(&url, credentials, options)?;
    let ctx = Context {
        printer,
        target,
        parallel: usize::from(cli.parallel),
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
    }
    Ok(())
}
