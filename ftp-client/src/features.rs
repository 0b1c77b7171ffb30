//! What a server's FEAT reply (RFC 2389) advertises, as far as `ftpc` cares:
//! MLST/MLSD, UTF8, SIZE, REST STREAM, AUTH TLS, MFMT, and the digests of
//! HASH (draft-bryan-ftp-hash) and of proftpd's X* verbs.

use ftp_proto::{HashAlgo, Reply};

/// What FEAT advertised (RFC 2389).
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub mlst: bool,
    pub utf8: bool,
    pub size: bool,
    pub rest_stream: bool,
    /// `AUTH TLS` is listed (RFC 4217 §6).
    pub auth_tls: bool,
    /// `MFMT` is listed (draft-somers-ftp-mfxx): remote times can be set.
    pub mfmt: bool,
    /// The algorithms of the `HASH` line, in the server's order.
    pub hash: Vec<HashAlgo>,
    /// The one marked `*` on the `HASH` line: what HASH uses until `OPTS HASH`.
    pub hash_selected: Option<HashAlgo>,
    /// Digest verbs listed on lines of their own (`XSHA256`, `XMD5`, `XCRC`, ...).
    pub x_digests: Vec<HashAlgo>,
}

/// The algorithm of an X* digest verb.
fn x_verb(word: &str) -> Option<HashAlgo> {
    Some(match word {
        "XSHA256" => HashAlgo::Sha256,
        "XSHA512" => HashAlgo::Sha512,
        "XSHA1" => HashAlgo::Sha1,
        "XMD5" => HashAlgo::Md5,
        "XCRC" => HashAlgo::Crc32,
        _ => return None,
    })
}

impl Features {
    pub fn from_reply(reply: &Reply) -> Features {
        let mut f = Features::default();
        for line in &reply.lines {
            let word = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            match word.as_str() {
                "MLST" | "MLSD" => f.mlst = true,
                "UTF8" => f.utf8 = true,
                "SIZE" => f.size = true,
                "REST" => f.rest_stream = line.to_ascii_uppercase().contains("STREAM"),
                "AUTH" => f.auth_tls |= line.to_ascii_uppercase().contains("TLS"),
                "MFMT" => f.mfmt = true,
                "HASH" => f.read_hash_line(line),
                w => f.x_digests.extend(x_verb(w)),
            }
        }
        f
    }

    /// ` HASH SHA-256*;SHA-512;MD5`: the list, and the selected one.
    fn read_hash_line(&mut self, line: &str) {
        let names = line.split_whitespace().nth(1).unwrap_or("");
        for name in names.split(';').filter(|n| !n.is_empty()) {
            let (bare, star) = match name.strip_suffix('*') {
                Some(b) => (b, true),
                None => (name, false),
            };
            if let Some(algo) = HashAlgo::from_name(bare) {
                self.hash.push(algo);
                if star {
                    self.hash_selected = Some(algo);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ftp_proto::ReplyCode;

    #[test]
    fn auth_tls_is_seen_beside_auth_ssl() {
        let mut reply = Reply::new(ReplyCode::SYSTEM_STATUS, "Features:");
        for line in [
            " AUTH TLS",
            " AUTH SSL",
            " PBSZ",
            " MLST type*;size*;",
            "End",
        ] {
            reply.lines.push(line.to_string());
        }
        let f = Features::from_reply(&reply);
        assert!(f.auth_tls && f.mlst);
        assert!(!f.size);
    }

    #[test]
    fn hash_line_mfmt_and_x_verbs() {
        let mut reply = Reply::new(ReplyCode::SYSTEM_STATUS, "Features:");
        for line in [
            " HASH SHA-256;SHA-512*;MD5;BOGUS",
            " MFMT",
            " XCRC",
            " XMD5",
            "End",
        ] {
            reply.lines.push(line.to_string());
        }
        let f = Features::from_reply(&reply);
        assert_eq!(f.hash, [HashAlgo::Sha256, HashAlgo::Sha512, HashAlgo::Md5]);
        assert_eq!(f.hash_selected, Some(HashAlgo::Sha512));
        assert_eq!(f.x_digests, [HashAlgo::Crc32, HashAlgo::Md5]);
        assert!(f.mfmt);
    }
}
