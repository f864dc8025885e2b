//! The pixel work: decoding a photo once (within a pixel limit, turned
//! upright, in sRGB), then making each size and crop of it, and cleaning
//! an original of its camera metadata.
//!
//! Every encoder here is deterministic: the same photo and settings give
//! the same bytes, so two clean builds publish identical files.

use super::{Format, Variant};
use fast_image_resize as fr;
use image::{DynamicImage, ImageDecoder, ImageReader};
use std::io::Cursor;

/// A photo decoded, upright and in sRGB, ready to be resized.
pub(crate) struct Photo {
    pixels: fr::images::Image<'static>,
    alpha: bool,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// What the header of an image file says, read without decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Header {
    pub(crate) format: Format,
    /// As the reader sees it: turned by the EXIF orientation.
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Whether the EXIF orientation turns or mirrors the stored pixels.
    pub(crate) turned: bool,
    /// Whether the file is a GIF of more than one frame.
    pub(crate) animated: bool,
}

/// Why a file cannot be published as a photo, as a message that says what
/// to do.
pub(crate) fn not_an_image(e: impl std::fmt::Display) -> String {
    format!(
        "is not an image gazette can read ({e}): the file may be damaged or cut short; export it again as JPEG, PNG, WebP or GIF"
    )
}

fn too_large(width: u32, height: u32, max_pixels: u64) -> String {
    format!(
        "is {width}×{height} pixels ({} megapixels), more than the {} megapixels gazette decodes: make it smaller, or raise `[images] max_megapixels` if it is a real photo",
        (u64::from(width) * u64::from(height)).div_ceil(1_000_000),
        max_pixels / 1_000_000
    )
}

fn reader(bytes: &[u8], max_pixels: u64) -> Result<ImageReader<Cursor<&[u8]>>, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(not_an_image)?;
    let mut limits = image::Limits::default();
    // Four bytes a pixel, twice over (the decoder's buffer and a copy),
    // bounds what a decoder may allocate whatever the header claims.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).max(64 << 20));
    reader.limits(limits);
    Ok(reader)
}

/// Reads the header of `bytes`: format, size as shown, orientation. A
/// file over the pixel limit is refused here, before any pixel is decoded.
pub(crate) fn header(bytes: &[u8], max_pixels: u64) -> Result<Header, String> {
    let reader = reader(bytes, max_pixels)?;
    let format = match reader.format() {
        Some(image::ImageFormat::Jpeg) => Format::Jpeg,
        Some(image::ImageFormat::Png) => Format::Png,
        Some(image::ImageFormat::Gif) => Format::Gif,
        Some(image::ImageFormat::WebP) => Format::WebP,
        _ => return Err(not_an_image("not JPEG, PNG, WebP or GIF")),
    };
    let mut decoder = reader.into_decoder().map_err(not_an_image)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(not_an_image("it has no pixels"));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(too_large(width, height, max_pixels));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let turned = orientation != image::metadata::Orientation::NoTransforms;
    let swaps = matches!(
        orientation,
        image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH
    );
    let (width, height) = if swaps {
        (height, width)
    } else {
        (width, height)
    };
    if format == Format::Jpeg && !has_end_marker(bytes) {
        // The JPEG decoder fills a photo cut short with grey rather than
        // fail: a half-uploaded file would go out half grey.
        return Err(not_an_image("the file ends before the image does"));
    }
    let animated = format == Format::Gif && gif_frames(bytes) > 1;
    Ok(Header {
        format,
        width,
        height,
        turned,
        animated,
    })
}

/// Whether a JPEG has its end marker after its first scan (see
/// [`end_at_first_eoi`]): a file cut short has none.
fn has_end_marker(jpeg: &[u8]) -> bool {
    let Some(scan) = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    jpeg[scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

/// How many frames a GIF has, counting to two at most.
fn gif_frames(bytes: &[u8]) -> usize {
    use image::AnimationDecoder;
    match image::codecs::gif::GifDecoder::new(Cursor::new(bytes)) {
        Ok(decoder) => decoder.into_frames().take(2).count(),
        Err(_) => 0,
    }
}

/// Decodes `bytes` whole: upright, in sRGB, eight bits a channel.
pub(crate) fn decode(bytes: &[u8], max_pixels: u64) -> Result<Photo, String> {
    let reader = reader(bytes, max_pixels)?;
    let mut decoder = reader.into_decoder().map_err(not_an_image)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(too_large(w, h, max_pixels));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let profile = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder).map_err(not_an_image)?;
    image.apply_orientation(orientation);
    let alpha = image.color().has_alpha();
    let (width, height) = (image.width(), image.height());
    let (mut buffer, pixel_type) = if alpha {
        (image.into_rgba8().into_raw(), fr::PixelType::U8x4)
    } else {
        (image.into_rgb8().into_raw(), fr::PixelType::U8x3)
    };
    if let Some(profile) = profile {
        to_srgb(&profile, &mut buffer, alpha);
    }
    let pixels =
        fr::images::Image::from_vec_u8(width, height, buffer, pixel_type).map_err(not_an_image)?;
    Ok(Photo {
        pixels,
        alpha,
        width,
        height,
    })
}

/// Converts pixels described by an embedded RGB colour profile (a
/// phone's Display P3, a camera's Adobe RGB) to sRGB, which browsers assume
/// for files without one: the made files carry no profile, so their
/// colours must already be sRGB's. A profile that cannot be read, or is
/// not an RGB one, leaves the pixels as they are.
fn to_srgb(profile: &[u8], buffer: &mut [u8], alpha: bool) {
    let Ok(source) = moxcms::ColorProfile::new_from_slice(profile) else {
        return;
    };
    if source.color_space != moxcms::DataColorSpace::Rgb {
        return;
    }
    let layout = if alpha {
        moxcms::Layout::Rgba
    } else {
        moxcms::Layout::Rgb
    };
    let srgb = moxcms::ColorProfile::new_srgb();
    let Ok(transform) =
        source.create_transform_8bit(layout, &srgb, layout, moxcms::TransformOptions::default())
    else {
        return;
    };
    let mut converted = vec![0u8; buffer.len()];
    if transform.transform(buffer, &mut converted).is_ok() {
        buffer.copy_from_slice(&converted);
    }
}

/// Makes one size or crop of `photo`.
pub(crate) fn make(photo: &Photo, variant: &Variant, quality: u8) -> Result<Vec<u8>, String> {
    let mut resized =
        fr::images::Image::new(variant.width, variant.height, photo.pixels.pixel_type());
    let mut options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    if let Some([x, y, w, h]) = variant.crop {
        options = options.crop(f64::from(x), f64::from(y), f64::from(w), f64::from(h));
    }
    fr::Resizer::new()
        .resize(&photo.pixels, &mut resized, &options)
        .map_err(|e| format!("cannot resize: {e}"))?;
    encode(
        resized.buffer(),
        variant.width,
        variant.height,
        photo.alpha,
        variant.format,
        quality,
    )
}

/// Encodes eight-bit RGB or RGBA pixels.
fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    alpha: bool,
    format: Format,
    quality: u8,
) -> Result<Vec<u8>, String> {
    let failed = |e: &dyn std::fmt::Display| format!("cannot encode {}: {e}", format.name());
    match format {
        Format::Jpeg => {
            let flat;
            let rgb = if alpha {
                flat = over_white(pixels);
                &flat[..]
            } else {
                pixels
            };
            let mut out = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
            encoder.set_progressive(true);
            encoder.set_optimized_huffman_tables(true);
            let (w, h) = (
                u16::try_from(width).map_err(|e| failed(&e))?,
                u16::try_from(height).map_err(|e| failed(&e))?,
            );
            encoder
                .encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| failed(&e))?;
            Ok(out)
        }
        Format::WebP => {
            let encoder = if alpha {
                webp::Encoder::from_rgba(pixels, width, height)
            } else {
                webp::Encoder::from_rgb(pixels, width, height)
            };
            let mut config = webp::WebPConfig::new().map_err(|()| failed(&"no configuration"))?;
            config.quality = f32::from(quality);
            config.method = 4;
            let memory = encoder
                .encode_advanced(&config)
                .map_err(|e| failed(&format!("{e:?}")))?;
            Ok(memory.to_vec())
        }
        Format::Png | Format::Gif => {
            use image::ImageEncoder;
            let mut out = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new(&mut out);
            let color = if alpha {
                image::ExtendedColorType::Rgba8
            } else {
                image::ExtendedColorType::Rgb8
            };
            encoder
                .write_image(pixels, width, height, color)
                .map_err(|e| failed(&e))?;
            Ok(out)
        }
    }
}

/// RGBA pixels laid over white, for a format without transparency.
fn over_white(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u16::from(px[3]);
        for &c in &px[..3] {
            rgb.push(((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    rgb
}

/// Cuts what follows the image's end marker: cameras and phones append
/// more pictures there (a preview, a depth map, each with its own EXIF and
/// GPS position). In the compressed data a 0xFF byte is always followed by
/// 0x00 or a restart marker, so the first FF D9 after the first scan's
/// start (`scan`, a byte offset) is the image's end.
fn end_at_first_eoi(jpeg: &mut Vec<u8>, scan: usize) {
    let Some(rest) = jpeg.get(scan..) else {
        return;
    };
    if let Some(end) = rest.windows(2).position(|w| w == [0xFF, 0xD9]) {
        jpeg.truncate(scan + end + 2);
    }
}

/// The original as published: camera metadata (EXIF with its GPS
/// position, XMP, IPTC, comments) taken out without touching the pixels.
/// A photo whose orientation comes from EXIF is drawn upright anew, since
/// without EXIF it would show on its side. GIFs hold no camera metadata
/// and are published as they are.
pub(crate) fn clean_original(
    bytes: &[u8],
    header: &Header,
    max_pixels: u64,
    quality: u8,
) -> Result<Vec<u8>, String> {
    if header.turned && !header.animated {
        let photo = decode(bytes, max_pixels)?;
        let format = match header.format {
            Format::Gif => Format::Png,
            other => other,
        };
        let variant = Variant {
            width: photo.width,
            height: photo.height,
            crop: None,
            format,
        };
        // Full size, so a little finer than the sizes pages show.
        return make(&photo, &variant, quality.max(90));
    }
    let data = img_parts::Bytes::copy_from_slice(bytes);
    let cleaned = match header.format {
        Format::Jpeg => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(data).map_err(not_an_image)?;
            // Kept: JFIF (APP0), the colour profile (APP2 ICC_PROFILE) and
            // Adobe's colour transform (APP14), which decoders need. Gone:
            // EXIF and XMP (APP1), the multi-picture index (APP2 MPF),
            // IPTC (APP13), every other APPn, and comments.
            jpeg.segments_mut().retain(|s| match s.marker() {
                0xE2 => s.contents().starts_with(b"ICC_PROFILE\0"),
                0xEE => true,
                0xE1..=0xEF | 0xFE => false,
                _ => true,
            });
            let scan = 2
                + (jpeg.segments().iter())
                    .take_while(|s| !s.has_entropy())
                    .map(|s| s.len())
                    .sum::<usize>();
            let mut out = Vec::with_capacity(bytes.len());
            jpeg.encoder()
                .write_to(&mut out)
                .map_err(|e| format!("cannot write: {e}"))?;
            end_at_first_eoi(&mut out, scan);
            out
        }
        Format::Png => {
            let mut png = img_parts::png::Png::from_bytes(data).map_err(not_an_image)?;
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"));
            let mut out = Vec::with_capacity(bytes.len());
            png.encoder()
                .write_to(&mut out)
                .map_err(|e| format!("cannot write: {e}"))?;
            out
        }
        Format::WebP => {
            use img_parts::ImageEXIF;
            let mut webp = img_parts::webp::WebP::from_bytes(data).map_err(not_an_image)?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            let mut out = Vec::with_capacity(bytes.len());
            webp.encoder()
                .write_to(&mut out)
                .map_err(|e| format!("cannot write: {e}"))?;
            out
        }
        Format::Gif => bytes.to_vec(),
    };
    Ok(cleaned)
}

/// The photo's credit as an EXIF block holding only its Artist and
/// Copyright fields: None when it has neither (or no readable EXIF).
pub(crate) fn credit_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    use img_parts::ImageEXIF;
    let image =
        img_parts::DynImage::from_bytes(img_parts::Bytes::copy_from_slice(bytes)).ok()??;
    let exif = exif::Reader::new().read_raw(image.exif()?.to_vec()).ok()?;
    let fields: Vec<&exif::Field> = [exif::Tag::Artist, exif::Tag::Copyright]
        .into_iter()
        .filter_map(|tag| exif.get_field(tag, exif::In::PRIMARY))
        .collect();
    if fields.is_empty() {
        return None;
    }
    let mut writer = exif::experimental::Writer::new();
    for field in fields {
        writer.push_field(field);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, exif.little_endian()).ok()?;
    Some(out.into_inner())
}

/// `made` (a JPEG, PNG or WebP) carrying the EXIF block `exif`; a GIF,
/// which has no place for it, as it is.
pub(crate) fn with_exif(made: Vec<u8>, exif: &[u8]) -> Result<Vec<u8>, String> {
    use img_parts::ImageEXIF;
    let data = img_parts::Bytes::from(made);
    let Some(mut image) = img_parts::DynImage::from_bytes(data.clone()).map_err(not_an_image)?
    else {
        return Ok(data.to_vec());
    };
    image.set_exif(Some(img_parts::Bytes::copy_from_slice(exif)));
    let mut out = Vec::with_capacity(data.len() + exif.len() + 16);
    image
        .encoder()
        .write_to(&mut out)
        .map_err(|e| format!("cannot write: {e}"))?;
    Ok(out)
}
