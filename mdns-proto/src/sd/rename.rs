//! Picking a new name after a conflict (RFC 6762 §9): service instances become
//! `Name (2)`, `Name (3)`…, host labels become `name-2`, `name-3`…. RFC 6762 §9 requires
//! choosing a new name but not its form; these are the forms Bonjour and Avahi use.
//! Results always fit in one 63-byte label (RFC 1035 §2.3.4): the base is shortened,
//! never splitting a UTF-8 character.

use alloc::string::String;
use alloc::vec::Vec;

use super::instance::InstanceName;
use crate::name::MAX_LABEL_LEN;

/// The next service instance name after a conflict: `Name` → `Name (2)`, `Name (2)` →
/// `Name (3)`. A trailing ` (N)` (N a decimal without leading zeros, 1 or more) is
/// taken as an earlier counter and bumped; anything else gets ` (2)`.
pub fn next_service_name(name: &InstanceName) -> InstanceName {
    let text = name.as_str();
    let (base, n) = match split_paren_counter(text) {
        Some((base, n)) => (base, n + 1),
        None => (text, 2),
    };
    let mut buf = [0u8; 13];
    let suffix = suffix(&mut buf, b" (", n, b")");
    let base = truncate_utf8(base.as_bytes(), MAX_LABEL_LEN - suffix.len());
    let mut out = String::with_capacity(base.len() + suffix.len());
    // `base` is a prefix of a `str` cut at a character boundary; `suffix` is ASCII.
    out.push_str(core::str::from_utf8(base).unwrap_or(""));
    out.push_str(core::str::from_utf8(suffix).unwrap_or(""));
    InstanceName::from_checked(out)
}

/// The next host label after a conflict: `name` → `name-2`, `name-2` → `name-3`. A
/// trailing `-N` (N a decimal without leading zeros, 1 or more) is bumped; anything
/// else gets `-2`. An empty label gives `host-2`. The result is at most 63 bytes; the
/// base is cut before any UTF-8 continuation byte, so valid UTF-8 stays valid.
pub fn next_host_label(label: &[u8]) -> Vec<u8> {
    let label = if label.is_empty() { b"host" } else { label };
    let (base, n) = match split_hyphen_counter(label) {
        Some((base, n)) => (base, n + 1),
        None => (label, 2),
    };
    let mut buf = [0u8; 13];
    let suffix = suffix(&mut buf, b"-", n, b"");
    let base = truncate_utf8(base, MAX_LABEL_LEN - suffix.len());
    let mut out = Vec::with_capacity(base.len() + suffix.len());
    out.extend_from_slice(base);
    out.extend_from_slice(suffix);
    out
}

/// `before`, `n` in decimal, `after`, written into `buf` (by hand: `format!` would pull
/// in `core::fmt`, a kilobyte and a half of a microcontroller's flash).
fn suffix<'a>(buf: &'a mut [u8; 13], before: &[u8], n: u32, after: &[u8]) -> &'a [u8] {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let parts = [before, &digits[i..], after];
    let mut len = 0;
    for part in parts {
        buf[len..len + part.len()].copy_from_slice(part);
        len += part.len();
    }
    &buf[..len]
}

/// `"Base (N)"` → `("Base", N)`, if N is a counter that can still be bumped.
/// (On bytes: `str::rfind` links a two-way string searcher, a kilobyte of flash.)
fn split_paren_counter(text: &str) -> Option<(&str, u32)> {
    let inner = text.as_bytes().strip_suffix(b")")?;
    let open = inner.windows(2).rposition(|w| w == b" (")?;
    let n = parse_counter(&inner[open + 2..])?;
    Some((text.get(..open)?, n))
}

/// `b"base-N"` → `(b"base", N)`, if N is a counter that can still be bumped.
fn split_hyphen_counter(label: &[u8]) -> Option<(&[u8], u32)> {
    let dash = label.iter().rposition(|&b| b == b'-')?;
    let n = parse_counter(&label[dash + 1..])?;
    Some((&label[..dash], n))
}

/// A decimal ≥ 1 with no leading zero and room to add one.
fn parse_counter(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits[0] == b'0' || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u32 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    n.checked_add(1).map(|_| n)
}

/// The longest prefix of `bytes` of at most `max` bytes that does not end in the middle
/// of a UTF-8 sequence (it never cuts just before a continuation byte).
fn truncate_utf8(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max {
        return bytes;
    }
    let mut cut = max;
    while cut > 0 && bytes[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    &bytes[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use proptest::prelude::*;

    fn next(s: &str) -> String {
        next_service_name(&InstanceName::new(s).unwrap()).to_string()
    }

    fn host(s: &str) -> String {
        String::from_utf8(next_host_label(s.as_bytes())).unwrap()
    }

    /// The counter written by hand: every digit count up to the largest `u32`.
    #[test]
    fn counters_in_decimal() {
        assert_eq!(next("x (9)"), "x (10)");
        assert_eq!(next("x (4294967294)"), "x (4294967295)");
        assert_eq!(host("x-99"), "x-100");
        assert_eq!(host("x-4294967294"), "x-4294967295");
    }

    #[test]
    fn rfc6762_9_service_name_counter() {
        assert_eq!(next("Printer"), "Printer (2)");
        assert_eq!(next("Printer (2)"), "Printer (3)");
        assert_eq!(next("Printer (9)"), "Printer (10)");
        assert_eq!(next("Printer (1)"), "Printer (2)");
        // Not counters: leading zero, zero, no space, not digits, overflow.
        assert_eq!(next("Printer (02)"), "Printer (02) (2)");
        assert_eq!(next("Printer (0)"), "Printer (0) (2)");
        assert_eq!(next("Printer(3)"), "Printer(3) (2)");
        assert_eq!(next("Printer (x)"), "Printer (x) (2)");
        assert_eq!(next("P (4294967295)"), "P (4294967295) (2)");
        assert_eq!(next(" (7)"), " (8)");
    }

    #[test]
    fn rfc6762_9_host_label_counter() {
        assert_eq!(host("myhost"), "myhost-2");
        assert_eq!(host("myhost-2"), "myhost-3");
        assert_eq!(host("myhost-19"), "myhost-20");
        assert_eq!(host("my-host"), "my-host-2");
        assert_eq!(host("myhost-02"), "myhost-02-2");
        assert_eq!(host("myhost-"), "myhost--2");
        assert_eq!(host(""), "host-2");
    }

    #[test]
    fn rfc1035_2_3_4_results_fit_in_63_bytes_without_splitting_utf8() {
        let long = "a".repeat(63);
        assert_eq!(next(&long), format!("{} (2)", "a".repeat(59)));
        assert_eq!(host(&long), format!("{}-2", "a".repeat(61)));
        // 21 three-byte characters = 63 bytes; 59 bytes of room keep 19 of them.
        let cups = "☕".repeat(21);
        assert_eq!(next(&cups), format!("{} (2)", "☕".repeat(19)));
        assert_eq!(host(&cups), format!("{}-2", "☕".repeat(20)));
        let at_limit = format!("{} (9)", "b".repeat(59));
        assert_eq!(next(&at_limit), format!("{} (10)", "b".repeat(58)));
    }

    proptest! {
        #[test]
        fn prop_service_rename_valid_short_and_different(s in "\\PC{1,40}") {
            prop_assume!(s.len() <= 63 && !s.bytes().any(|b| b.is_ascii_control()));
            let before = InstanceName::new(&s).unwrap();
            let after = next_service_name(&before);
            prop_assert!(after.as_str().len() <= 63);
            prop_assert!(InstanceName::new(after.as_str()).is_ok());
            prop_assert_ne!(after.as_str(), before.as_str());
        }

        #[test]
        fn prop_host_rename_valid_short_and_different(s in "\\PC{0,70}") {
            let after = next_host_label(s.as_bytes());
            prop_assert!(!after.is_empty() && after.len() <= 63);
            prop_assert!(core::str::from_utf8(&after).is_ok());
            prop_assert_ne!(after.as_slice(), s.as_bytes());
        }

        #[test]
        fn prop_host_rename_arbitrary_bytes_short(b in proptest::collection::vec(any::<u8>(), 0..80)) {
            let after = next_host_label(&b);
            prop_assert!(!after.is_empty() && after.len() <= 63);
            prop_assert_ne!(after, b);
        }
    }
}
