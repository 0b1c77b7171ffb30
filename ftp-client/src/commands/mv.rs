//! `ftpc mv URL NEWPATH`: RNFR/RNTO. A NEWPATH without `/` renames within the
//! source's directory; one with `/` is a path like a URL path (relative to the
//! login directory, or absolute); an `ftp://` NEWPATH uses its path.

use crate::error::{ClientError, Result};
use crate::url::{check_arg, join, parent, FtpUrl};

use super::Context;

/// Where NEWPATH points, given the source path.
pub fn destination(source: &str, new_path: &str) -> Result<String> {
    check_arg("NEWPATH", new_path)?;
    if new_path.starts_with("ftp://") || new_path.starts_with("ftps://") {
        return Ok(FtpUrl::parse(new_path)?.path);
    }
    if new_path.is_empty() {
        return Err(ClientError::Usage("NEWPATH is empty".into()));
    }
    if new_path.contains('/') {
        Ok(new_path.trim_end_matches('/').to_string())
    } else {
        Ok(join(parent(source), new_path))
    }
}

pub fn run(ctx: &Context, url: &FtpUrl, new_path: &str) -> Result<()> {
    let to = destination(&url.path, new_path)?;
    let mut client = ctx.connect()?;
    client.rename(&url.path, &to)?;
    client.quit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_name_stays_in_the_same_directory() {
        assert_eq!(destination("d/a.txt", "b.txt").unwrap(), "d/b.txt");
        assert_eq!(destination("a.txt", "b.txt").unwrap(), "b.txt");
    }

    #[test]
    fn path_with_slash_is_taken_as_is() {
        assert_eq!(destination("d/a.txt", "e/b.txt").unwrap(), "e/b.txt");
        assert_eq!(destination("d/a.txt", "/abs/b").unwrap(), "/abs/b");
    }

    #[test]
    fn url_newpath_uses_its_path() {
        assert_eq!(destination("a", "ftp://h/x/y").unwrap(), "x/y");
    }

    #[test]
    fn newpath_with_crlf_is_refused() {
        assert!(matches!(
            destination("a", "b\r\nDELE c"),
            Err(ClientError::Usage(_))
        ));
    }
}
