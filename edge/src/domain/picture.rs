//! An agent's picture as uploaded (`PUT agents/me/picture`,
//! `PUT agents/{id}/picture`), parsed once: the declared type must be PNG,
//! JPEG or WebP (415 otherwise), the bytes must be that type by their magic
//! bytes and have readable dimensions (422), at most
//! [`MAX_PICTURE_BYTES`] (413) and [`MAX_PICTURE_SIDE_PX`] on each side
//! (422). Its version is a hash of its bytes, so its public URL changes with
//! it and can be cached for good.
//!
//! **Why the edge does not resize.** The console crops and resizes in the
//! browser before upload (a canvas, [`PICTURE_SIDE_PX`] square, a few KB:
//! what a phone should send). Resizing in the edge would mean decoding PNG,
//! JPEG and WebP in the Worker: measured with `cargo xtask build edge`, the
//! `image` crate 0.25 (features png, jpeg, webp; no defaults) decoding,
//! `resize_to_fill` and PNG encoding grew the Worker's Wasm from 2,643,887
//! to 3,263,990 B raw and from 901,227 to 1,137,698 B gzip (+231 KiB, +26 %,
//! of a 3 MiB limit, loaded by every cold start), and it would decode up to
//! megapixels on the site object's one thread, which every presence change
//! of the site waits behind. An API client can resize as easily as the
//! console does, so a larger picture is refused with an error naming the
//! maximum. Only the
//! headers are read here (dimensions); the bytes are stored as sent and
//! served with `X-Content-Type-Options: nosniff`.

use crate::error::{ApiError, MediaRefusal};
use presenza_protocol::limits::{MAX_PICTURE_BYTES, MAX_PICTURE_SIDE_PX, PICTURE_SIDE_PX};

/// `Cache-Control` of a picture at its current version's URL: a year, the
/// longest `max-age` caches honour.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of a picture asked without its version (or an old one).
pub const REVALIDATE: &str = "public, no-cache";

/// The headers a picture is served with (by the site, or from a location's
/// cache by the Worker), besides its type and CORS.
pub fn served_headers(etag: &str, cache_control: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ETag", etag.to_string()),
        ("Cache-Control", cache_control.to_string()),
        // Shown by pages of other origins, even those that isolate themselves.
        ("Cross-Origin-Resource-Policy", "cross-origin".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ]
}

/// The picture types the edge accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureKind {
    Png,
    Jpeg,
    WebP,
}

impl PictureKind {
    pub const ACCEPTED: &'static str = "image/png, image/jpeg or image/webp";

    pub fn content_type(self) -> &'static str {
        match self {
            PictureKind::Png => "image/png",
            PictureKind::Jpeg => "image/jpeg",
            PictureKind::WebP => "image/webp",
        }
    }

    /// The kind a `Content-Type` names (parameters ignored).
    pub fn from_content_type(value: &str) -> Option<PictureKind> {
        let essence = value.split(';').next().unwrap_or_default().trim();
        [PictureKind::Png, PictureKind::Jpeg, PictureKind::WebP]
            .into_iter()
            .find(|k| essence.eq_ignore_ascii_case(k.content_type()))
    }

    /// The kind the stored `content_type` column names.
    pub fn stored(value: &str) -> Option<PictureKind> {
        Self::from_content_type(value)
    }
}

/// A picture that may be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub kind: PictureKind,
    pub width: u32,
    pub height: u32,
    /// Content hash (hex), the `?v=` of its URL and its ETag.
    pub version: String,
    pub bytes: Vec<u8>,
}

impl Picture {
    /// Parses an upload: its `Content-Type` and body.
    pub fn parse(content_type: Option<&str>, bytes: Vec<u8>) -> Result<Picture, ApiError> {
        let kind = content_type
            .and_then(PictureKind::from_content_type)
            .ok_or_else(|| {
                ApiError::media(
                    MediaRefusal::UnsupportedType,
                    "unsupported_picture_type",
                    format!("send the picture as {}", PictureKind::ACCEPTED),
                )
            })?;
        if bytes.len() > MAX_PICTURE_BYTES {
            return Err(too_large());
        }
        let (width, height) = dimensions(kind, &bytes).ok_or_else(|| {
            ApiError::media(
                MediaRefusal::Unprocessable,
                "undecodable_picture",
                format!(
                    "the body is not a {} picture (its header cannot be read)",
                    kind.content_type()
                ),
            )
        })?;
        if width == 0 || height == 0 || width > MAX_PICTURE_SIDE_PX || height > MAX_PICTURE_SIDE_PX
        {
            return Err(ApiError::media(
                MediaRefusal::Unprocessable,
                "picture_dimensions",
                format!(
                    "the picture is {width}×{height} pixels: at most \
                     {MAX_PICTURE_SIDE_PX}×{MAX_PICTURE_SIDE_PX} (resize it first, e.g. to \
                     {PICTURE_SIDE_PX}×{PICTURE_SIDE_PX})"
                ),
            ));
        }
        Ok(Picture {
            kind,
            width,
            height,
            version: version(&bytes),
            bytes,
        })
    }
}

/// 413 naming the limit (the Worker answers it too, for a body it did not
/// keep).
pub fn too_large() -> ApiError {
    ApiError::media(
        MediaRefusal::TooLarge,
        "picture_too_large",
        format!(
            "the picture is larger than {MAX_PICTURE_BYTES} bytes ({} KiB): resize it, e.g. to \
             {PICTURE_SIDE_PX}×{PICTURE_SIDE_PX} pixels",
            MAX_PICTURE_BYTES / 1024
        ),
    )
}

/// The version of a picture: the first 16 hex digits of its SHA-256.
pub fn version(bytes: &[u8]) -> String {
    let mut hex = crate::auth::sha256_hex(bytes);
    hex.truncate(16);
    hex
}

/// Width and height from the header of a picture of `kind`; `None` when the
/// bytes are not that kind or the header is cut.
pub fn dimensions(kind: PictureKind, b: &[u8]) -> Option<(u32, u32)> {
    match kind {
        PictureKind::Png => png(b),
        PictureKind::Jpeg => jpeg(b),
        PictureKind::WebP => webp(b),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// PNG: the signature, then the IHDR chunk's width and height.
fn png(b: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(SIGNATURE) || b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// JPEG: SOI, then segments up to the first start-of-frame marker.
fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return None;
    }
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        // Fill bytes before a marker.
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8..=0xDA => return None,
            // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be16(b, i + 3)?;
                let width = be16(b, i + 5)?;
                return Some((width, height));
            }
            _ => {
                let len = usize::try_from(be16(b, i)?).ok()?;
                if len < 2 {
                    return None;
                }
                i += len;
            }
        }
    }
}

/// WebP: the RIFF header, then the first chunk (lossy, lossless or
/// extended).
fn webp(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(0..4)? != b"RIFF" || b.get(8..12)? != b"WEBP" {
        return None;
    }
    match b.get(12..16)? {
        b"VP8 " => {
            if b.get(23..26)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            let w = u32::from(u16::from_le_bytes([*b.get(26)?, *b.get(27)?]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([*b.get(28)?, *b.get(29)?]) & 0x3FFF);
            Some((w, h))
        }
        b"VP8L" => {
            if *b.get(20)? != 0x2F {
                return None;
            }
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn status(e: &ApiError) -> (u16, &'static str) {
        (e.status(), e.code())
    }

    #[test]
    fn reads_the_dimensions_of_each_kind() {
        assert_eq!(
            dimensions(PictureKind::Png, &png_of(256, 200)),
            Some((256, 200))
        );
        // JPEG: SOI, an APP0 segment, then SOF0 (precision, height, width).
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x40, 0x00, 0x80, 0x03,
        ];
        assert_eq!(dimensions(PictureKind::Jpeg, &jpeg), Some((128, 64)));
        let mut lossy = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\x9d\x01\x2a".to_vec();
        lossy.extend_from_slice(&[0x00, 0x01, 0x80, 0x00]);
        assert_eq!(dimensions(PictureKind::WebP, &lossy), Some((256, 128)));
        let mut lossless = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        // width-1 = 99, height-1 = 49: 99 | 49 << 14.
        lossless.extend_from_slice(&(99u32 | 49 << 14).to_le_bytes());
        assert_eq!(dimensions(PictureKind::WebP, &lossless), Some((100, 50)));
        let mut extended = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0".to_vec();
        extended.extend_from_slice(&[255, 0, 0, 127, 0, 0]);
        assert_eq!(dimensions(PictureKind::WebP, &extended), Some((256, 128)));
    }

    #[test]
    fn a_cut_or_foreign_header_is_none() {
        let png = png_of(10, 10);
        assert_eq!(dimensions(PictureKind::Png, &png[..20]), None);
        assert_eq!(dimensions(PictureKind::Jpeg, &png), None);
        assert_eq!(dimensions(PictureKind::WebP, b"RIFF"), None);
        assert_eq!(
            dimensions(PictureKind::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 0x00]),
            None
        );
        // A zero segment length never loops.
        assert_eq!(
            dimensions(PictureKind::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            None
        );
    }

    #[test]
    fn uploads_are_checked_in_order_type_size_bytes_dimensions() {
        let ok = Picture::parse(Some("image/png"), png_of(256, 256)).unwrap();
        assert_eq!((ok.kind, ok.width, ok.height), (PictureKind::Png, 256, 256));
        assert_eq!(ok.version.len(), 16);
        let e = Picture::parse(Some("image/gif"), png_of(1, 1)).unwrap_err();
        assert_eq!(status(&e), (415, "unsupported_picture_type"));
        let e = Picture::parse(None, png_of(1, 1)).unwrap_err();
        assert_eq!(status(&e), (415, "unsupported_picture_type"));
        let e = Picture::parse(Some("image/png"), vec![0; MAX_PICTURE_BYTES + 1]).unwrap_err();
        assert_eq!(status(&e), (413, "picture_too_large"));
        assert!(e.message().contains(&MAX_PICTURE_BYTES.to_string()));
        let e = Picture::parse(Some("image/jpeg"), png_of(1, 1)).unwrap_err();
        assert_eq!(status(&e), (422, "undecodable_picture"));
        let e = Picture::parse(Some("image/png"), png_of(513, 10)).unwrap_err();
        assert_eq!(status(&e), (422, "picture_dimensions"));
        assert!(e.message().contains("512×512"));
        let e = Picture::parse(Some("image/png"), png_of(0, 10)).unwrap_err();
        assert_eq!(status(&e), (422, "picture_dimensions"));
        let ok = Picture::parse(Some("Image/PNG; charset=binary"), png_of(8, 8)).unwrap();
        assert_eq!(ok.kind.content_type(), "image/png");
    }
}
