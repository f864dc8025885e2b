//! Markdown → HTML with pulldown-cmark: the options are set here and only
//! here, along with heading ids, summaries, word counts and `@/` links to
//! other content files.

use crate::shortcode;
use crate::slug::slugify;
use pulldown_cmark::{Alignment, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use url::Url;

/// The Markdown dialect of every content file.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The line that ends a hand-written summary.
pub const MORE_MARKER: &str = "<!-- more -->";

/// A link to another content file, `@/articles/2021/x.md#heading`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentLink {
    /// Path under content/, as written after `@/`.
    pub target: String,
    pub fragment: Option<String>,
    /// Byte offset of the link in the Markdown text.
    pub offset: usize,
}

/// A content link whose target file does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    pub target: String,
    pub offset: usize,
}

/// A `##` heading of the text's top level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopHeading {
    /// The id the heading was given (`<h2 id="…">`).
    pub id: String,
    /// Its text, as readers see it.
    pub text: String,
}

/// The HTML of a Markdown text and what was learnt while rendering it.
/// Serialized without the two HTML texts, which the Markdown cache keeps
/// packed apart (`crate::markdown_cache`).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Rendered {
    #[serde(skip)]
    pub html: String,
    /// The summary: the part above `<!-- more -->`, else the first paragraph.
    pub summary_html: String,
    /// The summary as plain text, for meta descriptions and search.
    pub summary_text: String,
    pub word_count: usize,
    /// Ids of the headings, in order, for `#fragment` links and checks.
    pub heading_ids: Vec<String>,
    /// The level-2 headings outside any list, quote or table that open
    /// with a digit, in order: the updates of a live article start at
    /// them (see [`crate::live`]).
    pub top_headings: Vec<TopHeading>,
    pub content_links: Vec<ContentLink>,
    pub broken_links: Vec<BrokenLink>,
    /// `html` with relative link and image URLs made absolute, for feeds
    /// (readers have no base URL); None when it would equal `html`.
    #[serde(skip)]
    pub feed_html: Option<String>,
    /// The same for `summary_html`.
    pub feed_summary_html: Option<String>,
    /// The shortcode calls whose tokens `html` holds, by number; their
    /// lines are the body's until the model adds the lines above it.
    pub shortcodes: Vec<shortcode::Call>,
    /// Calls that could not be read (their text stays as written).
    pub shortcode_errors: Vec<shortcode::SyntaxError>,
    /// Another generator's markup that readers would see as text: (byte
    /// offset in the body, what it looks like).
    pub foreign_markup: Vec<(usize, String)>,
    /// Where each Markdown image starts, in order, while rendering.
    image_offsets: Vec<usize>,
}

/// Renders `markdown`. `resolve` maps a content path (`articles/2021/x.md`)
/// to its page URL; links to paths it does not know are reported broken.
/// With `page_url`, the feed versions of the HTML are made too. With
/// `safe` (`[markdown] safe = true`), every HTML string is sanitised.
///
/// Shortcode calls are taken out first (see [`crate::shortcode`]): the HTML
/// holds a token for each, which the renderer fills, and a call that
/// stands alone in its paragraph is not wrapped in `<p>`.
pub fn render(
    markdown: &str,
    resolve: &dyn Fn(&str) -> Option<String>,
    page_url: Option<&Url>,
    safe: bool,
) -> Rendered {
    let has_calls = shortcode::may_have_calls(markdown);
    let has_foreign = shortcode::may_have_foreign_markup(markdown);
    if !has_calls && !has_foreign {
        return render_markdown(markdown, resolve, page_url, safe, Rendered::default());
    }
    // Where the code is, found once for both looks at the text.
    let code = shortcode::code_ranges(markdown);
    let foreign_markup = match has_foreign {
        true => shortcode::foreign_markup_outside_code(markdown, &code),
        false => Vec::new(),
    };
    if !has_calls {
        let rendered = Rendered {
            foreign_markup,
            ..Rendered::default()
        };
        return render_markdown(markdown, resolve, page_url, safe, rendered);
    }
    let extracted = shortcode::extract(markdown, &code);
    let rendered = Rendered {
        shortcodes: extracted.calls,
        shortcode_errors: extracted.errors,
        foreign_markup,
        ..Rendered::default()
    };
    let mut rendered = render_markdown(&extracted.markdown, resolve, page_url, safe, rendered);
    // A call inside the summary's paragraph shows on the article only.
    rendered.summary_html = shortcode::without_tokens(&rendered.summary_html);
    rendered.summary_text = shortcode::without_tokens(&rendered.summary_text);
    if let Some(html) = &mut rendered.feed_summary_html {
        *html = shortcode::without_tokens(html);
    }
    rendered
}

fn render_markdown(
    markdown: &str,
    resolve: &dyn Fn(&str) -> Option<String>,
    page_url: Option<&Url>,
    safe: bool,
    mut rendered: Rendered,
) -> Rendered {
    let events = collect_events(markdown, resolve, &mut rendered);
    let calls_before = rendered.shortcodes.len();
    let mut events = lift_site_images(markdown, events, &mut rendered);
    if calls_before > 0 {
        events = lift_block_calls(events);
    }
    let mut rendered = finish(markdown, events, resolve, page_url, safe, rendered);
    if rendered.shortcodes.len() > calls_before {
        // An image in the summary's paragraph shows on the article only,
        // as a shortcode there does.
        rendered.summary_html = shortcode::without_tokens(&rendered.summary_html);
        rendered.summary_text = shortcode::without_tokens(&rendered.summary_text);
        if let Some(html) = &mut rendered.feed_summary_html {
            *html = shortcode::without_tokens(html);
        }
    }
    rendered
}

/// The summary, word count and HTML of `events`.
fn finish(
    markdown: &str,
    events: Vec<Event<'_>>,
    resolve: &dyn Fn(&str) -> Option<String>,
    page_url: Option<&Url>,
    safe: bool,
    mut rendered: Rendered,
) -> Rendered {
    rendered.word_count = count_words(&events);

    let summary_events = match find_more_marker(markdown) {
        Some(end) => {
            let mut ignored = Rendered::default();
            collect_events(&markdown[..end], resolve, &mut ignored)
        }
        None => first_paragraph(&events),
    };
    rendered.summary_text = events_text(&summary_events);
    if let Some(base) = page_url {
        rendered.feed_html = absolutized(&events, base).map(|e| to_html(e.into_iter()));
        rendered.feed_summary_html =
            absolutized(&summary_events, base).map(|e| to_html(e.into_iter()));
    }
    rendered.summary_html = to_html(summary_events.into_iter());
    rendered.html = to_html(events.into_iter());
    if safe {
        rendered.sanitize();
    }
    rendered
}

impl Rendered {
    /// Drops what only the `@/` link checks need (heading ids, content
    /// links, broken links): on a large archive these small vectors add up
    /// to tens of megabytes.
    pub(crate) fn drop_link_data(&mut self) {
        self.heading_ids = Vec::new();
        self.content_links = Vec::new();
        self.broken_links = Vec::new();
    }

    /// Removes scripts, event handlers, `javascript:` URLs, iframes, forms
    /// and styles from every HTML string, keeping what Markdown itself
    /// writes.
    fn sanitize(&mut self) {
        let clean = |html: &mut String| *html = SANITIZER.clean(html).to_string();
        clean(&mut self.html);
        clean(&mut self.summary_html);
        if let Some(html) = &mut self.feed_html {
            clean(html);
        }
        if let Some(html) = &mut self.feed_summary_html {
            clean(html);
        }
    }
}

/// ammonia's whitelist, widened to what pulldown-cmark writes itself:
/// heading and footnote ids, `language-*` classes, task-list checkboxes
/// and table-cell alignment classes. Built once; cleaning only borrows it.
static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["id", "class"])
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("input", "type") => (value == "checkbox").then_some(value.into()),
            _ => Some(value.into()),
        });
    builder
});

/// A copy of `events` whose relative link and image URLs are joined to
/// `base`, or None when no URL is relative.
fn absolutized<'a>(events: &[Event<'a>], base: &Url) -> Option<Vec<Event<'a>>> {
    let absolute = |dest: &str| -> Option<String> {
        match Url::parse(dest) {
            Ok(_) => None,
            Err(url::ParseError::RelativeUrlWithoutBase) => base.join(dest).ok().map(String::from),
            Err(_) => None,
        }
    };
    // Most articles link only to absolute URLs: look before copying.
    let any_relative = events.iter().any(|e| match e {
        Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
            matches!(
                Url::parse(dest_url),
                Err(url::ParseError::RelativeUrlWithoutBase)
            )
        }
        _ => false,
    });
    if !any_relative {
        return None;
    }
    let copy = events
        .iter()
        .map(|event| match event {
            Event::Start(tag) => match link_destination(tag).and_then(absolute) {
                Some(url) => Event::Start(with_destination(tag, url)),
                None => event.clone(),
            },
            other => other.clone(),
        })
        .collect();
    Some(copy)
}

/// The URL a link or image points at.
fn link_destination<'t>(tag: &'t Tag<'_>) -> Option<&'t str> {
    match tag {
        Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => Some(dest_url),
        _ => None,
    }
}

/// A link or image tag pointing at `url` instead.
fn with_destination<'a>(tag: &Tag<'a>, url: String) -> Tag<'a> {
    match tag {
        Tag::Link {
            link_type,
            title,
            id,
            ..
        } => Tag::Link {
            link_type: *link_type,
            dest_url: url.into(),
            title: title.clone(),
            id: id.clone(),
        },
        Tag::Image {
            link_type,
            title,
            id,
            ..
        } => Tag::Image {
            link_type: *link_type,
            dest_url: url.into(),
            title: title.clone(),
            id: id.clone(),
        },
        other => other.clone(),
    }
}

/// Renders a short Markdown text such as a front-matter summary or a
/// biography, where links to content files are not expected.
/// Shortcodes are not read there: their text stays as written.
/// Puts the summary written apart (front matter's `summary`, Markdown) in
/// place of the one taken from the body: rendered as a fragment (with
/// absolute URLs for feeds) and as plain text. Done as the body is
/// rendered, so the Markdown cache keeps it with the body's rendering.
pub(crate) fn use_written_summary(
    rendered: &mut Rendered,
    summary: &str,
    page_url: &Url,
    safe: bool,
) {
    let fragment = render_fragment(summary, Some(page_url), safe);
    rendered.summary_html = fragment.html;
    rendered.feed_summary_html = fragment.feed_html;
    rendered.summary_text = plain_text(summary);
}

pub(crate) fn render_fragment(markdown: &str, page_url: Option<&Url>, safe: bool) -> Rendered {
    let mut rendered = Rendered::default();
    let events = collect_events(markdown, &|_| None, &mut rendered);
    finish(markdown, events, &|_| None, page_url, safe, rendered)
}

/// Renders a shortcode's body (a gallery's photos, a factbox) as a
/// fragment whose images of the site's own files are lifted as an
/// article's are, so they get their sizes: the [`shortcode::IMAGE_CALL`]
/// calls are in `shortcodes`, placed in the body.
pub(crate) fn render_call_body(markdown: &str, page_url: Option<&Url>, safe: bool) -> Rendered {
    let mut rendered = Rendered::default();
    let events = collect_events(markdown, &|_| None, &mut rendered);
    let events = lift_site_images(markdown, events, &mut rendered);
    finish(markdown, events, &|_| None, page_url, safe, rendered)
}

/// The images of the site's own files in the body of call `outer`, each
/// placed at its line in the file (the body starts on the call's line).
pub(crate) fn images_in_body(outer: &shortcode::Call) -> Vec<shortcode::Call> {
    let Some(body) = outer.body.as_deref() else {
        return Vec::new();
    };
    let mut rendered = Rendered::default();
    let events = collect_events(body, &|_| None, &mut rendered);
    drop(lift_site_images(body, events, &mut rendered));
    let mut images = rendered.shortcodes;
    for image in &mut images {
        if image.line <= 1 {
            // On the call's own line, after its opening tag.
            image.column = outer.column;
            image.excerpt = outer.excerpt.clone();
        }
        image.line = outer.line + image.line.saturating_sub(1);
    }
    images
}

/// Each Markdown image of the site's own files (`![alt](lead.jpg)`,
/// `![alt](/images/x.jpg)`) becomes a token and an [`shortcode::IMAGE_CALL`]
/// call with its `src`, `alt` and `title`, so the renderer can give it the
/// photo's sizes. Images of other sites stay as Markdown writes them.
fn lift_site_images<'a>(
    markdown: &str,
    events: Vec<Event<'a>>,
    rendered: &mut Rendered,
) -> Vec<Event<'a>> {
    if rendered.image_offsets.is_empty() {
        return events;
    }
    let offsets = std::mem::take(&mut rendered.image_offsets);
    let mut offsets = offsets.into_iter();
    let mut out = Vec::with_capacity(events.len());
    let mut events = events.into_iter();
    while let Some(event) = events.next() {
        let Event::Start(Tag::Image {
            dest_url, title, ..
        }) = &event
        else {
            out.push(event);
            continue;
        };
        let offset = offsets.next().unwrap_or(0);
        let external = Url::parse(dest_url).is_ok() || dest_url.starts_with("//");
        if external || dest_url.is_empty() {
            out.push(event);
            continue;
        }
        // The alternative text is the image's inner text.
        let mut alt = String::new();
        for inner in events.by_ref() {
            match inner {
                Event::End(TagEnd::Image) => break,
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
        }
        let (line, column) = shortcode::line_column_of(markdown, offset.min(markdown.len()));
        let line_start = markdown[..offset.min(markdown.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let excerpt = markdown[line_start..]
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let text = |s: &str| shortcode::Value::Text(s.to_string());
        let mut named = vec![
            ("src".to_string(), text(dest_url)),
            ("alt".to_string(), text(&alt)),
        ];
        if !title.is_empty() {
            named.push(("title".to_string(), text(title)));
        }
        out.push(Event::InlineHtml(CowStr::from(shortcode::token(
            rendered.shortcodes.len(),
        ))));
        rendered.shortcodes.push(shortcode::Call {
            name: shortcode::IMAGE_CALL.to_string(),
            named,
            positional: Vec::new(),
            body: None,
            block: false,
            line,
            column,
            excerpt,
            span: offset..offset,
        });
    }
    out
}

/// A paragraph holding nothing but a shortcode's token becomes the token
/// alone: the shortcode gives its own block (a figure, a video), which a
/// `<p>` may not hold.
fn lift_block_calls(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let is_token = |text: &str| {
        text.starts_with(shortcode::TOKEN_START)
            && text.ends_with(shortcode::TOKEN_END)
            && text.matches(shortcode::TOKEN_START).count() == 1
    };
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if let (
            Event::Start(Tag::Paragraph),
            Some(Event::Text(text)),
            Some(Event::End(TagEnd::Paragraph)),
        ) = (&events[i], events.get(i + 1), events.get(i + 2))
            && is_token(text.trim())
        {
            out.push(Event::Html(CowStr::from(format!("{}\n", text.trim()))));
            i += 3;
            continue;
        }
        out.push(events[i].clone());
        i += 1;
    }
    out
}

/// Plain text of a Markdown text, for meta descriptions.
pub(crate) fn plain_text(markdown: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    events_text(&events)
}

/// Words in the text of `events`: runs of non-space characters holding a
/// letter or digit, counted across inline markup (`*bold*.` is one word).
fn count_words(events: &[Event<'_>]) -> usize {
    let mut count = 0;
    // Whether the current run of non-space characters has been counted.
    let mut counted = false;
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => {
                for c in t.chars() {
                    if c.is_whitespace() {
                        counted = false;
                    } else if !counted && c.is_alphanumeric() {
                        count += 1;
                        counted = true;
                    }
                }
            }
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
            | Event::End(
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link,
            ) => {}
            _ => counted = false,
        }
    }
    count
}

fn events_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            // Inline events join; everything else separates words.
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
            | Event::End(
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link,
            ) => {}
            Event::Start(_) | Event::End(_) | Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Byte offset where the `<!-- more -->` line starts, if there is one.
fn find_more_marker(markdown: &str) -> Option<usize> {
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        if line.trim() == MORE_MARKER {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

fn to_html<'a>(events: impl Iterator<Item = Event<'a>>) -> String {
    let mut out = String::new();
    html::push_html(&mut out, aligned_by_class(events));
    // The HTML of every article stays in memory until its page is written:
    // give back what the growing string over-allocated.
    out.shrink_to_fit();
    out
}

/// `events` with each aligned table cell written as `<td
/// class="align-right">` rather than pulldown-cmark's `style="text-align:
/// right"`: a strict Content-Security-Policy (no `unsafe-inline` styles)
/// ignores style attributes, and the theme's stylesheet aligns the classes.
fn aligned_by_class<'a>(
    events: impl Iterator<Item = Event<'a>>,
) -> impl Iterator<Item = Event<'a>> {
    let mut alignments: Vec<Alignment> = Vec::new();
    let mut in_head = false;
    let mut cell = 0;
    events.map(move |event| match event {
        Event::Start(Tag::Table(given)) => {
            let unaligned = vec![Alignment::None; given.len()];
            alignments = given;
            Event::Start(Tag::Table(unaligned))
        }
        Event::Start(Tag::TableHead) => {
            (in_head, cell) = (true, 0);
            event
        }
        Event::End(TagEnd::TableHead) => {
            in_head = false;
            event
        }
        Event::Start(Tag::TableRow) => {
            cell = 0;
            event
        }
        Event::End(TagEnd::TableCell) => {
            cell += 1;
            event
        }
        Event::Start(Tag::TableCell) => {
            let class = match alignments.get(cell) {
                Some(Alignment::Left) => "align-left",
                Some(Alignment::Center) => "align-center",
                Some(Alignment::Right) => "align-right",
                _ => return event,
            };
            let name = if in_head { "th" } else { "td" };
            Event::Html(format!("<{name} class=\"{class}\">").into())
        }
        other => other,
    })
}

fn first_paragraph<'a>(events: &[Event<'a>]) -> Vec<Event<'a>> {
    let Some(start) = events
        .iter()
        .position(|e| matches!(e, Event::Start(Tag::Paragraph)))
    else {
        return Vec::new();
    };
    let mut depth = 0usize;
    let mut end = start;
    for (i, event) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(Tag::Paragraph) => depth += 1,
            Event::End(TagEnd::Paragraph) => {
                depth -= 1;
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    // Footnote references in a summary would point at nothing.
    events[start..=end]
        .iter()
        .filter(|e| !matches!(e, Event::FootnoteReference(_)))
        .cloned()
        .collect()
}

/// Parses `markdown` into events, giving headings ids and resolving `@/`
/// links on the way.
fn collect_events<'a>(
    markdown: &'a str,
    resolve: &dyn Fn(&str) -> Option<String>,
    rendered: &mut Rendered,
) -> Vec<Event<'a>> {
    let mut events: Vec<Event<'a>> = Vec::new();
    let mut used_ids = HeadingIds::reserving(TEMPLATE_IDS);
    // Where the heading being read starts in `events`, and whether it is
    // a `##` of the top level.
    let mut open_heading: Option<(usize, bool)> = None;
    // How many elements enclose the event: 0 at the top level.
    let mut depth = 0usize;

    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let enclosing = depth;
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open_heading = Some((events.len(), enclosing == 0 && level == HeadingLevel::H2));
                events.push(event);
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, top)) = open_heading.take() {
                    let id = assign_heading_id(&mut events, start, &mut used_ids);
                    // Only a heading that opens with a digit can start a
                    // live update (`## 14:05 ...`): most articles have none.
                    let opens_with_digit = (events[start + 1..].iter())
                        .find_map(|e| match e {
                            Event::Text(t) => {
                                Some(t.trim_start().starts_with(|c: char| c.is_ascii_digit()))
                            }
                            _ => None,
                        })
                        .unwrap_or(false);
                    if top && opens_with_digit {
                        let text = events_text(&events[start..]);
                        rendered.top_headings.push(TopHeading {
                            id: id.clone(),
                            text,
                        });
                    }
                    rendered.heading_ids.push(id);
                }
                events.push(event);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.starts_with("@/") => {
                let (path, fragment) = match dest_url[2..].split_once('#') {
                    Some((p, f)) => (p.to_string(), Some(f.to_string())),
                    None => (dest_url[2..].to_string(), None),
                };
                let dest = match resolve(&path) {
                    Some(url) => {
                        rendered.content_links.push(ContentLink {
                            target: path,
                            fragment: fragment.clone(),
                            offset: range.start,
                        });
                        match fragment {
                            Some(f) => format!("{url}#{f}"),
                            None => url,
                        }
                    }
                    None => {
                        rendered.broken_links.push(BrokenLink {
                            target: dest_url.to_string(),
                            offset: range.start,
                        });
                        dest_url.to_string()
                    }
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(dest),
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image { .. }) => {
                rendered.image_offsets.push(range.start);
                events.push(event);
            }
            other => events.push(other),
        }
    }
    events
}

/// The ids the built-in templates give elements of every page (the skip
/// link's target, the search box): a heading never takes one, so
/// `## Main` becomes `#main-1` and the skip link still lands on the page's
/// main part. `gazette check` reports any other id a page repeats.
pub const TEMPLATE_IDS: &[&str] = &[
    "main",
    "story-corrections",
    "story-corrections-heading",
    "series-box-heading",
    "live-status",
    "related-heading",
    "search-query",
    "search-results",
    "search-status",
    "search-section",
    "search-year",
    "search-more",
];

/// Markdown bodies rendered in an earlier build, kept by a caller that
/// builds again and again (`gazette serve` implements it).
pub trait RenderCache: Sync {
    /// [`render`], or its result for the same text, page URL and mode
    /// before; `content_path` names the body.
    fn render(
        &self,
        content_path: &str,
        body: &str,
        resolve: &dyn Fn(&str) -> Option<String>,
        page_url: Option<&Url>,
        safe: bool,
    ) -> Rendered;
}

/// The heading ids given so far in one text.
#[derive(Default)]
struct HeadingIds {
    used: HashSet<String>,
    /// For each base id, the suffix to try next: an article of thousands of
    /// "Update" headings would otherwise retry every suffix for each one.
    next_suffix: HashMap<String, usize>,
}

impl HeadingIds {
    /// Ids of the page that headings may not take.
    fn reserving(ids: &[&str]) -> HeadingIds {
        HeadingIds {
            used: ids.iter().map(|id| id.to_string()).collect(),
            next_suffix: HashMap::new(),
        }
    }

    /// `base`, or `base-1`, `base-2`, ...: the first not yet used.
    fn claim(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// Gives the heading that starts at `events[start]` an id: its explicit
/// `{#id}` if it has one, else the slug of its text, made unique.
fn assign_heading_id(events: &mut [Event<'_>], start: usize, used: &mut HeadingIds) -> String {
    let text: String = events[start + 1..]
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    let Event::Start(Tag::Heading {
        level,
        id,
        classes,
        attrs,
    }) = &events[start]
    else {
        return String::new();
    };
    let base = match id {
        Some(explicit) => explicit.to_string(),
        None => {
            let slug = slugify(&text);
            if slug.is_empty() {
                "section".to_string()
            } else {
                slug
            }
        }
    };
    let unique = used.claim(base);
    let level: HeadingLevel = *level;
    let classes = classes.clone();
    let attrs = attrs.clone();
    events[start] = Event::Start(Tag::Heading {
        level,
        id: Some(CowStr::from(unique.clone())),
        classes,
        attrs,
    });
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn renders_tables_footnotes_strikethrough_tasks_and_smart_quotes() {
        let md = "He said \"yes\".\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\nNote[^1].\n\n[^1]: A footnote.\n";
        let html = render(md, &none, None, false).html;
        assert!(html.contains("“yes”"), "{html}");
        assert!(html.contains("<table>"));
        assert!(html.contains("<del>old</del>"));
        assert!(html.contains("type=\"checkbox\""));
        assert!(html.contains("footnote-definition"));
    }

    #[test]
    fn headings_get_unique_ids() {
        let r = render(
            "## Sales rise\n\n## Sales rise\n\n## Custom {#own}\n",
            &none,
            None,
            false,
        );
        assert_eq!(r.heading_ids, vec!["sales-rise", "sales-rise-1", "own"]);
        assert!(
            r.html.contains("<h2 id=\"sales-rise-1\">Sales rise</h2>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn summary_is_first_paragraph_or_above_more() {
        let r = render("# T\n\nFirst *para*.\n\nSecond.\n", &none, None, false);
        assert_eq!(r.summary_html, "<p>First <em>para</em>.</p>\n");
        let r = render(
            "One.\n\nTwo.\n\n<!-- more -->\n\nThree.\n",
            &none,
            None,
            false,
        );
        assert_eq!(r.summary_html, "<p>One.</p>\n<p>Two.</p>\n");
        assert!(r.html.contains("Three."));
    }

    #[test]
    fn content_links_resolve_or_are_reported() {
        let resolve = |p: &str| (p == "articles/a.md").then(|| "https://e.com/a/".to_string());
        let r = render(
            "[A](@/articles/a.md#intro) and [B](@/articles/b.md)",
            &resolve,
            None,
            false,
        );
        assert!(
            r.html.contains("href=\"https://e.com/a/#intro\""),
            "{}",
            r.html
        );
        assert_eq!(r.content_links[0].fragment.as_deref(), Some("intro"));
        assert_eq!(r.broken_links.len(), 1);
        assert_eq!(r.broken_links[0].target, "@/articles/b.md");
        assert_eq!(r.broken_links[0].offset, 31);
    }

    #[test]
    fn feed_html_has_absolute_links_and_images() {
        let base = Url::parse("https://e.com/news/2021/03/26/a/").unwrap();
        let md = "Intro [rel](other/) and ![photo](lead.jpg) [abs](https://x.org/) [frag](#top) [root](/about/).\n";
        let r = render(md, &none, Some(&base), false);
        // The site's own image is left to the renderer, which knows its sizes.
        assert_eq!(r.shortcodes.len(), 1);
        assert_eq!(r.shortcodes[0].name, shortcode::IMAGE_CALL);
        assert_eq!(
            r.shortcodes[0].named[..2],
            [
                ("src".to_string(), shortcode::Value::Text("lead.jpg".into())),
                ("alt".to_string(), shortcode::Value::Text("photo".into()))
            ]
        );
        assert!(r.html.contains(&shortcode::token(0)));
        let feed = r.feed_html.clone().unwrap();
        assert!(
            feed.contains("href=\"https://e.com/news/2021/03/26/a/other/\""),
            "{feed}"
        );
        assert!(feed.contains(&shortcode::token(0)), "{feed}");
        assert!(feed.contains("href=\"https://x.org/\""));
        assert!(feed.contains("href=\"https://e.com/news/2021/03/26/a/#top\""));
        assert!(feed.contains("href=\"https://e.com/about/\""));
        assert!(
            r.feed_summary_html
                .as_deref()
                .unwrap_or_default()
                .contains("https://e.com/news/2021/03/26/a/other/")
        );
        let plain = render("No links here.", &none, Some(&base), false);
        assert!(plain.feed_html.is_none());
    }

    #[test]
    fn counts_words_and_extracts_plain_text() {
        let r = render(
            "Three little *words*.\n\n```\ncode here\n```\n",
            &none,
            None,
            false,
        );
        assert_eq!(r.word_count, 5);
        assert_eq!(
            plain_text("A **bold** [link](x).\n\nNext."),
            "A bold link. Next."
        );
    }
}
