//! `ftpd completions SHELL` and `ftpd man`: a completion script and a roff
//! manual page, both generated from the clap definition of the command
//! line, so they always match the flags.

use std::io::{self, Write};

use clap::CommandFactory;

use super::Cli;

/// Write the completion script for `shell` to standard output.
pub fn print_completions(shell: clap_complete::Shell) -> io::Result<()> {
    // Generated into memory first: clap_complete panics when its writer
    // fails (`ftpd completions bash | head`), a plain write returns the error.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ftpd", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()
}

/// Write the manual page, ftpd(1), to standard output.
pub fn print_man() -> io::Result<()> {
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()
}
