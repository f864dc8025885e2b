//! `gazette import wordpress`: a WXR export as a gazette site.
//!
//! Pass one reads the export without bodies: authors, categories,
//! attachments, and each post's date, slug and old URL, from which the
//! `permalink` pattern and every new URL and redirect are planned. Pass two
//! reads it again and writes each post as it comes, so memory holds one
//! body at a time whatever the size of the export.

use super::front::{self, ArticleFront, AuthorFront, PageFront, SectionLabel, SiteToml, document};
use super::html::{Converter, Media, MediaLookup};
use super::urls::{self, Addresses, PatternVote};
use super::writer::{Outcome, Writer};
use super::wxr::{self, Channel, Item, Record};
use super::{ImportError, Options, Report};
use crate::slug::{slug_as_given, slugify, term_slug};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;
use url::Url;

/// Item types that are not content, skipped with one line each in the
/// report rather than one per item.
const NOT_CONTENT: &[&str] = &[
    "revision",
    "nav_menu_item",
    "customize_changeset",
    "custom_css",
    "oembed_cache",
    "user_request",
    "wp_global_styles",
    "wp_template",
    "wp_template_part",
    "wp_navigation",
    "wp_font_family",
    "wp_font_face",
];

pub(super) fn import(
    export: &Path,
    uploads: Option<&Path>,
    options: &Options,
    writer: &mut Writer,
    report: &mut Report,
) -> Result<(), ImportError> {
    if let Some(uploads) = uploads
        && !uploads.is_dir()
    {
        return Err(format!(
            "--uploads {}: no such folder; give the site's wp-content/uploads folder",
            uploads.display()
        )
        .into());
    }
    let name = export.display().to_string();
    let plan = Plan::read(export, &name, uploads.is_some(), options, report)?;
    let uploads = match uploads {
        Some(dir) => {
            Some(fs::canonicalize(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?)
        }
        None => None,
    };
    // site.toml first: a re-run of an interrupted import finds the folder
    // is a site it made.
    let site = SiteToml {
        title: plan.title(),
        base_url: front::base_url(
            plan.base.as_ref(),
            &name,
            "the export names no site address",
            report,
        ),
        description: decode(&plan.channel.description),
        language: front::language_tag(&plan.channel.language).unwrap_or_else(|| "en".into()),
        timezone: plan.addresses.timezone.name().to_string(),
        permalink: plan.addresses.pattern.clone(),
        sections: plan
            .sections
            .iter()
            .map(|(name, label)| {
                (
                    name.clone(),
                    SectionLabel {
                        label: label.clone(),
                    },
                )
            })
            .collect(),
    };
    writer.write("site.toml", site.text("WordPress").as_bytes(), report)?;
    let converter = Converter::new();
    let now = Utc::now();
    wxr::read(export, true, |record| {
        let Record::Item(item) = record else {
            return Ok(());
        };
        let Some(doc) = plan.docs.get(&item.id) else {
            return Ok(());
        };
        let mut job = Job {
            plan: &plan,
            doc,
            item: &item,
            place: format!("{name}:{}", item.line),
            uploads: uploads.as_deref(),
            copied: BTreeMap::new(),
            linked: BTreeSet::new(),
            writer: &mut *writer,
            report: &mut *report,
        };
        let text = job.document(&converter, now)?;
        job.write(text)
    })?;
    for author in plan.authors.values() {
        let profile = AuthorFront {
            name: author.name.clone(),
            ..Default::default()
        };
        writer.write(
            &format!("content/authors/{}.md", author.id),
            document(&profile, "").as_bytes(),
            report,
        )?;
        report.authors.insert(author.id.clone());
    }
    Ok(())
}

/// HTML entities decoded: WordPress stores titles as it shows them
/// (`Xiaomi &#8211; Great Wall`).
fn decode(text: &str) -> String {
    html_escape::decode_html_entities(text).trim().to_string()
}

/// One post or page as planned in pass one.
#[derive(Debug)]
struct Doc {
    page: bool,
    /// Path under content/ (`articles/2021/xiaomi-ev.md`).
    content: String,
    /// The `slug` key, when the file name alone would not give it.
    slug_key: Option<String>,
    date: DateTime<FixedOffset>,
    /// The section (a category's nicename).
    category: Option<String>,
    aliases: Vec<String>,
    /// Published and dated in the past: other posts may link to it.
    linkable: bool,
}

struct AuthorPlan {
    id: String,
    name: String,
}

/// What pass one learns, and every new path and URL.
struct Plan {
    channel: Channel,
    base: Option<Url>,
    authors: BTreeMap<String, AuthorPlan>,
    media: HashMap<u64, Media>,
    children: HashMap<u64, Vec<u64>>,
    docs: HashMap<u64, Doc>,
    /// Each section's name as WordPress showed it.
    sections: BTreeMap<String, String>,
    by_old_path: HashMap<String, u64>,
    addresses: Addresses,
}

/// A post or page as pass one saw it, before URLs are planned.
struct Seed {
    id: u64,
    line: usize,
    page: bool,
    title: String,
    name: String,
    date: DateTime<FixedOffset>,
    category: Option<String>,
    old: Option<String>,
    linkable: bool,
}

/// What pass one reads off the export, before anything is planned.
#[derive(Default)]
struct Gathered {
    authors: Vec<wxr::Author>,
    categories: Vec<wxr::Category>,
    media: HashMap<u64, Media>,
    /// Attachments by the post they belong to (for `[gallery]`).
    children: HashMap<u64, Vec<u64>>,
    /// Posts and pages, without bodies.
    items: Vec<Item>,
    /// How many posts have each UTC offset, in seconds.
    offsets: HashMap<i32, usize>,
    /// Item types skipped, and how many of each.
    skipped_kinds: BTreeMap<String, usize>,
    comments: usize,
    creators: BTreeSet<String>,
}

impl Gathered {
    /// Takes one record of pass one.
    fn take(&mut self, record: Record) {
        match record {
            Record::Author(a) => self.authors.push(a),
            Record::Category(c) => self.categories.push(c),
            Record::Item(item) => match item.kind.as_str() {
                "attachment" => {
                    let alt = item.meta("_wp_attachment_image_alt").unwrap_or("");
                    self.media.insert(
                        item.id,
                        Media {
                            url: item.attachment_url.trim().to_string(),
                            alt: decode(alt),
                            caption: decode(&item.excerpt),
                        },
                    );
                    if item.parent != 0 {
                        self.children.entry(item.parent).or_default().push(item.id);
                    }
                }
                "post" | "page" => {
                    self.comments += item.comments;
                    if let Some(offset) = offset_of(&item) {
                        *self.offsets.entry(offset).or_default() += 1;
                    }
                    if !self.creators.contains(&item.creator) {
                        self.creators.insert(item.creator.clone());
                    }
                    // Only what URLs are planned from is kept: the body
                    // was not read, and the rest is dropped.
                    let mut item = item;
                    item.excerpt = String::new();
                    item.creator = String::new();
                    item.attachment_url = String::new();
                    for text in [&mut item.title, &mut item.link, &mut item.name] {
                        text.shrink_to_fit();
                    }
                    item.meta
                        .retain(|(k, _)| k == "_yoast_wpseo_primary_category");
                    item.filed.retain(|f| f.domain == "category");
                    self.items.push(*item);
                }
                other => *self.skipped_kinds.entry(other.to_string()).or_default() += 1,
            },
        }
    }

    /// Reports the items that are not posts or pages, a line per type.
    fn report_skipped(&self, name: &str, report: &mut Report) {
        for (kind, count) in &self.skipped_kinds {
            let why = if NOT_CONTENT.contains(&kind.as_str()) {
                "not content".to_string()
            } else if kind == "wp_block" {
                "reusable blocks: posts that use one show its content only in WordPress".to_string()
            } else {
                "a custom post type gazette has no place for".to_string()
            };
            let hint = if kind == "nav_menu_item" {
                "; set the menu with [[menu]] in site.toml"
            } else {
                ""
            };
            report.skip(
                name,
                format!("{count} item(s) of type `{kind}` ({why}){hint}"),
            );
        }
        if self.comments > 0 {
            report.skip(
                name,
                format!(
                    "{} comment(s): a static site keeps none; a comments service can take them",
                    self.comments
                ),
            );
        }
    }

    /// The site's timezone: `--timezone`, else the offset most posts have.
    fn timezone(&self, options: &Options, name: &str, report: &mut Report) -> Tz {
        let offsets = &self.offsets;
        match options.timezone {
            Some(tz) => tz,
            None => {
                let common = offsets
                    .iter()
                    .max_by_key(|(o, n)| (**n, -**o))
                    .map(|(o, _)| *o);
                if offsets.len() > 1 {
                    report.change(
                        name,
                        "posts have different UTC offsets (daylight saving time): give the site's timezone with --timezone (WordPress: Settings → General), or dates near midnight file under the next or previous day and keep their old URL as a redirect",
                    );
                }
                common
                    .and_then(front::zone_for_offset)
                    .unwrap_or(chrono_tz::UTC)
            }
        }
    }
}

/// The old site's address (the channel's link), which old URLs are read
/// against and which becomes `base_url`.
fn base_of(channel: &Channel) -> Option<Url> {
    [
        &channel.link,
        &channel.base_blog_url,
        &channel.base_site_url,
    ]
    .iter()
    .find_map(|link| {
        let url = Url::parse(link.trim()).ok()?;
        matches!(url.scheme(), "http" | "https").then_some(url)
    })
    .map(|mut url| {
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        url
    })
}

/// A profile for every author in the channel, and for bylines not in it,
/// by login.
fn author_plans(
    authors: &[wxr::Author],
    creators: &BTreeSet<String>,
) -> BTreeMap<String, AuthorPlan> {
    let mut author_plans = BTreeMap::new();
    let mut ids = HashSet::new();
    let mut add_author = |login: &str, display: &str| {
        if login.is_empty() || author_plans.contains_key(login) {
            return;
        }
        let mut id = slugify(login);
        if id.is_empty() {
            id = "author".into();
        }
        let mut n = 1;
        while !ids.insert(id.clone()) {
            n += 1;
            id = format!("{}-{n}", slugify(login));
        }
        let name = decode(display);
        author_plans.insert(
            login.to_string(),
            AuthorPlan {
                id,
                name: if name.is_empty() {
                    login.to_string()
                } else {
                    name
                },
            },
        );
    };
    for a in authors {
        let display = if a.display_name.trim().is_empty() {
            format!("{} {}", a.first_name.trim(), a.last_name.trim())
        } else {
            a.display_name.clone()
        };
        add_author(&a.login, display.trim());
    }
    for login in creators {
        add_author(login, login);
    }
    author_plans
}

/// Each post and page with what its URL is made of; items in the trash
/// and automatic drafts are skipped (reported).
fn seeds(
    items: Vec<Item>,
    name: &str,
    timezone: Tz,
    base: Option<&Url>,
    category_by_term: &HashMap<u64, String>,
    report: &mut Report,
) -> Vec<Seed> {
    let now = Utc::now();
    let mut seeds = Vec::new();
    for item in items {
        let place = format!("{name}:{}", item.line);
        let what = if item.kind == "page" { "page" } else { "post" };
        let title = decode(&item.title);
        match item.status.as_str() {
            "trash" => {
                report.skip(&place, format!("{what} {title:?}: in the trash"));
                continue;
            }
            "auto-draft" | "inherit" => {
                report.skip(
                    &place,
                    format!("{what} {title:?}: an automatic draft WordPress saved, never written"),
                );
                continue;
            }
            _ => {}
        }
        let Some(date) = date_of(&item, timezone).or_else(|| {
            let fallback = parse_wp_date(&item.modified_gmt).map(|d| d.and_utc().fixed_offset());
            report.change(
                &place,
                format!(
                    "{what} {title:?} has no date (an unpublished draft): dated {}",
                    fallback.map_or("now".into(), |d| d.to_rfc3339())
                ),
            );
            fallback.or(Some(now.fixed_offset()))
        }) else {
            continue;
        };
        let primary = item
            .meta("_yoast_wpseo_primary_category")
            .and_then(|id| id.trim().parse::<u64>().ok())
            .and_then(|id| category_by_term.get(&id).cloned());
        let category = primary.or_else(|| {
            item.filed
                .iter()
                .filter(|f| f.domain == "category")
                .map(nicename)
                .find(|n| !n.is_empty() && n != "uncategorized")
        });
        let old = if item.link.trim().is_empty() {
            None
        } else {
            match urls::site_path(&item.link, base) {
                Ok(path) => Some(path),
                Err(why) => {
                    if item.status == "publish" {
                        report.change(
                            &place,
                            format!("{what} {title:?}: its old URL is not kept: {why}"),
                        );
                    }
                    None
                }
            }
        };
        let linkable = item.status == "publish" && item.password.is_empty() && date <= now;
        seeds.push(Seed {
            id: item.id,
            line: item.line,
            page: item.kind == "page",
            title,
            name: percent_decoded(&item.name),
            date,
            category,
            old,
            linkable,
        });
    }

    seeds
}

/// The permalink pattern the most published posts had.
fn pattern_of_most(seeds: &[Seed], timezone: Tz) -> String {
    let mut vote = PatternVote::default();
    for seed in seeds.iter().filter(|s| !s.page && s.linkable) {
        if let Some(old) = &seed.old {
            let slug = slug_as_given(&seed.name);
            let category = seed.category.as_deref().map(term_slug);
            vote.add(urls::pattern_of(
                old,
                seed.date.with_timezone(&Utc),
                timezone,
                &slug,
                category.as_deref(),
            ));
        }
    }
    vote.winner()
}

/// Each document's file, URL and redirects, and the old paths of the
/// published ones (for links between posts). Published documents claim
/// their URLs first, oldest first, so a draft never takes a live story's
/// address.
fn assign(
    seeds: &[Seed],
    addresses: &mut Addresses,
    bundles: bool,
    timezone: Tz,
    name: &str,
    report: &mut Report,
) -> (HashMap<u64, Doc>, HashMap<String, u64>) {
    let mut order: Vec<&Seed> = seeds.iter().collect();
    order.sort_by_key(|s| (!s.linkable, s.date, s.id));
    let mut docs = HashMap::new();
    let mut by_old_path = HashMap::new();
    let mut content_paths = HashSet::new();
    for seed in order {
        let place = format!("{name}:{}", seed.line);
        let mut base_slug = slug_as_given(&seed.name);
        if base_slug.is_empty() {
            base_slug = slugify(&seed.title);
        }
        if base_slug.is_empty() {
            base_slug = format!("post-{}", seed.id);
        }
        let local_year = seed.date.with_timezone(&timezone).year();
        let url_of = |slug: &str| {
            if seed.page {
                crate::paths::standalone_page(slug)
            } else {
                addresses.article(
                    seed.date.with_timezone(&Utc),
                    slug,
                    seed.category.as_deref(),
                )
            }
        };
        let folder = if seed.page {
            "pages".to_string()
        } else {
            format!("articles/{local_year:04}")
        };
        let file_of = |stem: &str| {
            if bundles {
                format!("{folder}/{stem}/index.md")
            } else {
                format!("{folder}/{stem}.md")
            }
        };
        let mut slug = base_slug.clone();
        let mut n = 1;
        while addresses.is_taken(&url_of(&slug)) || content_paths.contains(&file_of(&slug)) {
            n += 1;
            slug = format!("{base_slug}-{n}");
        }
        if n > 1 {
            report.change(
                &place,
                format!(
                    "{:?}: its slug `{base_slug}` is taken by another post: it became `{slug}`",
                    seed.title
                ),
            );
        }
        let url = url_of(&slug);
        addresses.claim(&url);
        let content = file_of(&slug);
        content_paths.insert(content.clone());
        let slug_key = (slugify(&slug) != slug).then(|| slug.clone());
        let mut aliases = Vec::new();
        if let Some(old) = &seed.old {
            if !urls::same_path(old, &url) && old != "/" {
                if addresses.claim(old) {
                    aliases.push(old.clone());
                } else {
                    report.change(
                        &place,
                        format!(
                            "{:?}: its old URL {old} is another document's new URL: no redirect",
                            seed.title
                        ),
                    );
                }
            }
            if seed.linkable {
                by_old_path.insert(normal_key(old), seed.id);
            }
        }
        docs.insert(
            seed.id,
            Doc {
                page: seed.page,
                content,
                slug_key,
                date: seed.date,
                category: seed.category.clone(),
                aliases,
                linkable: seed.linkable,
            },
        );
    }
    (docs, by_old_path)
}

impl Plan {
    fn read(
        export: &Path,
        name: &str,
        bundles: bool,
        options: &Options,
        report: &mut Report,
    ) -> Result<Plan, ImportError> {
        let mut gathered = Gathered::default();
        let channel = wxr::read(export, false, |record| {
            gathered.take(record);
            Ok(())
        })?;
        gathered.report_skipped(name, report);
        let timezone = gathered.timezone(options, name, report);
        let base = base_of(&channel);
        let author_plans = author_plans(&gathered.authors, &gathered.creators);
        let categories = &gathered.categories;
        let category_names: HashMap<String, String> = categories
            .iter()
            .map(|c| (percent_decoded(&c.nicename), decode(&c.name)))
            .collect();
        let category_by_term: HashMap<u64, String> = categories
            .iter()
            .map(|c| (c.term_id, percent_decoded(&c.nicename)))
            .collect();

        let items = std::mem::take(&mut gathered.items);
        let seeds = seeds(
            items,
            name,
            timezone,
            base.as_ref(),
            &category_by_term,
            report,
        );
        let mut addresses = Addresses::new(pattern_of_most(&seeds, timezone), timezone);
        let (docs, by_old_path) = assign(&seeds, &mut addresses, bundles, timezone, name, report);
        let sections = (seeds.iter())
            .filter(|s| !s.page)
            .filter_map(|s| s.category.clone())
            .map(|c| {
                let label = category_names.get(&c).cloned().unwrap_or_else(|| c.clone());
                (c, label)
            })
            .collect();
        Ok(Plan {
            channel,
            sections,
            base,
            authors: author_plans,
            media: gathered.media,
            children: gathered.children,
            docs,
            by_old_path,
            addresses,
        })
    }

    fn title(&self) -> String {
        let title = decode(&self.channel.title);
        if title.is_empty() {
            "Imported site".into()
        } else {
            title
        }
    }

    /// The new address of a link to one of WordPress's archives (with its
    /// default bases): `/category/business/autos/` is the section page
    /// `/categories/autos/`, `/tag/ev/` the tag's, `/author/login/` the
    /// profile's.
    fn archive_link(&self, link: &str) -> Option<String> {
        let base = self.base.as_ref()?;
        let path = urls::site_path(link, Some(base)).ok()?;
        let mut segments = path.trim_matches('/').split('/');
        let (kind, last) = (segments.next()?, segments.next_back()?);
        let new = match kind {
            "category" => format!("categories/{}/", term_slug(last)),
            "tag" => format!("tags/{}/", term_slug(last)),
            "author" => format!("authors/{}/", self.authors.get(last)?.id),
            _ => return None,
        };
        base.join(&new).ok().map(String::from)
    }

    /// The post an old link leads to: by its old path, or by `?p=ID`.
    fn linked_doc(&self, link: &str) -> Option<&Doc> {
        let url = match &self.base {
            Some(base) => base.join(link).ok()?,
            None => Url::parse(link).ok()?,
        };
        if let Some(base) = &self.base
            && url.host_str() != base.host_str()
        {
            return None;
        }
        let by_id = url
            .query_pairs()
            .find(|(k, _)| k == "p" || k == "page_id")
            .and_then(|(_, v)| v.parse::<u64>().ok());
        let doc = match by_id {
            Some(id) => self.docs.get(&id),
            None => {
                let path = urls::site_path(url.as_str(), self.base.as_ref()).ok()?;
                self.docs.get(self.by_old_path.get(&normal_key(&path))?)
            }
        };
        doc.filter(|d| d.linkable)
    }
}

impl MediaLookup for Plan {
    fn media(&self, id: u64) -> Option<Media> {
        self.media.get(&id).cloned()
    }
    fn attached_to(&self, post: u64) -> Vec<Media> {
        let ids = self.children.get(&post).map_or(&[][..], Vec::as_slice);
        ids.iter()
            .filter_map(|id| self.media.get(id).cloned())
            .collect()
    }
}

/// A path as a lookup key: `/a` and `/a/` alike.
fn normal_key(path: &str) -> String {
    path.trim_end_matches('/').to_string()
}

/// A category's name in URLs: its nicename, or its name made a slug when
/// an export leaves the nicename out.
fn nicename(filed: &wxr::Filed) -> String {
    let given = percent_decoded(&filed.nicename);
    if given.is_empty() {
        slugify(&decode(&filed.name))
    } else {
        given
    }
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text.trim())
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_wp_date(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()
}

/// The item's UTC offset in seconds: its local date minus its UTC date,
/// to the minute.
fn offset_of(item: &Item) -> Option<i32> {
    let local = parse_wp_date(&item.date)?;
    let utc = parse_wp_date(&item.date_gmt)?;
    let seconds = (local - utc).num_seconds();
    let minutes = (seconds as f64 / 60.0).round() as i32;
    (minutes.abs() <= 18 * 60).then_some(minutes * 60)
}

/// When the item was published, with WordPress's own offset; a draft
/// without a UTC date is read in the site's timezone.
fn date_of(item: &Item, timezone: Tz) -> Option<DateTime<FixedOffset>> {
    let local = parse_wp_date(&item.date)?;
    match offset_of(item).and_then(FixedOffset::east_opt) {
        Some(offset) => offset.from_local_datetime(&local).single(),
        None => timezone
            .from_local_datetime(&local)
            .earliest()
            .map(|d| d.fixed_offset()),
    }
}

/// One document being written in pass two.
struct Job<'a> {
    plan: &'a Plan,
    doc: &'a Doc,
    item: &'a Item,
    place: String,
    uploads: Option<&'a Path>,
    /// Uploads copied into this document's bundle: upload path → name.
    copied: BTreeMap<String, String>,
    /// Media left at their old URL, each reported once.
    linked: BTreeSet<String>,
    writer: &'a mut Writer,
    report: &'a mut Report,
}

impl Job<'_> {
    fn document(
        &mut self,
        converter: &Converter,
        now: DateTime<Utc>,
    ) -> Result<String, ImportError> {
        let item = self.item;
        let what = if self.doc.page { "page" } else { "post" };
        let (title, had_control) = front::clean(&decode(&item.title));
        let title = if title.is_empty() {
            let made = format!("Untitled {what} {}", item.id);
            self.report.change(
                &self.place,
                format!("{what} {} has no title: titled {made:?}", item.id),
            );
            made
        } else {
            title
        };
        if had_control {
            self.report.change(
                &self.place,
                format!("{title:?}: control characters left out of the title"),
            );
        }
        let converted = converter.wordpress(&item.content, item.id, self.plan);
        for note in &converted.notes {
            self.report
                .change(&self.place, format!("{title:?}: {note}"));
        }
        let body = self.rewrite_links(&converted.markdown);
        // A static site cannot ask for a password: a protected post is not
        // published with its text open to all.
        let protected = !item.password.is_empty();
        if protected {
            self.report.change(
                &self.place,
                format!("{title:?}: password-protected in WordPress: imported as a draft, so its text is not published to everyone"),
            );
        }
        let draft = protected || matches!(item.status.as_str(), "draft" | "pending" | "private");
        if item.status == "private" {
            self.report.change(
                &self.place,
                format!("{title:?}: private in WordPress: imported as a draft"),
            );
        }
        let mut extra = toml::Table::new();
        extra.insert("wordpress_id".into(), toml::Value::Integer(item.id as i64));

        if self.doc.page {
            self.report.pages += 1;
            let page = PageFront {
                title,
                slug: self.doc.slug_key.clone(),
                draft,
                aliases: self.doc.aliases.clone(),
                extra,
            };
            self.report.redirects += page.aliases.len();
            return Ok(document(&page, &body));
        }

        self.report.posts += 1;
        if draft {
            self.report.drafts += 1;
        } else if self.doc.date > now {
            self.report.scheduled += 1;
        }
        let mut article = ArticleFront {
            title: title.clone(),
            date: Some(front::datetime(self.doc.date)),
            slug: self.doc.slug_key.clone(),
            draft,
            aliases: self.doc.aliases.clone(),
            extra,
            ..Default::default()
        };
        self.report.redirects += article.aliases.len();
        if let Some(updated) = parse_wp_date(&item.modified_gmt) {
            let updated = updated.and_utc();
            // Only a later edit is an update; saving the same minute is not.
            if updated - self.doc.date.with_timezone(&Utc) > chrono::Duration::hours(1) {
                article.updated = Some(front::datetime(
                    updated.with_timezone(self.doc.date.offset()),
                ));
            }
        }
        if let Some(author) = self.plan.authors.get(&item.creator) {
            article.set_authors(vec![author.id.clone()]);
        }
        // The section planned in pass one (Yoast's primary category, else
        // the first).
        let primary = self.doc.category.clone();
        if let Some(category) = &primary {
            self.report.sections.insert(category.clone());
            article.category = Some(category.clone());
        }
        // The other categories are kept as tags, by their names.
        let mut tags: Vec<String> = (item.filed.iter())
            .filter(|f| {
                f.domain == "post_tag"
                    || (f.domain == "category"
                        && Some(nicename(f)) != primary
                        && nicename(f) != "uncategorized")
            })
            .map(|f| decode(&f.name))
            .filter(|t| !t.is_empty())
            .collect();
        tags.dedup();
        if tags.len() > front::MAX_TAGS {
            self.report.change(
                &self.place,
                format!(
                    "{title:?}: {} tags, more than {}: the first {} kept",
                    tags.len(),
                    front::MAX_TAGS,
                    front::MAX_TAGS
                ),
            );
            tags.truncate(front::MAX_TAGS);
        }
        for tag in &tags {
            self.report.tags.insert(tag.clone());
        }
        article.tags = tags;
        let excerpt = converter.markdown(&item.excerpt);
        if !excerpt.trim().is_empty() {
            article.summary = Some(front::clean(&excerpt).0);
        }
        let thumbnail = item
            .meta("_thumbnail_id")
            .and_then(|id| id.trim().parse::<u64>().ok());
        if let Some(id) = thumbnail {
            match self.plan.media.get(&id) {
                Some(photo) => {
                    article.image = Some(self.media_link(&photo.url));
                    article.image_alt = Some(photo.alt.clone()).filter(|a| !a.is_empty());
                    article.image_caption = Some(photo.caption.clone()).filter(|c| !c.is_empty());
                }
                None => self.report.change(
                    &self.place,
                    format!("{title:?}: its featured image (attachment {id}) is not in the export"),
                ),
            }
        }
        Ok(document(&article, &body))
    }

    /// Writes the document and copies its bundle's files.
    fn write(mut self, text: String) -> Result<(), ImportError> {
        let path = format!("content/{}", self.doc.content);
        self.writer.write(&path, text.as_bytes(), self.report)?;
        let folder = path.rsplit_once('/').map_or("", |(f, _)| f).to_string();
        let uploads = self.uploads.map(Path::to_path_buf);
        for (upload, file) in std::mem::take(&mut self.copied) {
            if let Some(uploads) = &uploads {
                let from = uploads.join(&upload);
                let outcome = self
                    .writer
                    .copy(&from, &format!("{folder}/{file}"), self.report)?;
                if outcome != Outcome::Refused {
                    self.report.media_copied += 1;
                }
            }
        }
        Ok(())
    }

    /// Links to the old site made to work in the new one: a post's old URL
    /// becomes an `@/` link to its file (checked by every build), an upload
    /// becomes the copy in the bundle.
    fn rewrite_links(&mut self, markdown: &str) -> String {
        let mut out = String::with_capacity(markdown.len());
        let mut rest = markdown;
        loop {
            let next = ["https://", "http://", "](/", "=\"/"]
                .iter()
                .filter_map(|p| rest.find(p).map(|at| (at, *p)))
                .min_by_key(|(at, _)| *at);
            let Some((at, prefix)) = next else {
                break;
            };
            // A relative link starts after `](` or `="`.
            let start = if prefix.starts_with('h') { at } else { at + 2 };
            let len = rest[start..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>' | ']')
                })
                .unwrap_or(rest.len() - start);
            let link = &rest[start..start + len];
            out.push_str(&rest[..start]);
            out.push_str(&self.new_link(link).unwrap_or_else(|| link.to_string()));
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        out
    }

    fn new_link(&mut self, link: &str) -> Option<String> {
        let (address, fragment) = match link.split_once('#') {
            Some((a, f)) => (a, Some(f)),
            None => (link, None),
        };
        if address.contains("/wp-content/uploads/") {
            let moved = self.media_link(address);
            return (moved != address).then_some(moved);
        }
        if let Some(archive) = self.plan.archive_link(address) {
            return Some(archive);
        }
        let doc = self.plan.linked_doc(address)?;
        let mut target = format!("@/{}", doc.content);
        if let Some(fragment) = fragment {
            target.push('#');
            target.push_str(fragment);
        }
        Some(target)
    }

    /// An upload's new address: its copy in the bundle when the uploads
    /// folder holds it, else the old URL (reported).
    fn media_link(&mut self, link: &str) -> String {
        let Some(uploads) = self.uploads else {
            // A photo both featured and in the body is listed once.
            if !self.linked.insert(link.to_string()) {
                return link.to_string();
            }
            self.report.media_linked += 1;
            self.report.change(
                &self.place,
                format!("media left at its old URL (give --uploads to copy it): {link}"),
            );
            return link.to_string();
        };
        let relative = link
            .split_once("/wp-content/uploads/")
            .map(|(_, r)| percent_decoded(r.split(['?', '#']).next().unwrap_or(r)))
            .unwrap_or_default();
        if let Some(name) = self.copied.get(&relative) {
            return name.clone();
        }
        let inside = crate::paths::safe_relative(&relative).ok().and_then(|rel| {
            let path = fs::canonicalize(uploads.join(rel)).ok()?;
            (path.starts_with(uploads) && path.is_file()).then_some(path)
        });
        if inside.is_none() {
            self.report.media_linked += 1;
            self.report.change(
                &self.place,
                format!("media not in the uploads folder, left at its old URL: {link}"),
            );
            return link.to_string();
        }
        let file = relative.rsplit('/').next().unwrap_or(&relative);
        let mut name = slug_file_name(file);
        let mut n = 1;
        while self.copied.values().any(|v| *v == name) || name == "index.md" {
            n += 1;
            name = format!("{n}-{}", slug_file_name(file));
        }
        self.copied.insert(relative, name.clone());
        name
    }
}

/// A file name safe in a URL and on every disk: the stem slugified, the
/// extension lowercased (`Photo 1.JPG` → `photo-1.jpg`).
fn slug_file_name(name: &str) -> String {
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    let stem = slugify(stem);
    let stem = if stem.is_empty() {
        "file".to_string()
    } else {
        stem
    };
    let extension: String = extension
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if extension.is_empty() {
        stem
    } else {
        format!("{stem}.{extension}")
    }
}
