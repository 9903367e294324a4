//! A profile picture made safe to keep: decoded (within limits) and
//! encoded again, at most 512 pixels a side. What is kept carries no
//! metadata (EXIF with a phone's GPS position, comments, colour profiles)
//! and nothing but pixels, whatever the upload hid in its file.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use app::error::AppError;

/// Pictures larger than this a side are refused before they are decoded.
pub const MAX_SIDE_IN: u32 = 8000;
/// What is kept: at most this a side.
pub const MAX_SIDE_OUT: u32 = 512;
/// Memory the decoder may take for one picture.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

fn unreadable() -> AppError {
    AppError::bad_request(
        "avatar",
        format!(
            "This picture could not be read, or is larger than {MAX_SIDE_IN} × {MAX_SIDE_IN} pixels."
        ),
    )
}

/// The picture `bytes` (of `format`, as sniffed) encoded again: PNG when it
/// has transparency, JPEG otherwise. Returns the bytes and the extension.
/// CPU-bound: call it off the async workers.
pub fn reencode(bytes: &[u8], format: ImageFormat) -> Result<(Vec<u8>, &'static str), AppError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_IN);
    limits.max_image_height = Some(MAX_SIDE_IN);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| unreadable())?;
    let picture = if picture.width() > MAX_SIDE_OUT || picture.height() > MAX_SIDE_OUT {
        picture.thumbnail(MAX_SIDE_OUT, MAX_SIDE_OUT)
    } else {
        picture
    };
    let mut out = Vec::new();
    if picture.color().has_alpha() {
        let rgba = DynamicImage::ImageRgba8(picture.to_rgba8());
        rgba.write_with_encoder(PngEncoder::new(&mut out))
            .map_err(AppError::internal)?;
        Ok((out, "png"))
    } else {
        let rgb = DynamicImage::ImageRgb8(picture.to_rgb8());
        rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85))
            .map_err(AppError::internal)?;
        Ok((out, "jpg"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_photo_loses_its_exif_and_is_made_small() {
        let photo = DynamicImage::new_rgb8(1200, 900);
        let jpeg = encoded(photo, ImageFormat::Jpeg);
        // An APP1 segment with EXIF (and a GPS tag's name) right after SOI.
        let payload = b"Exif\0\0GPSLatitude 48.8584N secret";
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&jpeg[2..]);

        let (kept, ext) = reencode(&with_exif, ImageFormat::Jpeg).unwrap();

        assert_eq!(ext, "jpg");
        assert!(!kept.windows(4).any(|w| w == b"Exif"));
        assert!(!kept.windows(3).any(|w| w == b"GPS"));
        let back = image::load_from_memory(&kept).unwrap();
        assert_eq!((back.width(), back.height()), (512, 384));
    }

    #[test]
    fn transparency_stays_png() {
        let png = encoded(DynamicImage::new_rgba8(10, 10), ImageFormat::Png);
        let (_, ext) = reencode(&png, ImageFormat::Png).unwrap();
        assert_eq!(ext, "png");
    }

    #[test]
    fn a_picture_too_large_to_decode_is_refused_before_it_is() {
        // 9000 × 1 compresses to a few bytes but is over the side limit.
        let wide = encoded(
            DynamicImage::new_luma8(MAX_SIDE_IN + 1000, 1),
            ImageFormat::Png,
        );
        assert!(wide.len() < 2048);
        assert!(matches!(
            reencode(&wide, ImageFormat::Png),
            Err(AppError::BadRequest { .. })
        ));
        assert!(reencode(b"\x89PNG\r\n\x1a\nnot really", ImageFormat::Png).is_err());
    }
}
