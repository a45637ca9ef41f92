//! Time as the machine sees it: [`Timestamp`], a moment told by the driver, and the writing
//! of durations in messages. A leaf: it depends on nothing else in the crate.

use std::time::Duration;

/// A moment, in milliseconds since the Unix epoch, read from the driver's wall clock
/// (`Date.now()` in a browser). A wall clock rather than a monotonic one, so that the app's
/// tabs agree on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// From a JavaScript time value (`Date.now()`); negative or not-a-number values give 0.
    pub fn from_millis_f64(millis: f64) -> Self {
        // `as` saturates and maps NaN to 0.
        Self(millis as u64)
    }

    /// This moment plus `duration` (saturating).
    pub fn after(self, duration: Duration) -> Self {
        Self(self.0.saturating_add(millis(duration)))
    }

    /// This moment minus `duration` (saturating at the epoch).
    pub fn before(self, duration: Duration) -> Self {
        Self(self.0.saturating_sub(millis(duration)))
    }

    /// How long from this moment until `later` (zero when `later` is not later).
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_millis(later.0.saturating_sub(self.0))
    }
}

/// A duration in whole milliseconds (a u64: formatting or dividing a u128 costs the browser
/// build its 128-bit arithmetic).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A duration written exactly as `{:?}` writes it ("250ms", "1.5s", "86400s"), with integer
/// arithmetic only: `Duration`'s own `Debug` brings its decimal-rounding code into every app.
pub(crate) struct DurationText(pub Duration);

/// [`DurationText`] for a field of an error message.
pub(crate) fn duration_text(duration: &Duration) -> DurationText {
    DurationText(*duration)
}

impl std::fmt::Display for DurationText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (secs, nanos) = (self.0.as_secs(), self.0.subsec_nanos());
        // The largest unit that is at least one, and the rest in its fraction digits.
        let (whole, mut fraction, mut digits, unit) = if secs > 0 {
            (secs, nanos, 9, "s")
        } else if nanos >= 1_000_000 {
            (u64::from(nanos / 1_000_000), nanos % 1_000_000, 6, "ms")
        } else if nanos >= 1_000 {
            (u64::from(nanos / 1_000), nanos % 1_000, 3, "µs")
        } else {
            (u64::from(nanos), 0, 0, "ns")
        };
        write!(f, "{whole}")?;
        if fraction > 0 {
            while fraction % 10 == 0 {
                fraction /= 10;
                digits -= 1;
            }
            write!(f, ".{fraction:0digits$}")?;
        }
        f.write_str(unit)
    }
}
