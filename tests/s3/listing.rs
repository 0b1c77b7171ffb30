//! S3 listings page through the store with delimiter `/`, 1000 keys a
//! request, and stream: a prefix of 100,000 objects lists without the
//! server's memory growing in proportion. Globs (`NLST *.txt`) work on a
//! bucket as on a directory.

use std::io::Read;
use std::time::Duration;

use super::login;
use crate::support::data::RawData;
use crate::support::ftpd::{rss_kib, Ftpd};
use crate::support::run::script_path;
use crate::support::s3::{moto, s3tool, Bucket};
use crate::support::s3proxy::S3Proxy;

#[test]
fn a_listing_of_several_pages_has_every_name_once_in_order() {
    let bucket = Bucket::new();
    s3tool(
        &bucket.endpoint,
        &["putmany", &bucket.name, "p/many/", "2100"],
    );
    let proxy = S3Proxy::start(moto().addr);
    let server = bucket.server_with(bucket.config_via(&proxy.endpoint(), "p"), |c| {
        c.write = true
    });
    let mut r = login(server.addr);
    proxy.clear();
    let names = r.listing("NLST many");
    let names: Vec<&str> = names.lines().collect();
    let expected: Vec<String> = (0..2100).map(|i| format!("f{i:06}")).collect();
    assert_eq!(names, expected);
    let lists: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|q| q.contains("list-type=2") && q.contains("delimiter=%2f"))
        .collect();
    assert_eq!(lists.len(), 3, "three pages: {lists:#?}");
    assert!(lists.iter().all(|q| q.contains("max-keys=1000")));
    assert!(lists[1].contains("continuation-token="), "{}", lists[1]);
}

/// 100,000 objects would take minutes to put into moto, so this lists a
/// synthetic store (`s3fake.py`: S3's list API over generated keys) with
/// the real `ftpd` binary, and reads its memory from /proc.
#[test]
fn listing_100k_objects_keeps_server_memory_flat() {
    crate::support::require_tool("python3");
    let mut fake = std::process::Command::new("python3")
        .arg(script_path("s3fake.py"))
        .arg("100000")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("s3fake.py");
    let mut first = [0u8; 6];
    fake.stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .expect("s3fake.py prints its port");
    let port: u16 = String::from_utf8_lossy(&first).trim().parse().unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    let envs = Bucket::credentials_env();
    let ftpd = Ftpd::spawn_env(
        &["--storage", "s3://fake/p", "--s3-endpoint", &endpoint],
        &envs,
    );
    let mut s = login(ftpd.addr);
    // Warm up with a small listing.
    assert!(!s.listing("NLST /").is_empty());
    let before = rss_kib(ftpd.pid());
    let mut data = s.pasv_data();
    data.set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    s.expect("LIST /big", 150);
    let (mut total, mut lines, mut peak) = (0usize, 0usize, before);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match data.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("reading the listing: {e}"),
        };
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        total += n;
        if total % (1 << 20) < n {
            peak = peak.max(rss_kib(ftpd.pid()));
        }
    }
    assert_eq!(s.reply().code.0, 226);
    peak = peak.max(rss_kib(ftpd.pid()));
    assert_eq!(lines, 100_000);
    assert!(total > 15_000_000, "listing too short: {total} bytes");
    let grown = peak.saturating_sub(before);
    assert!(
        grown < 8 * 1024,
        "server RSS grew by {grown} KiB while sending a {total}-byte listing"
    );
    let _ = fake.kill();
    let _ = fake.wait();
}

/// Globs are expanded by the backend-neutral listing code, so `NLST *.txt`
/// on a bucket answers the matching names (tnftp's `mget *.txt`), with the
/// directory part kept, and the literal name of an object still wins.
#[test]
fn nlst_with_a_glob_answers_the_matching_objects() {
    let bucket = Bucket::new();
    for key in [
        "a.txt",
        "b.txt",
        "c.log",
        "ab",
        "a*b",
        "sub/s1.txt",
        "sub/s2.bin",
    ] {
        bucket.put(&format!("p/{key}"), key.as_bytes());
    }
    let server = bucket.server("p");
    let mut r = login(server.addr);
    let sorted = |r: &mut crate::support::raw::RawSession, line: &str| {
        let mut names: Vec<String> = r.listing(line).lines().map(str::to_string).collect();
        names.sort_unstable();
        names
    };
    assert_eq!(sorted(&mut r, "NLST *.txt"), ["a.txt", "b.txt"]);
    assert_eq!(sorted(&mut r, "NLST sub/*.txt"), ["sub/s1.txt"]);
    assert_eq!(
        sorted(&mut r, "NLST [ac]*"),
        ["a*b", "a.txt", "ab", "c.log"]
    );
    assert_eq!(sorted(&mut r, "NLST a*b"), ["a*b"]);
    assert!(sorted(&mut r, "NLST *.xyz").is_empty());
    assert_eq!(r.retr("sub/s1.txt"), b"sub/s1.txt");
}
