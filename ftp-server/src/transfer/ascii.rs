//! TYPE A on the wire (RFC 959 §3.1.1.1): the file's LF line ends travel as
//! CRLF, in both directions.

/// Every LF becomes CRLF.
pub(super) fn to_crlf(data: &[u8], out: &mut Vec<u8>) {
    out.clear();
    for &b in data {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
}

/// CRLF becomes LF. A CR at the end of a chunk is held back (returned true)
/// until the next chunk shows whether LF follows.
pub(super) fn from_crlf(data: &[u8], mut pending_cr: bool, out: &mut Vec<u8>) -> bool {
    out.clear();
    for &b in data {
        if pending_cr {
            pending_cr = false;
            if b != b'\n' {
                out.push(b'\r');
            }
        }
        if b == b'\r' {
            pending_cr = true;
        } else {
            out.push(b);
        }
    }
    pending_cr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_becomes_crlf() {
        let mut out = Vec::new();
        to_crlf(b"a\nb\n", &mut out);
        assert_eq!(out, b"a\r\nb\r\n");
    }

    #[test]
    fn crlf_becomes_lf_across_chunks() {
        let mut out = Vec::new();
        let p = from_crlf(b"a\r", false, &mut out);
        assert!(p);
        assert_eq!(out, b"a");
        let p = from_crlf(b"\nb\rc", p, &mut out);
        assert!(!p);
        assert_eq!(out, b"\nb\rc");
    }
}
