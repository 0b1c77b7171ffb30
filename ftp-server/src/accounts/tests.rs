//! Users-file parsing, validation (each error with its line), password
//! checks, reload and `hash-password`.

use super::file::{check_hash, line_of};
use super::*;
use argon2::{Algorithm, Params, Version};
use std::sync::OnceLock;

/// One argon2id hash of "secret", made once for all tests (hashing is slow).
fn secret_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("secret").unwrap())
}

/// A temp dir holding `root/` with homes `alice/` and `bob/`.
fn tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("alice")).unwrap();
    std::fs::create_dir_all(root.join("bob")).unwrap();
    (dir, root)
}

fn parse(text: &str, root: &Path) -> Result<UserDb, AccountsError> {
    UserDb::parse(Path::new("/etc/ftpd/users.toml"), text, root)
}

/// Parse `text`, expect an `Invalid` error, return (line, message).
fn invalid(text: &str, root: &Path) -> (usize, String) {
    match parse(text, root) {
        Err(AccountsError::Invalid { line, message, .. }) => (line, message),
        Err(e) => panic!("expected an invalid-file error, got {e}"),
        Ok(db) => panic!("expected an error, parsed {} users", db.len()),
    }
}

fn user(name: &str, extra: &str) -> String {
    format!(
        "[[user]]\nname = \"{name}\"\npassword = \"{}\"\n{extra}",
        secret_hash()
    )
}

#[test]
fn good_file_checks_passwords() {
    let (_d, root) = tree();
    let text = format!(
        "{}\n{}",
        user("alice", "home = \"alice\"\nwrite = true\n"),
        user("bob", "home = \"bob/\"\n")
    );
    let db = parse(&text, &root).unwrap();
    assert_eq!(db.len(), 2);
    match db.check("alice", "secret") {
        Check::Ok(a) => {
            assert_eq!(a.home, Path::new("alice"));
            assert!(a.write);
        }
        other => panic!("{other:?}"),
    }
    match db.check("bob", "secret") {
        Check::Ok(b) => assert!(!b.write, "write defaults to false"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(db.check("alice", "wrong"), Check::WrongPassword));
    assert!(matches!(db.check("alice", ""), Check::WrongPassword));
    assert!(matches!(db.check("carol", "secret"), Check::Unknown));
    assert!(matches!(db.check("Alice", "secret"), Check::Unknown));
}

#[test]
fn no_home_means_the_root_and_empty_file_has_no_users() {
    let (_d, root) = tree();
    let db = parse(&user("carol", ""), &root).unwrap();
    match db.check("carol", "secret") {
        Check::Ok(c) => assert_eq!(c.home, PathBuf::new()),
        other => panic!("{other:?}"),
    }
    let db = parse("", &root).unwrap();
    assert!(db.is_empty());
    assert!(matches!(db.check("carol", "secret"), Check::Unknown));
}

#[test]
fn toml_syntax_error_names_its_line() {
    let (_d, root) = tree();
    let text = format!("{}\n[[user]\nname = \"x\"\n", user("alice", ""));
    let (line, message) = invalid(&text, &root);
    assert_eq!(line, 5, "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn missing_field_and_unknown_key_are_errors() {
    let (_d, root) = tree();
    let (line, message) = invalid("# users\n\n[[user]]\nname = \"alice\"\n", &root);
    assert!(message.contains("password"), "{message}");
    assert!(line >= 3, "line {line}: {message}");
    let (line, message) = invalid(&user("alice", "writ = true\n"), &root);
    assert_eq!(line, 4, "{message}");
    assert!(message.contains("writ"), "{message}");
}

#[test]
fn duplicate_name_names_both_lines() {
    let (_d, root) = tree();
    let text = format!("{}\n{}", user("alice", ""), user("alice", ""));
    let (line, message) = invalid(&text, &root);
    assert_eq!(line, 6, "{message}");
    assert!(message.contains("duplicate user \"alice\""), "{message}");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn bad_hashes_are_refused_with_their_line() {
    let (_d, root) = tree();
    for bad in [
        "secret",
        "",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
        "$argon2id$v=19$m=0,t=0,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    ] {
        let text = format!("\n[[user]]\nname = \"alice\"\npassword = \"{bad}\"\n");
        let (line, message) = invalid(&text, &root);
        assert_eq!(line, 4, "{bad:?}: {message}");
        assert!(message.contains("bad password hash"), "{message}");
    }
}

#[test]
fn homes_outside_the_root_are_refused() {
    let (dir, root) = tree();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("escape")).unwrap();
    std::os::unix::fs::symlink("alice", root.join("inside")).unwrap();
    std::fs::write(root.join("file"), b"x").unwrap();
    let outside = dir.path().join("outside").display().to_string();
    for (home, why) in [
        ("/etc", "relative"),
        (outside.as_str(), "relative"),
        ("..", ".."),
        ("alice/../../outside", ".."),
        ("escape", "outside the served root"),
        ("missing", "cannot be opened"),
        ("file", "not a directory"),
    ] {
        let text = user("alice", &format!("home = \"{home}\"\n"));
        let (line, message) = invalid(&text, &root);
        assert_eq!(line, 4, "{home}: {message}");
        assert!(message.contains(why), "{home}: {message}");
    }
    // A symlink that stays inside is fine.
    assert!(parse(&user("alice", "home = \"inside\"\n"), &root).is_ok());
}

#[test]
fn bad_names_are_refused() {
    let (_d, root) = tree();
    assert!(invalid(&user("", ""), &root).1.contains("empty"));
    assert!(invalid(&user("a b", ""), &root).1.contains("spaces"));
}

#[test]
fn error_messages_are_one_line_and_name_the_file() {
    let (_d, root) = tree();
    let e = parse(&user("alice", "home = \"..\"\n"), &root).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("users file /etc/ftpd/users.toml line 4: "),
        "{text}"
    );
    assert!(!text.contains('\n'));
    let e = Accounts::load(Path::new("/no/such/users.toml"), &root, 1).unwrap_err();
    assert!(e.to_string().contains("/no/such/users.toml"), "{e}");
}

#[test]
fn dummy_hash_uses_the_accounts_parameters() {
    let (_d, root) = tree();
    let params = Params::new(8 * 1024, 1, 1, None).unwrap();
    let h = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(b"pw")
        .unwrap()
        .to_string();
    let text = format!("[[user]]\nname = \"a\"\npassword = \"{h}\"\n");
    let db = parse(&text, &root).unwrap();
    assert!(db.dummy.contains("m=8192,t=1,p=1"), "{}", db.dummy);
    let db = parse("", &root).unwrap();
    assert!(
        db.dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        db.dummy
    );
}

#[test]
fn reload_swaps_on_success_and_keeps_old_on_error() {
    let (dir, root) = tree();
    let file = dir.path().join("users.toml");
    std::fs::write(&file, user("alice", "")).unwrap();
    let accounts = Accounts::load(&file, &root, 2).unwrap();
    let before = accounts.current();
    std::fs::write(&file, "[[user]\n").unwrap();
    assert!(accounts.reload().is_err());
    assert!(matches!(
        accounts.current().check("alice", "secret"),
        Check::Ok(_)
    ));
    std::fs::write(&file, format!("{}\n{}", user("alice", ""), user("bob", ""))).unwrap();
    assert_eq!(accounts.reload().unwrap(), 2);
    assert!(matches!(
        accounts.current().check("bob", "secret"),
        Check::Ok(_)
    ));
    // A snapshot taken before the reload is unchanged.
    assert_eq!(before.len(), 1);
}

#[tokio::test]
async fn async_check_runs_off_the_workers() {
    let (dir, root) = tree();
    let file = dir.path().join("users.toml");
    std::fs::write(&file, user("alice", "")).unwrap();
    let accounts = Accounts::load(&file, &root, 1).unwrap();
    assert!(matches!(
        accounts.check("alice", "secret".into()).await,
        Check::Ok(_)
    ));
    assert!(matches!(
        accounts.check("alice", "nope".into()).await,
        Check::WrongPassword
    ));
    assert!(matches!(
        accounts.check("zed", "secret".into()).await,
        Check::Unknown
    ));
}

#[test]
fn a_home_swapped_for_a_symlink_out_is_refused_at_scope() {
    use crate::storage::{LocalStorage, StorageError, VirtualPath};
    let (dir, root) = tree();
    let storage = LocalStorage::new(&root).unwrap();
    let home = |name: &str| VirtualPath::root().resolve(name).unwrap();
    assert!(storage.scope_blocking(&home("alice")).is_ok());
    // The home was swapped for a symlink leading out after the file loaded.
    std::fs::remove_dir(root.join("bob")).unwrap();
    std::os::unix::fs::symlink(dir.path(), root.join("bob")).unwrap();
    assert!(matches!(
        storage.scope_blocking(&home("bob")),
        Err(StorageError::PermissionDenied)
    ));
}

#[test]
fn hash_password_reads_one_line() {
    for input in ["secret\n", "secret\r\n", "secret", "secret\nignored\n"] {
        let phc = hash_password_from(input.as_bytes()).unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify(&phc, "secret"), "{input:?}");
        assert!(check_hash(&phc).is_ok());
    }
    assert!(hash_password_from("\n".as_bytes()).is_err());
    assert!(hash_password_from("".as_bytes()).is_err());
}

#[test]
fn line_of_counts_from_one() {
    assert_eq!(line_of("a\nb\nc", 0), 1);
    assert_eq!(line_of("a\nb\nc", 2), 2);
    assert_eq!(line_of("a\nb\nc", 4), 3);
    assert_eq!(line_of("a\nb\nc", 99), 3);
}
