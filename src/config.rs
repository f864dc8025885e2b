//! site.toml → a checked [`Config`]: a `Config` that exists is valid
//! (absolute base URL, known timezone, a usable permalink pattern).

use crate::diagnostics::{Diagnostic, display_path};
use crate::strict;
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use url::Url;

const TOP_KEYS: &[&str] = &[
    "title",
    "base_url",
    "description",
    "image",
    "language",
    "timezone",
    "permalink",
    "per_page",
    "page_numbers",
    "feed",
    "build",
    "markdown",
    "embeds",
    "images",
    "news",
    "live",
    "search",
    "publisher",
    "sections",
    "menu",
    "extra",
];
const FEED_KEYS: &[&str] = &["limit", "full_content"];
const BUILD_KEYS: &[&str] = &["output"];
const MARKDOWN_KEYS: &[&str] = &["safe"];
const EMBEDS_KEYS: &[&str] = &["load"];
const NEWS_KEYS: &[&str] = &["publication_name"];
const LIVE_KEYS: &[&str] = &["refresh"];
const SEARCH_KEYS: &[&str] = &["whole_index"];
const PUBLISHER_KEYS: &[&str] = &[
    "name",
    "logo",
    "same_as",
    "publishing_principles",
    "corrections_policy",
    "ethics_policy",
    "masthead",
];
const IMAGES_KEYS: &[&str] = &[
    "widths",
    "formats",
    "quality",
    "originals",
    "max_megapixels",
    "cache",
    "keep_credit",
];

/// The permalink tokens an article URL pattern may use.
pub const PERMALINK_TOKENS: &[&str] = &[":year", ":month", ":day", ":slug", ":category"];

#[derive(Deserialize)]
#[serde(default)]
struct RawConfig {
    title: Option<String>,
    base_url: Option<String>,
    description: String,
    image: Option<String>,
    language: String,
    timezone: String,
    permalink: String,
    per_page: i64,
    page_numbers: String,
    feed: RawFeed,
    build: RawBuild,
    markdown: RawMarkdown,
    embeds: RawEmbeds,
    images: RawImages,
    news: RawNews,
    live: RawLive,
    search: RawSearch,
    publisher: Publisher,
    sections: BTreeMap<String, RawSection>,
    menu: Vec<RawMenuItem>,
    extra: toml::Table,
}

/// `[sections.NAME]`: how a section shows.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawSection {
    label: Option<String>,
    /// `"subscribers"`: the section's articles are for subscribers unless
    /// their own `access` says otherwise.
    access: Option<String>,
}

/// One `[[menu]]` entry of the navigation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMenuItem {
    name: String,
    url: String,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            title: None,
            base_url: None,
            description: String::new(),
            image: None,
            language: "en".into(),
            timezone: "UTC".into(),
            permalink: "/:year/:month/:day/:slug/".into(),
            per_page: 10,
            page_numbers: "from-newest".into(),
            feed: RawFeed::default(),
            build: RawBuild::default(),
            markdown: RawMarkdown::default(),
            embeds: RawEmbeds::default(),
            images: RawImages::default(),
            news: RawNews::default(),
            live: RawLive::default(),
            search: RawSearch::default(),
            publisher: Publisher::default(),
            sections: BTreeMap::new(),
            menu: Vec::new(),
            extra: toml::Table::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct RawFeed {
    limit: i64,
    full_content: bool,
}

impl Default for RawFeed {
    fn default() -> Self {
        RawFeed {
            limit: 20,
            full_content: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct RawBuild {
    output: String,
}

impl Default for RawBuild {
    fn default() -> Self {
        RawBuild {
            output: "public".into(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMarkdown {
    safe: bool,
}

/// `[news]`: what Google News knows the site by.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNews {
    publication_name: Option<String>,
}

/// `[live]`: how live coverage pages behave.
#[derive(Deserialize)]
#[serde(default)]
struct RawLive {
    /// Seconds between a live page's looks for new updates; 0 for never.
    refresh: i64,
}

impl Default for RawLive {
    fn default() -> Self {
        RawLive { refresh: 60 }
    }
}

/// `[search]`: what search files are written.
#[derive(Deserialize)]
#[serde(default)]
struct RawSearch {
    /// Whether /search-index.json (every article in one file) is written
    /// beside the split index the search page reads.
    whole_index: bool,
}

impl Default for RawSearch {
    fn default() -> Self {
        RawSearch { whole_index: true }
    }
}

/// The shortest and longest `[live] refresh` a reader's browser may be
/// asked for: more often would load the host for little news.
const LIVE_REFRESH_RANGE: std::ops::RangeInclusive<i64> = 15..=3600;

/// `[publisher]`: the news organisation behind the site, as its
/// NewsMediaOrganization JSON-LD describes it. URLs are as written (a URL
/// or a site path).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct Publisher {
    /// Default: the site's title.
    pub name: Option<String>,
    /// A square-ish logo of at least 112×112 pixels (Google's minimum).
    pub logo: Option<String>,
    /// The organisation's profiles elsewhere (Wikipedia, social accounts).
    pub same_as: Vec<String>,
    pub publishing_principles: Option<String>,
    pub corrections_policy: Option<String>,
    pub ethics_policy: Option<String>,
    pub masthead: Option<String>,
}

impl Publisher {
    /// The URL-typed keys with their values.
    pub fn policy_urls(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("logo", self.logo.as_deref()),
            (
                "publishing_principles",
                self.publishing_principles.as_deref(),
            ),
            ("corrections_policy", self.corrections_policy.as_deref()),
            ("ethics_policy", self.ethics_policy.as_deref()),
            ("masthead", self.masthead.as_deref()),
        ]
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct RawEmbeds {
    load: String,
}

impl Default for RawEmbeds {
    fn default() -> Self {
        RawEmbeds {
            load: "on-click".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct RawImages {
    widths: Vec<i64>,
    formats: Vec<String>,
    quality: i64,
    originals: String,
    max_megapixels: i64,
    cache: String,
    keep_credit: bool,
}

impl Default for RawImages {
    fn default() -> Self {
        let settings = ImageSettings::default();
        RawImages {
            widths: settings.widths.iter().map(|&w| i64::from(w)).collect(),
            formats: vec!["webp".into()],
            quality: i64::from(settings.quality),
            originals: "clean".into(),
            max_megapixels: (settings.max_pixels / 1_000_000) as i64,
            cache: settings.cache.to_string_lossy().into_owned(),
            keep_credit: settings.keep_credit,
        }
    }
}

/// `[images]`: how the build makes the photos it publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSettings {
    /// The widths each photo is made in (never wider than the photo),
    /// smallest first.
    pub widths: Vec<u32>,
    /// Whether a WebP of each width is made beside the original's format.
    pub webp: bool,
    /// Lossy quality, 1 to 100, of every JPEG and WebP made.
    pub quality: u8,
    /// Whether originals are published as they are, metadata and all,
    /// rather than cleaned of camera metadata.
    pub untouched_originals: bool,
    /// The largest photo, in pixels, gazette decodes.
    pub max_pixels: u64,
    /// Where made images are kept between builds, relative to the site root.
    pub cache: PathBuf,
    /// Whether the photographer's credit (EXIF Artist and Copyright) is
    /// kept in every published file, all other metadata still removed.
    pub keep_credit: bool,
}

impl Default for ImageSettings {
    fn default() -> Self {
        ImageSettings {
            widths: vec![480, 800, 1200, 1600],
            webp: true,
            quality: 80,
            untouched_originals: false,
            max_pixels: 150_000_000,
            cache: PathBuf::from(".gazette-cache"),
            keep_credit: false,
        }
    }
}

/// The checked site configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    /// Always ends with `/`, so joining a relative path keeps its path part.
    pub base_url: Url,
    pub description: String,
    /// The image pages without one of their own share (`og:image`,
    /// JSON-LD), as written: a URL or a site path.
    pub image: Option<String>,
    pub language: String,
    pub timezone: Tz,
    pub permalink: String,
    pub per_page: usize,
    /// `page_numbers = "from-oldest"`: a list's numbered pages count from
    /// its oldest articles, so each keeps its articles as new ones come
    /// (`render::lists`).
    pub pages_from_oldest: bool,
    pub feed_limit: usize,
    pub feed_full_content: bool,
    /// The output folder as written in site.toml, relative to the site root.
    pub output: PathBuf,
    pub markdown_safe: bool,
    /// Whether third-party embeds load with the page, not on a click.
    pub embeds_at_once: bool,
    pub images: ImageSettings,
    /// The publication's name in the news sitemap, as Google News knows
    /// it: `[news] publication_name`, else the title.
    pub news_publication_name: String,
    /// `[live] refresh`: seconds between a running live page's looks for
    /// new updates; None when it never looks.
    pub live_refresh: Option<u32>,
    /// `[search] whole_index`: whether /search-index.json is written.
    pub search_whole_index: bool,
    pub publisher: Publisher,
    /// Section labels from `[sections.NAME] label`, by the section's slug.
    pub section_labels: BTreeMap<String, String>,
    /// Sections whose articles are for subscribers by default, by slug.
    pub subscriber_sections: BTreeSet<String>,
    /// The navigation from `[[menu]]`: (name, URL or site path); empty
    /// for the default (the largest sections).
    pub menu: Vec<(String, String)>,
    pub extra: toml::Table,
    /// What in site.toml is accepted but most likely a mistake.
    pub warnings: Vec<Diagnostic>,
}

impl Config {
    /// Reads and checks `ROOT/site.toml`. Every problem found is returned,
    /// not only the first.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        Config::load_with_base_url(root, None)
    }

    /// [`Config::load`], with `base_url` given on the command line
    /// (`--base-url`, or `gazette serve`'s local address): site.toml then
    /// need not have one.
    pub(crate) fn load_with_base_url(
        root: &Path,
        base_url: Option<&str>,
    ) -> Result<Config, Vec<Diagnostic>> {
        let display = display_path(root, Path::new("site.toml"));
        let source = match crate::sources::read_source(&root.join("site.toml")) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let valid = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    return Err(vec![
                        Diagnostic::error(&display, "file is not valid UTF-8")
                            .at_offset(&text, valid),
                    ]);
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !root.is_dir() => {
                return Err(vec![Diagnostic::error(
                    root,
                    "no such folder: give --root the folder that holds the site's site.toml",
                )]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(vec![Diagnostic::error(
                    display,
                    format!(
                        "no site.toml in {}: is this a gazette site? (`gazette init` makes one)",
                        root.display()
                    ),
                )]);
            }
            Err(e) => {
                return Err(vec![Diagnostic::error(
                    display,
                    format!("cannot read: {e}"),
                )]);
            }
        };
        Config::parse_with_base_url(&source, &display, base_url)
    }

    /// Parses and checks the text of a site.toml; `display` names it in
    /// diagnostics.
    pub fn parse(source: &str, display: &Path) -> Result<Config, Vec<Diagnostic>> {
        Config::parse_with_base_url(source, display, None)
    }

    /// [`Config::parse`], with a `base_url` that replaces site.toml's.
    pub(crate) fn parse_with_base_url(
        source: &str,
        display: &Path,
        base_url_flag: Option<&str>,
    ) -> Result<Config, Vec<Diagnostic>> {
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let toml_error = |e: toml::de::Error| {
            let d = Diagnostic::error(display, e.message().trim_end().to_string());
            match e.span() {
                Some(span) => d.at_offset(source, span.start),
                None => d,
            }
        };
        if let Some(d) = crate::sources::forbidden_control(display, source) {
            return Err(vec![d]);
        }
        let keys: BTreeMap<String, toml::Value> =
            toml::from_str(source).map_err(|e| vec![toml_error(e)])?;
        let mut errors = Vec::new();
        for (key, value) in &keys {
            let known_sub = match key.as_str() {
                "feed" => Some(FEED_KEYS),
                "build" => Some(BUILD_KEYS),
                "markdown" => Some(MARKDOWN_KEYS),
                "embeds" => Some(EMBEDS_KEYS),
                "images" => Some(IMAGES_KEYS),
                "news" => Some(NEWS_KEYS),
                "live" => Some(LIVE_KEYS),
                "search" => Some(SEARCH_KEYS),
                "publisher" => Some(PUBLISHER_KEYS),
                _ => None,
            };
            if !TOP_KEYS.contains(&key.as_str()) {
                errors.push(strict::unknown_key(
                    display,
                    source,
                    0,
                    None,
                    key,
                    TOP_KEYS,
                    "site.toml",
                ));
            } else if let (Some(known), Some(table)) = (known_sub, value.as_table()) {
                for sub in table.keys().filter(|k| !known.contains(&k.as_str())) {
                    errors.push(strict::unknown_key(
                        display,
                        source,
                        0,
                        Some(key),
                        sub,
                        known,
                        "site.toml",
                    ));
                }
            }
        }

        let at_key = |section: Option<&str>, key: &str, message: String| {
            let d = Diagnostic::error(display, message);
            match strict::find_key_line(source, section, key) {
                Some(line) => d.at(source, line, 1),
                None => d,
            }
        };
        let raw: RawConfig = match toml::from_str(source) {
            Ok(raw) => raw,
            Err(first) => {
                // Name every value of the wrong type, not only the first;
                // one alone keeps the parser's more precise place.
                let document = toml::Value::Table(keys.clone().into_iter().collect());
                let mut wrong: Vec<Diagnostic> =
                    strict::type_errors::<RawConfig, _>(&document, TOP_KEYS)
                        .into_iter()
                        .map(|(table, key, message)| {
                            let name = table.as_ref().map_or(key.clone(), |t| format!("{t}.{key}"));
                            at_key(table.as_deref(), &key, format!("`{name}`: {message}"))
                        })
                        .collect();
                if wrong.len() < 2 {
                    wrong = vec![toml_error(first)];
                }
                wrong.extend(errors);
                return Err(wrong);
            }
        };

        let title = raw.title.clone().unwrap_or_default();
        if raw.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            errors.push(Diagnostic::error(
                display,
                "`title` is required: the name of the site",
            ));
        }
        let base_url = match (base_url_flag, raw.base_url.as_deref()) {
            (Some(flag), _) => match parse_base_url(flag, "--base-url") {
                Ok(url) => Some(url),
                Err(why) => {
                    errors.push(Diagnostic::error("--base-url", why));
                    None
                }
            },
            (None, None) => {
                errors.push(Diagnostic::error(
                    display,
                    "`base_url` is required: the absolute URL the site is served from, such as \"https://news.example.com\"",
                ));
                None
            }
            (None, Some(text)) => match parse_base_url(text, "`base_url`") {
                Ok(url) => Some(url),
                Err(why) => {
                    errors.push(at_key(None, "base_url", why));
                    None
                }
            },
        };
        let timezone = match raw.timezone.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors.push(at_key(
                    None,
                    "timezone",
                    match closest_timezone(&raw.timezone) {
                        Some(name) => format!(
                            "unknown timezone `{}` (did you mean \"{name}\"?): use an IANA name such as \"Asia/Shanghai\" or \"UTC\"",
                            raw.timezone
                        ),
                        None => format!(
                            "unknown timezone `{}`: use an IANA name such as \"Asia/Shanghai\" or \"UTC\"",
                            raw.timezone
                        ),
                    },
                ));
                None
            }
        };
        if let Err(why) = check_permalink(&raw.permalink) {
            errors.push(at_key(None, "permalink", why));
        }
        if raw.per_page < 1 {
            errors.push(at_key(
                None,
                "per_page",
                format!("`per_page` must be at least 1, not {}", raw.per_page),
            ));
        }
        if !matches!(raw.page_numbers.as_str(), "from-newest" | "from-oldest") {
            errors.push(at_key(
                None,
                "page_numbers",
                format!(
                    "`page_numbers` is \"from-newest\" (the default: /page/2/ holds the next newest articles) or \"from-oldest\" (/page/1/ holds the oldest, and a numbered page keeps its articles as new ones come), not {:?}",
                    raw.page_numbers
                ),
            ));
        }
        if raw.live.refresh != 0 && !LIVE_REFRESH_RANGE.contains(&raw.live.refresh) {
            errors.push(at_key(
                Some("live"),
                "refresh",
                format!(
                    "`live.refresh` is seconds between a live page's looks for new updates, from {} to {}, or 0 for never; not {}",
                    LIVE_REFRESH_RANGE.start(),
                    LIVE_REFRESH_RANGE.end(),
                    raw.live.refresh
                ),
            ));
        }
        if raw.feed.limit < 1 {
            errors.push(at_key(
                Some("feed"),
                "limit",
                format!("`feed.limit` must be at least 1, not {}", raw.feed.limit),
            ));
        }
        let output = PathBuf::from(&raw.build.output);
        if raw.build.output.trim().is_empty() {
            errors.push(at_key(
                Some("build"),
                "output",
                "`build.output` must name a folder".into(),
            ));
        } else if let Err(why) = check_output_in_site(&raw.build.output) {
            errors.push(at_key(Some("build"), "output", why));
        }
        if let Some(why) = raw.image.as_deref().and_then(crate::content::unsafe_url) {
            errors.push(at_key(None, "image", format!("`image`: {why}")));
        }
        let publisher_urls = (raw.publisher.policy_urls().into_iter())
            .filter_map(|(key, url)| Some((key, url?)))
            .chain(
                raw.publisher
                    .same_as
                    .iter()
                    .map(|url| ("same_as", url.as_str())),
            );
        for (key, url) in publisher_urls {
            if let Some(why) = crate::content::unsafe_url(url) {
                errors.push(at_key(
                    Some("publisher"),
                    key,
                    format!("`publisher.{key}`: {why}"),
                ));
            }
        }
        if (raw.publisher.name.as_deref()).is_some_and(|n| n.trim().is_empty()) {
            errors.push(at_key(
                Some("publisher"),
                "name",
                "`publisher.name` is empty: give the organisation's name, or leave it out for the title".into(),
            ));
        }
        for item in &raw.menu {
            if let Some(why) = crate::content::unsafe_url(&item.url) {
                errors.push(at_key(
                    None,
                    "url",
                    format!("[[menu]] `{}`: {why}", item.name),
                ));
            }
        }
        for (name, section) in &raw.sections {
            if let Some(access) = section.access.as_deref()
                && !matches!(access, "free" | "subscribers")
            {
                errors.push(at_key(
                    None,
                    "access",
                    format!(
                        "`sections.{name}.access` is \"free\" or \"subscribers\", not {access:?}"
                    ),
                ));
            }
        }
        if !matches!(raw.embeds.load.as_str(), "on-click" | "at-once") {
            errors.push(at_key(
                Some("embeds"),
                "load",
                format!(
                    "`load` is \"on-click\" (the default: nothing third-party loads until the reader asks) or \"at-once\", not {:?}",
                    raw.embeds.load
                ),
            ));
        }
        let images = match image_settings(&raw.images) {
            Ok(images) => Some(images),
            Err(problems) => {
                for (key, why) in problems {
                    errors.push(at_key(Some("images"), key, why));
                }
                None
            }
        };
        if language_tags::LanguageTag::parse(&raw.language).is_err() {
            errors.push(at_key(
                None,
                "language",
                format!(
                    "`language` must be a BCP 47 language tag such as \"en\", \"zh-Hant-HK\" or \"en-GB\", not {:?}",
                    raw.language
                ),
            ));
        }

        match (errors.is_empty(), base_url, timezone, images) {
            (true, Some(base_url), Some(timezone), Some(images)) => Ok(Config {
                warnings: extra_shadowing(&raw.extra, source, display),
                title,
                base_url,
                description: raw.description,
                image: raw.image,
                language: raw.language,
                timezone,
                permalink: raw.permalink,
                per_page: raw.per_page as usize,
                pages_from_oldest: raw.page_numbers == "from-oldest",
                feed_limit: raw.feed.limit as usize,
                feed_full_content: raw.feed.full_content,
                output,
                markdown_safe: raw.markdown.safe,
                embeds_at_once: raw.embeds.load == "at-once",
                images,
                publisher: raw.publisher,
                live_refresh: u32::try_from(raw.live.refresh).ok().filter(|&s| s > 0),
                search_whole_index: raw.search.whole_index,
                news_publication_name: (raw.news.publication_name)
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| raw.title.clone().unwrap_or_default()),
                subscriber_sections: (raw.sections.iter())
                    .filter(|(_, s)| s.access.as_deref() == Some("subscribers"))
                    .map(|(name, _)| crate::slug::term_slug(name))
                    .collect(),
                section_labels: (raw.sections.into_iter())
                    .filter_map(|(name, s)| Some((crate::slug::term_slug(&name), s.label?)))
                    .collect(),
                menu: raw.menu.into_iter().map(|m| (m.name, m.url)).collect(),
                extra: raw.extra,
            }),
            _ => Err(errors),
        }
    }

    /// The absolute URL of a site path such as `/2021/03/26/xiaomi-ev/`.
    ///
    /// Every link, feed and sitemap URL is made here, so a base URL with a
    /// path part (`https://example.com/news/`) is honoured everywhere.
    pub fn url(&self, site_path: &str) -> String {
        self.page_url(site_path).into()
    }

    /// [`Config::url`] as a parsed URL, for Markdown that resolves its
    /// relative links against the page.
    pub fn page_url(&self, site_path: &str) -> Url {
        let relative = site_path.trim_start_matches('/');
        // Site paths are made of slugs, so joining cannot fail; keep the
        // base rather than panic if it ever did.
        (self.base_url.join(relative)).unwrap_or_else(|_| self.base_url.clone())
    }
}

/// Keys under `[extra]` named like a site setting: TOML puts every key
/// after a table header into that table, so `per_page = 3` appended at the
/// end of a site.toml silently becomes `extra.per_page`.
fn extra_shadowing(extra: &toml::Table, source: &str, display: &Path) -> Vec<Diagnostic> {
    let settings = TOP_KEYS
        .iter()
        .chain(FEED_KEYS)
        .chain(BUILD_KEYS)
        .chain(MARKDOWN_KEYS);
    settings
        .filter(|key| extra.contains_key(**key))
        .map(|key| {
            let d = Diagnostic::warning(
                display,
                format!(
                    "`extra.{key}` has the name of a site setting: every key after the `[extra]` line belongs to it; to set `{key}`, move it above `[extra]`"
                ),
            );
            match strict::find_key_line(source, Some("extra"), key) {
                Some(line) => d.at(source, line, 1),
                None => d,
            }
        })
        .collect()
}

/// The IANA timezone name closest to `text`, letter case aside
/// (`asia/hongkong` → `Asia/Hong_Kong`), if one is close enough.
fn closest_timezone(text: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let lower_refs: Vec<&str> = lower.iter().map(String::as_str).collect();
    let found = strict::closest(&text.to_lowercase(), &lower_refs)?;
    let index = lower_refs.iter().position(|n| *n == found)?;
    Some(names[index])
}

/// `[images]` checked: every problem as (key, message).
fn image_settings(raw: &RawImages) -> Result<ImageSettings, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let mut widths: Vec<u32> = Vec::new();
    for &w in &raw.widths {
        match u32::try_from(w) {
            Ok(w @ 16..=8192) => widths.push(w),
            _ => problems.push((
                "widths",
                format!("`images.widths`: {w} is not a width gazette makes: give widths from 16 to 8192 pixels, such as [480, 800, 1200, 1600]"),
            )),
        }
    }
    widths.sort_unstable();
    widths.dedup();
    if raw.widths.is_empty() {
        problems.push((
            "widths",
            "`images.widths` needs at least one width, such as [480, 800, 1200, 1600]".into(),
        ));
    }
    let mut webp = false;
    for format in &raw.formats {
        match format.as_str() {
            "webp" => webp = true,
            other => problems.push((
                "formats",
                format!("`images.formats`: gazette makes \"webp\" beside each photo's own format, not {other:?}; use [] for the photo's own format only"),
            )),
        }
    }
    if !(1..=100).contains(&raw.quality) {
        problems.push((
            "quality",
            format!(
                "`images.quality` is from 1 to 100 (80 by default), not {}",
                raw.quality
            ),
        ));
    }
    let untouched_originals = match raw.originals.as_str() {
        "clean" => false,
        "untouched" => true,
        other => {
            problems.push((
                "originals",
                format!("`images.originals` is \"clean\" (the default: camera metadata, GPS position included, is removed) or \"untouched\", not {other:?}"),
            ));
            false
        }
    };
    if !(1..=1000).contains(&raw.max_megapixels) {
        problems.push((
            "max_megapixels",
            format!(
                "`images.max_megapixels` is from 1 to 1000 (150 by default), not {}",
                raw.max_megapixels
            ),
        ));
    }
    if let Err(why) = check_cache_in_site(&raw.cache) {
        problems.push(("cache", why));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ImageSettings {
        widths,
        webp,
        quality: raw.quality as u8,
        untouched_originals,
        max_pixels: raw.max_megapixels as u64 * 1_000_000,
        cache: PathBuf::from(&raw.cache),
        keep_credit: raw.keep_credit,
    })
}

/// The image cache, like the output, stays inside the site: site.toml
/// must not point gazette's writes at a folder elsewhere on the machine
/// (`--cache-dir` may).
fn check_cache_in_site(text: &str) -> Result<(), String> {
    let hint = "the image cache is a folder inside the site, such as \".gazette-cache\" (`gazette build --cache-dir` may name one elsewhere)";
    let path = Path::new(text);
    let normal = path.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if text.trim().is_empty() || path.is_absolute() || text.starts_with('~') || !normal {
        return Err(format!("`images.cache` may not be {text:?}: {hint}"));
    }
    if path.components().next().is_some_and(|c| {
        ["content", "static", "templates"].contains(&c.as_os_str().to_string_lossy().as_ref())
    }) {
        return Err(format!(
            "`images.cache` may not be inside the site's sources ({text:?}): {hint}"
        ));
    }
    Ok(())
}

/// A site's own output folder stays inside the site: a site.toml (which a
/// pull request can change) must not point the build, which deletes what it
/// did not write, at a folder elsewhere on the machine. `--output` may.
fn check_output_in_site(text: &str) -> Result<(), String> {
    let path = Path::new(text);
    let hint = "a site's output folder is a path inside the site, such as \"public\" (`gazette build --output` may write elsewhere)";
    if path.is_absolute() || text.starts_with('~') {
        return Err(format!(
            "`build.output` may not be an absolute path (\"{text}\"): {hint}"
        ));
    }
    let mut depth = 0i32;
    for part in path.components() {
        match part {
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::CurDir => {}
            _ => {
                return Err(format!(
                    "`build.output` may not be an absolute path (\"{text}\"): {hint}"
                ));
            }
        }
        if depth < 0 {
            return Err(format!(
                "`build.output` leaves the site (\"{text}\"): {hint}"
            ));
        }
    }
    if depth == 0 {
        return Err(format!(
            "`build.output` names the site itself (\"{text}\"): {hint}"
        ));
    }
    Ok(())
}

/// `text` as a base URL, or why not; `name` is how messages name it
/// (`` `base_url` `` in site.toml, `--base-url` on the command line).
fn parse_base_url(text: &str, name: &str) -> Result<Url, String> {
    let mut url = Url::parse(text).map_err(|e| {
        format!("{name} must be an absolute http(s) URL such as \"https://news.example.com\", not \"{text}\" ({e})")
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "{name} must start with http:// or https://, not \"{}:\"",
            url.scheme()
        ));
    }
    if url.host().is_none() {
        return Err(format!("{name} \"{text}\" has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{name} \"{text}\" must not have a query or fragment"
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

pub(crate) fn check_permalink(pattern: &str) -> Result<(), String> {
    if !pattern.starts_with('/') {
        return Err(format!(
            "`permalink` must start with `/`, as in \"/:year/:month/:day/:slug/\", not \"{pattern}\""
        ));
    }
    if !pattern.contains(":slug") {
        return Err(format!(
            "`permalink` \"{pattern}\" must contain `:slug`, or articles of one day would share a URL"
        ));
    }
    if pattern.contains("..")
        || pattern.contains('\\')
        || pattern.contains("//")
        || pattern.split('/').any(|segment| segment == ".")
    {
        return Err(format!(
            "`permalink` \"{pattern}\" must not contain `..`, `\\`, a `.` segment or an empty segment"
        ));
    }
    // A URL path becomes folder names: no control characters (NUL ends a
    // file name), and no `?` or `#`, which would end the path of the URL.
    if let Some(c) = pattern
        .chars()
        .find(|c| c.is_control() || matches!(c, '?' | '#'))
    {
        return Err(format!(
            "`permalink` {pattern:?} must not contain {c:?}: use letters, digits, `-`, `_`, `.` and `/`"
        ));
    }
    let mut rest = pattern;
    while let Some(at) = rest.find(':') {
        let token: String = rest[at..]
            .chars()
            .take_while(|c| *c == ':' || c.is_ascii_alphabetic())
            .collect();
        if !PERMALINK_TOKENS.contains(&token.as_str()) {
            return Err(format!(
                "`permalink` has an unknown token `{token}`; known tokens: {}",
                PERMALINK_TOKENS.join(" ")
            ));
        }
        rest = &rest[at + token.len()..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<String>> {
        Config::parse(text, Path::new("site.toml"))
            .map_err(|ds| ds.into_iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn permalinks_that_would_make_unsafe_paths_are_refused() {
        for pattern in [
            "/\u{1}x/:slug/",
            "/news?/:slug/",
            "/./:slug/",
            "/a/../:slug/",
        ] {
            let toml = format!(
                "title = \"T\"\nbase_url = \"https://e.com\"\npermalink = {}\n",
                toml::Value::String(pattern.into())
            );
            assert!(parse(&toml).is_err(), "{pattern:?} accepted");
        }
    }

    #[test]
    fn defaults_apply() {
        let c = parse("title = \"T\"\nbase_url = \"https://example.com\"\n").unwrap();
        assert_eq!(c.base_url.as_str(), "https://example.com/");
        assert_eq!(c.timezone, Tz::UTC);
        assert_eq!(c.per_page, 10);
        assert_eq!(c.feed_limit, 20);
        assert!(c.feed_full_content);
        assert_eq!(c.output, PathBuf::from("public"));
        assert_eq!(c.permalink, "/:year/:month/:day/:slug/");
    }

    #[test]
    fn base_url_path_is_kept_in_every_url() {
        let c = parse("title = \"T\"\nbase_url = \"https://example.com/news\"\n").unwrap();
        assert_eq!(c.url("/"), "https://example.com/news/");
        assert_eq!(c.url("/2021/x/"), "https://example.com/news/2021/x/");
        assert_eq!(c.url("/feed.xml"), "https://example.com/news/feed.xml");
    }

    #[test]
    fn relative_base_url_is_an_error() {
        let errors = parse("title = \"T\"\nbase_url = \"/news\"\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .starts_with("error: site.toml:2:1: `base_url` must be an absolute http(s) URL"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let errors = parse(
            "title = \"T\"\nbase_url = \"https://e.com\"\ntimezon = \"UTC\"\n[feed]\nlimt = 3\n",
        )
        .unwrap_err();
        assert_eq!(
            errors,
            vec![
                "error: site.toml:5:1: unknown key `feed.limt` in site.toml (did you mean `limit`?)\n  |\n5 | limt = 3\n  | ^".to_string(),
                "error: site.toml:3:1: unknown key `timezon` in site.toml (did you mean `timezone`?)\n  |\n3 | timezon = \"UTC\"\n  | ^".to_string(),
            ]
        );
    }

    #[test]
    fn bad_timezone_and_permalink() {
        let errors = parse(
            "title = \"T\"\nbase_url = \"https://e.com\"\ntimezone = \"Mars/Olympus\"\npermalink = \"/:year/:title/\"\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("site.toml:3:1: unknown timezone `Mars/Olympus`"));
        assert!(
            errors[1]
                .contains("site.toml:4:1: `permalink` \"/:year/:title/\" must contain `:slug`")
        );
    }

    #[test]
    fn invalid_toml_points_at_the_line() {
        let errors = parse("title = \"T\"\nbase_url = https://e.com\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("error: site.toml:2:12: "),
            "{}",
            errors[0]
        );
    }
}
