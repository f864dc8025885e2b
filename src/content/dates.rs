//! Publication dates: the forms front matter may use, read in the site
//! timezone when they carry no offset.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// A date as written in front matter: a string, or a TOML date-time value
/// (`date = 2021-03-26T09:30:00+08:00` without quotes), kept as text until
/// it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateText(pub String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = DateText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2021-03-26 or 2021-03-26T09:30:00+08:00")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateText, E> {
                Ok(DateText(v.to_string()))
            }
            // TOML hands its date-time values over as a one-entry map.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DateText, A::Error> {
                let datetime =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(DateText(datetime.to_string()))
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

const LOCAL_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Reads a date in any form docs/reference.md allows. Forms without an offset are
/// read in `timezone`.
pub(crate) fn parse_date(text: &str, timezone: Tz) -> Result<DateTime<Utc>, String> {
    let date = parse_any_form(text.trim(), timezone)?;
    // RFC 3339, and so Atom, JSON Feed and sitemaps, write four-digit
    // years; a date outside them could not be written back.
    let year_ok = |year: i32| (1..=9999).contains(&year);
    if !year_ok(date.year()) || !year_ok(date.with_timezone(&timezone).year()) {
        return Err(format!(
            "`{}` is outside the years 0001 to 9999 that feeds and sitemaps can carry",
            text.trim()
        ));
    }
    Ok(date)
}

fn parse_any_form(text: &str, timezone: Tz) -> Result<DateTime<Utc>, String> {
    let date = parse_form(text, timezone)?;
    // chrono keeps a leap second (`:60`) as a second of 1,000 ms or more,
    // which no feed format writes back.
    if date.nanosecond() >= 1_000_000_000 {
        return Err(format!(
            "`{text}` is a leap second (:60): use :59 or the next minute"
        ));
    }
    Ok(date)
}

fn parse_form(text: &str, timezone: Tz) -> Result<DateTime<Utc>, String> {
    let expected = "expected RFC 3339 (2021-03-26T09:30:00+08:00), a local date-time (2021-03-26T09:30:00 or 2021-03-26 09:30) or a date (2021-03-26)";
    // chrono's `%Y` takes any number of digits; "21-3-6" is not 2021.
    if !starts_with_full_date(text) {
        return Err(format!("`{text}` is not a date: {expected}"));
    }
    if let Ok(dt) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
        return Ok(dt.with_timezone(&Utc));
    }
    // RFC 3339 allows a space for the `T`; so do we.
    if let Ok(dt) = DateTime::<FixedOffset>::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Ok(dt.with_timezone(&Utc));
    }
    let naive = LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        });
    let Some(naive) = naive else {
        return Err(if starts_with_full_date(text) {
            format!("`{text}` is not a real date or time: {expected}")
        } else {
            format!("`{text}` is not a date: {expected}")
        });
    };
    match timezone.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Ok(dt.with_timezone(&Utc)),
        // A time the clocks passed twice (autumn change): the first one.
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "`{text}` does not exist in {timezone}: the clocks skip it (daylight saving)"
        )),
    }
}

/// True for text that starts `YYYY-MM-DD` in digits; that includes dates
/// whose numbers are out of range, such as 2021-13-45, so the message can
/// say "not a real date".
fn starts_with_full_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> String {
        parse_date(text, "Asia/Shanghai".parse().unwrap())
            .unwrap()
            .to_rfc3339()
    }

    #[test]
    fn every_form_of_the_spec() {
        assert_eq!(
            utc("2021-03-26T09:30:00+08:00"),
            "2021-03-26T01:30:00+00:00"
        );
        assert_eq!(utc("2021-03-26T01:30:00Z"), "2021-03-26T01:30:00+00:00");
        assert_eq!(utc("2021-03-26T09:30:00"), "2021-03-26T01:30:00+00:00");
        assert_eq!(utc("2021-03-26 09:30"), "2021-03-26T01:30:00+00:00");
        assert_eq!(utc("2021-03-26 09:30:15"), "2021-03-26T01:30:15+00:00");
        assert_eq!(utc("2021-03-26"), "2021-03-25T16:00:00+00:00");
    }

    #[test]
    fn impossible_dates_are_refused() {
        let err = parse_date("2021-13-45", Tz::UTC).unwrap_err();
        assert!(
            err.starts_with("`2021-13-45` is not a real date or time"),
            "{err}"
        );
        let err = parse_date("yesterday", Tz::UTC).unwrap_err();
        assert!(err.starts_with("`yesterday` is not a date"), "{err}");
        assert!(parse_date("2021-02-29", Tz::UTC).is_err());
    }

    #[test]
    fn dates_the_fuzzer_found_are_refused() {
        // chrono's `%Y` would read these as the years 21 and -3021.
        for text in ["21-3-6T1:40:59", "-3021-03-26T18:40", "+12021-03-26"] {
            let err = parse_date(text, Tz::UTC).unwrap_err();
            assert!(err.contains("is not a date"), "{text}: {err}");
        }
        let err = parse_date("2021-03-26T10:40:60", Tz::UTC).unwrap_err();
        assert!(err.contains("is a leap second"), "{err}");
        let err = parse_date("9999-12-31T23:00:00-05:00", Tz::UTC).unwrap_err();
        assert!(err.contains("outside the years 0001 to 9999"), "{err}");
    }

    #[test]
    fn daylight_saving_gap_is_an_error() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert!(
            parse_date("2021-03-28 02:30", tz)
                .unwrap_err()
                .contains("does not exist")
        );
        // The repeated hour in autumn takes its first occurrence.
        assert_eq!(
            parse_date("2021-10-31 02:30", tz).unwrap().to_rfc3339(),
            "2021-10-31T00:30:00+00:00"
        );
    }

    #[test]
    fn toml_datetime_values_read_as_text() {
        #[derive(Deserialize)]
        struct F {
            date: DateText,
        }
        let f: F = toml::from_str("date = 2021-03-26T09:30:00+08:00").unwrap();
        assert_eq!(f.date.0, "2021-03-26T09:30:00+08:00");
        let f: F = toml::from_str("date = 2021-03-26").unwrap();
        assert_eq!(f.date.0, "2021-03-26");
        let f: F = toml::from_str("date = \"2021-03-26 09:30\"").unwrap();
        assert_eq!(f.date.0, "2021-03-26 09:30");
    }
}
