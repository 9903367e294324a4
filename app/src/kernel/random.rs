//! Unguessable values: codes, tokens and keys.

/// `bytes` random bytes as lower-case hex.
#[cfg(feature = "ssr")]
pub fn hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// 128 random bits as lower-case Crockford base32 (26 characters).
#[cfg(feature = "ssr")]
pub fn code() -> String {
    use rand::RngCore;
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let mut value = u128::from_be_bytes(bytes);
    let mut out = String::with_capacity(26);
    for _ in 0..26 {
        out.push(char::from(ALPHABET[(value & 31) as usize]));
        value >>= 5;
    }
    out
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn codes_are_long_random_and_url_safe() {
        let a = super::code();
        let b = super::code();
        assert_eq!(a.len(), 26);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(super::hex(12).len(), 24);
    }
}
