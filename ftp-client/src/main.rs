//! `ftpc`: parse the command line (clap), build the library's arguments, run
//! the subcommand, and map its error to the documented exit code in one place.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

mod cli;

use clap::Parser;
use cli::{Cli, Cmd, TlsWhen};
use ftp_client::commands::{self, get, ls, put, Context};
use ftp_client::exit;
use ftp_client::output::{Printer, Verbosity};
use ftp_client::session::{Credentials, PasswordSources, Target};
use ftp_client::tls::{self, TlsMode, TlsOptions, Verification};
use ftp_client::{netrc, ClientError, ConnectOptions, FtpUrl};

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
    if let Cmd::Sync { src, dst, .. } = &cli.command {
        // Before the URL is parsed: two paths or two URLs is a usage error.
        commands::sync::Direction::from_args(src, dst)?;
    }
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
        mlsd: !cli.no_mlsd,
        tls: tls_options(&cli, &url, printer)?,
        limit_rate: cli.limit_rate,
    };
    let target = Target::new(&url, credentials, options)?;
    let ctx = Context {
        printer,
        target,
        parallel: usize::from(cli.parallel),
        retry: ftp_client::retry::Policy::new(cli.retries),
        preserve_times: !cli.no_preserve_times,
        checksum: cli.checksum,
        warned: Default::default(),
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
        Cmd::Hash { algo, .. } => commands::hash::run(&ctx, &url, algo.wire())?,
        Cmd::Sync {
            delete,
            dry_run,
            src,
            dst,
        } => commands::sync::run(
            &ctx,
            &commands::sync::Args {
                direction: commands::sync::Direction::from_args(&src, &dst)?,
                delete,
                dry_run,
            },
        )?,
        // Answered in main, before any connection.
        Cmd::Completions { .. } | Cmd::Man => {}
    }
    Ok(())
}
