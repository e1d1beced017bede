//! ISO-8601 dates as the original's `-since:`/`-until:` options accept them
//! (`2018`, `2018-01`, `20180117`, `2018-01-17T08`, `2018-01-17T08:30Z`, …; UTC by default).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
    /// Offset from UTC in minutes.
    pub offset: i32,
}

impl DateTime {
    /// Python's `isoformat()`: `2018-01-17T08:00:00+00:00`.
    pub fn isoformat(&self) -> String {
        let mut text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.micro > 0 {
            text.push_str(&format!(".{:06}", self.micro));
        }
        let sign = if self.offset < 0 { '-' } else { '+' };
        let off = self.offset.abs();
        text.push_str(&format!("{sign}{:02}:{:02}", off / 60, off % 60));
        text
    }

    /// To the second, in UTC, as FastScore's services wrote dates: `2018-01-17T10:29:15Z`.
    pub fn zulu(&self) -> String {
        let utc = DateTime::from_unix_seconds(self.unix_seconds());
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second
        )
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86400
            + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
            - i64::from(self.offset) * 60
    }

    /// Now, in UTC, to the microsecond.
    pub fn now() -> DateTime {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        DateTime {
            micro: since.subsec_micros(),
            ..DateTime::from_unix_seconds(since.as_secs() as i64)
        }
    }

    pub fn from_unix_seconds(secs: i64) -> DateTime {
        let (year, month, day) = civil_from_days(secs.div_euclid(86400));
        let rem = secs.rem_euclid(86400) as u32;
        DateTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            micro: 0,
            offset: 0,
        }
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        while self.pos < self.s.len() && self.pos - start < max && self.s[self.pos].is_ascii_digit()
        {
            self.pos += 1;
        }
        if self.pos - start < min {
            self.pos = start;
            return None;
        }
        std::str::from_utf8(&self.s[start..self.pos])
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, set: &[u8]) -> Option<u8> {
        let c = *self.s.get(self.pos)?;
        if set.contains(&c) {
            self.pos += 1;
            Some(c)
        } else {
            None
        }
    }

    /// `-N{1,2}` or `NN`
    fn part(&mut self) -> Option<u32> {
        let save = self.pos;
        if self.eat(b"-").is_some() {
            if let Some(v) = self.digits(1, 2) {
                return Some(v);
            }
            self.pos = save;
            return None;
        }
        self.digits(2, 2)
    }
}

pub fn parse(text: &str) -> Option<DateTime> {
    let mut c = Cursor {
        s: text.as_bytes(),
        pos: 0,
    };
    let year = c.digits(4, 4)? as i32;
    let month = c.part().unwrap_or(1);
    let day = c.part().unwrap_or(1);
    let mut t = DateTime {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micro: 0,
        offset: 0,
    };
    if c.eat(b"T ").is_some() {
        t.hour = c.digits(2, 2)?;
        let save = c.pos;
        c.eat(b":");
        match c.digits(2, 2) {
            Some(m) => {
                t.minute = m;
                let save = c.pos;
                c.eat(b":");
                match c.digits(1, 2) {
                    Some(s) => {
                        t.second = s;
                        if c.eat(b".,").is_some() {
                            let start = c.pos;
                            c.digits(1, usize::MAX)?;
                            let frac = &text[start..c.pos];
                            let six: String =
                                frac.chars().chain("000000".chars()).take(6).collect();
                            t.micro = six.parse().ok()?;
                        }
                    }
                    None => c.pos = save,
                }
            }
            None => c.pos = save,
        }
        if c.eat(b"Z").is_none() {
            if let Some(sign) = c.eat(b"+-") {
                let h = c.digits(2, 2)? as i32;
                c.eat(b":");
                let m = c.digits(2, 2).unwrap_or(0) as i32;
                t.offset = (h * 60 + m) * if sign == b'-' { -1 } else { 1 };
            }
        }
    }
    let valid = c.pos == text.len()
        && (1..=12).contains(&t.month)
        && t.day >= 1
        && t.day <= days_in_month(t.year, t.month)
        && t.hour < 24
        && t.minute < 60
        && t.second < 60;
    valid.then_some(t)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for (text, iso) in [
            ("2018", "2018-01-01T00:00:00+00:00"),
            ("2018-01", "2018-01-01T00:00:00+00:00"),
            ("2018-01-17", "2018-01-17T00:00:00+00:00"),
            ("20180117", "2018-01-17T00:00:00+00:00"),
            ("2018-01-17T08", "2018-01-17T08:00:00+00:00"),
            ("2018-01-17T08Z", "2018-01-17T08:00:00+00:00"),
            ("2018-01-17T08:30:00Z", "2018-01-17T08:30:00+00:00"),
            (
                "2018-01-17T08:30:00.5+02:00",
                "2018-01-17T08:30:00.500000+02:00",
            ),
        ] {
            assert_eq!(
                parse(text).map(|t| t.isoformat()).as_deref(),
                Some(iso),
                "{text}"
            );
        }
        for bad in ["garbage", "x", "2018-13", "2018-02-30", "18-01-01", ""] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unix_round_trip() {
        let t = parse("2020-02-29T23:59:59Z").unwrap();
        assert_eq!(DateTime::from_unix_seconds(t.unix_seconds()), t);
        assert_eq!(parse("1970-01-01").unwrap().unix_seconds(), 0);
    }
}
