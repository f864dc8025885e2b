//! Photos as the site publishes them. Every JPEG, PNG, WebP and GIF of
//! static/ and the bundles is measured once (its header only) when the
//! site is prepared; pages then ask for the sizes and crops they show,
//! which only names files; the write stage makes each asked file once, in
//! parallel, from the cache when it can, and cleans every original of its
//! camera metadata.
//!
//! Made files sit beside their original: `lead.jpg` gives `lead-800w.webp`
//! (a width) and `lead-1200x630.jpg` (a crop).

mod cache;
pub(crate) use cache::{
    NEXT_CHANGE_NOTE, keep_note, keep_note_with, markdown_folder, spill_file, write_whole_with,
};
pub(crate) mod process;

use crate::config::{Config, ImageSettings};
use crate::diagnostics::{Diagnostic, display_path};
use crate::output::record_key;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use process::Header;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The formats gazette reads and makes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub(crate) enum Format {
    Jpeg,
    Png,
    Gif,
    WebP,
}

impl Format {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::WebP => "WebP",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::WebP => "webp",
        }
    }

    pub(crate) fn media_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::WebP => "image/webp",
        }
    }

    /// The format a template names: "jpeg", "png", "webp".
    pub(crate) fn named(name: &str) -> Option<Format> {
        match name {
            "jpeg" | "jpg" => Some(Format::Jpeg),
            "png" => Some(Format::Png),
            "webp" => Some(Format::WebP),
            _ => None,
        }
    }

    /// The format the sizes of a photo of this format are made in, for
    /// browsers without WebP: a GIF's sizes are PNGs.
    fn fallback(self) -> Format {
        match self {
            Format::Gif => Format::Png,
            other => other,
        }
    }
}

/// The site path (`/2021/03/26/x/lead.jpg`, decoded) a page at `page_url`
/// names with `reference`, if it is a file of this site rather than of
/// another one.
pub(crate) fn site_path_of(config: &Config, page_url: &str, reference: &str) -> Option<String> {
    let url = crate::paths::resolve_url(config, page_url, reference);
    let base = config.base_url.as_str();
    let path = url.strip_prefix(base.trim_end_matches('/'))?;
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    Some(decoded.into_owned())
}

/// Whether a file name is one of a photo gazette processes (SVG and other
/// files are published as they are).
pub(crate) fn is_photo_name(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ["jpg", "jpeg", "png", "gif", "webp"]
        .iter()
        .any(|known| ext.eq_ignore_ascii_case(known))
}

/// One file made from a photo: its size, and the part of the upright
/// photo it shows (all of it when `crop` is None).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Variant {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// x, y, width, height in the upright photo.
    pub(crate) crop: Option<[u32; 4]>,
    pub(crate) format: Format,
}

/// A photo the site publishes.
#[derive(Debug)]
struct Source {
    /// The file, under the site root.
    file: PathBuf,
    /// Where the original is published, below the output folder.
    output: PathBuf,
    /// Its content, hashed: what the cache knows it by.
    hash: u128,
    header: Header,
}

/// A place in an upright photo the crops keep in view: fractions of its
/// width and height from the top left (`image_focus` in front matter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Focus {
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// `<picture>`'s parts for a photo, for templates: `src` and `srcset` in
/// the photo's own format, `sources` in modern ones, and the size that
/// keeps the page from jumping while it loads.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Picture {
    pub(crate) src: String,
    pub(crate) srcset: String,
    pub(crate) sources: Vec<PictureSource>,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PictureSource {
    #[serde(rename = "type")]
    pub(crate) media_type: &'static str,
    pub(crate) srcset: String,
}

/// One made file, for `og:image`, JSON-LD and feeds.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Sized {
    pub(crate) url: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    #[serde(rename = "type")]
    pub(crate) media_type: &'static str,
}

/// The width of the crops shared with search engines and social sites:
/// Google asks for at least 1,200 pixels.
pub(crate) const SHARE_WIDTH: u32 = 1200;

/// The side of an author's square picture.
pub(crate) const AVATAR_SIZE: u32 = 224;

thread_local! {
    /// The files asked by each page rendering on this thread, innermost
    /// last: while a page waits on parallel work, rayon may render another
    /// page on the same thread, inside the first.
    static PAGE_ASKS: RefCell<Vec<Vec<String>>> = const { RefCell::new(Vec::new()) };
}

/// Notes `keys` (photo files asked for by something the page shows but
/// did not render itself: an article's card, rendered once for every
/// list) as asked by the page being rendered on this thread, if any.
pub(crate) fn asked_by_this_page(keys: &[String]) {
    if keys.is_empty() {
        return;
    }
    PAGE_ASKS.with(|stack| {
        if let Some(page) = stack.borrow_mut().last_mut() {
            page.extend_from_slice(keys);
        }
    });
}

/// Runs `render` (one page's rendering), and gives with its result the
/// output keys of the photo files it asked for on this thread, so that a
/// later build that keeps the page can ask for them again ([`PageAsks`]).
pub(crate) fn asks_of<R>(render: impl FnOnce() -> R) -> (R, Vec<String>) {
    /// Takes the page's list off the stack even if `render` unwinds.
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            PAGE_ASKS.with(|stack| stack.borrow_mut().pop());
        }
    }
    PAGE_ASKS.with(|stack| stack.borrow_mut().push(Vec::new()));
    let pop = Pop;
    let result = render();
    let asked = PAGE_ASKS.with(|stack| stack.borrow_mut().last_mut().map(std::mem::take));
    drop(pop);
    (result, asked.unwrap_or_default())
}

/// What each page asked of the photos, kept with the build state: a later
/// build that keeps a page as it is asks for the same files again without
/// rendering it, or they would not be made (only asked files are).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct PageAsks {
    /// Each file asked: its output key, its photo's site path
    /// (`/images/lead.png`), and what to make.
    files: Vec<(String, String, Variant)>,
    /// A page's output key → the files it asked, by place in `files`.
    pages: HashMap<String, Vec<u32>>,
}

/// The photos of a site, and the files its pages asked to be made of them.
#[derive(Debug)]
pub(crate) struct Images {
    settings: ImageSettings,
    sources: Vec<Source>,
    /// Site path of each original (`/2021/03/26/x/lead.jpg`) → index.
    by_site_path: HashMap<String, usize>,
    /// The source files, for the copy stage to leave them to this one.
    files: HashSet<PathBuf>,
    /// Output key → what to make there, as pages ask.
    asked: Mutex<BTreeMap<String, (usize, Variant)>>,
}

/// A photo file gazette cannot publish: not an image, damaged, or over
/// the pixel limit.
#[derive(Debug)]
pub(crate) struct Unreadable {
    pub(crate) file: PathBuf,
    /// Where it would be published.
    pub(crate) site_path: String,
    /// Why, as a sentence that goes after the file's name.
    pub(crate) why: String,
}

/// How many files the write stage made and took from the cache.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageCounts {
    pub processed: usize,
    pub cached: usize,
}

impl Images {
    /// No photos: for sites and tests that have none.
    pub(crate) fn none(settings: &ImageSettings) -> Images {
        Images {
            settings: settings.clone(),
            sources: Vec::new(),
            by_site_path: HashMap::new(),
            files: HashSet::new(),
            asked: Mutex::new(BTreeMap::new()),
        }
    }

    /// Reads the header of every photo among `copies` (source file, output
    /// path). A file that is not a readable image, or is larger than the
    /// pixel limit, is left out and returned, with why.
    /// `cache_dir`'s record of earlier measures spares reading a photo
    /// whose size and modification time are unchanged.
    pub(crate) fn measure(
        settings: &ImageSettings,
        copies: &[(PathBuf, PathBuf)],
        cache_dir: Option<&Path>,
    ) -> (Images, Vec<Unreadable>) {
        let known = cache_dir.map(cache::Measures::load).unwrap_or_default();
        let measured: Vec<Result<(Source, cache::Measure), Unreadable>> = copies
            .par_iter()
            .filter(|(from, _)| is_photo_name(from))
            .map(|(from, to)| {
                let unreadable = |why: String| Unreadable {
                    file: from.clone(),
                    site_path: format!("/{}", record_key(to)),
                    why,
                };
                let stamp = cache::Stamp::of(from);
                if let Some(m) = stamp.and_then(|s| known.get(from, s)) {
                    let source = Source {
                        file: from.clone(),
                        output: to.clone(),
                        hash: m.hash,
                        header: m.header,
                    };
                    return Ok((source, m));
                }
                let bytes = crate::sources::read_source(from)
                    .map_err(|e| unreadable(format!("cannot be read: {e}")))?;
                let header = process::header(&bytes, settings.max_pixels).map_err(unreadable)?;
                let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
                let measure = cache::Measure {
                    stamp: stamp.unwrap_or_default(),
                    hash,
                    header,
                };
                let source = Source {
                    file: from.clone(),
                    output: to.clone(),
                    hash,
                    header,
                };
                Ok((source, measure))
            })
            .collect();
        let mut record = cache::Measures::default();
        let measured: Vec<Result<Source, Unreadable>> = measured
            .into_iter()
            .map(|r| {
                r.map(|(source, measure)| {
                    record.insert(source.file.clone(), measure);
                    source
                })
            })
            .collect();
        if let Some(dir) = cache_dir
            && record != known
        {
            record.save(dir);
        }
        let mut images = Images::none(settings);
        let mut unreadable = Vec::new();
        for result in measured {
            match result {
                Ok(source) => {
                    let site_path = format!("/{}", record_key(&source.output));
                    images.by_site_path.insert(site_path, images.sources.len());
                    images.files.insert(source.file.clone());
                    images.sources.push(source);
                }
                Err(e) => unreadable.push(e),
            }
        }
        (images, unreadable)
    }

    /// The photo a page's reference names (`lead.jpg` beside the page,
    /// `/images/x.jpg`, or a URL under the base URL), if the site
    /// publishes it.
    pub(crate) fn find(&self, config: &Config, page_url: &str, reference: &str) -> Option<usize> {
        let site_path = site_path_of(config, page_url, reference)?;
        self.by_site_path.get(&site_path).copied()
    }

    /// Photo `i`'s width and height as shown (EXIF orientation applied).
    pub(crate) fn size(&self, i: usize) -> (u32, u32) {
        let header = &self.sources[i].header;
        (header.width, header.height)
    }

    /// Whether `file` is a photo this build processes rather than copies.
    pub(crate) fn is_source(&self, file: &Path) -> bool {
        self.files.contains(file)
    }

    /// The widths, format by format, a page shows photo `i` in.
    pub(crate) fn picture(&self, config: &Config, i: usize) -> Picture {
        let source = &self.sources[i];
        let header = &source.header;
        let original = || Picture {
            src: config.url(&format!("/{}", record_key(&source.output))),
            srcset: String::new(),
            sources: Vec::new(),
            width: header.width,
            height: header.height,
        };
        if header.animated {
            // Resizing would keep one frame: an animation goes out whole.
            return original();
        }
        let widths = self.widths_of(header.width);
        let fallback = header.format.fallback();
        let set = |format: Format| -> Vec<(u32, String)> {
            (widths.iter())
                .map(|&w| (w, self.fit(config, i, w, format).url))
                .collect()
        };
        let srcset = |set: &[(u32, String)]| {
            (set.iter())
                .map(|(w, url)| format!("{url} {w}w"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let own = set(fallback);
        // `src`, for browsers without srcset: the size feeds use.
        let src = (own.iter().rev())
            .find(|(w, _)| *w <= SHARE_WIDTH)
            .or(own.first())
            .map(|(_, url)| url.clone())
            .unwrap_or_default();
        let mut sources = Vec::new();
        if self.settings.webp && fallback != Format::WebP {
            sources.push(PictureSource {
                media_type: Format::WebP.media_type(),
                srcset: srcset(&set(Format::WebP)),
            });
        }
        let largest = widths.last().copied().unwrap_or(header.width);
        Picture {
            src,
            srcset: srcset(&own),
            sources,
            width: largest,
            height: scaled(header.height, largest, header.width),
        }
    }

    /// Photo `i` as feeds show it: one file, 1,200 pixels wide or the
    /// photo's width if that is less, in the photo's own format (a GIF's
    /// as PNG; an animation whole).
    pub(crate) fn for_feeds(&self, config: &Config, i: usize) -> Sized {
        let source = &self.sources[i];
        let header = &source.header;
        if header.animated {
            return Sized {
                url: config.url(&format!("/{}", record_key(&source.output))),
                width: header.width,
                height: header.height,
                media_type: header.format.media_type(),
            };
        }
        let width = header.width.min(SHARE_WIDTH);
        self.fit(config, i, width, header.format.fallback())
    }

    /// Photo `i` whole, `width` pixels wide, in `format`.
    fn fit(&self, config: &Config, i: usize, width: u32, format: Format) -> Sized {
        let header = &self.sources[i].header;
        let variant = Variant {
            width,
            height: scaled(header.height, width, header.width),
            crop: None,
            format,
        };
        let height = variant.height;
        Sized {
            url: self.ask(config, i, variant, None),
            width,
            height,
            media_type: format.media_type(),
        }
    }

    /// Photo `i` as an author's picture: the middle square,
    /// [`AVATAR_SIZE`] pixels or as large as the photo allows (sharp at
    /// twice the theme's largest 112 pixels), in its own format, so a
    /// transparent logo stays transparent.
    pub(crate) fn avatar(&self, config: &Config, i: usize) -> Sized {
        let format = self.sources[i].header.format.fallback();
        self.crop_as(config, i, (1, 1), AVATAR_SIZE, None, format)
    }

    /// The widths of `[images] widths` narrower than a photo `width`
    /// pixels wide, and the photo's own width when it is narrower than the
    /// largest: never wider than the photo.
    fn widths_of(&self, width: u32) -> Vec<u32> {
        let mut widths: Vec<u32> = (self.settings.widths.iter())
            .copied()
            .filter(|&w| w < width)
            .collect();
        if self.settings.widths.iter().any(|&w| w >= width) {
            widths.push(width);
        }
        widths
    }

    /// Photo `i` cropped to `ratio` (width, height), `width` pixels wide
    /// or as wide as the photo allows, as a JPEG, which every social site
    /// and search engine reads.
    pub(crate) fn crop(
        &self,
        config: &Config,
        i: usize,
        ratio: (u32, u32),
        width: u32,
        focus: Option<Focus>,
    ) -> Sized {
        self.crop_as(config, i, ratio, width, focus, Format::Jpeg)
    }

    /// What a template's `resize_image` asks for: photo `i` at most
    /// `width` × `height` (either may be absent), whole (`fill` false) or
    /// cropped to exactly that shape, in `format` (None: its own). Never
    /// larger than the photo.
    pub(crate) fn resize(
        &self,
        config: &Config,
        i: usize,
        width: Option<u32>,
        height: Option<u32>,
        fill: bool,
        format: Option<Format>,
    ) -> Sized {
        let header = &self.sources[i].header;
        let format = format.unwrap_or(header.format.fallback());
        if let (true, Some(w), Some(h)) = (fill, width, height) {
            return self.crop_as(config, i, (w, h), w, None, format);
        }
        // Fit: the largest size inside the box, kept to the photo's size.
        let by_width = width.unwrap_or(u32::MAX).min(header.width);
        let by_height = height.map_or(u32::MAX, |h| {
            scaled(header.width, h.min(header.height), header.height)
        });
        self.fit(config, i, by_width.min(by_height).max(1), format)
    }

    fn crop_as(
        &self,
        config: &Config,
        i: usize,
        ratio: (u32, u32),
        width: u32,
        focus: Option<Focus>,
        format: Format,
    ) -> Sized {
        let header = &self.sources[i].header;
        let (rw, rh) = (f64::from(ratio.0), f64::from(ratio.1));
        // The largest part of the photo with that ratio.
        let (pw, ph) = (f64::from(header.width), f64::from(header.height));
        let (cw, ch) = if pw / ph > rw / rh {
            (ph * rw / rh, ph)
        } else {
            (pw, pw * rh / rw)
        };
        let focus = focus.unwrap_or(Focus { x: 0.5, y: 0.5 });
        let x = (focus.x * pw - cw / 2.0).clamp(0.0, pw - cw);
        let y = (focus.y * ph - ch / 2.0).clamp(0.0, ph - ch);
        let crop = [
            x.round() as u32,
            y.round() as u32,
            (cw.round() as u32).clamp(1, header.width),
            (ch.round() as u32).clamp(1, header.height),
        ];
        let out_w = width.min(crop[2]).max(1);
        let out_h = ((f64::from(out_w) * rh / rw).round() as u32).max(1);
        let variant = Variant {
            width: out_w,
            height: out_h,
            crop: Some(crop),
            format,
        };
        let url = self.ask(config, i, variant, Some(focus));
        Sized {
            url,
            width: out_w,
            height: out_h,
            media_type: format.media_type(),
        }
    }

    /// Notes that `variant` of photo `i` is to be made, and gives its URL.
    fn ask(&self, config: &Config, i: usize, variant: Variant, focus: Option<Focus>) -> String {
        let output = variant_path(&self.sources[i].output, &variant, focus);
        let key = record_key(&output);
        let url = config.url(&format!("/{key}"));
        PAGE_ASKS.with(|stack| {
            if let Some(page) = stack.borrow_mut().last_mut() {
                page.push(key.clone());
            }
        });
        (self.asked.lock().unwrap_or_else(|e| e.into_inner())).insert(key, (i, variant));
        url
    }

    /// The asks of `pages` (each page's output key and the files it asked,
    /// from [`asks_of`]), to keep for the next build. Called before
    /// [`Images::produce`], which takes the asks.
    pub(crate) fn page_asks(&self, pages: Vec<(String, Vec<String>)>) -> PageAsks {
        let asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        let mut kept = PageAsks::default();
        let mut places: HashMap<String, u32> = HashMap::new();
        for (page, keys) in pages {
            let mut indices = Vec::with_capacity(keys.len());
            for key in keys {
                let Some((i, variant)) = asked.get(&key) else {
                    continue;
                };
                let place = *places.entry(key).or_insert_with_key(|key| {
                    let photo = format!("/{}", record_key(&self.sources[*i].output));
                    kept.files.push((key.clone(), photo, variant.clone()));
                    (kept.files.len() - 1) as u32
                });
                indices.push(place);
            }
            indices.sort_unstable();
            indices.dedup();
            kept.pages.insert(page, indices);
        }
        kept
    }

    /// Asks again for the files page `page` asked in the last build
    /// (`previous`, None: it asked for none), as the page is kept as it
    /// was. The files' keys, or None when one of its photos is no longer
    /// the site's (the page must then render).
    pub(crate) fn ask_again(&self, previous: Option<&PageAsks>, page: &str) -> Option<Vec<String>> {
        let Some(previous) = previous else {
            return Some(Vec::new());
        };
        let Some(indices) = previous.pages.get(page) else {
            return Some(Vec::new());
        };
        let mut found = Vec::with_capacity(indices.len());
        for &n in indices {
            let (key, photo, variant) = previous.files.get(n as usize)?;
            let i = *self.by_site_path.get(photo)?;
            found.push((key, i, variant));
        }
        let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        let keys = (found.into_iter())
            .map(|(key, i, variant)| {
                asked.insert(key.clone(), (i, variant.clone()));
                key.clone()
            })
            .collect();
        Some(keys)
    }

    /// Output key → source file of every file asked so far, so the file
    /// plan can refuse one that lands on another file of the site.
    pub(crate) fn asked_outputs(&self) -> Vec<(String, PathBuf)> {
        let asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        (asked.iter())
            .map(|(key, (i, _))| (key.clone(), self.sources[*i].file.clone()))
            .collect()
    }

    /// Makes every original and every asked file into `sink`, in parallel,
    /// each from the cache when it holds it. `cache_dir` is where the
    /// cache lives (None: no cache).
    pub(crate) fn produce(
        &self,
        root: &Path,
        cache_dir: Option<&Path>,
        sink: &dyn crate::build::Sink,
    ) -> (ImageCounts, Vec<Diagnostic>) {
        let mut warnings = Vec::new();
        let cache = match cache_dir.map(cache::Cache::open).transpose() {
            Ok(cache) => cache,
            Err(why) => {
                warnings.push(Diagnostic::warning(
                    display_path(root, cache_dir.unwrap_or(Path::new(""))),
                    format!("the image cache cannot be used ({why}): every photo is made anew"),
                ));
                None
            }
        };
        let asked = std::mem::take(&mut *self.asked.lock().unwrap_or_else(|e| e.into_inner()));
        let mut by_source: Vec<Vec<(PathBuf, Variant)>> = vec![Vec::new(); self.sources.len()];
        for (key, (i, variant)) in asked {
            by_source[i].push((PathBuf::from(key), variant));
        }
        let processed = AtomicUsize::new(0);
        let cached = AtomicUsize::new(0);
        let errors: Vec<Diagnostic> = (self.sources.par_iter().zip(by_source))
            .filter_map(|(source, variants)| {
                let made = Making {
                    images: self,
                    source,
                    cache: cache.as_ref(),
                    sink,
                    processed: &processed,
                    cached: &cached,
                };
                made.all(&variants).err().map(|why| {
                    let shown = source.file.strip_prefix(root).unwrap_or(&source.file);
                    Diagnostic::error(display_path(root, shown), why)
                })
            })
            .collect();
        warnings.extend(errors);
        let counts = ImageCounts {
            processed: processed.into_inner(),
            cached: cached.into_inner(),
        };
        (counts, warnings)
    }
}

impl Images {
    /// The file the site publishes at output path `key`, made now (or
    /// taken from the cache) if a photo makes it: for `gazette serve`,
    /// which makes a size only when a page that shows it was asked for.
    pub(crate) fn make_one(
        &self,
        key: &str,
        cache_dir: Option<&Path>,
    ) -> Option<Result<Vec<u8>, String>> {
        let original = self.by_site_path.get(&format!("/{key}")).copied();
        let asked = match original {
            Some(_) => None,
            None => (self.asked.lock().unwrap_or_else(|e| e.into_inner()))
                .get(key)
                .cloned(),
        };
        let (i, recipe) = match (original, &asked) {
            (Some(i), _) if self.settings.untouched_originals => {
                return Some(std::fs::read(&self.sources[i].file).map_err(|e| e.to_string()));
            }
            (Some(i), _) => (i, Recipe::Original),
            (None, Some((i, variant))) => (*i, Recipe::Variant(variant)),
            (None, None) => return None,
        };
        let cache = cache_dir.and_then(|dir| cache::Cache::open(dir).ok());
        let sink = Capture::default();
        let making = Making {
            images: self,
            source: &self.sources[i],
            cache: cache.as_ref(),
            sink: &sink,
            processed: &AtomicUsize::new(0),
            cached: &AtomicUsize::new(0),
        };
        let output = PathBuf::from(key);
        Some(making.run(vec![(output.as_path(), recipe)]).and_then(|()| {
            (sink.bytes.into_inner().unwrap_or_else(|e| e.into_inner()))
                .ok_or_else(|| "nothing was made".to_string())
        }))
    }
}

/// A sink that keeps the one file made, for [`Images::make_one`].
#[derive(Default)]
struct Capture {
    bytes: Mutex<Option<Vec<u8>>>,
}

impl crate::build::Sink for Capture {
    fn write(&self, _: &Path, bytes: &[u8], _: Option<&Path>) -> Result<(), String> {
        *self.bytes.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes.to_vec());
        Ok(())
    }

    fn copy(&self, from: &Path, _: &Path) -> Result<(), String> {
        let bytes = crate::sources::read_source(from).map_err(|e| e.to_string())?;
        *self.bytes.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes);
        Ok(())
    }
}

/// The files of one photo being made: the photo is read and decoded at
/// most once, and only when the cache lacks a file.
struct Making<'a> {
    images: &'a Images,
    source: &'a Source,
    cache: Option<&'a cache::Cache>,
    sink: &'a dyn crate::build::Sink,
    processed: &'a AtomicUsize,
    cached: &'a AtomicUsize,
}

/// What makes a file: the original's cleaning, or a variant.
#[derive(Hash)]
enum Recipe<'v> {
    Original,
    Variant(&'v Variant),
}

impl Making<'_> {
    fn all(&self, variants: &[(PathBuf, Variant)]) -> Result<(), String> {
        let settings = &self.images.settings;
        if !self.sink.makes_images() {
            // `gazette check` only needs to know the files exist.
            self.sink.copy(&self.source.file, &self.source.output)?;
            for (output, _) in variants {
                self.sink.copy(&self.source.file, output)?;
            }
            return Ok(());
        }
        let mut jobs: Vec<(&Path, Recipe)> = variants
            .iter()
            .map(|(output, v)| (output.as_path(), Recipe::Variant(v)))
            .collect();
        if settings.untouched_originals {
            self.sink.copy(&self.source.file, &self.source.output)?;
        } else {
            jobs.insert(0, (self.source.output.as_path(), Recipe::Original));
        }
        self.run(jobs)
    }

    /// Makes each file of `jobs` into the sink, the photo read and decoded
    /// at most once.
    fn run(&self, jobs: Vec<(&Path, Recipe)>) -> Result<(), String> {
        let settings = &self.images.settings;
        let mut bytes: Option<Vec<u8>> = None;
        let mut photo: Option<process::Photo> = None;
        // Read from the photo when the first file is made; None: no credit.
        let mut credit: Option<Option<Vec<u8>>> = None;
        for (output, recipe) in jobs {
            let extension = match &recipe {
                Recipe::Original => self.source.header.format.extension(),
                Recipe::Variant(v) => v.format.extension(),
            };
            let key = cache::key(
                self.source.hash,
                &(&recipe, settings.keep_credit),
                settings.quality,
            );
            if let Some(hit) = self.cache.and_then(|c| c.get(key, extension)) {
                self.sink.copy(&hit, output)?;
                self.cached.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if bytes.is_none() {
                bytes = Some(
                    crate::sources::read_source(&self.source.file)
                        .map_err(|e| format!("cannot read: {e}"))?,
                );
            }
            let data = bytes.as_deref().unwrap_or_default();
            let made = match &recipe {
                Recipe::Original => process::clean_original(
                    data,
                    &self.source.header,
                    settings.max_pixels,
                    settings.quality,
                )?,
                Recipe::Variant(v) => {
                    if photo.is_none() {
                        photo = Some(process::decode(data, settings.max_pixels)?);
                    }
                    let Some(photo) = photo.as_ref() else {
                        continue;
                    };
                    process::make(photo, v, settings.quality)?
                }
            };
            let made = match settings.keep_credit {
                true => match credit.get_or_insert_with(|| process::credit_exif(data)) {
                    Some(exif) => process::with_exif(made, exif)?,
                    None => made,
                },
                false => made,
            };
            self.processed.fetch_add(1, Ordering::Relaxed);
            let modified = (std::fs::metadata(&self.source.file))
                .and_then(|m| m.modified())
                .ok();
            match (self.cache).and_then(|c| c.put(key, extension, &made, modified).ok()) {
                Some(kept) => self.sink.copy(&kept, output)?,
                None => self.sink.write(output, &made, None)?,
            }
        }
        Ok(())
    }
}

/// `h` scaled as `w` goes from `from` to `to`: the height of a photo
/// `from` × `h` pixels shown `to` wide.
fn scaled(h: u32, to: u32, from: u32) -> u32 {
    ((u64::from(h) * u64::from(to) + u64::from(from) / 2) / u64::from(from)).max(1) as u32
}

/// Where a made file goes: beside its original, named by its size
/// (`lead-800w.webp`) or crop (`lead-1200x630.jpg`, with the focus when
/// one is set: `lead-1200x630-f30-60.jpg`).
fn variant_path(original: &Path, variant: &Variant, focus: Option<Focus>) -> PathBuf {
    let stem = original
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let size = match variant.crop {
        None => format!("{}w", variant.width),
        Some(_) => format!("{}x{}", variant.width, variant.height),
    };
    let focus = match focus {
        Some(f) if variant.crop.is_some() && (f.x != 0.5 || f.y != 0.5) => format!(
            "-f{}-{}",
            (f.x * 100.0).round() as u32,
            (f.y * 100.0).round() as u32
        ),
        _ => String::new(),
    };
    let name = format!("{stem}-{size}{focus}.{}", variant.format.extension());
    original.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_named_beside_their_original() {
        let v = |width, height, crop| Variant {
            width,
            height,
            crop,
            format: Format::WebP,
        };
        let original = Path::new("2021/x/lead.jpg");
        assert_eq!(
            variant_path(original, &v(800, 600, None), None),
            Path::new("2021/x/lead-800w.webp")
        );
        assert_eq!(
            variant_path(original, &v(1200, 630, Some([0, 0, 10, 10])), None),
            Path::new("2021/x/lead-1200x630.webp")
        );
        let focus = Focus { x: 0.3, y: 0.6 };
        assert_eq!(
            variant_path(original, &v(1200, 630, Some([0, 0, 10, 10])), Some(focus)),
            Path::new("2021/x/lead-1200x630-f30-60.webp")
        );
    }

    #[test]
    fn widths_never_exceed_the_photo() {
        let images = Images::none(&ImageSettings::default());
        assert_eq!(images.widths_of(4000), vec![480, 800, 1200, 1600]);
        assert_eq!(images.widths_of(1000), vec![480, 800, 1000]);
        assert_eq!(images.widths_of(300), vec![300]);
        assert_eq!(images.widths_of(1600), vec![480, 800, 1200, 1600]);
        assert_eq!(scaled(3000, 800, 4000), 600);
    }
}
