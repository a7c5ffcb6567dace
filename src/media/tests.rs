//! The pipeline on fixtures made here: a phone-like JPEG with EXIF (GPS,
//! orientation) and XMP, a PNG with transparency, a WebP, a HEIC, and each
//! kind of bad file.

use super::fixtures::*;
use super::*;
use image::{Rgba, RgbaImage};

fn rgb_at(jpeg: &[u8], x: u32, y: u32) -> [u8; 3] {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8()
        .get_pixel(x, y)
        .0
}

fn reddish(p: [u8; 3]) -> bool {
    p[0] > 150 && p[2] < 100
}

fn bluish(p: [u8; 3]) -> bool {
    p[2] > 150 && p[0] < 100
}

#[test]
fn a_phone_jpeg_loses_its_metadata_and_is_turned_upright() {
    let input = phone_jpeg();
    assert!(contains(&input, GPS_MARKER), "the fixture carries GPS");
    let out = process(&input).unwrap();
    assert_eq!(out.source, Kind::Jpeg);
    assert_clean(&out.jpeg);
    assert_clean(&out.thumbnail);
    // Stored 40 × 20 with orientation 6: shown 20 × 40, the red half on top.
    assert_eq!((out.width, out.height), (20, 40));
    assert!(reddish(rgb_at(&out.jpeg, 10, 5)), "{:?}", rgb_at(&out.jpeg, 10, 5));
    assert!(bluish(rgb_at(&out.jpeg, 10, 35)), "{:?}", rgb_at(&out.jpeg, 10, 35));
}

#[test]
fn without_orientation_the_picture_is_kept_as_it_is() {
    let input = with_segments(&plain_jpeg(&two_halves(40, 20)), &[exif_segment(1)]);
    let out = process(&input).unwrap();
    assert_eq!((out.width, out.height), (40, 20));
    assert!(reddish(rgb_at(&out.jpeg, 5, 10)));
}

#[test]
fn a_large_png_is_scaled_to_2048_with_a_320_thumbnail_on_white() {
    let img = RgbaImage::from_fn(3000, 1000, |x, _| {
        if x < 1500 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([20, 20, 220, 255])
        }
    });
    let out = process(&png_of(&img)).unwrap();
    assert_eq!(out.source, Kind::Png);
    assert_eq!((out.width, out.height), (2048, 683));
    assert_eq!((out.thumb_width, out.thumb_height), (320, 107));
    let p = rgb_at(&out.jpeg, 100, 300);
    assert!(p.iter().all(|c| *c > 240), "transparent became {p:?}, not white");
    assert_clean(&out.jpeg);
}

#[test]
fn a_webp_is_accepted() {
    let out = process(&webp_of(&two_halves(64, 32))).unwrap();
    assert_eq!(out.source, Kind::WebP);
    assert_eq!((out.width, out.height), (64, 32));
    assert!(bluish(rgb_at(&out.jpeg, 60, 16)));
}

#[cfg(feature = "heic")]
#[test]
fn a_heic_is_accepted() {
    let input = heic_of(&two_halves(128, 64));
    assert_eq!(Kind::sniff(&input), Some(Kind::Heif));
    let out = process(&input).unwrap();
    assert_eq!(out.source, Kind::Heif);
    assert_eq!((out.width, out.height), (128, 64));
    assert!(reddish(rgb_at(&out.jpeg, 10, 32)));
    assert!(bluish(rgb_at(&out.jpeg, 120, 32)));
    assert_clean(&out.jpeg);
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    let bomb = png_bomb();
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    assert_eq!(
        process(&bomb).unwrap_err(),
        Refusal::TooManyPixels {
            width: 16_000,
            height: 16_000
        }
    );
}

#[test]
fn a_50000_square_png_header_is_refused() {
    assert_eq!(
        process(&png_header_only(50_000, 50_000)).unwrap_err(),
        Refusal::TooManyPixels {
            width: 50_000,
            height: 50_000
        }
    );
    // A strip within the pixel count but past the side limit too.
    assert!(matches!(
        process(&png_header_only(40_000, 10)).unwrap_err(),
        Refusal::TooManyPixels { .. }
    ));
}

#[test]
fn truncated_files_are_refused() {
    let jpeg = plain_jpeg(&two_halves(200, 100));
    for cut in [jpeg.len() / 2, jpeg.len() - 2, 20] {
        assert_eq!(
            process(&jpeg[..cut]).unwrap_err(),
            Refusal::Corrupt,
            "jpeg cut at {cut}"
        );
    }
    let png = png_of(&RgbaImage::from_pixel(200, 100, Rgba([1, 2, 3, 255])));
    assert_eq!(process(&png[..png.len() - 20]).unwrap_err(), Refusal::Corrupt);
    let webp = webp_of(&two_halves(200, 100));
    assert_eq!(process(&webp[..webp.len() / 2]).unwrap_err(), Refusal::Corrupt);
    #[cfg(feature = "heic")]
    {
        let heic = heic_of(&two_halves(128, 64));
        assert_eq!(process(&heic[..heic.len() / 2]).unwrap_err(), Refusal::Corrupt);
    }
}

#[test]
fn corrupt_data_after_a_valid_header_is_refused() {
    let mut jpeg = plain_jpeg(&two_halves(64, 64));
    // Wreck the Huffman tables: the structure still reaches EOI.
    let dht = jpeg.windows(2).position(|w| w == [0xFF, 0xC4]).unwrap();
    for b in &mut jpeg[dht + 5..dht + 30] {
        *b = 0xEE;
    }
    assert!(process(&jpeg).is_err());
}

#[test]
fn non_images_are_refused_whatever_they_are_called() {
    for bytes in [
        b"%PDF-1.4\n1 0 obj << >> endobj\n".as_slice(),
        b"<html><body>hello</body></html>",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"\0\0\0\x18ftypavif\0\0\0\0",
        b"just some text",
    ] {
        assert_eq!(process(bytes).unwrap_err(), Refusal::NotAnImage, "{bytes:?}");
    }
    assert_eq!(process(b"").unwrap_err(), Refusal::Empty);
    assert_eq!(process(&vec![0xFF; MAX_UPLOAD_BYTES + 1]).unwrap_err(), Refusal::TooBig);
}

#[test]
fn polyglots_are_refused() {
    // A PNG with an HTML page after its end.
    let mut png = png_of(&RgbaImage::from_pixel(8, 8, Rgba([1, 2, 3, 255])));
    png.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    assert_eq!(process(&png).unwrap_err(), Refusal::Polyglot);
    // A PNG with any bytes after IEND.
    let mut png = png_of(&RgbaImage::from_pixel(8, 8, Rgba([1, 2, 3, 255])));
    png.extend_from_slice(b"PK\x03\x04 a zip archive");
    assert_eq!(process(&png).unwrap_err(), Refusal::Polyglot);
    // A JPEG whose comment segment is a script.
    let mut com = vec![0xFF, 0xFE];
    let text = b"*/=1;<SCRIPT>alert(1)</script>/*";
    com.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    com.extend_from_slice(text);
    let jpeg = with_segments(&plain_jpeg(&two_halves(16, 16)), &[com]);
    assert_eq!(process(&jpeg).unwrap_err(), Refusal::Polyglot);
    // A WebP with data past its RIFF size.
    let mut webp = webp_of(&two_halves(16, 16));
    webp.extend_from_slice(b"extra");
    assert_eq!(process(&webp).unwrap_err(), Refusal::Polyglot);
}

#[test]
fn a_jpeg_with_data_after_its_end_like_a_motion_photo_is_accepted() {
    let mut jpeg = plain_jpeg(&two_halves(16, 16));
    jpeg.extend_from_slice(b"\0\0\0\x18ftypmp42 video follows");
    let out = process(&jpeg).unwrap();
    assert!(!contains(&out.jpeg, b"ftypmp42"));
}

#[test]
fn magic_bytes_decide_the_kind() {
    assert_eq!(Kind::sniff(&plain_jpeg(&two_halves(8, 8))), Some(Kind::Jpeg));
    assert_eq!(Kind::sniff(b"RIFF\0\0\0\0WEBPVP8L"), Some(Kind::WebP));
    assert_eq!(Kind::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
    assert_eq!(Kind::sniff(b"\0\0\0\x18ftypheic"), Some(Kind::Heif));
    assert_eq!(Kind::sniff(b"\0\0\0\x18ftypmp42"), None);
}
