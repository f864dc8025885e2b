//! WordPress bodies as Markdown: Gutenberg block comments removed (their
//! content kept), classic-editor paragraphs made explicit, WordPress
//! shortcodes and bare embed URLs turned into gazette's shortcodes, and the
//! HTML converted to Markdown by htmd where it converts faithfully (what
//! does not stays HTML, which Markdown carries as it is).

use super::embeds;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// One attachment (a photo, a sound) as a body or gallery refers to it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Media {
    pub url: String,
    pub alt: String,
    pub caption: String,
}

/// What a body's conversion needs to know of the rest of the export.
pub(crate) trait MediaLookup {
    /// The attachment with this ID.
    fn media(&self, id: u64) -> Option<Media>;
    /// The photos attached to post `id`, for a `[gallery]` without `ids`.
    fn attached_to(&self, post: u64) -> Vec<Media>;
}

/// A converted body, and what was changed or dropped on the way.
pub(crate) struct Converted {
    pub markdown: String,
    pub notes: Vec<String>,
}

/// The HTML-to-Markdown converter, made once per import.
pub(crate) struct Converter {
    htmd: htmd::HtmlToMarkdown,
}

/// Marks a place a shortcode goes, in a form no converter escapes.
const SLOT: &str = "qqgazetteslot";
/// A Gutenberg gallery block's photos, handed to the shortcode pass.
const GALLERY_BLOCK: &str = "gazette_gallery_block";
/// Where `<!--more-->` was.
const MORE: &str = "qqgazettemoreqq";

impl Converter {
    pub(crate) fn new() -> Converter {
        let options = htmd::options::Options {
            translation_mode: htmd::options::TranslationMode::Faithful,
            bullet_list_marker: htmd::options::BulletListMarker::Dash,
            ul_bullet_spacing: 1,
            ol_number_spacing: 1,
            hr_style: htmd::options::HrStyle::Dashes,
            ..Default::default()
        };
        Converter {
            htmd: htmd::HtmlToMarkdown::builder().options(options).build(),
        }
    }

    /// HTML (a fragment, or a whole body) as Markdown.
    pub(crate) fn markdown(&self, html: &str) -> String {
        // htmd reads into a DOM tree in memory and cannot fail on a string.
        self.htmd.convert(html).unwrap_or_else(|_| html.to_string())
    }

    /// Plain text as Markdown that shows the same text: `*`, `_`, `<` and
    /// the like escaped, on one line.
    pub(crate) fn text(&self, text: &str) -> String {
        let markdown = self.markdown(&html_escape::encode_text(text));
        markdown.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// A WordPress post body (`content:encoded`) as gazette Markdown.
    pub(crate) fn wordpress(&self, body: &str, post_id: u64, media: &dyn MediaLookup) -> Converted {
        let mut notes = Vec::new();
        let had_blocks = body.contains("<!-- wp:");
        let mut html = if had_blocks {
            strip_blocks(body, &mut notes)
        } else {
            body.to_string()
        };
        if html.contains("<!--nextpage-->") {
            html = html.replace("<!--nextpage-->", "");
            notes.push("<!--nextpage--> page breaks removed: the story is one page".into());
        }
        html = more_marker(&html);
        let mut slots = Vec::new();
        html = social_embeds(&html, &mut slots, &mut notes);
        html = strip_classes(&html);
        html = self.figures(&html, &mut slots);
        html = iframes(&html, &mut slots);
        html = self.shortcodes(&html, post_id, media, &mut slots, &mut notes);
        html = embed_lines(&html, &mut slots);
        // Classic-editor posts keep paragraphs as blank lines (WordPress
        // adds the `<p>`s when it shows them); block posts have theirs.
        if !had_blocks {
            html = autop(&html);
        }
        let mut markdown = self.markdown(&html);
        markdown = escape_calls(&markdown);
        markdown = markdown.replace(MORE, crate::markdown::MORE_MARKER);
        for (i, slot) in slots.iter().enumerate().rev() {
            markdown = markdown.replace(&format!("{SLOT}{i}qq"), slot);
        }
        Converted { markdown, notes }
    }

    /// `<figure>`s holding an image (Gutenberg's image block, themes'
    /// markup) as gazette `figure` calls; other figures stay HTML.
    fn figures(&self, html: &str, slots: &mut Vec<String>) -> String {
        // A gallery block's figures are its photos: left to it.
        let (open, close) = (format!("[{GALLERY_BLOCK}]"), format!("[/{GALLERY_BLOCK}]"));
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(start) = rest.find(&open) {
            let end = rest[start..]
                .find(&close)
                .map_or(rest.len(), |e| start + e + close.len());
            out.push_str(&self.figures_outside_galleries(&rest[..start], slots));
            out.push_str(&rest[start..end]);
            rest = &rest[end..];
        }
        out.push_str(&self.figures_outside_galleries(rest, slots));
        out
    }

    fn figures_outside_galleries(&self, html: &str, slots: &mut Vec<String>) -> String {
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(open) = rest.find("<figure") {
            let Some(len) = rest[open..].find("</figure>") else {
                break;
            };
            let whole = &rest[open..open + len + "</figure>".len()];
            out.push_str(&rest[..open]);
            let figure = (whole.matches("<img").count() == 1 && !whole[7..].contains("<figure"))
                .then(|| figure_of(&self.markdown(whole)))
                .flatten();
            match figure {
                Some(f) => {
                    out.push_str(&slot(slots.len()));
                    slots.push(embeds::call(
                        "figure",
                        &[
                            ("src", &f.src),
                            ("alt", &f.alt),
                            ("caption", &f.caption),
                            ("link", &f.link),
                        ],
                    ));
                }
                None => out.push_str(whole),
            }
            rest = &rest[open + whole.len()..];
        }
        out.push_str(rest);
        out
    }

    /// Replaces WordPress shortcodes with slots holding gazette calls.
    fn shortcodes(
        &self,
        html: &str,
        post_id: u64,
        media: &dyn MediaLookup,
        slots: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> String {
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        // The page builders' shortcodes met, for one note.
        let mut builder = std::collections::BTreeSet::new();
        while let Some(open) = rest.find('[') {
            out.push_str(&rest[..open]);
            // `[[gallery]]` is WordPress's way of writing `[gallery]`.
            if rest[open..].starts_with("[[")
                && let Some(close) = rest[open..].find("]]")
            {
                out.push_str(&rest[open + 1..open + close + 1]);
                rest = &rest[open + close + 2..];
                continue;
            }
            if let Some((len, replacement)) =
                self.page_builder_tag(&rest[open..], media, &mut builder, notes)
            {
                match replacement {
                    Some(call) => {
                        out.push_str("\n\n");
                        out.push_str(&slot(slots.len()));
                        slots.push(call);
                        out.push_str("\n\n");
                    }
                    None => out.push_str("\n\n"),
                }
                rest = &rest[open + len..];
                continue;
            }
            let Some(found) = read_shortcode(&rest[open..]) else {
                out.push('[');
                rest = &rest[open + 1..];
                continue;
            };
            let whole = &rest[open..open + found.len];
            let replacement = self.translate(&found, post_id, media, notes);
            match replacement {
                Some(call) => {
                    out.push_str(&slot(slots.len()));
                    slots.push(call);
                }
                None => {
                    if found.known || found.body.is_some() || !found.attrs.is_empty() {
                        notes.push(format!(
                            "the WordPress shortcode [{}] has no gazette equivalent: left as text",
                            found.name
                        ));
                    }
                    out.push_str(whole);
                }
            }
            rest = &rest[open + found.len..];
        }
        out.push_str(rest);
        if !builder.is_empty() {
            let names: Vec<String> = builder.iter().map(|n| format!("[{n}]")).collect();
            notes.push(format!(
                "page-builder shortcodes ({}) removed: the text inside them kept, their layout left out",
                names.join(", ")
            ));
        }
        out
    }

    /// A page builder's tag at the start of `text` (WPBakery's `[vc_row]`,
    /// Divi's `[et_pb_text]`, Avada's `[fusion_text]`, tagDiv's, …): the
    /// layout around a story's text, which gazette's templates replace.
    /// Its length, and the call it becomes: a photo element its `figure`;
    /// every other tag, opening or closing, nothing, so the text inside
    /// stays where it was. A raw-code element goes whole. None when the
    /// tag is not a page builder's.
    fn page_builder_tag(
        &self,
        text: &str,
        media: &dyn MediaLookup,
        seen: &mut std::collections::BTreeSet<String>,
        notes: &mut Vec<String>,
    ) -> Option<(usize, Option<String>)> {
        let inner = text.strip_prefix('[')?;
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(inner.len());
        let name = inner[..name_len].to_ascii_lowercase();
        if !PAGE_BUILDERS.iter().any(|prefix| name.starts_with(prefix)) {
            return None;
        }
        let end = text.find(']')?;
        if text[..end].contains('\n') && end > 2000 {
            return None;
        }
        seen.insert(name.clone());
        if closing {
            return Some((end + 1, None));
        }
        let (attrs, _) = read_attrs(text[1 + name_len..end].trim_end_matches('/'));
        let attr = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| {
                    attrs
                        .iter()
                        .find(|(key, v)| key == k && !v.trim().is_empty())
                })
                .map(|(_, v)| v.clone())
        };
        if PAGE_BUILDER_CODE.contains(&name.as_str()) {
            // Base64 or script: nothing a reader should see as text.
            let close = format!("[/{name}]");
            let len = text
                .to_ascii_lowercase()
                .find(&close)
                .map_or(end + 1, |at| at + close.len());
            notes.push(format!("[{name}] (a page builder's raw code) removed"));
            return Some((len, None));
        }
        let is_image = name.ends_with("_image")
            || name.ends_with("_single_image")
            || name == "fusion_imageframe";
        if !is_image {
            return Some((end + 1, None));
        }
        let caption = attr(&["caption", "title"]).unwrap_or_default();
        let photo = match attr(&["image", "image_id", "id"]).and_then(|id| id.parse().ok()) {
            Some(id) => media.media(id),
            None => attr(&["src", "url", "image_url"]).map(|url| Media {
                url,
                alt: attr(&["alt", "title_text", "alt_text"]).unwrap_or_default(),
                caption: String::new(),
            }),
        };
        match photo {
            Some(photo) => {
                let caption = if caption.is_empty() {
                    photo.caption.clone()
                } else {
                    caption
                };
                Some((
                    end + 1,
                    Some(embeds::call(
                        "figure",
                        &[
                            ("src", &photo.url),
                            ("alt", &photo.alt),
                            ("caption", &caption),
                        ],
                    )),
                ))
            }
            None => {
                notes.push(format!(
                    "[{name}]: its photo is not in the export: left out"
                ));
                Some((end + 1, None))
            }
        }
    }

    /// The gazette call for one WordPress shortcode.
    fn translate(
        &self,
        code: &Shortcode,
        post_id: u64,
        media: &dyn MediaLookup,
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let attr = |key: &str| code.attr(key).unwrap_or_default();
        match code.name.as_str() {
            "caption" | "wp_caption" => {
                let inner = code.body.as_deref().unwrap_or("");
                let markdown = self.markdown(inner);
                let mut figure = figure_of(&markdown)?;
                if figure.caption.is_empty() {
                    figure.caption = attr("caption");
                }
                Some(embeds::call(
                    "figure",
                    &[
                        ("src", &figure.src),
                        ("alt", &figure.alt),
                        ("caption", &figure.caption),
                        ("link", &figure.link),
                    ],
                ))
            }
            GALLERY_BLOCK => {
                let markdown = self.markdown(code.body.as_deref().unwrap_or(""));
                let images: Vec<String> = images_of(&markdown)
                    .into_iter()
                    .map(|(src, alt)| {
                        image_markdown(&Media {
                            url: src,
                            alt,
                            caption: String::new(),
                        })
                    })
                    .collect();
                if images.is_empty() {
                    return Some(markdown);
                }
                Some(embeds::call_with_body("gallery", &[], &images.join("\n")))
            }
            "embed" => {
                let link = code.body.as_deref().unwrap_or("").trim().to_string();
                Some(embeds::for_url(&link, None).unwrap_or_else(|| format!("<{link}>")))
            }
            "youtube" | "vimeo" | "tweet" | "instagram" => {
                let link = code
                    .positional
                    .first()
                    .cloned()
                    .or_else(|| code.attr("url"))?;
                embeds::for_url(&link, None)
            }
            "gallery" => {
                let photos: Vec<(u64, Option<Media>)> = match code.attr("ids") {
                    Some(ids) => ids
                        .split(',')
                        .filter_map(|id| id.trim().parse().ok())
                        .map(|id| (id, media.media(id)))
                        .collect(),
                    None => media
                        .attached_to(post_id)
                        .into_iter()
                        .map(|m| (0, Some(m)))
                        .collect(),
                };
                let mut images = Vec::new();
                for (id, photo) in photos {
                    match photo {
                        Some(photo) => images.push(image_markdown(&photo)),
                        None => notes.push(format!(
                            "[gallery]: attachment {id} is not in the export: left out"
                        )),
                    }
                }
                if images.is_empty() {
                    notes.push("[gallery] with no photos in the export: removed".into());
                    return Some(String::new());
                }
                Some(embeds::call_with_body("gallery", &[], &images.join("\n")))
            }
            "audio" => {
                let src = ["src", "mp3", "m4a", "ogg", "wav"]
                    .iter()
                    .find_map(|k| code.attr(k))?;
                Some(embeds::call("audio", &[("src", &src)]))
            }
            "video" => {
                let src = ["src", "mp4", "m4v", "webm", "ogv"]
                    .iter()
                    .find_map(|k| code.attr(k))?;
                Some(embeds::call(
                    "video",
                    &[("src", &src), ("poster", &attr("poster"))],
                ))
            }
            _ => None,
        }
    }
}

/// `![alt](url "caption")`-free Markdown for one gallery photo.
fn image_markdown(photo: &Media) -> String {
    let alt = photo.alt.replace(['[', ']'], "");
    format!("![{alt}](<{}>)", photo.url)
}

/// Every image of a piece of Markdown (a gallery): its source and alt
/// text, whether htmd wrote it as Markdown or kept it as HTML.
fn images_of(markdown: &str) -> Vec<(String, String)> {
    let mut images = Vec::new();
    let mut alt: Option<(String, String)> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                alt = Some((dest_url.to_string(), String::new()))
            }
            Event::Text(text) => {
                if let Some((_, words)) = alt.as_mut() {
                    words.push_str(&text);
                }
            }
            Event::End(TagEnd::Image) => images.extend(alt.take()),
            Event::Html(raw) | Event::InlineHtml(raw) => {
                for piece in raw.split("<img").skip(1) {
                    let tag = format!("<img{piece}");
                    if let Some(src) = html_attr(&tag, "src") {
                        images.push((src, html_attr(&tag, "alt").unwrap_or_default()));
                    }
                }
            }
            _ => {}
        }
    }
    images
}

/// A figure read off a caption's Markdown: its one image, the link around
/// it, and the text beside it.
#[derive(Debug, Default, PartialEq)]
struct Figure {
    src: String,
    alt: String,
    link: String,
    caption: String,
}

fn figure_of(markdown: &str) -> Option<Figure> {
    let mut figure = Figure::default();
    let mut in_image = false;
    let mut found = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) if !found => {
                figure.src = dest_url.to_string();
                in_image = true;
                found = true;
            }
            Event::End(TagEnd::Image) => in_image = false,
            Event::Start(Tag::Link { dest_url, .. }) if !found => {
                figure.link = dest_url.to_string();
            }
            Event::Text(text) | Event::Code(text) => {
                if in_image {
                    figure.alt.push_str(&text);
                } else {
                    figure.caption.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => figure.caption.push(' '),
            Event::Html(raw) | Event::InlineHtml(raw) if !found => {
                // An image htmd kept as HTML (it had attributes Markdown
                // cannot hold): its src and alt.
                if let Some(src) = html_attr(&raw, "src") {
                    figure.src = src;
                    figure.alt = html_attr(&raw, "alt").unwrap_or_default();
                    found = true;
                }
            }
            _ => {}
        }
    }
    figure.caption = figure.caption.trim().to_string();
    found.then_some(figure)
}

/// An attribute of the first tag in a fragment of HTML, read by html5ever.
fn html_attr(fragment: &str, name: &str) -> Option<String> {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{
        BufferQueue, Tag as HtmlTag, Token, TokenSink, TokenSinkResult, Tokenizer,
    };
    use std::cell::RefCell;

    struct First(RefCell<Option<HtmlTag>>);
    impl TokenSink for First {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token {
                let mut first = self.0.borrow_mut();
                if first.is_none() {
                    *first = Some(tag);
                }
            }
            TokenSinkResult::Continue
        }
    }
    let tokenizer = Tokenizer::new(First(RefCell::new(None)), Default::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(fragment));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let tag = tokenizer.sink.0.borrow_mut().take()?;
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.to_string())
}

/// Text that reads as a gazette call (`{{< x >}}` in a story about Hugo)
/// would be run as one: outside code, its first brace is written as an
/// entity, which reads the same. Inside code it is text already.
fn escape_calls(markdown: &str) -> String {
    if !crate::shortcode::may_have_calls(markdown) {
        return markdown.to_string();
    }
    let code = crate::shortcode::code_ranges(markdown);
    let mut out = String::with_capacity(markdown.len() + 16);
    let mut last = 0;
    for (at, _) in markdown.match_indices("{{") {
        let opens = markdown[at + 2..].starts_with(['<', '%']);
        if opens && at >= last && !code.iter().any(|r| r.contains(&at)) {
            out.push_str(&markdown[last..at]);
            out.push_str("&#123;{");
            last = at + 2;
        }
    }
    out.push_str(&markdown[last..]);
    out
}

/// One WordPress shortcode as written.
#[derive(Debug)]
struct Shortcode {
    name: String,
    attrs: Vec<(String, String)>,
    positional: Vec<String>,
    body: Option<String>,
    /// Bytes from `[` to the end of the closing tag (or the opening one).
    len: usize,
    /// One gazette translates.
    known: bool,
}

impl Shortcode {
    fn attr(&self, key: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.trim().is_empty())
    }
}

/// The prefixes of page builders' shortcodes: WPBakery (and the tagDiv
/// Newspaper theme built on it), Divi, Avada, Shortcodes Ultimate, Enfold,
/// Jupiter, Cornerstone, Flatsome, Themify.
const PAGE_BUILDERS: &[&str] = &[
    "vc_", "et_pb_", "fusion_", "su_", "td_", "tdc_", "tdm_", "av_", "mk_", "cs_", "ux_",
    "themify_",
];

/// Page builders' elements whose body is code (WPBakery keeps its raw
/// HTML base64-encoded), removed whole.
const PAGE_BUILDER_CODE: &[&str] = &[
    "vc_raw_html",
    "vc_raw_js",
    "et_pb_code",
    "fusion_code",
    "av_codeblock",
];

const KNOWN: &[&str] = &[
    GALLERY_BLOCK,
    "caption",
    "wp_caption",
    "embed",
    "gallery",
    "audio",
    "video",
    "youtube",
    "vimeo",
    "tweet",
    "instagram",
];

/// Reads a shortcode at the start of `text` (which starts with `[`):
/// `[name attrs]`, with a body up to `[/name]` when one closes it. `[[x]]`
/// is WordPress's way of writing a shortcode literally: not read.
fn read_shortcode(text: &str) -> Option<Shortcode> {
    if text.starts_with("[[") {
        return None;
    }
    let end = text.find(']')?;
    let inner = &text[1..end];
    if inner.contains('[') || inner.contains('\n') && inner.len() > 2000 {
        return None;
    }
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(inner.len());
    if name_len == 0 {
        return None;
    }
    let name = inner[..name_len].to_ascii_lowercase();
    let rest = &inner[name_len..];
    // Jetpack writes `[youtube=URL]`: its one value after an `=`.
    if let Some(value) = rest.strip_prefix('=') {
        return Some(Shortcode {
            known: KNOWN.contains(&name.as_str()),
            name,
            attrs: Vec::new(),
            positional: vec![value.trim().to_string()],
            body: None,
            len: end + 1,
        });
    }
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace) || rest == "/") {
        return None;
    }
    let (attrs, positional) = read_attrs(rest.trim_end_matches('/'));
    let known = KNOWN.contains(&name.as_str());
    let closing = format!("[/{}]", &inner[..name_len]);
    let after = &text[end + 1..];
    let (body, len) = match after.find(&closing) {
        // Only a closing tag before the next opening of the same name
        // belongs to this one.
        Some(at) if !after[..at].contains(&format!("[{}", &inner[..name_len])) => {
            (Some(after[..at].to_string()), end + 1 + at + closing.len())
        }
        _ => (None, end + 1),
    };
    Some(Shortcode {
        name,
        attrs,
        positional,
        body,
        len,
        known,
    })
}

/// `a="x" b='y' c=z "positional" bare` as named and positional values,
/// with HTML entities (WordPress writes `&quot;` inside) decoded.
fn read_attrs(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut named = Vec::new();
    let mut positional = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let read_value = |i: &mut usize| -> String {
        let mut value = String::new();
        if let Some(&quote) = chars
            .get(*i)
            .filter(|c| matches!(c, '"' | '\'' | '\u{201d}' | '\u{2033}'))
        {
            let closing = |c: char| c == quote || (quote == '\u{201d}' && c == '\u{2033}');
            *i += 1;
            while let Some(&c) = chars.get(*i) {
                *i += 1;
                if closing(c) {
                    break;
                }
                value.push(c);
            }
        } else {
            while let Some(&c) = chars.get(*i) {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                *i += 1;
            }
        }
        html_escape::decode_html_entities(&value).into_owned()
    };
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let key_end = (i..chars.len())
            .find(|&j| !(chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '-'))
            .unwrap_or(chars.len());
        if key_end > i && chars.get(key_end) == Some(&'=') {
            let key: String = chars[i..key_end]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            i = key_end + 1;
            let value = read_value(&mut i);
            named.push((key, value));
        } else {
            positional.push(read_value(&mut i));
        }
    }
    (named, positional)
}

/// Gutenberg's block comments removed and their content kept. An embed
/// block becomes its URL on a line of its own (made an embed below); a
/// block with no content (WordPress drew it when the page was viewed, such
/// as latest posts) is dropped and noted.
fn strip_blocks(html: &str, notes: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // The embed block being read, and where its content starts in `out`.
    let mut embed: Option<(String, usize)> = None;
    // Where the gallery block being read starts in `out`.
    let mut gallery: Option<usize> = None;
    while let Some(start) = rest.find("<!-- ") {
        let Some(len) = rest[start..].find("-->") else {
            break;
        };
        let comment = &rest[start + 5..start + len];
        let closing = comment.starts_with("/wp:");
        let opening = comment.starts_with("wp:");
        if !closing && !opening {
            out.push_str(&rest[..start + len + 3]);
            rest = &rest[start + len + 3..];
            continue;
        }
        out.push_str(&rest[..start]);
        rest = &rest[start + len + 3..];
        let name = comment
            .trim_start_matches('/')
            .trim_start_matches("wp:")
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .to_string();
        if opening && comment.trim_end().ends_with('/') {
            notes.push(format!(
                "the dynamic block wp:{name} (WordPress drew it on each view) has no content: removed"
            ));
            continue;
        }
        let is_embed = name == "embed" || name.starts_with("core-embed/");
        if opening && is_embed {
            let attrs = comment[3 + name.len()..].trim().trim_end_matches('/');
            let url = serde_json::from_str::<serde_json::Value>(attrs)
                .ok()
                .and_then(|v| v.get("url")?.as_str().map(str::to_string))
                .unwrap_or_default();
            embed = Some((url, out.len()));
        } else if closing
            && is_embed
            && let Some((url, from)) = embed.take()
            && !url.is_empty()
        {
            out.truncate(from);
            out.push_str(&format!("\n\n{url}\n\n"));
        } else if opening && name == "gallery" {
            gallery = Some(out.len());
        } else if closing
            && name == "gallery"
            && let Some(from) = gallery.take()
        {
            // The block's photos, for the gallery shortcode (made with the
            // WordPress ones, below).
            let photos = out.split_off(from);
            out.push_str(&format!(
                "\n\n[{GALLERY_BLOCK}]{photos}[/{GALLERY_BLOCK}]\n\n"
            ));
        }
    }
    out.push_str(rest);
    out
}

/// Pasted `<iframe>` embeds of a known provider (YouTube, Vimeo,
/// Datawrapper, …) as its built-in shortcode, which loads nothing until
/// the reader asks; other iframes stay as written.
/// The HTML a social network gives to paste (a `<blockquote
/// class="twitter-tweet">` with a link to the post, Instagram's
/// `instagram-media`, TikTok's `tiktok-embed`) as gazette's embed of that
/// post; and the network's loader scripts removed, since gazette's embeds
/// load nothing until the reader asks.
fn social_embeds(html: &str, slots: &mut Vec<String>, notes: &mut Vec<String>) -> String {
    const CLASSES: &[&str] = &[
        "twitter-tweet",
        "twitter-video",
        "instagram-media",
        "tiktok-embed",
    ];
    const LOADERS: &[&str] = &[
        "platform.twitter.com/widgets.js",
        "instagram.com/embed.js",
        "tiktok.com/embed.js",
    ];
    if !html.contains("<blockquote") && !html.contains("<script") {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find(['<']) {
        out.push_str(&rest[..open]);
        let here = &rest[open..];
        let tag_end = here.find('>').map(|e| e + 1);
        let (element, close) = if here.starts_with("<blockquote") {
            ("blockquote", "</blockquote>")
        } else if here.starts_with("<script") {
            ("script", "</script>")
        } else {
            ("", "")
        };
        let (Some(tag_end), false) = (tag_end, element.is_empty()) else {
            out.push('<');
            rest = &here[1..];
            continue;
        };
        let tag = &here[..tag_end];
        let end = here.find(close).map_or(tag_end, |c| c + close.len());
        let whole = &here[..end];
        let replaced = match element {
            "blockquote" => {
                let class = html_attr(tag, "class").unwrap_or_default();
                let social = class.split_whitespace().any(|c| CLASSES.contains(&c));
                let link = html_attr(tag, "data-instgrm-permalink")
                    .or_else(|| html_attr(tag, "cite"))
                    .or_else(|| last_post_link(whole));
                social
                    .then(|| link.and_then(|l| embeds::for_url(&l, None)))
                    .flatten()
                    .map(|call| {
                        let at = slots.len();
                        slots.push(call);
                        format!("\n\n{}\n\n", slot(at))
                    })
            }
            _ => html_attr(tag, "src")
                .filter(|src| LOADERS.iter().any(|l| src.contains(l)))
                .map(|src| {
                    notes.push(format!("the script {src} removed: gazette's embeds load nothing until the reader asks"));
                    String::new()
                }),
        };
        match replaced {
            Some(text) => {
                out.push_str(&text);
                rest = &here[end..];
            }
            None => {
                out.push('<');
                rest = &here[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The last link in a pasted post's HTML that leads to a post (a tweet's
/// date links to it; the links before name people and hashtags).
fn last_post_link(html: &str) -> Option<String> {
    (html.match_indices("<a "))
        .filter_map(|(at, _)| html_attr(&html[at..], "href"))
        .filter(|link| {
            ["/status/", "/p/", "/reel/", "/video/"]
                .iter()
                .any(|p| link.contains(p))
        })
        .last()
}

fn iframes(html: &str, slots: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find("<iframe") {
        let Some(tag_len) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + tag_len + 1];
        let end = match rest[open..].find("</iframe>") {
            Some(close) => open + close + "</iframe>".len(),
            None => open + tag_len + 1,
        };
        out.push_str(&rest[..open]);
        let call = html_attr(tag, "src").and_then(|src| {
            let src = if src.starts_with("//") {
                format!("https:{src}")
            } else {
                src
            };
            embeds::for_url(&src, html_attr(tag, "title").as_deref())
        });
        match call {
            Some(call) => {
                out.push_str(&slot(slots.len()));
                slots.push(call);
            }
            None => out.push_str(&rest[open..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `class` attributes removed: they name the old theme's styles
/// (`wp-block-quote`, `alignleft`), which gazette's have no use for, and
/// they would keep an element HTML where Markdown can say it.
fn strip_classes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(" class=") {
        let before = &rest[..at];
        // Only inside a tag: the last `<` before it is after the last `>`.
        let in_tag = match (before.rfind('<'), before.rfind('>')) {
            (Some(open), Some(close)) => open > close,
            (Some(_), None) => true,
            _ => false,
        };
        let quote = rest[at + 7..].chars().next();
        let end = match quote {
            Some(q @ ('"' | '\'')) if in_tag => rest[at + 8..].find(q).map(|e| at + 8 + e + 1),
            _ => None,
        };
        match end {
            Some(end) => {
                out.push_str(before);
                rest = &rest[end..];
            }
            None => {
                out.push_str(&rest[..at + 7]);
                rest = &rest[at + 7..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Lines that hold only an address WordPress would embed (oEmbed) become
/// the gazette shortcode for it.
fn embed_lines(html: &str, slots: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(html.len());
    for line in html.split_inclusive('\n') {
        let bare = line.trim();
        let bare = bare
            .strip_prefix("<p>")
            .and_then(|l| l.strip_suffix("</p>"))
            .unwrap_or(bare)
            .trim();
        let is_url = bare.starts_with("http") && !bare.contains(char::is_whitespace);
        match is_url.then(|| embeds::for_url(bare, None)).flatten() {
            Some(call) => {
                out.push_str(&slot(slots.len()));
                slots.push(call);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The first `<!--more-->` (also `<!--more Read on…-->`, with its own
/// link text) as the place the summary ends; later ones removed.
fn more_marker(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut first = true;
    while let Some(at) = rest.find("<!--more") {
        let Some(len) = rest[at..].find("-->") else {
            break;
        };
        out.push_str(&rest[..at]);
        if first {
            out.push_str(&format!("\n\n{MORE}\n\n"));
            first = false;
        }
        rest = &rest[at + len + 3..];
    }
    out.push_str(rest);
    out
}

/// The paragraph that stands for shortcode call `n` until the Markdown is
/// made: a paragraph of its own, so the call is a block.
fn slot(n: usize) -> String {
    format!("\n\n<p>{SLOT}{n}qq</p>\n\n")
}

/// Block-level tags: a chunk that starts with one is not wrapped in `<p>`.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figure",
    "figcaption",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "iframe",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "script",
    "style",
    "video",
    "audio",
    "object",
    "embed",
    "!--",
];

/// WordPress's classic-editor paragraphs (wpautop, in short): a blank line
/// ends a paragraph, a single line break is a `<br>`; chunks that are
/// already a block (a list, a table, a heading) stay as written.
fn autop(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut in_pre = false;
    for chunk in text.split("\n\n") {
        let trimmed = chunk.trim();
        if trimmed.is_empty() {
            continue;
        }
        let opens_pre = trimmed.contains("<pre");
        let closes_pre = trimmed.contains("</pre>");
        let block = trimmed.starts_with('<')
            && BLOCKS.iter().any(|tag| {
                let after = &trimmed[1..];
                after
                    .get(..tag.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(tag))
                    && after[tag.len()..].starts_with(|c: char| !c.is_ascii_alphanumeric())
            });
        if in_pre || block || trimmed == MORE {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&trimmed.replace('\n', "<br>"));
            out.push_str("</p>");
        }
        out.push_str("\n\n");
        if opens_pre && !closes_pre {
            in_pre = true;
        } else if closes_pre {
            in_pre = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoMedia;
    impl MediaLookup for NoMedia {
        fn media(&self, id: u64) -> Option<Media> {
            (id == 7).then(|| Media {
                url: "https://news.example/wp-content/uploads/2021/03/plant.jpg".into(),
                alt: "The plant".into(),
                caption: String::new(),
            })
        }
        fn attached_to(&self, _post: u64) -> Vec<Media> {
            Vec::new()
        }
    }

    fn convert(body: &str) -> Converted {
        Converter::new().wordpress(body, 1, &NoMedia)
    }

    #[test]
    fn classic_paragraphs_and_more() {
        let c = convert(
            "First <strong>bold</strong> line\nsecond line\n\nNext paragraph.\n<!--more Read on-->\nRest.<!--more-->",
        );
        assert_eq!(
            c.markdown,
            "First **bold** line  \nsecond line\n\nNext paragraph.\n\n<!-- more -->\n\nRest."
        );
    }

    #[test]
    fn gutenberg_comments_go_and_their_content_stays() {
        let c = convert(
            "<!-- wp:paragraph -->\n<p>Hello</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:latest-posts /-->\n\n<!-- wp:embed {\"url\":\"https://www.youtube.com/watch?v=w7Ejrw5kBu0\",\"type\":\"video\"} -->\n<figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=w7Ejrw5kBu0\n</div></figure>\n<!-- /wp:embed -->",
        );
        assert_eq!(c.markdown, "Hello\n\n{{< youtube id=\"w7Ejrw5kBu0\" >}}");
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    }

    #[test]
    fn pasted_iframes_of_known_providers_become_embeds() {
        let c = convert(
            "Watch:\n\n<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/w7Ejrw5kBu0?feature=oembed\" title=\"The launch\" allowfullscreen></iframe>\n\n<iframe src=\"//datawrapper.dwcdn.net/abc12/1/\"></iframe>\n\n<iframe src=\"https://maps.example/embed\"></iframe>",
        );
        assert!(
            c.markdown
                .contains("{{< youtube id=\"w7Ejrw5kBu0\" title=\"The launch\" >}}"),
            "{}",
            c.markdown
        );
        assert!(
            c.markdown.contains("{{< datawrapper id=\"abc12\" >}}"),
            "{}",
            c.markdown
        );
        assert!(
            c.markdown
                .contains("<iframe src=\"https://maps.example/embed\"></iframe>"),
            "{}",
            c.markdown
        );
    }

    #[test]
    fn a_gallery_block_becomes_the_gallery_shortcode() {
        let c = convert(
            "<!-- wp:gallery {\"linkTo\":\"none\"} -->\n<figure class=\"wp-block-gallery has-nested-images\"><!-- wp:image {\"id\":7} -->\n<figure class=\"wp-block-image\"><img src=\"https://news.example/a.jpg\" alt=\"First\" class=\"wp-image-7\"/><figcaption>One</figcaption></figure>\n<!-- /wp:image -->\n\n<!-- wp:image {\"id\":8} -->\n<figure class=\"wp-block-image\"><img src=\"https://news.example/b.jpg\" alt=\"Second\" width=\"300\"/></figure>\n<!-- /wp:image --></figure>\n<!-- /wp:gallery -->",
        );
        assert_eq!(
            c.markdown,
            "{{< gallery >}}\n![First](<https://news.example/a.jpg>)\n![Second](<https://news.example/b.jpg>)\n{{< /gallery >}}"
        );
    }

    #[test]
    fn shortcodes_become_gazette_calls() {
        let c = convert(
            "[caption id=\"attachment_7\" align=\"alignnone\" width=\"300\"]<a href=\"https://news.example/big.jpg\"><img src=\"https://news.example/wp-content/uploads/2021/03/plant.jpg\" alt=\"The plant\" width=\"300\" /></a> Great Wall&#8217;s plant[/caption]\n\n[gallery ids=\"7,8\"]\n\n[embed]https://vimeo.com/76979871[/embed]\n\n[youtube=https://www.youtube.com/watch?v=w7Ejrw5kBu0&w=640]\n\n[contact-form-7 id=\"3\"]\n\nhttps://twitter.com/reuters/status/1375355512345678901",
        );
        assert!(
            c.markdown.contains("{{< figure src=\"https://news.example/wp-content/uploads/2021/03/plant.jpg\" alt=\"The plant\" caption=\"Great Wall\u{2019}s plant\" link=\"https://news.example/big.jpg\" >}}"),
            "{}",
            c.markdown
        );
        assert!(c.markdown.contains("{{< gallery >}}\n![The plant](<https://news.example/wp-content/uploads/2021/03/plant.jpg>)\n{{< /gallery >}}"), "{}", c.markdown);
        assert!(
            c.markdown.contains("{{< vimeo id=\"76979871\" >}}"),
            "{}",
            c.markdown
        );
        assert!(
            c.markdown.contains("{{< youtube id=\"w7Ejrw5kBu0\" >}}"),
            "{}",
            c.markdown
        );
        assert!(c.markdown.contains("{{< tweet url="), "{}", c.markdown);
        assert!(
            c.markdown.contains("[contact-form-7 id=\"3\"]")
                || c.markdown.contains("\\[contact-form-7"),
            "{}",
            c.markdown
        );
        assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
    }

    proptest::proptest! {
        #[test]
        fn any_body_converts_without_panicking(body in "(\\PC|[\\[\\]<>/\"=!-]|<!-- wp:|\\[caption|\\[/caption\\]|<figure|</figure>| class=|\\[vc_row|\\[/vc_row\\]|\\[vc_raw_html\\]|\\[et_pb_image src=|<blockquote class=\"twitter-tweet\"|</blockquote>|<script src=\"https://platform.twitter.com/widgets.js\"|</script>|<a href=\"https://x.com/a/status/1\">|\n){0,80}") {
            let converted = convert(&body);
            proptest::prop_assert!(!converted.markdown.contains(SLOT));
        }
    }

    #[test]
    fn literal_calls_and_prose_brackets_stay_text() {
        let c = convert("Write {{< youtube x >}} to embed; see [1] and [[gallery]].");
        assert!(
            c.markdown.contains("&#123;{< youtube x >}}"),
            "{}",
            c.markdown
        );
        assert!(c.notes.is_empty(), "{:?}", c.notes);
    }
}
