//! `ftpc rm [-r] URL`: DELE a file; with `-r` remove a directory tree
//! (children first, then RMD). Without `-r` a directory is refused.

use ftp_proto::{Reply, ReplyCode};

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::{safe_name, Kind};
use crate::url::{join, FtpUrl};

use super::{Context, MAX_DEPTH};

pub fn run(ctx: &Context, url: &FtpUrl, recursive: bool) -> Result<()> {
    let mut client = ctx.connect()?;
    match client.dele(&url.path) {
        Ok(()) => {}
        Err(e @ (ClientError::NotFound { .. } | ClientError::Refused { .. })) => {
            if !client.is_dir(&url.path)? {
                return Err(e);
            }
            if !recursive {
                return Err(ClientError::Refused {
                    what: format!("rm {}", url.path),
                    reply: Reply::new(ReplyCode::FILE_UNAVAILABLE, "is a directory (use -r)"),
                });
            }
            remove_tree(&mut client, &url.path, 0)?;
        }
        Err(e) => return Err(e),
    }
    client.quit();
    Ok(())
}

fn remove_tree(client: &mut FtpClient, dir: &str, depth: usize) -> Result<()> {
    if depth >= MAX_DEPTH {
        return Err(ClientError::Protocol(format!(
            "{dir}: tree deeper than {MAX_DEPTH}"
        )));
    }
    for e in client.list_dir(dir)? {
        if !safe_name(&e.name) {
            return Err(ClientError::UnsafeName(e.name));
        }
        let path = join(dir, &e.name);
        if e.kind == Kind::Dir {
            remove_tree(client, &path, depth + 1)?;
        } else {
            client.dele(&path)?;
        }
    }
    client.rmd(dir)
}
