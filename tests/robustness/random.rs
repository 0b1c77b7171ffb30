//! The seeded PRNG and the generator of random control-connection input for
//! the robustness test: one `item` is usually one line (real verb with a
//! random argument, junk verb, junk bytes, overlong line), terminated by
//! CRLF, a bare LF, or nothing (so it runs into the next item).

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::LazyLock;

use ftp_proto::{address, ArgKind, VerbSpec, VERBS};

use super::Ctx;

/// xorshift64* seeded through splitmix64, so nearby seeds diverge at once.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Verbs whose argument is a path (or optional path), aliases included,
/// from ftp-proto's verb table, so a new verb is exercised without a list
/// to remember here.
static PATH_VERBS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| names_where(|v| matches!(v.arg, ArgKind::Path | ArgKind::OptionalPath)));

/// Every verb and alias sent without an argument (some need one; that is
/// part of the test), except QUIT, which would end the session early.
static BARE_VERBS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| names_where(|v| v.name != "QUIT"));

fn names_where(f: impl Fn(&VerbSpec) -> bool) -> Vec<&'static str> {
    VERBS
        .iter()
        .filter(|v| f(v))
        .flat_map(VerbSpec::names)
        .collect()
}

/// Verbs the server does not know, and near misses.
const JUNK_VERBS: &[&str] = &[
    "XYZZY",
    "GET",
    "PUT",
    "RETRR",
    "NOOPNOOP",
    "A",
    "QUI",
    "QUITX",
    "SITEX",
    "\u{e9}t\u{e9}",
    "U\tSER",
    "LIST\u{0}",
    "P@SS",
    "1234",
    "-",
    "*",
];

/// Path components that probe the sandbox and the name checks.
const COMPONENTS: &[&str] = &[
    "a",
    "b",
    "dir",
    "f.txt",
    "..",
    ".",
    "",
    "...",
    "../..",
    "../sibling",
    "../../sibling/evil",
    "~",
    "*",
    "a b",
    " lead",
    "trail ",
    "\u{fc}ber",
    "%2e%2e",
    "..\\..\\sibling",
    "-la",
    "a\tb",
    "x\r\0y",
    "nul\0",
    "\u{1}ctl",
    "\u{7f}",
    "\"quote\"",
    "CON",
    "sibling",
];

/// One random item of control-connection input.
pub fn item(rng: &mut Rng, ctx: &Ctx) -> Vec<u8> {
    let roll = rng.below(100);
    let line: Vec<u8> = match roll {
        0..=33 => {
            let verb = rng.pick(&PATH_VERBS);
            let verb = cased(rng, verb);
            format!("{verb} {}", path(rng, ctx)).into_bytes()
        }
        34..=46 => {
            let verb = rng.pick(&BARE_VERBS);
            cased(rng, verb).into_bytes()
        }
        47..=60 => data_setup(rng, ctx).into_bytes(),
        61..=68 => sequence_piece(rng, ctx),
        69..=74 => parameter(rng).into_bytes(),
        75..=77 => login(rng).into_bytes(),
        78..=88 => junk_bytes(rng),
        89..=91 => overlong(rng, ctx),
        // Rare, so that most sessions run their whole length.
        92 if rng.percent(10) => b"QUIT".to_vec(),
        _ => {
            let verb = rng.pick(JUNK_VERBS);
            let n = rng.below(12);
            let arg = String::from_utf8_lossy(&rng.bytes(n)).into_owned();
            format!("{verb} {arg}").into_bytes()
        }
    };
    let mut out = Vec::with_capacity(line.len() + 3);
    if rng.percent(5) {
        out.push(b' ');
    }
    out.extend_from_slice(&line);
    match rng.below(100) {
        0..=79 => out.extend_from_slice(b"\r\n"),
        80..=94 => out.push(b'\n'),
        _ => {}
    }
    out
}

/// The verb as written, or in lower or mixed case (RFC 959 §5.3).
fn cased(rng: &mut Rng, verb: &str) -> String {
    match rng.below(10) {
        0 => verb.to_ascii_lowercase(),
        1 => verb
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => verb.to_string(),
    }
}

/// A random path: a few components, maybe absolute, maybe the sibling's
/// host path, maybe long.
fn path(rng: &mut Rng, ctx: &Ctx) -> String {
    match rng.below(20) {
        0 => format!("{}/evil", ctx.sibling),
        1 => "x".repeat(200 + rng.below(400)),
        _ => {
            let n = 1 + rng.below(4);
            let parts: Vec<&str> = (0..n).map(|_| rng.pick(COMPONENTS)).collect();
            let lead = if rng.percent(30) { "/" } else { "" };
            format!("{lead}{}", parts.join("/"))
        }
    }
}

/// PASV, EPSV and PORT/EPRT naming our sink, a closed port, a foreign
/// address, a privileged port, or junk.
fn data_setup(rng: &mut Rng, ctx: &Ctx) -> String {
    let lo = Ipv4Addr::LOCALHOST;
    let foreign = Ipv4Addr::new(127, 0, 0, 2);
    let port_arg = |ip, port| address::format_host_port(SocketAddrV4::new(ip, port));
    match rng.below(16) {
        0..=3 => "PASV".to_string(),
        4..=7 => rng
            .pick(&["EPSV", "EPSV 1", "EPSV 2", "EPSV 9", "EPSV x"])
            .to_string(),
        8 | 9 => format!("PORT {}", port_arg(lo, ctx.sink_port)),
        10 => format!("PORT {}", port_arg(lo, ctx.closed_port)),
        11 => format!("PORT {}", port_arg(foreign, ctx.sink_port)),
        12 => format!("PORT {}", port_arg(lo, 21)),
        13 => format!("EPRT |1|127.0.0.1|{}|", ctx.sink_port),
        14 => rng
            .pick(&[
                "EPRT |1|127.0.0.2|2000|",
                "EPRT |2|::1|2000|",
                "EPRT |3|x|1|",
                "EPRT |1|127.0.0.1|80|",
                "EPRT ||||",
                "EPRT x",
                "EPRT |1|999.0.0.1|1|",
            ])
            .to_string(),
        _ => rng
            .pick(&[
                "PORT 1,2,3",
                "PORT 256,0,0,1,4,0",
                "PORT a,b,c,d,e,f",
                "PORT 127,0,0,1,300,1",
                "PORT ",
                "PORT 127,0,0,1,0,0",
                "PORT -1,0,0,1,4,0",
            ])
            .to_string(),
    }
}

/// REST, RNFR, RNTO and ABOR (also behind Telnet IP/Synch), whose meaning
/// depends on order.
fn sequence_piece(rng: &mut Rng, ctx: &Ctx) -> Vec<u8> {
    let line = match rng.below(8) {
        0 | 1 => {
            let n = rng.pick(&[
                "0",
                "1",
                "100",
                "4096",
                "18446744073709551615",
                "9223372036854775808",
                "18446744073709551616",
                "-1",
                "abc",
                "",
            ]);
            format!("REST {n}")
        }
        2 | 3 => format!("RNFR {}", path(rng, ctx)),
        4 | 5 => format!("RNTO {}", path(rng, ctx)),
        6 => "ABOR".to_string(),
        _ => return b"\xff\xf4\xff\xf2ABOR".to_vec(),
    };
    line.into_bytes()
}

/// TYPE, STRU, MODE, OPTS, SITE, AUTH, PBSZ, PROT, ALLO with good and bad values.
fn parameter(rng: &mut Rng) -> String {
    rng.pick(&[
        "TYPE A",
        "TYPE I",
        "TYPE A N",
        "TYPE L 8",
        "TYPE E",
        "TYPE X",
        "STRU F",
        "STRU R",
        "MODE S",
        "MODE B",
        "MODE zz",
        "OPTS UTF8 ON",
        "OPTS MLST type;size;",
        "OPTS MLST",
        "OPTS NOPE",
        "SITE CHMOD 777 a",
        "SITE HELP",
        "SITE",
        "AUTH TLS",
        "AUTH  ",
        "PBSZ 0",
        "PBSZ -5",
        "PROT P",
        "PROT Z",
        "ALLO 100",
        "ALLO 99999999999999999999",
        "EPSV ALL",
        "HELP SITE",
        "STAT /",
    ])
    .to_string()
}

/// USER/PASS/ACCT in any order; most names fail, which logs the session out.
/// Often a whole anonymous login, so a logged-out session gets back in.
fn login(rng: &mut Rng) -> String {
    if rng.percent(50) {
        return "USER anonymous\r\nPASS again@".to_string();
    }
    rng.pick(&[
        "USER anonymous",
        "USER ftp",
        "USER root",
        "USER ",
        "PASS x",
        "PASS",
        "PASS anonymous@",
        "ACCT a",
    ])
    .to_string()
}

/// Bytes that are not a clean command: random bytes (no LF), Telnet IAC
/// sequences, NUL, lone CR, invalid UTF-8.
fn junk_bytes(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0 | 1 => {
            let n = rng.below(200);
            rng.bytes(n).into_iter().filter(|&b| b != b'\n').collect()
        }
        2 => b"\xff\xf4\xff\xf2ABOR".to_vec(),
        3 => rng
            .pick(&["\u{0}", "NOOP\u{0}", "RETR a\u{0}b", "\u{0}\u{0}\u{0}"])
            .as_bytes()
            .to_vec(),
        4 => rng
            .pick(&["NOOP\rPWD", "\r", "\r\r\r", "PWD\r\r"])
            .as_bytes()
            .to_vec(),
        5 => {
            let seqs: [&[u8]; 6] = [
                b"\xff\xfb\x01NOOP",
                b"\xff\xff\xff",
                b"\xff",
                b"\xff\xfd",
                b"NO\xffOP",
                b"\xff\xf1\xff\xf6\xff\xf5",
            ];
            seqs[rng.below(seqs.len())].to_vec()
        }
        6 => b"RETR \xc3\x28\xa0\xa1 \xf0\x28\x8c\xbc".to_vec(),
        _ => Vec::new(),
    }
}

/// A line near the limit (either side of it) or far over it.
fn overlong(rng: &mut Rng, ctx: &Ctx) -> Vec<u8> {
    let len = match rng.below(3) {
        0 => ctx.max_line - 2 + rng.below(5),
        1 => ctx.max_line * 2 + rng.below(100),
        _ => 10_000 + rng.below(60_000),
    };
    let mut line = b"STOR ".to_vec();
    line.resize(len, b'A' + rng.below(26) as u8);
    line
}
