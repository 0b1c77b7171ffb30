//! Homes that change under a running server: a login opens its home
//! beneath the root each time, so a home swapped for a symlink leading out
//! refuses the next login, and a live session keeps the directory it had.

use crate::support::data::RawData;
use crate::support::raw::RawSession;

use super::{login, server, ALICE_PW, BOB_PW};

#[test]
fn a_home_replaced_by_a_symlink_out_after_startup_refuses_the_login() {
    let s = server(|_| {});
    let outside = s.dir.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir outside");
    std::fs::write(outside.join("secret.txt"), b"TOP SECRET").expect("write secret");
    // Alice logs in before the swap and keeps her own directory.
    std::fs::write(s.path("alice/mine.txt"), b"mine").expect("write");
    let mut live = login(s.addr, "alice", ALICE_PW);
    std::fs::rename(s.path("alice"), s.path("alice.old")).expect("rename home");
    std::os::unix::fs::symlink(&outside, s.path("alice")).expect("symlink home");
    // A new login is refused with a clear reply, not sent outside.
    let mut r = RawSession::connect(s.addr);
    r.expect("USER alice", 331);
    let refused = r.expect(&format!("PASS {ALICE_PW}"), 530);
    assert!(refused.text().contains("Home directory"), "{refused:?}");
    r.expect("PWD", 530);
    // The live session still sees its own files, never the secret.
    assert_eq!(live.retr("mine.txt"), b"mine");
    let t = live.download("RETR secret.txt");
    assert_eq!(t.first.code.0, 550, "{t:?}");
    let names = live.listing("NLST");
    assert!(!names.contains("secret"), "{names}");
    // Bob, whose home was untouched, logs in as before.
    let mut bob = login(s.addr, "bob", BOB_PW);
    assert_eq!(bob.retr("x"), b"bob's file");
}
