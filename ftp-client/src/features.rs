//! What a server's FEAT reply (RFC 2389) advertises, as far as `ftpc` cares:
//! MLST/MLSD, UTF8, SIZE, REST STREAM and AUTH TLS.

use ftp_proto::Reply;

/// What FEAT advertised (RFC 2389).
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub mlst: bool,
    pub utf8: bool,
    pub size: bool,
    pub rest_stream: bool,
    /// `AUTH TLS` is listed (RFC 4217 §6).
    pub auth_tls: bool,
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
                _ => {}
            }
        }
        f
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
}
