//! `ftpc cat URL` (and `get -o -`): RETR straight to stdout, nothing else on it.

use std::io::Write;

use crate::error::Result;
use crate::url::FtpUrl;

use super::Context;

pub fn run(ctx: &Context, url: &FtpUrl) -> Result<()> {
    let mut client = ctx.connect()?;
    let expected = client.size(&url.path)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let got = client.retrieve(&url.path, 0, &mut out, &mut |_| {})?;
    out.flush()
        .map_err(|e| crate::error::ClientError::local("stdout", e))?;
    crate::transfer::check_size(&url.path, expected, got)?;
    client.quit();
    let _ = ctx;
    Ok(())
}
