//! `VirtualPath`: the only way a client-supplied path reaches storage.
//!
//! A virtual path is what the client sees: `/`-separated, rooted at the
//! sandbox root, always normalised (no `.`, `..` or empty components, no
//! trailing slash except the root itself). Because `..` is folded away here
//! and clamps at the root, no virtual path can even *name* something above
//! the root; symlinks are a separate matter that the storage backend leaves to
//! the OS-level resolution of cap-std.
//!
//! There is no percent-decoding: FTP sends raw bytes, so `%2e%2e` is a file
//! literally called `%2e%2e`.

use std::fmt;

/// Why a client-supplied path or name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A NUL byte cannot be passed to the OS and is never a real name.
    #[error("path contains a nul byte")]
    Nul,
    /// A single component that is empty, `.`, `..`, or contains `/`.
    #[error("invalid file name")]
    InvalidName,
}

/// A normalised, rooted, `/`-separated path inside the sandbox.
///
/// Invariant: the string starts with `/`; it is either exactly `/` or a
/// sequence of `/component` where no component is empty, `.`, `..`, or
/// contains `/` or NUL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VirtualPath(String);

impl VirtualPath {
    /// The sandbox root, `/`.
    pub fn root() -> Self {
        VirtualPath(String::from("/"))
    }

    /// The path as the client sees it: `/` or `/a/b`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// Resolve `arg` (as sent by the client) against `self`, the current
    /// directory. Absolute arguments start from the root. `.` and empty
    /// components are dropped, `..` removes the previous component and clamps
    /// at the root (going above the root is not an error: it stays at `/`,
    /// as on a chrooted Unix system).
    pub fn resolve(&self, arg: &str) -> Result<VirtualPath, PathError> {
        if arg.contains('\0') {
            return Err(PathError::Nul);
        }
        let mut parts: Vec<&str> = if arg.starts_with('/') {
            Vec::new()
        } else {
            self.components().collect()
        };
        for part in arg.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                name => parts.push(name),
            }
        }
        Ok(Self::from_components(&parts))
    }

    /// Append one component. Refuses anything that is not a plain name:
    /// empty, `.`, `..`, or containing `/` or NUL.
    pub fn join(&self, name: &str) -> Result<VirtualPath, PathError> {
        if name.contains('\0') {
            return Err(PathError::Nul);
        }
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return Err(PathError::InvalidName);
        }
        let mut s = String::with_capacity(self.0.len() + 1 + name.len());
        if !self.is_root() {
            s.push_str(&self.0);
        }
        s.push('/');
        s.push_str(name);
        Ok(VirtualPath(s))
    }

    /// The containing directory; `None` for the root.
    pub fn parent(&self) -> Option<VirtualPath> {
        if self.is_root() {
            return None;
        }
        // The invariant guarantees a '/' exists; index 0 means the parent is root.
        match self.0.rfind('/') {
            Some(0) | None => Some(Self::root()),
            Some(i) => Some(VirtualPath(self.0[..i].to_owned())),
        }
    }

    /// The last component; `None` for the root.
    pub fn file_name(&self) -> Option<&str> {
        if self.is_root() {
            return None;
        }
        self.0.rsplit('/').next()
    }

    /// The path without its leading slash (`""` for the root), for APIs such
    /// as cap-std that take paths relative to the root directory handle.
    pub fn relative(&self) -> &str {
        &self.0[1..]
    }

    fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    fn from_components(parts: &[&str]) -> Self {
        if parts.is_empty() {
            return Self::root();
        }
        let mut s = String::new();
        for p in parts {
            s.push('/');
            s.push_str(p);
        }
        VirtualPath(s)
    }
}

impl Default for VirtualPath {
    fn default() -> Self {
        Self::root()
    }
}

impl fmt::Display for VirtualPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(p: &str) -> VirtualPath {
        VirtualPath::root().resolve(p).unwrap()
    }

    #[test]
    fn root_is_slash() {
        let r = VirtualPath::root();
        assert_eq!(r.as_str(), "/");
        assert!(r.is_root());
        assert_eq!(r.relative(), "");
        assert_eq!(r.to_string(), "/");
    }

    #[test]
    fn resolve_absolute_ignores_cwd() {
        assert_eq!(at("/a/b").resolve("/x").unwrap().as_str(), "/x");
    }

    #[test]
    fn resolve_relative_appends_to_cwd() {
        assert_eq!(at("/a").resolve("b/c").unwrap().as_str(), "/a/b/c");
    }

    #[test]
    fn resolve_empty_is_cwd() {
        assert_eq!(at("/a/b").resolve("").unwrap().as_str(), "/a/b");
    }

    #[test]
    fn resolve_dot_is_cwd() {
        assert_eq!(at("/a").resolve(".").unwrap().as_str(), "/a");
        assert_eq!(at("/a").resolve("./b/./").unwrap().as_str(), "/a/b");
    }

    #[test]
    fn resolve_dotdot_goes_up() {
        assert_eq!(at("/a/b").resolve("..").unwrap().as_str(), "/a");
        assert_eq!(at("/a/b").resolve("../c").unwrap().as_str(), "/a/c");
    }

    #[test]
    fn resolve_dotdot_clamps_at_root() {
        assert!(VirtualPath::root().resolve("..").unwrap().is_root());
        assert!(at("/a").resolve("../../..").unwrap().is_root());
        assert!(VirtualPath::root().resolve("/../").unwrap().is_root());
    }

    #[test]
    fn resolve_dotdot_then_name_stays_inside() {
        assert_eq!(
            at("/a").resolve("../../../etc/passwd").unwrap().as_str(),
            "/etc/passwd"
        );
        assert_eq!(
            VirtualPath::root().resolve("a/../../b").unwrap().as_str(),
            "/b"
        );
    }

    #[test]
    fn resolve_collapses_repeated_slashes() {
        assert_eq!(
            VirtualPath::root().resolve("//a///b//").unwrap().as_str(),
            "/a/b"
        );
    }

    #[test]
    fn resolve_trailing_slash_dropped() {
        assert_eq!(VirtualPath::root().resolve("/a/").unwrap().as_str(), "/a");
    }

    #[test]
    fn resolve_only_slashes_is_root() {
        assert!(at("/a").resolve("////").unwrap().is_root());
    }

    #[test]
    fn resolve_nul_is_error() {
        assert_eq!(VirtualPath::root().resolve("a\0b"), Err(PathError::Nul));
    }

    #[test]
    fn resolve_percent_encoding_is_literal() {
        assert_eq!(
            VirtualPath::root().resolve("%2e%2e").unwrap().as_str(),
            "/%2e%2e"
        );
    }

    #[test]
    fn resolve_four_dots_is_a_name() {
        assert_eq!(
            VirtualPath::root().resolve("....//").unwrap().as_str(),
            "/...."
        );
    }

    #[test]
    fn resolve_dots_inside_names_kept() {
        assert_eq!(at("/a").resolve("..b/c..").unwrap().as_str(), "/a/..b/c..");
    }

    #[test]
    fn resolve_backslash_is_literal() {
        assert_eq!(
            VirtualPath::root().resolve("..\\x").unwrap().as_str(),
            "/..\\x"
        );
    }

    #[test]
    fn resolve_keeps_spaces_and_control_chars() {
        assert_eq!(
            VirtualPath::root().resolve(" a b ").unwrap().as_str(),
            "/ a b "
        );
        assert_eq!(
            VirtualPath::root().resolve("a\r\nb").unwrap().as_str(),
            "/a\r\nb"
        );
    }

    #[test]
    fn join_appends_one_component() {
        assert_eq!(VirtualPath::root().join("a").unwrap().as_str(), "/a");
        assert_eq!(at("/a").join("b").unwrap().as_str(), "/a/b");
    }

    #[test]
    fn join_refuses_empty() {
        assert_eq!(VirtualPath::root().join(""), Err(PathError::InvalidName));
    }

    #[test]
    fn join_refuses_dot_and_dotdot() {
        assert_eq!(at("/a").join("."), Err(PathError::InvalidName));
        assert_eq!(at("/a").join(".."), Err(PathError::InvalidName));
    }

    #[test]
    fn join_refuses_slash() {
        assert_eq!(at("/a").join("b/c"), Err(PathError::InvalidName));
        assert_eq!(at("/a").join("/"), Err(PathError::InvalidName));
    }

    #[test]
    fn join_refuses_nul() {
        assert_eq!(at("/a").join("b\0"), Err(PathError::Nul));
    }

    #[test]
    fn parent_of_root_is_none() {
        assert_eq!(VirtualPath::root().parent(), None);
    }

    #[test]
    fn parent_of_top_level_is_root() {
        assert!(at("/a").parent().unwrap().is_root());
    }

    #[test]
    fn parent_of_nested() {
        assert_eq!(at("/a/b/c").parent().unwrap().as_str(), "/a/b");
    }

    #[test]
    fn file_name_of_root_is_none() {
        assert_eq!(VirtualPath::root().file_name(), None);
    }

    #[test]
    fn file_name_is_last_component() {
        assert_eq!(at("/a/b.txt").file_name(), Some("b.txt"));
        assert_eq!(at("/a").file_name(), Some("a"));
    }

    #[test]
    fn relative_strips_leading_slash() {
        assert_eq!(at("/a/b").relative(), "a/b");
    }

    #[test]
    fn display_matches_as_str() {
        assert_eq!(at("/a/b").to_string(), "/a/b");
    }

    #[test]
    fn resolve_join_parent_round_trip() {
        let p = at("/x/y").join("z").unwrap();
        assert_eq!(p.parent().unwrap(), at("/x/y"));
        assert_eq!(p.resolve("..").unwrap(), at("/x/y"));
    }
}
