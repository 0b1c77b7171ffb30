//! Data-connection address formats: PORT and the 227 PASV reply (RFC 959
//! §4.1.2, `h1,h2,h3,h4,p1,p2`), EPRT (`|1|addr|port|`) and the 229 EPSV reply
//! (`(|||port|)`) from RFC 2428.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

/// An address argument or reply that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("expected six comma-separated numbers 0-255")]
    BadHostPort,
    #[error("malformed extended address")]
    BadExtended,
    /// EPRT named a network protocol other than 1 (IPv4) or 2 (IPv6).
    #[error("unsupported network protocol {0}")]
    UnsupportedProtocol(String),
}

/// Format `h1,h2,h3,h4,p1,p2` for PORT and 227 replies.
pub fn format_host_port(addr: SocketAddrV4) -> String {
    let o = addr.ip().octets();
    let p = addr.port();
    format!(
        "{},{},{},{},{},{}",
        o[0],
        o[1],
        o[2],
        o[3],
        p >> 8,
        p & 0xff
    )
}

/// Parse `h1,h2,h3,h4,p1,p2` (the PORT argument). Spaces around numbers are allowed.
pub fn parse_host_port(s: &str) -> Result<SocketAddrV4, AddressError> {
    let nums: Vec<u8> = s
        .split(',')
        .map(|n| {
            n.trim()
                .parse::<u8>()
                .map_err(|_| AddressError::BadHostPort)
        })
        .collect::<Result<_, _>>()?;
    if nums.len() != 6 {
        return Err(AddressError::BadHostPort);
    }
    let ip = Ipv4Addr::new(nums[0], nums[1], nums[2], nums[3]);
    let port = u16::from(nums[4]) << 8 | u16::from(nums[5]);
    Ok(SocketAddrV4::new(ip, port))
}

/// The text of a 227 reply for this address.
pub fn format_pasv_reply(addr: SocketAddrV4) -> String {
    format!("Entering Passive Mode ({})", format_host_port(addr))
}

/// Find the `h1,h2,h3,h4,p1,p2` in a 227 reply text, with or without parentheses.
pub fn parse_pasv_reply(text: &str) -> Result<SocketAddrV4, AddressError> {
    let start = text
        .find(|c: char| c.is_ascii_digit())
        .ok_or(AddressError::BadHostPort)?;
    let tail = &text[start..];
    let end = tail
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == ' '))
        .unwrap_or(tail.len());
    parse_host_port(tail[..end].trim())
}

/// Format the EPRT argument `|1|a.b.c.d|port|` or `|2|v6addr|port|`.
pub fn format_eprt(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("|1|{}|{}|", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("|2|{}|{}|", a.ip(), a.port()),
    }
}

/// Parse an EPRT argument. The delimiter is the first character (RFC 2428 §2).
pub fn parse_eprt(s: &str) -> Result<SocketAddr, AddressError> {
    let s = s.trim();
    let delim = s.chars().next().ok_or(AddressError::BadExtended)?;
    if !(33..=126).contains(&(delim as u32)) {
        return Err(AddressError::BadExtended);
    }
    let parts: Vec<&str> = s.split(delim).collect();
    // "", proto, addr, port, ""
    if parts.len() != 5 || !parts[0].is_empty() || !parts[4].is_empty() {
        return Err(AddressError::BadExtended);
    }
    let port: u16 = parts[3].parse().map_err(|_| AddressError::BadExtended)?;
    let ip: IpAddr = match parts[1] {
        "1" => IpAddr::V4(parts[2].parse().map_err(|_| AddressError::BadExtended)?),
        "2" => IpAddr::V6(parts[2].parse().map_err(|_| AddressError::BadExtended)?),
        other => return Err(AddressError::UnsupportedProtocol(other.to_string())),
    };
    Ok(SocketAddr::new(ip, port))
}

/// The text of a 229 reply for this port.
pub fn format_epsv_reply(port: u16) -> String {
    format!("Entering Extended Passive Mode (|||{port}|)")
}

/// Find the port in a 229 reply text: `(<d><d><d>port<d>)` with any delimiter.
pub fn parse_epsv_reply(text: &str) -> Result<u16, AddressError> {
    let open = text.find('(').ok_or(AddressError::BadExtended)?;
    let close = text[open..].find(')').ok_or(AddressError::BadExtended)? + open;
    let inner = &text[open + 1..close];
    let delim = inner.chars().next().ok_or(AddressError::BadExtended)?;
    let parts: Vec<&str> = inner.split(delim).collect();
    if parts.len() != 5 {
        return Err(AddressError::BadExtended);
    }
    parts[3].parse().map_err(|_| AddressError::BadExtended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_round_trips() {
        let a: SocketAddrV4 = "192.168.1.2:50000".parse().unwrap();
        assert_eq!(format_host_port(a), "192,168,1,2,195,80");
        assert_eq!(parse_host_port("192,168,1,2,195,80"), Ok(a));
    }

    #[test]
    fn host_port_rejects_wrong_count_and_range() {
        assert!(parse_host_port("1,2,3,4,5").is_err());
        assert!(parse_host_port("1,2,3,4,5,6,7").is_err());
        assert!(parse_host_port("1,2,3,256,5,6").is_err());
        assert!(parse_host_port("").is_err());
        assert!(parse_host_port("a,b,c,d,e,f").is_err());
    }

    #[test]
    fn pasv_reply_with_and_without_parentheses() {
        let want: SocketAddrV4 = "10.0.0.1:1025".parse().unwrap();
        assert_eq!(
            parse_pasv_reply("Entering Passive Mode (10,0,0,1,4,1)."),
            Ok(want)
        );
        assert_eq!(
            parse_pasv_reply("Entering Passive Mode 10,0,0,1,4,1"),
            Ok(want)
        );
        assert_eq!(parse_pasv_reply(&format_pasv_reply(want)), Ok(want));
    }

    #[test]
    fn eprt_ipv4_and_ipv6() {
        assert_eq!(
            parse_eprt("|1|132.235.1.2|6275|"),
            Ok("132.235.1.2:6275".parse().unwrap())
        );
        assert_eq!(
            parse_eprt("|2|::1|5282|"),
            Ok("[::1]:5282".parse().unwrap())
        );
        let a: SocketAddr = "[fe80::1]:2000".parse().unwrap();
        assert_eq!(parse_eprt(&format_eprt(a)), Ok(a));
    }

    #[test]
    fn eprt_other_delimiter() {
        assert_eq!(
            parse_eprt("!1!127.0.0.1!2000!"),
            Ok("127.0.0.1:2000".parse().unwrap())
        );
    }

    #[test]
    fn eprt_rejects_bad_forms() {
        assert!(parse_eprt("|1|1.2.3.4|99999|").is_err());
        assert!(parse_eprt("|1|::1|2000|").is_err());
        assert!(parse_eprt("|1|1.2.3.4|2000").is_err());
        assert!(parse_eprt("").is_err());
        assert_eq!(
            parse_eprt("|3|x|1|"),
            Err(AddressError::UnsupportedProtocol("3".into()))
        );
    }

    #[test]
    fn epsv_reply_round_trips() {
        assert_eq!(parse_epsv_reply(&format_epsv_reply(40000)), Ok(40000));
        assert_eq!(parse_epsv_reply("Extended (!!!2121!)"), Ok(2121));
        assert!(parse_epsv_reply("no parens").is_err());
    }
}
