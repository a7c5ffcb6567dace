//! Photos from patients' phones, made safe to keep and to show: recognised by
//! their content (never by name or Content-Type), decoded under pixel and
//! memory limits, turned upright, and re-encoded as a plain JPEG plus a
//! thumbnail. Nothing of the original file survives: no EXIF (GPS, camera,
//! maker notes), no XMP, no ICC profile, no trailing data.
//!
//! Pure: bytes in, bytes out, no IO. It is CPU-heavy, so callers run it on the
//! blocking pool (`web::block`), never on an async worker.

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// The largest upload accepted, in bytes (a phone's full-size photo fits).
pub const MAX_UPLOAD_BYTES: usize = 15 * 1024 * 1024;
/// The largest picture decoded, in pixels: 40 MP keeps one decode under about
/// 160 MB (RGBA) and covers every phone camera's default mode.
pub const MAX_PIXELS: u64 = 40_000_000;
/// No side may exceed this, whatever the pixel count (a 1 × 40,000,000 strip is no photo).
pub const MAX_SIDE: u32 = 16_384;
/// What the decoder may allocate at once (best effort in `image`; strict in heifer via pixels).
const MAX_ALLOC: u64 = 200 * 1024 * 1024;
/// The long side of the stored picture.
pub const FULL_SIDE: u32 = 2048;
/// The long side of the thumbnail.
pub const THUMB_SIDE: u32 = 320;
const FULL_QUALITY: u8 = 85;
const THUMB_QUALITY: u8 = 80;

/// What the bytes say they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
    Heif,
}

impl Kind {
    /// Recognises a file by its leading bytes (magic numbers) alone.
    pub fn sniff(b: &[u8]) -> Option<Kind> {
        if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
            Some(Kind::WebP)
        } else if b.len() >= 12 && &b[4..8] == b"ftyp" && is_heif_brand(&b[8..12]) {
            Some(Kind::Heif)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Jpeg => "JPEG",
            Kind::Png => "PNG",
            Kind::WebP => "WebP",
            Kind::Heif => "HEIC",
        }
    }
}

/// HEIF major brands for still pictures (HEVC-coded, or generic `mif1`/`msf1`).
fn is_heif_brand(brand: &[u8]) -> bool {
    matches!(
        brand,
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"mif2" | b"msf1"
    )
}

/// Why a file was refused. What the patient reads about each is in the
/// catalogues (`web::patient::photos::reason`); these texts are for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("empty file")]
    Empty,
    #[error("larger than 15 MB")]
    TooBig,
    #[error("not a readable image")]
    NotAnImage,
    #[error("{width} × {height} pixels, over 40 megapixels")]
    TooManyPixels { width: u32, height: u32 },
    #[error("too large to decode")]
    TooLarge,
    #[error("damaged or incomplete")]
    Corrupt,
    #[error("holds something besides an image")]
    Polyglot,
    #[error("HEIC, and this build cannot decode it")]
    HeicUnsupported,
}

/// A photo ready to store: JPEG bytes with no metadata, and its thumbnail.
#[derive(Debug, Clone)]
pub struct Processed {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    pub thumb_width: u32,
    pub thumb_height: u32,
    /// What the upload was (for the audit row; never trusted beyond this).
    pub source: Kind,
}

/// Checks, decodes, turns upright and re-encodes one upload.
pub fn process(bytes: &[u8]) -> Result<Processed, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Refusal::TooBig);
    }
    let kind = Kind::sniff(bytes).ok_or(Refusal::NotAnImage)?;
    // Re-encoding alone would make a polyglot harmless; refusing it as well
    // tells the sender, and keeps nothing of it.
    if carries_something_else(kind, bytes) {
        return Err(Refusal::Polyglot);
    }
    let format = match kind {
        Kind::Jpeg => Some(ImageFormat::Jpeg),
        Kind::Png => Some(ImageFormat::Png),
        Kind::WebP => Some(ImageFormat::WebP),
        // heifer checks the size itself, before decoding.
        Kind::Heif => None,
    };
    // The size the header declares decides first: a bomb or a bare
    // oversized header is named as what it is, whatever follows it.
    if let Some(f) = format {
        let (w, h) = declared_size(bytes, f)?;
        check_size(w, h)?;
    }
    // Some decoders pad a cut-off file with grey instead of failing: a photo
    // that stopped uploading halfway must be refused, not stored half grey.
    if !is_complete(kind, bytes) {
        return Err(Refusal::Corrupt);
    }
    let img = match format {
        Some(f) => decode_with_image(bytes, f)?,
        None => decode_heif(bytes)?,
    };
    let full = fit(&img, FULL_SIDE);
    drop(img);
    let thumb = fit(&DynamicImage::ImageRgb8(full.clone()), THUMB_SIDE);
    Ok(Processed {
        jpeg: encode(&full, FULL_QUALITY)?,
        width: full.width(),
        height: full.height(),
        thumbnail: encode(&thumb, THUMB_QUALITY)?,
        thumb_width: thumb.width(),
        thumb_height: thumb.height(),
        source: kind,
    })
}

fn check_size(width: u32, height: u32) -> Result<(), Refusal> {
    if width == 0 || height == 0 {
        return Err(Refusal::Corrupt);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refusal::TooManyPixels { width, height });
    }
    Ok(())
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_ALLOC);
    l
}

/// The size a header declares, read before any pixel is decoded.
fn declared_size(bytes: &[u8], format: ImageFormat) -> Result<(u32, u32), Refusal> {
    // The png crate reads on to the first image data before it answers; the
    // size is in IHDR, the first chunk, whatever follows.
    if format == ImageFormat::Png && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        return Ok((be(16), be(20)));
    }
    let mut r = ImageReader::with_format(Cursor::new(bytes), format);
    // No limits here: this only reads the header, and the declared size is
    // what the message to the patient should name.
    r.no_limits();
    r.into_dimensions().map_err(|_| Refusal::Corrupt)
}

fn decode_with_image(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, Refusal> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(refusal_of)?;
    // A broken EXIF block only loses the rotation, not the photo.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(refusal_of)?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn refusal_of(e: image::ImageError) -> Refusal {
    match e {
        image::ImageError::Limits(_) => Refusal::TooLarge,
        image::ImageError::Unsupported(_) => Refusal::NotAnImage,
        _ => Refusal::Corrupt,
    }
}

#[cfg(feature = "heic")]
fn decode_heif(bytes: &[u8]) -> Result<DynamicImage, Refusal> {
    let options = heifer::Options {
        // One upload, one core: ten at once must not starve the other pages.
        max_threads: 1,
        max_pixels: MAX_PIXELS,
    };
    // sRGB: iPhone photos are Display P3 and look washed out shown as-is.
    // The crop, rotation and mirror stored in the file are applied here.
    let img = heifer::decode_srgb_rgba8(bytes, &options).map_err(|e| match e {
        heifer::Error::Invalid(m) if m.contains("too large") => Refusal::TooLarge,
        heifer::Error::Unsupported(_) => Refusal::NotAnImage,
        _ => Refusal::Corrupt,
    })?;
    check_size(img.width, img.height)?;
    image::RgbaImage::from_raw(img.width, img.height, img.data)
        .map(DynamicImage::ImageRgba8)
        .ok_or(Refusal::Corrupt)
}

#[cfg(not(feature = "heic"))]
fn decode_heif(_: &[u8]) -> Result<DynamicImage, Refusal> {
    Err(Refusal::HeicUnsupported)
}

/// Scaled so the long side is at most `side` (never enlarged), flattened onto
/// white (a transparent PNG must not turn black), as 8-bit RGB.
fn fit(img: &DynamicImage, side: u32) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let scaled = if w.max(h) > side {
        // Area averaging (`thumbnail`): no aliasing when shrinking a photo,
        // and several times faster than a convolution filter on 12 MP.
        img.thumbnail(side, side)
    } else {
        img.clone()
    };
    if !scaled.color().has_alpha() {
        return scaled.into_rgb8();
    }
    let rgba = scaled.into_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(p[3]);
        for c in 0..3 {
            o[c] = ((u16::from(p[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    out
}

/// A baseline JPEG with only the JFIF header: `image` writes no EXIF, XMP or
/// ICC unless asked to.
fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::with_capacity(img.len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(|_| Refusal::Corrupt)?;
    Ok(out)
}

/// Markup or script that a browser or another program could act on, found
/// anywhere in the file; or, for PNG and WebP, bytes after the image's end.
/// (JPEG is not held to the second test: phones append motion-photo video
/// after the picture.)
fn carries_something_else(kind: Kind, b: &[u8]) -> bool {
    const NEEDLES: &[&[u8]] = &[
        b"<script",
        b"<html",
        b"<!doctype",
        b"<?php",
        b"<svg",
        b"<iframe",
        b"<body",
        b"javascript:",
    ];
    let active = memfind_any_ci(b, NEEDLES);
    let trailing = match kind {
        Kind::Png => png_end(b).is_some_and(|end| end < b.len()),
        Kind::WebP => {
            let declared = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
            declared.saturating_add(8) < b.len()
        }
        Kind::Jpeg | Kind::Heif => false,
    };
    active || trailing
}

/// Case-insensitive search for any of `needles` (each starting with an ASCII byte).
fn memfind_any_ci(hay: &[u8], needles: &[&[u8]]) -> bool {
    let firsts: Vec<u8> = needles.iter().map(|n| n[0].to_ascii_lowercase()).collect();
    hay.iter().enumerate().any(|(i, c)| {
        let c = c.to_ascii_lowercase();
        firsts.contains(&c)
            && needles.iter().any(|n| {
                hay.len() - i >= n.len()
                    && hay[i..i + n.len()]
                        .iter()
                        .zip(n.iter())
                        .all(|(a, b)| a.to_ascii_lowercase() == *b)
            })
    })
}

/// Whether the file's own structure reaches its end marker.
fn is_complete(kind: Kind, b: &[u8]) -> bool {
    match kind {
        Kind::Jpeg => jpeg_complete(b),
        Kind::Png => png_end(b).is_some(),
        Kind::WebP => (u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize).saturating_add(8) <= b.len(),
        // heifer checks every box and item extent against the file.
        Kind::Heif => true,
    }
}

/// Walks a JPEG's segments and entropy-coded scans to its EOI marker.
fn jpeg_complete(b: &[u8]) -> bool {
    let mut at = 2usize; // after SOI
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (b.get(at), b.get(at + 1)) else {
            return false;
        };
        at += 2;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (b.get(at), b.get(at + 1)) else {
            return false;
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if len < 2 || at + len > b.len() {
            return false;
        }
        at += len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is neither a
            // stuffed 0xFF00 nor a restart marker.
            loop {
                match (b.get(at), b.get(at + 1)) {
                    (Some(&0xFF), Some(&n)) if n == 0x00 || (0xD0..=0xD7).contains(&n) || n == 0xFF => {
                        at += if n == 0xFF { 1 } else { 2 }
                    }
                    (Some(&0xFF), Some(_)) => break,
                    (Some(_), _) => at += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// Where a PNG's IEND chunk ends, walking the chunk lengths.
fn png_end(b: &[u8]) -> Option<usize> {
    let mut at = 8usize;
    while at + 8 <= b.len() {
        let len = u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize;
        let ty = &b[at + 4..at + 8];
        let next = at.checked_add(12)?.checked_add(len)?;
        if ty == b"IEND" {
            return Some(next.min(b.len()));
        }
        at = next;
    }
    None
}

pub mod fixtures;
#[cfg(test)]
mod tests;
