//! `ftpd --metrics-listen`: the Prometheus text format at GET /metrics,
//! with every series the README lists, counting real sessions, logins,
//! transfers (ok, failed, aborted), payload bytes and refusals.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::support::data::RawData;
use crate::support::ftpd::Ftpd;
use crate::support::ports::PortBlock;
use crate::support::pseudo_random;
use crate::support::raw::RawSession;

/// GET /metrics: series (name with labels) → value.
fn scrape(addr: SocketAddr) -> (String, BTreeMap<String, f64>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let series = body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    (body.to_string(), series)
}

/// Scrape until `series` has `value` (counters are updated as sessions end).
fn wait_for(addr: SocketAddr, series: &str, value: f64) -> BTreeMap<String, f64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, m) = scrape(addr);
        if m.get(series) == Some(&value) || Instant::now() > deadline {
            assert_eq!(m.get(series), Some(&value), "{series} in {m:#?}");
            return m;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn metrics_count_sessions_logins_transfers_bytes_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    // Larger than the loopback socket buffers, so a download is still
    // running when ABOR arrives.
    let body = pseudo_random(64 << 20, 5);
    std::fs::write(dir.path().join("big.bin"), &body).unwrap();
    let ports = PortBlock::reserve();
    let metrics: SocketAddr = format!("127.0.0.1:{}", ports.control()).parse().unwrap();
    let ftpd = Ftpd::spawn(&[
        "--root",
        dir.path().to_str().unwrap(),
        "--write",
        "--metrics-listen",
        &metrics.to_string(),
        "--max-sessions-per-ip",
        "3",
        "--data-timeout",
        "1",
    ]);
    let (text, m) = scrape(metrics);
    for name in [
        "# TYPE ftpd_sessions gauge",
        "# TYPE ftpd_sessions_total counter",
        "# TYPE ftpd_logins_total counter",
        "# TYPE ftpd_bytes_sent_total counter",
        "# TYPE ftpd_bytes_received_total counter",
        "# TYPE ftpd_transfers_total counter",
        "# TYPE ftpd_connections_refused_total counter",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert_eq!(
        m["ftpd_transfers_total{command=\"MLSD\",result=\"aborted\"}"],
        0.0
    );
    assert_eq!(m["ftpd_connections_refused_total{reason=\"banned\"}"], 0.0);

    let mut a = RawSession::login(ftpd.addr);
    a.expect("TYPE I", 200);
    let mut b = RawSession::connect(ftpd.addr);
    b.expect("USER nobody", 331);
    b.expect("PASS wrong", 530);
    let m = wait_for(metrics, "ftpd_sessions", 2.0);
    assert_eq!(m["ftpd_logins_total{result=\"ok\"}"], 1.0);
    assert_eq!(m["ftpd_logins_total{result=\"failed\"}"], 1.0);

    a.stor("up.bin", &body[..300_000]);
    assert_eq!(a.retr("big.bin").len(), body.len());
    assert!(a.listing("NLST").contains("up.bin"));
    // An aborted download, and a STOR whose data connection never comes.
    let mut d = a.pasv_data();
    a.expect("RETR big.bin", 150);
    let mut first = vec![0u8; 65536];
    d.read_exact(&mut first).unwrap();
    // ABOR with the data connection still open, so the transfer ends by
    // ABOR (426, then 226), not because the client went away.
    a.send("ABOR");
    assert_eq!(a.reply().code.0, 426);
    a.expect_reply(226);
    drop(d);
    a.expect("PASV", 227);
    a.expect("STOR never.bin", 150);
    assert_eq!(a.reply().code.0, 425);
    // Two more sessions: the fourth from this address is refused.
    let _c = RawSession::connect(ftpd.addr);
    let mut refused = TcpStream::connect(ftpd.addr).unwrap();
    let mut reply = String::new();
    refused
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = refused.read_to_string(&mut reply);
    assert!(reply.starts_with("421"), "{reply}");
    drop(b);
    let m = wait_for(metrics, "ftpd_sessions", 2.0);
    let t =
        |c: &str, r: &str| m[&format!("ftpd_transfers_total{{command=\"{c}\",result=\"{r}\"}}")];
    assert_eq!((t("STOR", "ok"), t("STOR", "failed")), (1.0, 1.0));
    assert_eq!((t("RETR", "ok"), t("RETR", "aborted")), (1.0, 1.0));
    assert_eq!(t("NLST", "ok"), 1.0);
    assert_eq!(m["ftpd_bytes_received_total"], 300_000.0);
    let sent = m["ftpd_bytes_sent_total"];
    assert!(
        sent > body.len() as f64 + 65536.0 && sent < 2.0 * body.len() as f64,
        "{sent}"
    );
    assert_eq!(m["ftpd_sessions_total"], 3.0);
    assert_eq!(
        m["ftpd_connections_refused_total{reason=\"max_sessions_per_ip\"}"],
        1.0
    );
}
