//! `Cidr`: an IPv4 or IPv6 network written `ADDR` or `ADDR/PREFIX`, and the
//! prefix match that says whether a connection's source lies inside it. A
//! few lines of masking, so no crate for it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::data::canonical_ip;

/// A network: the address with its host bits cleared, and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

/// Why a `--proxy-protocol` entry is not an address or network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("not an IP address: {0:?}")]
    Address(String),
    #[error("bad prefix length {0:?} (expected 0-32 for IPv4, 0-128 for IPv6)")]
    Prefix(String),
}

/// The netmask of `prefix` bits, as the top bits of a 128-bit word.
fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

impl Cidr {
    /// `ip/prefix`, host bits cleared. An IPv4-mapped IPv6 network
    /// (`::ffff:10.0.0.0/104`) becomes the IPv4 one (`10.0.0.0/8`), since
    /// sources are compared in their IPv4 form.
    pub fn new(ip: IpAddr, prefix: u8) -> Result<Cidr, CidrError> {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(CidrError::Prefix(prefix.to_string()));
        }
        let (ip, prefix) = match (ip, canonical_ip(ip)) {
            (IpAddr::V6(_), v4 @ IpAddr::V4(_)) if prefix >= 96 => (v4, prefix - 96),
            _ => (ip, prefix),
        };
        let net = match ip {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask32(prefix))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask128(prefix))),
        };
        Ok(Cidr { net, prefix })
    }

    /// Whether `ip` (IPv4-mapped IPv6 taken as IPv4) lies inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical_ip(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask32(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// `10.0.0.0/8`, `::1`, `fd00::/8`; a bare address is a single host.
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| CidrError::Address(crate::escape_for_reply(addr)))?;
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| CidrError::Prefix(crate::escape_for_reply(p)))?,
            None if ip.is_ipv4() => 32,
            None => 128,
        };
        Cidr::new(ip, prefix)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

/// Whether `ip` lies inside any of `nets`.
pub fn any_contains(nets: &[Cidr], ip: IpAddr) -> bool {
    nets.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn cidr(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn bare_addresses_are_single_hosts() {
        assert_eq!(cidr("127.0.0.1").to_string(), "127.0.0.1/32");
        assert_eq!(cidr("::1").to_string(), "::1/128");
        assert!(cidr("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!cidr("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(cidr("::1").contains(ip("::1")));
        assert!(!cidr("::1").contains(ip("::2")));
    }

    #[test]
    fn ipv4_prefix_match_at_the_edges() {
        let n = cidr("10.0.0.0/8");
        assert!(n.contains(ip("10.0.0.0")));
        assert!(n.contains(ip("10.255.255.255")));
        assert!(!n.contains(ip("11.0.0.0")));
        assert!(!n.contains(ip("9.255.255.255")));
        let n = cidr("192.168.1.128/25");
        assert!(n.contains(ip("192.168.1.200")));
        assert!(!n.contains(ip("192.168.1.127")));
    }

    #[test]
    fn ipv6_prefix_match_at_the_edges() {
        let n = cidr("fd00:1234::/32");
        assert!(n.contains(ip("fd00:1234::1")));
        assert!(n.contains(ip("fd00:1234:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!n.contains(ip("fd00:1235::")));
    }

    #[test]
    fn zero_prefix_matches_its_whole_family_only() {
        assert!(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(!cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
        assert!(!cidr("::/0").contains(ip("203.0.113.9")));
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(cidr("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(cidr("fd00::1/16").to_string(), "fd00::/16");
    }

    #[test]
    fn ipv4_mapped_sources_and_networks_compare_as_ipv4() {
        assert!(cidr("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert_eq!(cidr("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
        assert!(cidr("::ffff:10.0.0.0/104").contains(ip("10.9.8.7")));
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "host",
            "10.0.0.0/",
            "1.2.3.4/-1",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn any_contains_checks_every_entry() {
        let nets = [cidr("127.0.0.1"), cidr("10.0.0.0/8"), cidr("::1")];
        assert!(any_contains(&nets, ip("10.2.3.4")));
        assert!(any_contains(&nets, ip("::1")));
        assert!(!any_contains(&nets, ip("127.0.0.2")));
        assert!(!any_contains(&[], ip("127.0.0.1")));
    }
}
