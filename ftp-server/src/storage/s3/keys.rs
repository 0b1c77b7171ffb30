//! The S3 backend's sandbox chokepoint: the one place a `VirtualPath`
//! becomes an object key. Every key the backend touches is `base` (the
//! bucket prefix, plus a user's home) followed by the path's components,
//! so nothing outside the prefix can be named, whatever the client sends:
//! `VirtualPath` has already folded `.`/`..` and empty components away,
//! and each component is checked again here (no control characters, no
//! `/`, not `.` or `..`) so a key never needs escaping to stay inside.

use object_store::path::{Path, PathPart};

use crate::storage::{StorageError, VirtualPath};

/// The key space of one sandbox root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Keys {
    /// `""` (the whole bucket) or `"pre/fix/"`, always ending in `/`.
    base: String,
}

impl Keys {
    /// The key space under `prefix` (`""` for the whole bucket). Leading and
    /// trailing slashes are ignored; an empty, `.` or `..` segment, or a
    /// control character, is refused.
    pub(super) fn new(prefix: &str) -> Result<Keys, String> {
        let trimmed = prefix.trim_matches('/');
        if trimmed.is_empty() {
            return Ok(Keys {
                base: String::new(),
            });
        }
        for part in trimmed.split('/') {
            if part.is_empty() {
                return Err(format!("prefix {prefix:?} has an empty segment"));
            }
            PathPart::parse(part).map_err(|e| format!("prefix {prefix:?}: {e}"))?;
        }
        Ok(Keys {
            base: format!("{trimmed}/"),
        })
    }

    /// The key space of the directory `home` inside this one.
    pub(super) fn scoped(&self, home: &VirtualPath) -> Result<Keys, StorageError> {
        Ok(Keys {
            base: self.dir_prefix(home)?,
        })
    }

    /// The bucket prefix, `""` or ending in `/`.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// The object key of the file at `path` (the root is a directory).
    pub(super) fn file(&self, path: &VirtualPath) -> Result<Path, StorageError> {
        if path.is_root() {
            return Err(StorageError::IsADirectory);
        }
        let key = self.key(path)?;
        Path::parse(&key).map_err(|_| StorageError::InvalidName)
    }

    /// The key prefix of the directory at `path`: `base` for the root,
    /// otherwise the file key plus `/` (also the directory marker's key).
    pub(super) fn dir_prefix(&self, path: &VirtualPath) -> Result<String, StorageError> {
        if path.is_root() {
            return Ok(self.base.clone());
        }
        let mut key = self.key(path)?;
        key.push('/');
        Ok(key)
    }

    fn key(&self, path: &VirtualPath) -> Result<String, StorageError> {
        let rel = path.relative();
        for part in rel.split('/') {
            if part.is_empty() || PathPart::parse(part).is_err() {
                return Err(StorageError::InvalidName);
            }
        }
        Ok(format!("{}{rel}", self.base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vp(s: &str) -> VirtualPath {
        VirtualPath::root().resolve(s).unwrap()
    }

    #[test]
    fn keys_stay_under_the_prefix_whatever_the_client_sends() {
        let k = Keys::new("/tenant/a/").unwrap();
        assert_eq!(k.base(), "tenant/a/");
        for (arg, key) in [
            ("x", "tenant/a/x"),
            ("/d/x", "tenant/a/d/x"),
            ("../../../etc/passwd", "tenant/a/etc/passwd"),
            ("/../x", "tenant/a/x"),
            ("d/./../x", "tenant/a/x"),
            ("%2e%2e/x", "tenant/a/%2e%2e/x"),
            ("a b/é", "tenant/a/a b/é"),
        ] {
            assert_eq!(k.file(&vp(arg)).unwrap().as_ref(), key, "{arg}");
        }
        assert_eq!(k.dir_prefix(&vp("/")).unwrap(), "tenant/a/");
        assert_eq!(k.dir_prefix(&vp("d")).unwrap(), "tenant/a/d/");
        assert!(matches!(
            k.file(&VirtualPath::root()),
            Err(StorageError::IsADirectory)
        ));
    }

    #[test]
    fn control_characters_and_bad_prefixes_are_refused() {
        let k = Keys::new("").unwrap();
        assert_eq!(k.base(), "");
        assert_eq!(k.file(&vp("x")).unwrap().as_ref(), "x");
        assert!(matches!(
            k.file(&vp("a\u{1}b")),
            Err(StorageError::InvalidName)
        ));
        assert!(Keys::new("a//b").is_err());
        assert!(Keys::new("a/../b").is_err());
        assert!(Keys::new("a/\nb").is_err());
    }

    #[test]
    fn a_scoped_home_is_a_prefix_inside_the_prefix() {
        let k = Keys::new("p").unwrap().scoped(&vp("/home/alice")).unwrap();
        assert_eq!(k.base(), "p/home/alice/");
        assert_eq!(k.file(&vp("../../x")).unwrap().as_ref(), "p/home/alice/x");
    }
}
