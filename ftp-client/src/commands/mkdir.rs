//! `ftpc mkdir [-p] URL`: MKD, or with `-p` every missing parent too (an
//! existing directory is then not an error).

use crate::client::FtpClient;
use crate::error::Result;
use crate::url::FtpUrl;

use super::Context;

pub fn run(ctx: &Context, url: &FtpUrl, parents: bool) -> Result<()> {
    let mut client = ctx.connect()?;
    if parents {
        make_parents(&mut client, &url.path)?;
    } else {
        client.mkd(&url.path)?;
    }
    client.quit();
    Ok(())
}

/// `mkdir -p`: MKD each prefix, ignoring failures; succeed if the directory
/// exists at the end, else report the last MKD failure.
pub fn make_parents(client: &mut FtpClient, path: &str) -> Result<()> {
    let mut prefix = String::new();
    let mut last = Ok(());
    for (i, part) in path.split('/').enumerate() {
        if i > 0 || path.starts_with('/') {
            prefix.push('/');
        }
        prefix.push_str(part);
        if part.is_empty() || part == "." {
            continue;
        }
        last = client.mkd(&prefix);
    }
    match last {
        Ok(()) => Ok(()),
        Err(e) => {
            if client.is_dir(path)? {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}
