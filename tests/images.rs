//! Photos: sizes, formats and crops with their dimensions, EXIF
//! orientation, GPS removal (read back with an independent EXIF reader),
//! bad files, the cache and deterministic output.

mod common;

use common::photos::{self, GPS};
use common::*;
use image::GenericImageView;
use std::fs;
use std::path::Path;

const LEAD_MD: &str = "content/articles/2021/deal/index.md";

fn lead_article(image: &str) -> String {
    article(
        "Carmaker deal",
        "2021-03-26T10:00:00Z",
        &format!(
            "image = \"{image}\"\nimage_alt = \"The plant at dusk\"\ncategory = \"business\"\n"
        ),
        "The deal was signed.",
    )
}

/// A site whose one article has a 2000×1500 camera JPEG as lead image,
/// with GPS position.
fn site_with_lead_photo() -> Fixture {
    let site = Fixture::new(&[(LEAD_MD, &lead_article("lead.jpg"))]);
    let photo = photos::jpeg(
        &photos::scene(2000, 1500, 7),
        90,
        Some(photos::exif(1, Some(GPS))),
    );
    site.write_bytes("content/articles/2021/deal/lead.jpg", &photo);
    site
}

fn size_of(path: &Path) -> (u32, u32) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    image::load_from_memory(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .dimensions()
}

#[test]
fn a_lead_photo_comes_out_in_every_width_and_format_with_its_crops_and_sizes() {
    let site = site_with_lead_photo();
    let run = site.build_ok();
    let dir = site.public().join("2021/03/26/deal");
    let base = "https://news.example.com/2021/03/26/deal";
    for width in [480, 800, 1200, 1600] {
        for format in ["jpg", "webp"] {
            let file = dir.join(format!("lead-{width}w.{format}"));
            assert_eq!(size_of(&file), (width, width * 3 / 4), "{}", file.display());
        }
    }
    assert!(
        !dir.join("lead-2000w.jpg").exists(),
        "never upscaled, never the full size again"
    );
    let format = |bytes: &[u8]| image::guess_format(bytes).unwrap();
    assert_eq!(
        format(&fs::read(dir.join("lead-800w.webp")).unwrap()),
        image::ImageFormat::WebP
    );
    assert_eq!(
        format(&fs::read(dir.join("lead-800w.jpg")).unwrap()),
        image::ImageFormat::Jpeg
    );

    let page = site.read("2021/03/26/deal/index.html");
    let webp: Vec<String> = [480, 800, 1200, 1600]
        .iter()
        .map(|w| format!("{base}/lead-{w}w.webp {w}w"))
        .collect();
    let jpeg: Vec<String> = [480, 800, 1200, 1600]
        .iter()
        .map(|w| format!("{base}/lead-{w}w.jpg {w}w"))
        .collect();
    let expected = format!(
        "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"(min-width: 42rem) 40rem, 100vw\"><img src=\"{base}/lead-1200w.jpg\" srcset=\"{}\" sizes=\"(min-width: 42rem) 40rem, 100vw\" width=\"1600\" height=\"1200\" alt=\"The plant at dusk\" fetchpriority=\"high\"></picture>",
        webp.join(", "),
        jpeg.join(", ")
    );
    assert!(page.contains(&expected), "{page}");
    for tag in [
        format!("<meta property=\"og:image\" content=\"{base}/lead-1200x630.jpg\">"),
        "<meta property=\"og:image:type\" content=\"image/jpeg\">".into(),
        "<meta property=\"og:image:width\" content=\"1200\">".into(),
        "<meta property=\"og:image:height\" content=\"630\">".into(),
        "<meta property=\"og:image:alt\" content=\"The plant at dusk\">".into(),
        format!("<meta name=\"twitter:image\" content=\"{base}/lead-1200x630.jpg\">"),
        "<meta name=\"robots\" content=\"max-image-preview:large\">".into(),
    ] {
        assert!(page.contains(&tag), "missing {tag}");
    }
    assert_eq!(size_of(&dir.join("lead-1200x630.jpg")), (1200, 630));
    // Google's three ratios, each 1,200 pixels wide.
    let ld = json_ld(&page);
    let crops = [
        ("1200x675", (1200, 675)),
        ("1200x900", (1200, 900)),
        ("1200x1200", (1200, 1200)),
    ];
    let urls: Vec<String> = crops
        .iter()
        .map(|(n, _)| format!("{base}/lead-{n}.jpg"))
        .collect();
    assert_eq!(ld["image"], serde_json::json!(urls));
    for (name, size) in crops {
        assert_eq!(
            size_of(&dir.join(format!("lead-{name}.jpg"))),
            size,
            "{name}"
        );
    }
    // Cards load late, and keep their room.
    let front = site.read("index.html");
    assert!(
        front.contains(&format!("srcset=\"{}\"", jpeg.join(", ")))
            && front.contains("width=\"1600\" height=\"1200\" alt=\"\" loading=\"lazy\""),
        "{front}"
    );
    // Feeds carry the 1,200-pixel file, with its size and type.
    let rss = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&rss).unwrap();
    let media = doc
        .descendants()
        .find(|n| n.has_tag_name(("http://search.yahoo.com/mrss/", "content")))
        .expect("media:content");
    let url = format!("{base}/lead-1200w.jpg");
    assert_eq!(media.attribute("url"), Some(url.as_str()));
    assert_eq!(media.attribute("medium"), Some("image"));
    assert_eq!(media.attribute("type"), Some("image/jpeg"));
    assert_eq!(media.attribute("width"), Some("1200"));
    assert_eq!(media.attribute("height"), Some("900"));
    let json: serde_json::Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    assert_eq!(json["items"][0]["image"], url.as_str());
    // The original, 8 sizes, the share crop and 3 JSON-LD crops.
    assert!(
        run.stdout.contains("images: 13 processed, 0 cached"),
        "{}",
        run.stdout
    );
    // `--full`: past the build cache, to the photos' own cache.
    let again = site.run(&["build", "--full"]);
    assert!(
        again.stdout.contains("images: 0 processed, 13 cached"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_focus_point_steers_the_crops() {
    let site = Fixture::new(&[(
        LEAD_MD,
        &lead_article("lead.jpg").replace("+++\n\n", "image_focus = [0.0, 0.5]\n+++\n\n"),
    )]);
    // Left half black, right half white: a crop kept to the left is dark.
    let mut photo = image::RgbImage::new(1600, 600);
    for (x, _, px) in photo.enumerate_pixels_mut() {
        *px = image::Rgb(if x < 800 { [0, 0, 0] } else { [255, 255, 255] });
    }
    site.write_bytes(
        "content/articles/2021/deal/lead.jpg",
        &photos::jpeg(&photo, 90, None),
    );
    site.build_ok();
    let dir = site.public().join("2021/03/26/deal");
    let square = image::open(dir.join("lead-600x600-f0-50.jpg"))
        .unwrap()
        .to_rgb8();
    assert!(
        square.get_pixel(300, 300)[0] < 30,
        "the left of the photo is kept"
    );
    let page = site.read("2021/03/26/deal/index.html");
    assert!(page.contains("lead-1143x600-f0-50.jpg"), "{page}");

    site.write(
        LEAD_MD,
        &lead_article("lead.jpg").replace("+++\n\n", "image_focus = [2, 0.5]\n+++\n\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`image_focus` is two fractions from 0 to 1, across then down from the top left of the lead image, such as [0.5, 0.3] (the middle, near the top), not [2.0, 0.5]"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_photo_stored_on_its_side_comes_out_upright() {
    let site = Fixture::new(&[(LEAD_MD, &lead_article("lead.jpg"))]);
    // Stored 60×40, left half red and right half blue, with orientation 6
    // (turn 90° clockwise to show): upright it is 40×60, red on top.
    let mut stored = image::RgbImage::new(60, 40);
    for (x, _, px) in stored.enumerate_pixels_mut() {
        *px = image::Rgb(if x < 30 { [220, 20, 20] } else { [20, 20, 220] });
    }
    let bytes = photos::jpeg(&stored, 95, Some(photos::exif(6, None)));
    site.write_bytes("content/articles/2021/deal/lead.jpg", &bytes);
    site.build_ok();
    let dir = site.public().join("2021/03/26/deal");
    for name in ["lead.jpg", "lead-40w.jpg", "lead-40w.webp"] {
        let shown = image::open(dir.join(name)).unwrap().to_rgb8();
        assert_eq!(shown.dimensions(), (40, 60), "{name}");
        let (top, bottom) = (shown.get_pixel(20, 5), shown.get_pixel(20, 55));
        assert!(
            top[0] > 150 && top[2] < 100,
            "{name}: top is red, not {top:?}"
        );
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "{name}: bottom is blue, not {bottom:?}"
        );
    }
    let page = site.read("2021/03/26/deal/index.html");
    assert!(page.contains("width=\"40\" height=\"60\""), "{page}");
}

#[test]
fn gps_and_camera_metadata_are_removed_from_every_published_photo() {
    let site = site_with_lead_photo();
    let exif_png = {
        let mut png =
            img_parts::png::Png::from_bytes(photos::png(&photos::scene(300, 200, 2)).into())
                .unwrap();
        img_parts::ImageEXIF::set_exif(&mut png, Some(photos::exif(1, Some(GPS)).into()));
        let mut out = Vec::new();
        png.encoder().write_to(&mut out).unwrap();
        out
    };
    assert!(
        photos::gps_latitude(&exif_png).is_some(),
        "the fixture has a position"
    );
    site.write_bytes("static/img/map.png", &exif_png);
    let source = fs::read(site.root().join("content/articles/2021/deal/lead.jpg")).unwrap();
    assert!(
        photos::gps_latitude(&source).is_some(),
        "the fixture has a position"
    );
    site.build_ok();
    let mut published = 0;
    for entry in walkdir::WalkDir::new(site.public()) {
        let path = entry.unwrap().into_path();
        let name = path.to_string_lossy().into_owned();
        if !(name.ends_with(".jpg") || name.ends_with(".png") || name.ends_with(".webp")) {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        assert_eq!(
            photos::gps_latitude(&bytes),
            None,
            "{name} has a GPS position"
        );
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"Gazette Camera Co"), "{name} names the camera");
        published += 1;
    }
    assert_eq!(published, 14, "the lead photo's 13 files and the map");
    // Pixels of a photo that needs no turning are not touched: the
    // original keeps its exact compressed data.
    let original = fs::read(site.public().join("2021/03/26/deal/lead.jpg")).unwrap();
    assert!(original.len() < source.len());
    assert_eq!(
        image::load_from_memory(&original).unwrap(),
        image::load_from_memory(&source).unwrap()
    );

    // A site may publish its originals as they are.
    site.write(
        "site.toml",
        &format!("{SITE_TOML}[images]\noriginals = \"untouched\"\n"),
    );
    site.build_ok();
    assert_eq!(
        fs::read(site.public().join("2021/03/26/deal/lead.jpg")).unwrap(),
        source
    );
    assert_eq!(
        photos::gps_latitude(
            &fs::read(site.public().join("2021/03/26/deal/lead-800w.jpg")).unwrap()
        ),
        None
    );
}

/// A PNG header claiming `width` × `height` pixels: a few dozen bytes
/// that would decode to gigabytes.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut chunk = b"IHDR".to_vec();
    chunk.extend(width.to_be_bytes());
    chunk.extend(height.to_be_bytes());
    chunk.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&chunk);
    png.extend(crc32(&chunk).to_be_bytes());
    // Where a real bomb's few kilobytes of compressed zeros would be.
    for kind in [b"IDAT", b"IEND"] {
        png.extend(0u32.to_be_bytes());
        png.extend(kind);
        png.extend(crc32(kind).to_be_bytes());
    }
    png
}

#[test]
fn bad_photos_are_errors_naming_the_file_and_the_line_that_uses_it() {
    let site = Fixture::new(&[
        (LEAD_MD, &lead_article("lead.jpg")),
        (
            "content/articles/2021/other.md",
            &article(
                "Other",
                "2021-03-25T10:00:00Z",
                "image = \"/img/nowhere.jpg\"\n",
                "Text.",
            ),
        ),
    ]);
    site.write_bytes(
        "content/articles/2021/deal/lead.jpg",
        b"<html>not a photo</html>",
    );
    site.write_bytes("static/img/bomb.png", &png_bomb(50_000, 50_000));
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let root = site.root().display().to_string();
    let errors: Vec<String> = (run.stderr.lines())
        .filter(|l| l.starts_with("error: "))
        .map(String::from)
        .collect();
    assert_eq!(
        errors,
        vec![
            format!(
                "error: {root}/content/articles/2021/deal/index.md:4:1: `image`: {root}/content/articles/2021/deal/lead.jpg is not an image gazette can read (not JPEG, PNG, WebP or GIF): the file may be damaged or cut short; export it again as JPEG, PNG, WebP or GIF"
            ),
            format!(
                "error: {root}/content/articles/2021/other.md:4:1: `image`: no file is published at /img/nowhere.jpg: put the photo beside the article (in its bundle folder) or under static/, or give a full https:// URL"
            ),
            format!(
                "error: {root}/static/img/bomb.png: is 50000×50000 pixels (2500 megapixels), more than the 150 megapixels gazette decodes: make it smaller, or raise `[images] max_megapixels` if it is a real photo"
            ),
        ],
        "{}",
        run.stderr
    );
    assert!(!site.public().exists(), "nothing is written");
}

#[test]
fn a_photo_cut_short_is_an_error_and_the_previous_output_stays() {
    let site = site_with_lead_photo();
    site.build_ok();
    let before = fs::read(site.public().join("2021/03/26/deal/index.html")).unwrap();
    let whole = fs::read(site.root().join("content/articles/2021/deal/lead.jpg")).unwrap();
    site.write_bytes(
        "content/articles/2021/deal/lead.jpg",
        &whole[..whole.len() / 3],
    );
    let run = site.run(&[
        "build",
        "--cache-dir",
        site.root().join("other-cache").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let file = site.root().join("content/articles/2021/deal/lead.jpg");
    assert!(
        run.stderr.contains(&format!("index.md:4:1: `image`: {} is not an image gazette can read (the file ends before the image does): the file may be damaged or cut short; export it again as JPEG, PNG, WebP or GIF", file.display())),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read(site.public().join("2021/03/26/deal/index.html")).unwrap(),
        before
    );
}

#[test]
fn two_clean_builds_make_identical_files() {
    let site = site_with_lead_photo();
    let build = |name: &str| {
        let out = site.root().join(format!("out-{name}"));
        let cache = site.root().join(format!("cache-{name}"));
        let run = site.run(&[
            "build",
            "--output",
            out.to_str().unwrap(),
            "--cache-dir",
            cache.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("images: 13 processed, 0 cached"),
            "{}",
            run.stdout
        );
        out
    };
    let (a, b) = (build("a"), build("b"));
    let mut compared = 0;
    for entry in walkdir::WalkDir::new(&a) {
        let path = entry.unwrap().into_path();
        if path.is_file() {
            let other = b.join(path.strip_prefix(&a).unwrap());
            assert_eq!(
                fs::read(&path).unwrap(),
                fs::read(&other).unwrap(),
                "{}",
                path.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 13);
}

#[test]
fn the_image_cache_never_leads_out_of_the_site() {
    let site = site_with_lead_photo();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), site.root().join(".gazette-cache")).unwrap();
    let run = site.build_ok();
    assert!(
        run.stderr.contains(".gazette-cache: the image cache cannot be used (") && run.stderr.contains("is a symbolic link; gazette writes only into folders it made): every photo is made anew"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_dir(elsewhere.path()).unwrap().count(),
        0,
        "nothing written through the link"
    );
    assert!(
        site.public()
            .join("2021/03/26/deal/lead-800w.webp")
            .is_file()
    );

    // A folder of someone else's files is not taken over either.
    let site = site_with_lead_photo();
    site.write("notes/keep.txt", "mine");
    site.write(
        "site.toml",
        &format!("{SITE_TOML}[images]\ncache = \"notes\"\n"),
    );
    let run = site.build_ok();
    assert!(
        run.stderr
            .contains("the folder holds files gazette did not make (no CACHEDIR.TAG)"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read_dir(site.root().join("notes")).unwrap().count(), 1);
}

#[test]
fn image_settings_are_checked() {
    let site = Fixture::new(&[(
        "site.toml",
        &format!(
            "{SITE_TOML}[images]\nwidths = [0, 800]\nformats = [\"avif\"]\nquality = 101\noriginals = \"raw\"\nmax_megapixels = 0\ncache = \"../elsewhere\"\nsizes = 3\n"
        ),
    )]);
    let run = site.build();
    assert_eq!(run.code, 1);
    let toml = site.root().join("site.toml").display().to_string();
    for expected in [
        format!(
            "{toml}:6:1: `images.widths`: 0 is not a width gazette makes: give widths from 16 to 8192 pixels, such as [480, 800, 1200, 1600]"
        ),
        format!(
            "{toml}:7:1: `images.formats`: gazette makes \"webp\" beside each photo's own format, not \"avif\"; use [] for the photo's own format only"
        ),
        format!("{toml}:8:1: `images.quality` is from 1 to 100 (80 by default), not 101"),
        format!(
            "{toml}:9:1: `images.originals` is \"clean\" (the default: camera metadata, GPS position included, is removed) or \"untouched\", not \"raw\""
        ),
        format!("{toml}:10:1: `images.max_megapixels` is from 1 to 1000 (150 by default), not 0"),
        format!(
            "{toml}:11:1: `images.cache` may not be \"../elsewhere\": the image cache is a folder inside the site, such as \".gazette-cache\" (`gazette build --cache-dir` may name one elsewhere)"
        ),
        format!(
            "{toml}:12:1: unknown key `images.sizes` in site.toml; custom data goes under `extra`"
        ),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected}\n{}",
            run.stderr
        );
    }
}

#[test]
fn photos_written_in_markdown_and_figures_get_their_sizes_and_missing_ones_are_errors() {
    let body = "Text with ![The chart](chart.jpg \"Sales\") inline.\n\n{{< figure src=\"/img/plant.jpg\" alt=\"The plant\" >}}\n\n![Elsewhere](https://cdn.example.com/x.jpg)\n";
    let site = Fixture::new(&[(
        LEAD_MD,
        &article("Carmaker deal", "2021-03-26T10:00:00Z", "", body),
    )]);
    let photo = |seed| photos::jpeg(&photos::scene(1000, 500, seed), 90, None);
    site.write_bytes("content/articles/2021/deal/chart.jpg", &photo(1));
    site.write_bytes("static/img/plant.jpg", &photo(2));
    site.build_ok();
    let page = site.read("2021/03/26/deal/index.html");
    let base = "https://news.example.com";
    let chart = format!(
        "<picture><source type=\"image/webp\" srcset=\"{base}/2021/03/26/deal/chart-480w.webp 480w, {base}/2021/03/26/deal/chart-800w.webp 800w, {base}/2021/03/26/deal/chart-1000w.webp 1000w\" sizes=\"(min-width: 42rem) 40rem, 100vw\"><img src=\"{base}/2021/03/26/deal/chart-1000w.jpg\" srcset=\"{base}/2021/03/26/deal/chart-480w.jpg 480w, {base}/2021/03/26/deal/chart-800w.jpg 800w, {base}/2021/03/26/deal/chart-1000w.jpg 1000w\" sizes=\"(min-width: 42rem) 40rem, 100vw\" width=\"1000\" height=\"500\" alt=\"The chart\" title=\"Sales\" loading=\"lazy\" decoding=\"async\"></picture>"
    );
    assert!(
        page.contains(&format!("<p>Text with {chart} inline.</p>")),
        "{page}"
    );
    assert!(
        page.contains(&format!("<img src=\"{base}/img/plant-1000w.jpg\" srcset=\"{base}/img/plant-480w.jpg 480w, {base}/img/plant-800w.jpg 800w, {base}/img/plant-1000w.jpg 1000w\"")),
        "{page}"
    );
    assert!(
        page.contains("<img src=\"https://cdn.example.com/x.jpg\" alt=\"Elsewhere\" />"),
        "{page}"
    );
    assert_eq!(
        size_of(&site.public().join("2021/03/26/deal/chart-800w.webp")),
        (800, 400)
    );
    // Feeds have no <picture>: one file with its size.
    let rss = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&rss).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.tag_name().name() == "encoded")
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        content.contains(&format!("<img src=\"{base}/2021/03/26/deal/chart-1000w.jpg\" width=\"1000\" height=\"500\" alt=\"The chart\" title=\"Sales\">")),
        "{content}"
    );

    site.write(
        LEAD_MD,
        &article(
            "Carmaker deal",
            "2021-03-26T10:00:00Z",
            "",
            "One.\n\nTwo ![gone](gone.png) here.\n\n{{< figure src=\"/img/none.jpg\" >}}\n",
        ),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    let md = site.root().join(LEAD_MD).display().to_string();
    for expected in [
        format!(
            "error: {md}:8:5: \"gone.png\" is /2021/03/26/deal/gone.png on the site, where no file is published: put the photo beside the article (in its bundle folder) or under static/, or give a full https:// URL"
        ),
        format!(
            "error: {md}:10:1: no file is published at /img/none.jpg: put the photo beside the article (in its bundle folder) or under static/, or give a full https:// URL"
        ),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected}\n{}",
            run.stderr
        );
    }
}

#[test]
fn templates_ask_for_sizes_and_crops_with_resize_image() {
    let site = Fixture::new(&[(
        "templates/index.html",
        "{% set a = resize_image(path=\"/img/plant.jpg\", width=300, height=300, op=\"fill\", format=\"webp\") %}{% set b = resize_image(path=\"img/plant.jpg\", height=100) %}<img src=\"{{ a.url }}\" width=\"{{ a.width }}\" height=\"{{ a.height }}\" data-type=\"{{ a.type }}\"><img src=\"{{ b.url }}\" width=\"{{ b.width }}\" height=\"{{ b.height }}\">",
    )]);
    site.write_bytes(
        "static/img/plant.jpg",
        &photos::jpeg(&photos::scene(1000, 500, 3), 90, None),
    );
    site.build_ok();
    let front = site.read("index.html");
    assert_eq!(
        front,
        "<img src=\"https://news.example.com/img/plant-300x300.webp\" width=\"300\" height=\"300\" data-type=\"image/webp\"><img src=\"https://news.example.com/img/plant-200w.jpg\" width=\"200\" height=\"100\">"
    );
    assert_eq!(
        size_of(&site.public().join("img/plant-300x300.webp")),
        (300, 300)
    );
    assert_eq!(
        size_of(&site.public().join("img/plant-200w.jpg")),
        (200, 100)
    );

    site.write(
        "templates/index.html",
        "{{ resize_image(path=\"/img/none.jpg\", width=10) }}",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`resize_image`: /img/none.jpg is not a photo of the site (a JPEG, PNG, WebP or GIF under static/ or in a bundle)"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_kind_of_photo_a_newsroom_drops_in_is_read() {
    use image::{DynamicImage, ImageFormat};
    let scene = photos::scene(600, 400, 5);
    let encode = |image: DynamicImage, format: ImageFormat| {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    };
    let jpeg_as = |color: jpeg_encoder::ColorType, pixels: &[u8], progressive: bool| {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
        encoder.set_progressive(progressive);
        encoder.encode(pixels, 600, 400, color).unwrap();
        out
    };
    let cmyk: Vec<u8> = scene
        .pixels()
        .flat_map(|p| {
            let k = 255 - p[0].max(p[1]).max(p[2]);
            [
                255 - p[0] - k.min(255 - p[0]),
                255 - p[1] - k.min(255 - p[1]),
                255 - p[2] - k.min(255 - p[2]),
                k,
            ]
        })
        .collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "progressive.jpg",
            jpeg_as(jpeg_encoder::ColorType::Rgb, scene.as_raw(), true),
        ),
        (
            "cmyk.jpg",
            jpeg_as(jpeg_encoder::ColorType::Cmyk, &cmyk, false),
        ),
        (
            "grey.jpg",
            encode(
                DynamicImage::ImageRgb8(scene.clone()).grayscale(),
                ImageFormat::Jpeg,
            ),
        ),
        (
            "deep.png",
            encode(
                DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(scene.clone()).to_rgb16()),
                ImageFormat::Png,
            ),
        ),
        (
            "clear.png",
            encode(
                DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(scene.clone()).to_rgba8()),
                ImageFormat::Png,
            ),
        ),
        (
            "still.gif",
            encode(DynamicImage::ImageRgb8(scene.clone()), ImageFormat::Gif),
        ),
        (
            "lossless.webp",
            encode(DynamicImage::ImageRgb8(scene.clone()), ImageFormat::WebP),
        ),
    ];
    let body: String = files
        .iter()
        .map(|(name, _)| format!("![{name}]({name})\n\n"))
        .collect();
    let site = Fixture::new(&[(
        LEAD_MD,
        &article("Kinds", "2021-03-26T10:00:00Z", "", &body),
    )]);
    for (name, bytes) in &files {
        site.write_bytes(&format!("content/articles/2021/deal/{name}"), bytes);
    }
    site.build_ok();
    let dir = site.public().join("2021/03/26/deal");
    for (name, own) in [
        ("progressive", "jpg"),
        ("cmyk", "jpg"),
        ("grey", "jpg"),
        ("deep", "png"),
        ("clear", "png"),
        ("still", "png"),
        ("lossless", "webp"),
    ] {
        assert_eq!(
            size_of(&dir.join(format!("{name}-480w.{own}"))),
            (480, 320),
            "{name}"
        );
        assert_eq!(
            size_of(&dir.join(format!("{name}-600w.webp"))),
            (600, 400),
            "{name}"
        );
    }
    // A CMYK photo keeps its colours: the sky stays blue.
    let sky = image::open(dir.join("cmyk-480w.jpg")).unwrap().to_rgb8();
    let p = sky.get_pixel(240, 10);
    assert!(p[2] > p[0] + 40, "the sky is blue, not {p:?}");
}

#[test]
fn author_pictures_are_square_and_small_and_a_missing_one_is_an_error() {
    let site = Fixture::new(&[
        (
            "content/authors/ana.md",
            "+++\nname = \"Ana Lee\"\navatar = \"/img/ana.jpg\"\n+++\nAna covers markets.\n",
        ),
        (
            LEAD_MD,
            &article(
                "Carmaker deal",
                "2021-03-26T10:00:00Z",
                "author = \"ana\"\n",
                "The deal was signed.",
            ),
        ),
    ]);
    // A 1600×1200 portrait with GPS, as a phone takes it.
    let portrait = photos::jpeg(
        &photos::scene(1600, 1200, 4),
        90,
        Some(photos::exif(1, Some(GPS))),
    );
    site.write_bytes("static/img/ana.jpg", &portrait);
    site.build_ok();
    let square = "https://news.example.com/img/ana-224x224.jpg";
    for page in [
        "authors/ana/index.html",
        "2021/03/26/deal/index.html",
        "authors/index.html",
    ] {
        let html = site.read(page);
        assert!(
            html.contains(&format!("\" src=\"{square}\" alt=")),
            "{page}: {html}"
        );
    }
    assert_eq!(
        size_of(&site.public().join("img/ana-224x224.jpg")),
        (224, 224)
    );

    site.write(
        "content/authors/ana.md",
        "+++\nname = \"Ana Lee\"\navatar = \"ana-new.png\"\n+++\nAna covers markets.\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    let file = site
        .root()
        .join("content/authors/ana.md")
        .display()
        .to_string();
    let expected = format!(
        "error: {file}:3:1: `avatar`: \"ana-new.png\" is /authors/ana/ana-new.png on the site, where no file is published"
    );
    assert!(
        run.stderr.contains(&expected),
        "missing {expected}\n{}",
        run.stderr
    );
}

#[test]
fn photos_inside_a_gallery_get_their_sizes_and_a_missing_one_is_an_error_at_its_line() {
    let body = "Before.\n\n{{< gallery caption=\"The plant\" >}}\n![Line](one.jpg)\n![Robots](/img/two.png)\n{{< /gallery >}}\n";
    let site = Fixture::new(&[(
        LEAD_MD,
        &article("Carmaker deal", "2021-03-26T10:00:00Z", "", body),
    )]);
    site.write_bytes(
        "content/articles/2021/deal/one.jpg",
        &photos::jpeg(
            &photos::scene(1000, 750, 1),
            90,
            Some(photos::exif(1, Some(GPS))),
        ),
    );
    site.write_bytes(
        "static/img/two.png",
        &photos::png(&photos::scene(600, 600, 2)),
    );
    site.build_ok();
    let page = site.read("2021/03/26/deal/index.html");
    let base = "https://news.example.com";
    let gallery_start = page.find("<figure class=\"gallery\">").expect("a gallery");
    let gallery = &page[gallery_start..];
    assert!(
        gallery.contains(&format!("<img src=\"{base}/2021/03/26/deal/one-1000w.jpg\" srcset=\"{base}/2021/03/26/deal/one-480w.jpg 480w, {base}/2021/03/26/deal/one-800w.jpg 800w, {base}/2021/03/26/deal/one-1000w.jpg 1000w\"")),
        "{gallery}"
    );
    assert!(
        gallery.contains(&format!(
            "srcset=\"{base}/img/two-480w.webp 480w, {base}/img/two-600w.webp 600w\""
        )),
        "{gallery}"
    );
    assert!(
        gallery.contains("width=\"600\" height=\"600\" alt=\"Robots\""),
        "{gallery}"
    );
    assert_eq!(
        size_of(&site.public().join("img/two-480w.webp")),
        (480, 480)
    );
    // The original inside a gallery is cleaned as any other.
    let original = fs::read(site.public().join("2021/03/26/deal/one.jpg")).unwrap();
    assert!(photos::gps_latitude(&original).is_none());

    site.write(
        LEAD_MD,
        &article(
            "Carmaker deal",
            "2021-03-26T10:00:00Z",
            "",
            "Before.\n\n{{< gallery >}}\n![Line](one.jpg)\n\n![Gone](gone.jpg)\n{{< /gallery >}}\n",
        ),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    let md = site.root().join(LEAD_MD).display().to_string();
    let expected = format!(
        "error: {md}:11:1: \"gone.jpg\" is /2021/03/26/deal/gone.jpg on the site, where no file is published"
    );
    assert!(
        run.stderr.contains(&expected),
        "missing {expected}\n{}",
        run.stderr
    );
}

/// A paletted PNG of `image`, its colours cut to a 16-step palette per channel.
fn paletted_png(image: &image::RgbImage) -> Vec<u8> {
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut indices = Vec::with_capacity((image.width() * image.height()) as usize);
    for p in image.pixels() {
        // Few colours: red and green in 4 steps, blue in 8, like a chart.
        let c = [p[0] & 0xC0, p[1] & 0xC0, p[2] & 0xE0];
        let n = match palette.iter().position(|q| *q == c) {
            Some(n) => n,
            None => {
                palette.push(c);
                palette.len() - 1
            }
        };
        indices.push(n as u8);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width(), image.height());
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette.concat());
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&indices).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn a_paletted_png_and_a_wide_gamut_photo_come_out_in_the_right_colours() {
    let scene = photos::scene(600, 400, 9);
    let chart = paletted_png(&scene);
    assert_eq!(
        png::Decoder::new(std::io::Cursor::new(&chart))
            .read_info()
            .unwrap()
            .info()
            .color_type,
        png::ColorType::Indexed
    );
    // A flat colour tagged ProPhoto RGB, as a raw converter exports it.
    let (w, h) = (600, 400);
    let prophoto = [150u8, 100, 80];
    let flat = image::RgbImage::from_pixel(w, h, image::Rgb(prophoto));
    let mut wide = photos::jpeg(&flat, 95, None);
    {
        use img_parts::ImageICC;
        let profile = moxcms::ColorProfile::new_pro_photo_rgb().encode().unwrap();
        let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(wide.into()).unwrap();
        jpeg.set_icc_profile(Some(profile.into()));
        wide = jpeg.encoder().bytes().to_vec();
    }
    let site = Fixture::new(&[(
        LEAD_MD,
        &article(
            "Colours",
            "2021-03-26T10:00:00Z",
            "",
            "![Chart](chart.png)\n\n![Wide](wide.jpg)\n",
        ),
    )]);
    site.write_bytes("content/articles/2021/deal/chart.png", &chart);
    site.write_bytes("content/articles/2021/deal/wide.jpg", &wide);
    site.build_ok();
    let dir = site.public().join("2021/03/26/deal");
    // The paletted chart: every size made, its colours those of the palette.
    let small = image::open(dir.join("chart-600w.png")).unwrap().to_rgb8();
    assert_eq!(small.dimensions(), (600, 400));
    for (x, y) in [(10, 10), (300, 200), (590, 390)] {
        let p = small.get_pixel(x, y);
        let q = scene.get_pixel(x, y);
        let want = [q[0] & 0xC0, q[1] & 0xC0, q[2] & 0xE0];
        for c in 0..3 {
            assert!(
                p[c].abs_diff(want[c]) <= 2,
                "chart at {x},{y}: {p:?} is not the palette's {want:?}"
            );
        }
    }
    assert_eq!(size_of(&dir.join("chart-480w.webp")), (480, 320));
    // The ProPhoto photo is converted to sRGB. The colour worked out by
    // hand (gamma 1.8, ProPhoto's D50 matrix, Bradford to D65, the sRGB
    // matrix and curve) is (205, 105, 94): its numbers shown as sRGB
    // would be (150, 100, 80), a dull brown.
    let srgb = [205u8, 105, 94];
    for file in ["wide-480w.jpg", "wide-600w.webp"] {
        let out = image::open(dir.join(file)).unwrap().to_rgb8();
        let p = out.get_pixel(300, 200);
        assert!(
            (0..3).all(|c| p[c].abs_diff(srgb[c]) <= 4),
            "{file}: {p:?} is not the sRGB {srgb:?} of ProPhoto {prophoto:?}"
        );
    }
}

#[test]
fn a_site_may_keep_the_photographers_credit_and_nothing_else() {
    use exif::Tag;
    let site = Fixture::new(&[(LEAD_MD, &lead_article("lead.jpg"))]);
    let credit = [
        (Tag::Artist, "Jane Doe"),
        (Tag::Copyright, "(c) 2021 Reuters"),
    ];
    let photo = photos::jpeg(
        &photos::scene(1300, 975, 3),
        90,
        Some(photos::exif_credited(1, Some(GPS), &credit)),
    );
    site.write_bytes("content/articles/2021/deal/lead.jpg", &photo);
    let dir = site.public().join("2021/03/26/deal");
    // By default the credit goes with everything else.
    site.build_ok();
    let original = fs::read(dir.join("lead.jpg")).unwrap();
    assert_eq!(photos::exif_text(&original, Tag::Artist), None);

    let toml = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("{toml}\n[images]\nkeep_credit = true\n"),
    );
    let run = site.build_ok();
    assert!(run.stdout.contains("images:"), "{}", run.stdout);
    for file in [
        "lead.jpg",
        "lead-800w.jpg",
        "lead-800w.webp",
        "lead-1200x630.jpg",
    ] {
        let bytes = fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            photos::exif_text(&bytes, Tag::Artist).as_deref(),
            Some("Jane Doe"),
            "{file}"
        );
        assert_eq!(
            photos::exif_text(&bytes, Tag::Copyright).as_deref(),
            Some("(c) 2021 Reuters"),
            "{file}"
        );
        assert_eq!(photos::gps_latitude(&bytes), None, "{file}: no GPS");
        assert_eq!(
            photos::exif_text(&bytes, Tag::Make),
            None,
            "{file}: no camera"
        );
    }
    assert_eq!(size_of(&dir.join("lead-1200w.webp")), (1200, 900));
}
