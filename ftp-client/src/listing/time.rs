//! Listing timestamps without a date library: MLSD/MDTM `YYYYMMDDHHMMSS[.sss]`
//! (UTC, RFC 3659 §2.3), Unix `ls -l` dates (`Nov 21 10:15` in the last six
//! months, else `Nov 21  2024`) and DOS dates (`11-21-26  10:15PM`).

use std::fmt;

/// A calendar time, treated as UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// `Nov` → 11 (case-insensitive).
pub fn month(s: &str) -> Option<u8> {
    let lower = s.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == lower)
        .and_then(|i| u8::try_from(i + 1).ok())
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Timestamp {
    fn checked(self) -> Option<Self> {
        let ok = (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 61;
        ok.then_some(self)
    }

    /// `20241121101500` or `20241121101500.123` (fraction dropped).
    pub fn parse_mdtm(s: &str) -> Option<Timestamp> {
        let s = s.split('.').next()?;
        if s.len() != 14 {
            return None;
        }
        Timestamp {
            year: num(&s[0..4])?,
            month: num(&s[4..6])?,
            day: num(&s[6..8])?,
            hour: num(&s[8..10])?,
            minute: num(&s[10..12])?,
            second: num(&s[12..14])?,
        }
        .checked()
    }

    /// Unix `ls -l`: month, day, and `HH:MM` (this year, or last year if that
    /// would be in the future) or a year (time unknown, midnight).
    pub fn from_unix_list(
        mon: &str,
        day: &str,
        time_or_year: &str,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let month = month(mon)?;
        let day = num(day)?;
        if let Some((h, m)) = time_or_year.split_once(':') {
            let mut t = Timestamp {
                year: now.year,
                month,
                day,
                hour: num(h)?,
                minute: num(m)?,
                second: 0,
            }
            .checked()?;
            // A date more than a day ahead of now belongs to last year.
            if (t.month, t.day) > (now.month, now.day.saturating_add(1)) {
                t.year -= 1;
            }
            Some(t)
        } else {
            Timestamp {
                year: num(time_or_year)?,
                month,
                day,
                hour: 0,
                minute: 0,
                second: 0,
            }
            .checked()
        }
    }

    /// DOS/IIS: `MM-DD-YY` or `MM-DD-YYYY`, and `HH:MMAM`/`HH:MMPM` or 24h `HH:MM`.
    pub fn from_dos(date: &str, time: &str) -> Option<Timestamp> {
        let mut d = date.split(['-', '/']);
        let (month, day, year) = (num(d.next()?)?, num(d.next()?)?, d.next()?);
        if d.next().is_some() {
            return None;
        }
        let year: u16 = match year.len() {
            2 => {
                let y: u16 = num(year)?;
                // Two-digit years: 70-99 are 19xx, as IIS and FileZilla read them.
                if y < 70 {
                    2000 + y
                } else {
                    1900 + y
                }
            }
            4 => num(year)?,
            _ => return None,
        };
        let upper = time.to_ascii_uppercase();
        let (clock, pm) = match (upper.strip_suffix("PM"), upper.strip_suffix("AM")) {
            (Some(c), _) => (c.to_string(), Some(true)),
            (_, Some(c)) => (c.to_string(), Some(false)),
            _ => (upper.clone(), None),
        };
        let (h, m) = clock.split_once(':')?;
        let mut hour: u8 = num(h)?;
        match pm {
            Some(true) if hour < 12 => hour += 12,
            Some(false) if hour == 12 => hour = 0,
            _ => {}
        }
        Timestamp {
            year,
            month,
            day,
            hour,
            minute: num(m)?,
            second: 0,
        }
        .checked()
    }

    /// The current UTC time from the system clock.
    pub fn now() -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self::from_unix_seconds(secs)
    }

    /// Civil date from seconds since 1970 (the conversion ftp-proto shares
    /// with the server).
    pub fn from_unix_seconds(secs: u64) -> Timestamp {
        let t = ftp_proto::CivilTime::from_unix(i64::try_from(secs).unwrap_or(0));
        Timestamp {
            year: u16::try_from(t.year).unwrap_or(1970),
            month: t.month as u8,
            day: t.day as u8,
            hour: t.hour as u8,
            minute: t.minute as u8,
            second: t.second as u8,
        }
    }
}

impl Timestamp {
    /// The same time as ftp-proto's `CivilTime`, for its conversions.
    fn civil(self) -> ftp_proto::CivilTime {
        ftp_proto::CivilTime {
            year: i64::from(self.year),
            month: u32::from(self.month),
            day: u32::from(self.day),
            hour: u32::from(self.hour),
            minute: u32::from(self.minute),
            second: u32::from(self.second),
        }
    }

    /// `YYYYMMDDHHMMSS`, as MFMT and SITE UTIME take it.
    pub fn mdtm(self) -> String {
        self.civil().mdtm()
    }

    /// The instant, for setting a local file's time; `None` before 1970.
    pub fn to_system_time(self) -> Option<std::time::SystemTime> {
        let secs = u64::try_from(self.civil().to_unix()).ok()?;
        std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))
    }

    /// A local file's time, to the second (the precision MFMT and MDTM carry).
    pub fn from_system_time(t: std::time::SystemTime) -> Timestamp {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_unix_seconds(secs)
    }
}

impl fmt::Display for Timestamp {
    /// `2024-11-21 10:15:00` (UTC).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u16, month: u8, day: u8) -> Timestamp {
        Timestamp {
            year,
            month,
            day,
            hour: 12,
            minute: 0,
            second: 0,
        }
    }

    #[test]
    fn system_time_round_trips_to_the_second() {
        let t = Timestamp::parse_mdtm("20240229235958").unwrap();
        assert_eq!(t.mdtm(), "20240229235958");
        let back = Timestamp::from_system_time(t.to_system_time().unwrap());
        assert_eq!(back, t);
    }

    #[test]
    fn mdtm_with_and_without_fraction() {
        let t = Timestamp::parse_mdtm("20241121101502.250").unwrap();
        assert_eq!(t.to_string(), "2024-11-21 10:15:02");
        assert!(Timestamp::parse_mdtm("2024112110150").is_none());
        assert!(Timestamp::parse_mdtm("20241321101502").is_none());
    }

    #[test]
    fn unix_date_without_year_in_the_future_is_last_year() {
        let now = at(2026, 2, 10);
        let t = Timestamp::from_unix_list("Nov", "21", "10:15", now).unwrap();
        assert_eq!(t.year, 2025);
        let t = Timestamp::from_unix_list("Feb", "09", "10:15", now).unwrap();
        assert_eq!(t.year, 2026);
    }

    #[test]
    fn unix_date_with_year() {
        let t = Timestamp::from_unix_list("jan", "3", "2019", at(2026, 1, 1)).unwrap();
        assert_eq!(t.to_string(), "2019-01-03 00:00:00");
    }

    #[test]
    fn dos_dates_12h_and_24h() {
        assert_eq!(
            Timestamp::from_dos("11-21-26", "10:15PM")
                .unwrap()
                .to_string(),
            "2026-11-21 22:15:00"
        );
        assert_eq!(
            Timestamp::from_dos("01-02-99", "12:05AM")
                .unwrap()
                .to_string(),
            "1999-01-02 00:05:00"
        );
        assert_eq!(
            Timestamp::from_dos("01-02-2024", "13:05")
                .unwrap()
                .to_string(),
            "2024-01-02 13:05:00"
        );
    }

    #[test]
    fn unix_seconds_to_civil() {
        assert_eq!(
            Timestamp::from_unix_seconds(0).to_string(),
            "1970-01-01 00:00:00"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(1_709_210_096).to_string(),
            "2024-02-29 12:34:56"
        );
    }
}
