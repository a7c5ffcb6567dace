//! Pictures made in code for the tests and the benchmark: a phone-like JPEG
//! with EXIF (GPS, orientation) and XMP built by hand, PNG, WebP and HEIC
//! encoders, a decompression bomb, a bare oversized header, and the checks
//! a stored JPEG must pass. No file is read: every fixture is made here.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ImageEncoder, Rgb, RgbImage, RgbaImage};

/// A marker no re-encoded picture could contain by chance.
pub const GPS_MARKER: &[u8] = b"GPS-MARKER-51.50741N-0.12782W";

/// `w` × `h`, left half red, right half blue.
pub fn two_halves(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    })
}

pub fn plain_jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 95).encode_image(img).unwrap();
    out
}

/// An EXIF APP1 segment (little-endian TIFF) with an orientation and a GPS
/// IFD holding a latitude reference and a processing method carrying
/// [`GPS_MARKER`], built by hand as a phone would write it.
pub fn exif_segment(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = Vec::new();
    t.extend_from_slice(b"II\x2a\x00");
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at 8: two entries, then the next-IFD offset. GPS IFD at 8 + 30.
    let gps_ifd = 38u32;
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    t.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&orientation.to_le_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0x8825u16.to_le_bytes()); // GPSInfo
    t.extend_from_slice(&4u16.to_le_bytes()); // LONG
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&gps_ifd.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), gps_ifd as usize);
    // GPS IFD: two entries; the processing method's data follows at 38 + 30.
    let method: Vec<u8> = [b"ASCII\0\0\0".as_slice(), GPS_MARKER].concat();
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&0x0001u16.to_le_bytes()); // GPSLatitudeRef
    t.extend_from_slice(&2u16.to_le_bytes()); // ASCII
    t.extend_from_slice(&2u32.to_le_bytes());
    t.extend_from_slice(b"N\0\0\0");
    t.extend_from_slice(&0x001Bu16.to_le_bytes()); // GPSProcessingMethod
    t.extend_from_slice(&7u16.to_le_bytes()); // UNDEFINED
    t.extend_from_slice(&(method.len() as u32).to_le_bytes());
    t.extend_from_slice(&(gps_ifd + 30).to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&method);
    app1([b"Exif\0\0".as_slice(), &t].concat())
}

pub fn xmp_segment() -> Vec<u8> {
    app1(
        [
            b"http://ns.adobe.com/xap/1.0/\0".as_slice(),
            b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><exif:GPSLatitude>51,30.44N</exif:GPSLatitude></x:xmpmeta>",
        ]
        .concat(),
    )
}

fn app1(payload: Vec<u8>) -> Vec<u8> {
    let mut s = vec![0xFF, 0xE1];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(&payload);
    s
}

/// `jpeg` with `segments` inserted right after its SOI marker.
pub fn with_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for s in segments {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A phone photo: 40 × 20 as stored, EXIF orientation 6 (turn 90° clockwise
/// to show), a GPS block and XMP.
pub fn phone_jpeg() -> Vec<u8> {
    with_segments(&plain_jpeg(&two_halves(40, 20)), &[exif_segment(6), xmp_segment()])
}

pub fn png_of(img: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

pub fn webp_of(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A valid, complete PNG of 16,000 × 16,000 one-bit pixels: about 30 KB that
/// would decode to 256 megapixels.
pub fn png_bomb() -> Vec<u8> {
    let side = 16_000u32;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut w = enc.write_header().unwrap();
        let mut s = w.stream_writer().unwrap();
        let row = vec![0u8; (side / 8) as usize];
        for _ in 0..side {
            std::io::Write::write_all(&mut s, &row).unwrap();
        }
        s.finish().unwrap();
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Only a PNG signature and a valid IHDR declaring `w` × `h`.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out
}

/// The APPn and COM markers before the first scan.
pub fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut at = 2;
    let mut out = Vec::new();
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let m = jpeg[at + 1];
        if m == 0xDA {
            break;
        }
        out.push(m);
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What a stored JPEG must never carry: no APP1–APP15 or COM segment, no
/// EXIF, XMP or GPS bytes.
pub fn assert_clean(jpeg: &[u8]) {
    assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    let markers = header_markers(jpeg);
    assert!(
        markers.iter().all(|m| !(0xE1..=0xEF).contains(m) && *m != 0xFE),
        "metadata segments left: {markers:x?}"
    );
    for bad in [
        b"Exif".as_slice(),
        GPS_MARKER,
        b"xmpmeta",
        b"ns.adobe.com",
        b"ICC_PROFILE",
    ] {
        assert!(
            !contains(jpeg, bad),
            "{:?} left in the output",
            String::from_utf8_lossy(bad)
        );
    }
}

#[cfg(feature = "heic")]
pub fn heic_of(img: &RgbImage) -> Vec<u8> {
    let opts = heifer::EncodeOptions {
        quality: 90,
        max_threads: 1,
    };
    heifer::encode_rgb8(img.width(), img.height(), img.as_raw(), &opts).unwrap()
}

/// A photo-like picture: smooth gradients with fine texture, so it
/// compresses like a camera picture rather than a flat test card.
pub fn photo_like(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).rotate_left(7) % 23;
        let r = (x * 255 / w.max(1)) as u8;
        let g = (y * 255 / h.max(1)) as u8;
        let b = (((x + y) / 7) % 256) as u8;
        Rgb([r.saturating_add(noise as u8), g.saturating_add(noise as u8), b])
    })
}
