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

    /// `YYYYMMDDHHMMSS`, as in MDTM replies and the `modify` fact.
    pub fn mdtm(&self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
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
}
