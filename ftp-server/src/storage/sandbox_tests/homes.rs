//! Homes: a user's home is a scoped view made by `Storage::scope`, through
//! the same chokepoint as every other path. A home that is a symlink out,
//! that names `..`, or that is replaced after startup never leads outside;
//! and inside a home, the rest of the served root is as unreachable as the
//! host is from the root.

use super::*;

fn vp(p: &str) -> VirtualPath {
    VirtualPath::root().resolve(p).unwrap()
}

#[test]
fn a_symlinked_home_pointing_outside_is_refused() {
    let fx = fixture();
    for home in [
        "link_outside_dir",
        "abs_outside",
        "link_etc",
        "sub/upup",
        "chain1",
    ] {
        let r = run(fx.storage.scope(&vp(home)));
        assert!(r.is_err(), "{home}: scoped outside");
    }
}

#[test]
fn dot_dot_in_a_home_stays_below_the_root() {
    let fx = fixture();
    // `..` cannot even be named: it clamps at the root, so "../outside"
    // is the root's own "outside", which does not exist.
    for home in ["../outside", "/../../outside", "sub/../../outside"] {
        let p = vp(home);
        assert_eq!(p.as_str(), "/outside", "{home}");
        assert!(matches!(
            run(fx.storage.scope(&p)),
            Err(StorageError::NotFound)
        ));
    }
    // A home that is a file is no home.
    assert!(run(fx.storage.scope(&vp("file.txt"))).is_err());
}

#[test]
fn inside_a_home_the_rest_of_the_root_is_unreachable() {
    let fx = fixture();
    let home = run(fx.storage.scope(&vp("sub"))).unwrap();
    let h: &dyn Storage = home.as_ref();
    // sub/up -> .. is inside the served root but outside this home.
    for escape in [
        "up",
        "up/file.txt",
        "/../file.txt",
        "upup",
        "chain3",
        "../../outside/secret.txt",
    ] {
        let p = vp(escape);
        assert!(read_all(h, &p).is_err(), "{escape}: read");
        assert!(run(h.metadata(&p)).is_err(), "{escape}: metadata");
        assert!(list_all(h, &p).is_err(), "{escape}: list");
        assert!(run(h.scope(&p)).is_err(), "{escape}: scope");
    }
    for dir in ["up", "upup", "up/sub"] {
        let p = vp(dir).join("new").unwrap();
        assert!(
            put(h, &p, WriteMode::CreateNew, b"x", true).is_err(),
            "{dir}/new"
        );
        assert!(run(h.create_dir(&p)).is_err(), "{dir}/new: mkdir");
    }
    assert!(!fx.root.join("new").exists());
    assert!(!fx.outside.join("new").exists());
    let names: BTreeMap<String, FileKind> = list_all(h, &VirtualPath::root())
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.meta.kind))
        .collect();
    assert_eq!(names["inner"], FileKind::Dir);
    // Seen from the home, the link to its parent escapes: shown as a link.
    assert_eq!(names["up"], FileKind::Symlink);
    // And the home's own paths work.
    put(h, &vp("inner/mine.txt"), WriteMode::Replace, b"mine", true).unwrap();
    assert_eq!(
        std::fs::read(fx.root.join("sub/inner/mine.txt")).unwrap(),
        b"mine"
    );
}

#[test]
fn a_home_replaced_after_startup() {
    let fx = fixture();
    std::fs::create_dir(fx.root.join("alice")).unwrap();
    std::fs::write(fx.root.join("alice/a.txt"), b"alice's").unwrap();
    let live = run(fx.storage.scope(&vp("alice"))).unwrap();
    // The home is moved away and replaced by a symlink leading out.
    std::fs::rename(fx.root.join("alice"), fx.root.join("alice.old")).unwrap();
    symlink(&fx.outside, fx.root.join("alice")).unwrap();
    // A new login is refused...
    assert!(run(fx.storage.scope(&vp("alice"))).is_err());
    // ...and a live session keeps its own directory, never the new target.
    let names: Vec<String> = list_all(live.as_ref(), &VirtualPath::root())
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["a.txt"]);
    assert!(read_all(live.as_ref(), &vp("secret.txt")).is_err());
    // Replaced by a real directory again: the next login sees the new one.
    std::fs::remove_file(fx.root.join("alice")).unwrap();
    std::fs::create_dir(fx.root.join("alice")).unwrap();
    std::fs::write(fx.root.join("alice/b.txt"), b"new").unwrap();
    let fresh = run(fx.storage.scope(&vp("alice"))).unwrap();
    assert_eq!(read_all(fresh.as_ref(), &vp("b.txt")).unwrap(), b"new");
}
