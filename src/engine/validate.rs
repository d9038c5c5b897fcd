//! Validators for structured numbers. Pure functions over ASCII strings.
//!
//! A validator says whether a number *could* be the thing it looks like; the
//! decide stage turns that into a finding or drops the candidate.

/// Province-level prefixes of GB/T 2260 area codes (first two digits).
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// GB 11643 resident ID: 18 chars, a province prefix, a real birth date from
/// 1900 to 2099, and the ISO 7064 MOD 11-2 check char (`X` for 10).
pub fn is_resident_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !PROVINCES.contains(&province) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    if !(1900..=2099).contains(&year) || !is_real_date(year, month, day) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

fn is_real_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Luhn checksum over ASCII digits.
pub fn luhn(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 2 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A bank card number: 16–19 digits with a valid Luhn check.
pub fn is_bank_card(s: &str) -> bool {
    (16..=19).contains(&s.len()) && luhn(s)
}

/// UnionPay cards start with 62; most cards issued in China do.
pub fn has_unionpay_prefix(s: &str) -> bool {
    s.starts_with("62")
}

/// A mainland mobile number: 11 digits, `1` then 3–9.
pub fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

/// Defaults every user knows and placeholders: publishing them gives nothing
/// away (`初始密码为123456，首次登录后请修改`).
const KNOWN_DEFAULTS: &[&str] = &[
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "654321",
    "000000",
    "111111",
    "666666",
    "888888",
    "admin",
    "admin123",
    "password",
    "passw0rd",
    "abc123",
    "qwerty",
    "xxxxxx",
    "******",
];

/// A password or key value that is a real secret (normalized text, so
/// letters are lower case): 6–40 visible ASCII chars, not a known default,
/// not one char repeated, holding both a letter and a digit (a policy every
/// system enforces; `IE=edge`, `+USBKey` are not secrets). `Gov2025#`,
/// `dc@2025!sj` are; `123456`, `abcdef`, `8位以上` are not.
pub fn is_secret(value: &str) -> bool {
    let n = value.chars().count();
    if !(6..=40).contains(&n) || !value.chars().all(|c| c.is_ascii_graphic()) {
        return false;
    }
    if KNOWN_DEFAULTS.contains(&value) || value.chars().all(|c| value.starts_with(c)) {
        return false;
    }
    let letter = value.chars().any(|c| c.is_ascii_alphabetic());
    let digit = value.chars().any(|c| c.is_ascii_digit());
    letter && digit
}

/// GB 32100 unified social credit code: 18 chars from the code set
/// `0-9A-HJ-NPQRTUWXY`, with its weighted MOD 31 check char. These identify
/// organisations and are public: never personal data.
pub fn is_social_credit_code(s: &str) -> bool {
    const CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let mut values = [0usize; 18];
    for (i, c) in b.iter().enumerate() {
        match CHARSET.iter().position(|x| *x == c.to_ascii_uppercase()) {
            Some(v) => values[i] = v,
            None => return false,
        }
    }
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids() {
        for (id, want) in [
            ("11010519491231002X", true),
            ("11010519491231002x", true),
            ("110105194912310021", false), // wrong check digit
            ("110105194902300027", false), // 30 February
            ("990105194912310020", false), // no such province
            ("11010518991231002X", false), // before 1900
            ("1101051949123100", false),   // too short
        ] {
            assert_eq!(is_resident_id(id), want, "id: {id}");
        }
    }

    #[test]
    fn luhn_and_cards() {
        for (n, want) in [
            ("6222021234567890123", false),
            ("6222600260001072444", true),
            ("4111111111111111", true),
            ("4111111111111112", false),
        ] {
            assert_eq!(is_bank_card(n), want, "card: {n}");
        }
    }

    #[test]
    fn mobiles_and_credit_codes() {
        assert!(is_secret("gov2025#") && is_secret("dc@2025!sj") && is_secret("zw@2024db!"));
        assert!(!is_secret("123456") && !is_secret("abcdefgh") && !is_secret("admin123"));
        assert!(!is_secret("aaaaaaa") && !is_secret("a1") && !is_secret("密码abc123"));
        assert!(!is_secret("ie=edge") && !is_secret("+usbkey"));
        assert!(is_mobile("13812345678"));
        assert!(!is_mobile("12812345678"));
        assert!(!is_mobile("03711234567"));
        assert!(is_social_credit_code("91350100M000100Y43"));
        assert!(!is_social_credit_code("91350100M000100Y44"));
    }
}
