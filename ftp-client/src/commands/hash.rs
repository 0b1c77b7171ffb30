//! `ftpc hash [--algo sha256|sha512|sha1|md5|crc32] URL`: the server's
//! digest of a file (HASH, else the X* verb for the algorithm), printed as
//! `sha256sum` prints it (`HEX  path`), so `sha256sum -c` can check a copy.

use ftp_proto::HashAlgo;

use crate::error::{ClientError, Result};
use crate::url::FtpUrl;

use super::Context;

pub fn run(ctx: &Context, url: &FtpUrl, algo: HashAlgo) -> Result<()> {
    if url.path.is_empty() || url.trailing_slash {
        return Err(ClientError::Usage("ftpc hash needs a file URL".into()));
    }
    let mut client = ctx.connect()?;
    if !client.offers_digest(algo) {
        return Err(ClientError::NoDigest { algo: algo.name() });
    }
    let hex = client.remote_digest(&url.path, algo)?;
    client.quit();
    ctx.printer.result(&format!("{hex}  {}", url.path));
    Ok(())
}
