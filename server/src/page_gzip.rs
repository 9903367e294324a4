//! A kept page's gzip, compressed once although every answer carries a
//! nonce of its own.
//!
//! Compressing a page per answer costs about 100 µs (13 KB at any level:
//! deflate's set-up dominates), twenty times what sending a kept page
//! costs. So the page is cut at its nonces and each piece compressed once,
//! ending in a full flush: the stream is then byte-aligned and nothing after
//! it refers back to what came before. An answer is the pieces with the new
//! nonce between them as stored (uncompressed) deflate blocks, a final empty
//! block, and the CRC and length of the whole (RFC 1951 §3.2.4, RFC 1952).

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// gzip's header: deflate, no name, no time, unknown system.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// A final, empty, stored block.
const LAST_BLOCK: [u8; 5] = [1, 0, 0, 0xff, 0xff];

/// A page compressed around the places of its nonce.
pub struct Spliced {
    /// The text between the nonces, as it was (for the CRC).
    plain: Vec<Vec<u8>>,
    /// Each piece of `plain`, compressed and flushed.
    packed: Vec<Vec<u8>>,
}

impl Spliced {
    /// `body` compressed around every `nonce` in it; `None` if deflate fails
    /// or the page is too big for gzip's length field.
    pub fn new(body: &str, nonce: &str) -> Option<Self> {
        u32::try_from(body.len()).ok()?;
        let mut deflate = Compress::new(Compression::default(), false);
        let mut plain = Vec::new();
        let mut packed = Vec::new();
        for piece in body.split(nonce) {
            packed.push(flushed(&mut deflate, piece.as_bytes())?);
            plain.push(piece.as_bytes().to_vec());
        }
        Some(Self { plain, packed })
    }

    /// The gzip of the page with `nonce` in every place the old one was.
    pub fn with(&self, nonce: &str) -> Option<Vec<u8>> {
        let nonce = nonce.as_bytes();
        let stored_len = u16::try_from(nonce.len()).ok()?;
        let packed: usize = self.packed.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(packed + self.packed.len() * (nonce.len() + 5) + 32);
        let mut crc = Crc::new();
        out.extend_from_slice(&HEADER);
        for (i, (plain, packed)) in self.plain.iter().zip(&self.packed).enumerate() {
            if i > 0 {
                // A stored block: a byte for its header (not final, type 0,
                // padding), the length and its complement, the bytes.
                out.push(0);
                out.extend_from_slice(&stored_len.to_le_bytes());
                out.extend_from_slice(&(!stored_len).to_le_bytes());
                out.extend_from_slice(nonce);
                crc.update(nonce);
            }
            out.extend_from_slice(packed);
            crc.update(plain);
        }
        out.extend_from_slice(&LAST_BLOCK);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&crc.amount().to_le_bytes());
        Some(out)
    }
}

/// `input` deflated and fully flushed (byte-aligned, history dropped).
fn flushed(deflate: &mut Compress, mut input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        let (took, wrote) = (deflate.total_in(), out.len());
        let status = deflate
            .compress_vec(input, &mut out, FlushCompress::Full)
            .ok()?;
        let progressed = deflate.total_in() != took || out.len() != wrote;
        input = &input[usize::try_from(deflate.total_in() - took).ok()?..];
        // The flush is complete once the input is taken and the output was
        // not filled; no progress with nothing left means the same (the
        // stream was already flushed).
        match status {
            Status::StreamEnd => return None,
            _ if input.is_empty() && (out.len() < out.capacity() || !progressed) => {
                return Some(out);
            }
            Status::BufError if !progressed => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip stream");
        text
    }

    #[test]
    fn the_page_comes_back_with_the_new_nonce_in_every_place() {
        let old = "AAAAAAAAAAAAAAAAAAAAAA";
        let new = "BBBBBBBBBBBBBBBBBBBBBB";
        let body = format!(
            "<html><head><script nonce=\"{old}\">x()</script></head><body>{}<style nonce=\"{old}\"></style>{old}</body></html>",
            "<p>Repeated text compresses well. </p>".repeat(200)
        );
        let spliced = Spliced::new(&body, old).expect("compressed");
        let gz = spliced.with(new).expect("spliced");
        assert_eq!(gunzip(&gz), body.replace(old, new));
        assert!(gz.len() < body.len() / 5, "{} of {}", gz.len(), body.len());
    }

    #[test]
    fn a_page_without_a_nonce_or_with_one_at_its_ends_is_whole() {
        for body in [
            "no nonce here",
            "NNNNNNNNNNNNNNNNmiddleNNNNNNNNNNNNNNNN",
            "",
        ] {
            let spliced = Spliced::new(body, "NNNNNNNNNNNNNNNN").expect("compressed");
            let gz = spliced.with("0123456789abcdef").expect("spliced");
            assert_eq!(
                gunzip(&gz),
                body.replace("NNNNNNNNNNNNNNNN", "0123456789abcdef")
            );
        }
    }

    #[test]
    fn a_large_page_deflates_in_several_rounds() {
        let body: String = (0..200_000u32)
            .map(|i| char::from(b'a' + (i * 7919 % 26) as u8))
            .collect();
        let spliced = Spliced::new(&body, "NONCE_NONCE_NONCE").expect("compressed");
        assert_eq!(gunzip(&spliced.with("x").expect("spliced")), body);
    }
}
