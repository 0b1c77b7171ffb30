//! UTC calendar time for the wire: MDTM replies and MLSD `modify` facts are
//! `YYYYMMDDHHMMSS` in UTC (RFC 3659 §2.3). One days-to-civil conversion
//! (proleptic Gregorian calendar) shared by server and client.

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilTime {
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl CivilTime {
    /// The UTC calendar time of `secs` seconds since 1970-01-01 (negative
    /// values count back from it).
    pub fn from_unix(secs: i64) -> CivilTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        CivilTime {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// Parse `YYYYMMDDHHMMSS`, with an optional `.fraction` that is dropped
    /// (RFC 3659 §2.3; MFMT's argument). `None` for anything else, or a
    /// date or time of day that does not exist.
    pub fn parse(s: &str) -> Option<CivilTime> {
        let whole = s.split_once('.').map_or(s, |(w, frac)| {
            if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                ""
            } else {
                w
            }
        });
        if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = |r: std::ops::Range<usize>| whole[r].parse::<u32>().ok();
        let t = CivilTime {
            year: i64::from(n(0..4)?),
            month: n(4..6)?,
            day: n(6..8)?,
            hour: n(8..10)?,
            minute: n(10..12)?,
            second: n(12..14)?,
        };
        let valid = (1..=12).contains(&t.month)
            && t.day >= 1
            && t.day <= days_in_month(t.year, t.month)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60;
        valid.then_some(t)
    }

    /// Seconds since 1970-01-01 UTC (the inverse of `from_unix`).
    pub fn to_unix(&self) -> i64 {
        let y = self.year - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// `YYYYMMDDHHMMSS`, as in MDTM replies and the `modify` fact.
    pub fn mdtm(&self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Days in `month` of `year` (Gregorian leap years).
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_leap_day_and_a_recent_date() {
        assert_eq!(CivilTime::from_unix(0).mdtm(), "19700101000000");
        assert_eq!(CivilTime::from_unix(951_782_400).mdtm(), "20000229000000");
        assert_eq!(CivilTime::from_unix(1_795_311_045).mdtm(), "20261122013045");
    }

    #[test]
    fn before_the_epoch() {
        assert_eq!(CivilTime::from_unix(-1).mdtm(), "19691231235959");
    }

    #[test]
    fn parse_round_trips_through_unix_seconds() {
        for secs in [0, 951_782_400, 1_795_311_045, -1, 4_102_444_799] {
            let t = CivilTime::from_unix(secs);
            assert_eq!(CivilTime::parse(&t.mdtm()), Some(t));
            assert_eq!(t.to_unix(), secs, "{}", t.mdtm());
        }
        let t = CivilTime::parse("20261122013045.123").map(|t| t.to_unix());
        assert_eq!(t, Some(1_795_311_045));
    }

    #[test]
    fn parse_refuses_what_is_not_a_time() {
        for bad in [
            "",
            "2026112201304",
            "202611220130455",
            "20261322013045",
            "20260230013045",
            "20261122243045",
            "20261122016045",
            "2026112201304x",
            "20261122013045.",
            "20261122013045.1x",
            "+2026112201304",
        ] {
            assert_eq!(CivilTime::parse(bad), None, "{bad:?}");
        }
        assert!(CivilTime::parse("20240229000000").is_some());
        assert!(CivilTime::parse("21000229000000").is_none());
    }
}
