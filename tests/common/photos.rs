//! Camera-like photos for tests and the image benchmark: a scene with
//! sky, hills, buildings and sensor grain (so encoders work as hard as on
//! a real photo), saved as a JPEG with the EXIF a phone writes:
//! orientation, camera, and the GPS position gazette must not publish.

#![allow(dead_code)]

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{Rgb, RgbImage};

/// Where the fixtures' photos were "taken": Kowloon Bay, Hong Kong.
pub const GPS: (f64, f64) = (22.3236, 114.2124);

/// A scene `width` × `height`, different for each `seed`.
pub fn scene(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let (w, h) = (width as f32, height as f32);
    let phase = (seed % 17) as f32;
    let buildings: Vec<(f32, f32, f32, [u8; 3])> = (0..12)
        .map(|_| {
            let x = (noise() % 1000) as f32 / 1000.0;
            let bw = 0.03 + (noise() % 60) as f32 / 1000.0;
            let bh = 0.15 + (noise() % 300) as f32 / 1000.0;
            let grey = 90 + (noise() % 100) as u8;
            (
                x,
                bw,
                bh,
                [grey, grey.saturating_sub(8), grey.saturating_sub(20)],
            )
        })
        .collect();
    let mut image = RgbImage::new(width, height);
    for (x, y, px) in image.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32 / w, y as f32 / h);
        let hill = 0.62 + 0.06 * (fx * 7.0 + phase).sin() + 0.03 * (fx * 23.0).cos();
        let mut c = if fy < hill {
            // Sky: blue above, haze near the horizon.
            [
                (120.0 + 100.0 * fy) as u8,
                (160.0 + 70.0 * fy) as u8,
                (230.0 - 20.0 * fy) as u8,
            ]
        } else {
            [
                (60.0 + 40.0 * fy) as u8,
                (90.0 + 30.0 * (fx * 40.0).sin().abs()) as u8,
                50,
            ]
        };
        for &(bx, bw, bh, colour) in &buildings {
            if fx > bx && fx < bx + bw && fy > hill - bh && fy < hill + 0.02 {
                c = colour;
                // Windows.
                if ((fx - bx) * w) as u32 % 14 < 5 && ((fy * h) as u32) % 18 < 8 {
                    c = [240, 220, 150];
                }
            }
        }
        let grain = (noise() % 13) as i16 - 6;
        *px = Rgb(c.map(|v| (i16::from(v) + grain).clamp(0, 255) as u8));
    }
    image
}

fn rationals(degrees: f64) -> Value {
    let d = degrees.abs();
    let whole = d.trunc();
    let minutes = ((d - whole) * 60.0).trunc();
    let seconds = ((d - whole) * 60.0 - minutes) * 60.0;
    Value::Rational(vec![
        Rational::from((whole as u32, 1)),
        Rational::from((minutes as u32, 1)),
        Rational::from(((seconds * 100.0).round() as u32, 100)),
    ])
}

/// EXIF as a phone writes it: camera, orientation and, given, a GPS
/// position.
pub fn exif(orientation: u16, gps: Option<(f64, f64)>) -> Vec<u8> {
    exif_credited(orientation, gps, &[])
}

/// As [`exif`], with ASCII fields such as the photographer's credit
/// (`Tag::Artist`, `Tag::Copyright`).
pub fn exif_credited(orientation: u16, gps: Option<(f64, f64)>, texts: &[(Tag, &str)]) -> Vec<u8> {
    let mut fields = vec![
        Field {
            tag: Tag::Make,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Gazette Camera Co".to_vec()]),
        },
        Field {
            tag: Tag::Model,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Newsroom 1".to_vec()]),
        },
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![orientation]),
        },
    ];
    if let Some((lat, lon)) = gps {
        fields.extend([
            Field {
                tag: Tag::GPSLatitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![if lat >= 0.0 { b"N" } else { b"S" }.to_vec()]),
            },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: rationals(lat),
            },
            Field {
                tag: Tag::GPSLongitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![if lon >= 0.0 { b"E" } else { b"W" }.to_vec()]),
            },
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: rationals(lon),
            },
        ]);
    }
    for (tag, text) in texts {
        fields.push(Field {
            tag: *tag,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![text.as_bytes().to_vec()]),
        });
    }
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF writes");
    tiff.into_inner()
}

/// `image` as a JPEG of `quality` carrying `exif`.
pub fn jpeg(image: &RgbImage, quality: u8, exif: Option<Vec<u8>>) -> Vec<u8> {
    use img_parts::ImageEXIF;
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder
        .encode(
            image.as_raw(),
            image.width() as u16,
            image.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("JPEG encodes");
    let Some(exif) = exif else { return out };
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(out.into()).expect("JPEG parses");
    jpeg.set_exif(Some(exif.into()));
    let mut bytes = Vec::new();
    jpeg.encoder().write_to(&mut bytes).expect("JPEG writes");
    bytes
}

/// `image` as a PNG.
pub fn png(image: &RgbImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("the image encodes");
    bytes.into_inner()
}

/// The GPS latitude a JPEG or PNG's EXIF gives, read by an independent
/// reader (kamadak-exif), if it has one.
/// The text of EXIF field `tag` of the image `bytes`, if it has one.
pub fn exif_text(bytes: &[u8], tag: Tag) -> Option<String> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .ok()?;
    let field = exif.get_field(tag, In::PRIMARY)?;
    match &field.value {
        Value::Ascii(parts) => Some(String::from_utf8_lossy(parts.first()?).into_owned()),
        _ => None,
    }
}

pub fn gps_latitude(bytes: &[u8]) -> Option<String> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .ok()?;
    let field = exif.get_field(Tag::GPSLatitude, In::PRIMARY)?;
    Some(field.display_value().to_string())
}

/// A small real image for a fixture's photo path given as a placeholder
/// text (shorter than 32 bytes): a 64×48 scene in the path's format.
pub fn placeholder(path: &str, text: &str) -> Option<Vec<u8>> {
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    if text.len() >= 32 {
        return None;
    }
    let image = scene(64, 48, text.len() as u32);
    let format = match extension.as_str() {
        "jpg" | "jpeg" => return Some(jpeg(&image, 85, None)),
        "png" => image::ImageFormat::Png,
        "gif" => image::ImageFormat::Gif,
        "webp" => image::ImageFormat::WebP,
        _ => return None,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, format)
        .expect("the image encodes");
    Some(bytes.into_inner())
}
