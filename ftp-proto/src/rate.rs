//! Bandwidth caps as people write them, for `ftpd --max-rate-down`, the
//! users file's `max_rate_down`, and `ftpc --limit-rate` (curl's syntax):
//! bytes per second with an optional `K`, `M` or `G` suffix, 1024-based,
//! either case (`512K`, `2M`, `1g`, `65536`).

/// Parse a rate into bytes per second (at least 1).
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("bad rate {text:?}: the suffix may be K, M or G")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("bad rate {text:?}: expected bytes per second, e.g. 512K or 2M"))?;
    if n == 0 {
        return Err(format!("bad rate {text:?}: must be more than 0"));
    }
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("bad rate {text:?}: too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_1024_based_in_either_case() {
        assert_eq!(parse_rate("65536"), Ok(65536));
        assert_eq!(parse_rate("512K"), Ok(512 * 1024));
        assert_eq!(parse_rate("512k"), Ok(512 * 1024));
        assert_eq!(parse_rate("2M"), Ok(2 << 20));
        assert_eq!(parse_rate("1g"), Ok(1 << 30));
        assert_eq!(parse_rate(" 3M "), Ok(3 << 20));
    }

    #[test]
    fn bad_rates_say_why() {
        for bad in [
            "",
            "M",
            "0",
            "0K",
            "-1",
            "1.5M",
            "2T",
            "2MB",
            "99999999999999999999G",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert!(parse_rate("2T").unwrap_err().contains("K, M or G"));
    }
}
