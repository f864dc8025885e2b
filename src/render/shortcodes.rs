//! Shortcodes at render time: which exist (the built-in newsroom embeds
//! and the site's `templates/shortcodes/NAME.html`), whether each call in
//! the site is a good one, and each call's HTML in place of its token.
//!
//! Built-in shortcodes declare their arguments, so a call is checked
//! before anything renders: unknown shortcode or argument (with the
//! closest name), a missing one, a wrong type, a missing body. A site's
//! own shortcode gets its arguments as written.

use super::templates::Templates;
use crate::diagnostics::Diagnostic;
use crate::shortcode::{self, Call, Value};
use crate::site::Site;
use serde::Serialize;
use serde_json::Map;
use std::collections::BTreeSet;
use std::path::Path;

/// Where shortcode templates live among the templates.
pub(crate) const PREFIX: &str = "shortcodes/";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Text,
    Number,
    /// An absolute http(s) URL.
    Url,
    /// A URL or a site path (an image, a file of the bundle).
    Link,
    /// A content file: `@/articles/2021/x.md`.
    Content,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "a number",
            Kind::Url => "an http(s) URL",
            Kind::Link => "a URL or a path",
            Kind::Content => "an `@/` path to a content file",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Body {
    None,
    Optional,
    Required,
}

struct Param {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn req(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: false,
    }
}

/// A built-in shortcode: its arguments, which of them may be given
/// without a name (in order), and whether it takes a body.
struct Spec {
    name: &'static str,
    params: &'static [Param],
    positional: &'static [&'static str],
    body: Body,
}

use Kind::*;

const BUILT_IN: &[Spec] = &[
    Spec {
        name: "figure",
        params: &[
            req("src", Link),
            opt("alt", Text),
            opt("caption", Text),
            opt("credit", Text),
            opt("link", Link),
        ],
        positional: &["src"],
        body: Body::None,
    },
    Spec {
        name: "gallery",
        params: &[opt("caption", Text)],
        positional: &[],
        body: Body::Required,
    },
    Spec {
        name: "pullquote",
        params: &[opt("cite", Text)],
        positional: &[],
        body: Body::Required,
    },
    Spec {
        name: "factbox",
        params: &[opt("title", Text)],
        positional: &["title"],
        body: Body::Required,
    },
    Spec {
        name: "note",
        params: &[opt("kind", Text), opt("title", Text)],
        positional: &["kind"],
        body: Body::Required,
    },
    Spec {
        name: "readmore",
        params: &[req("path", Content), opt("label", Text)],
        positional: &["path"],
        body: Body::None,
    },
    Spec {
        name: "youtube",
        params: &[req("id", Text), opt("title", Text), opt("start", Number)],
        positional: &["id"],
        body: Body::None,
    },
    Spec {
        name: "vimeo",
        params: &[req("id", Text), opt("title", Text)],
        positional: &["id"],
        body: Body::None,
    },
    Spec {
        name: "video",
        params: &[
            req("src", Link),
            opt("poster", Link),
            opt("captions", Link),
            opt("title", Text),
        ],
        positional: &["src"],
        body: Body::None,
    },
    Spec {
        name: "audio",
        params: &[req("src", Link), opt("title", Text)],
        positional: &["src"],
        body: Body::None,
    },
    Spec {
        name: "datawrapper",
        params: &[req("id", Text), opt("title", Text), opt("height", Number)],
        positional: &["id"],
        body: Body::None,
    },
    Spec {
        name: "flourish",
        params: &[req("id", Text), opt("title", Text), opt("height", Number)],
        positional: &["id"],
        body: Body::None,
    },
    Spec {
        name: "documentcloud",
        params: &[req("url", Url), opt("title", Text)],
        positional: &["url"],
        body: Body::None,
    },
    Spec {
        name: "pdf",
        params: &[req("src", Link), opt("title", Text)],
        positional: &["src"],
        body: Body::None,
    },
    Spec {
        name: "map",
        params: &[
            req("lat", Number),
            req("lon", Number),
            opt("zoom", Number),
            opt("title", Text),
        ],
        positional: &[],
        body: Body::None,
    },
    social_post("post"),
    social_post("tweet"),
    social_post("bluesky"),
    social_post("mastodon"),
    social_post("instagram"),
];

/// A post of a social network: one template (`post`) tells the network
/// from the URL; the others are names a writer reaches for first.
const fn social_post(name: &'static str) -> Spec {
    const PARAMS: &[Param] = &[req("url", Url), opt("author", Text), opt("text", Text)];
    Spec {
        name,
        params: PARAMS,
        positional: &["url"],
        body: Body::Optional,
    }
}

fn spec(name: &str) -> Option<&'static Spec> {
    BUILT_IN.iter().find(|s| s.name == name)
}

/// Whether gazette has a shortcode of this name of its own.
pub(crate) fn is_built_in(name: &str) -> bool {
    spec(name).is_some()
}

/// The templates of the built-in shortcodes, embedded in the binary.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    (
        "shortcodes/figure.html",
        include_str!("../templates/shortcodes/figure.html"),
    ),
    (
        "shortcodes/gallery.html",
        include_str!("../templates/shortcodes/gallery.html"),
    ),
    (
        "shortcodes/pullquote.html",
        include_str!("../templates/shortcodes/pullquote.html"),
    ),
    (
        "shortcodes/factbox.html",
        include_str!("../templates/shortcodes/factbox.html"),
    ),
    (
        "shortcodes/note.html",
        include_str!("../templates/shortcodes/note.html"),
    ),
    (
        "shortcodes/readmore.html",
        include_str!("../templates/shortcodes/readmore.html"),
    ),
    (
        "shortcodes/youtube.html",
        include_str!("../templates/shortcodes/youtube.html"),
    ),
    (
        "shortcodes/vimeo.html",
        include_str!("../templates/shortcodes/vimeo.html"),
    ),
    (
        "shortcodes/video.html",
        include_str!("../templates/shortcodes/video.html"),
    ),
    (
        "shortcodes/audio.html",
        include_str!("../templates/shortcodes/audio.html"),
    ),
    (
        "shortcodes/datawrapper.html",
        include_str!("../templates/shortcodes/datawrapper.html"),
    ),
    (
        "shortcodes/flourish.html",
        include_str!("../templates/shortcodes/flourish.html"),
    ),
    (
        "shortcodes/documentcloud.html",
        include_str!("../templates/shortcodes/documentcloud.html"),
    ),
    (
        "shortcodes/pdf.html",
        include_str!("../templates/shortcodes/pdf.html"),
    ),
    (
        "shortcodes/map.html",
        include_str!("../templates/shortcodes/map.html"),
    ),
    (
        "shortcodes/post.html",
        include_str!("../templates/shortcodes/post.html"),
    ),
    (
        "shortcodes/tweet.html",
        include_str!("../templates/shortcodes/tweet.html"),
    ),
    (
        "shortcodes/bluesky.html",
        include_str!("../templates/shortcodes/bluesky.html"),
    ),
    (
        "shortcodes/mastodon.html",
        include_str!("../templates/shortcodes/mastodon.html"),
    ),
    (
        "shortcodes/instagram.html",
        include_str!("../templates/shortcodes/instagram.html"),
    ),
    (
        "partials/embed.html",
        include_str!("../templates/partials/embed.html"),
    ),
];

/// The names of every shortcode the site can call.
fn known(templates: &Templates) -> BTreeSet<String> {
    templates
        .names()
        .filter_map(|n| n.strip_prefix(PREFIX)?.strip_suffix(".html"))
        .map(str::to_string)
        .collect()
}

/// How the placeholder template `gazette import` writes for another
/// generator's shortcode starts; the build warns at each call of one.
pub(crate) const IMPORTED_PLACEHOLDER: &str = "{#- Made by gazette import:";

/// An error at a call.
pub(crate) fn at_call(path: &Path, call: &Call, message: String) -> Diagnostic {
    at_line_of_call(Diagnostic::error(path, message), call)
}

fn at_line_of_call(diagnostic: Diagnostic, call: &Call) -> Diagnostic {
    diagnostic.at_line_of(&call.excerpt, 1, call.column, call.line.saturating_sub(1))
}

/// Checks every shortcode call of the site's articles and pages: each
/// error at its call, all of them in one run. A call whose template is
/// still the placeholder an import made is a warning.
pub(crate) fn check(site: &Site, templates: &Templates) -> Vec<Diagnostic> {
    let known = known(templates);
    let placeholders: BTreeSet<&String> = (known.iter())
        .filter(|name| {
            (templates.site_text(&format!("{PREFIX}{name}.html")))
                .is_some_and(|text| text.starts_with(IMPORTED_PLACEHOLDER))
        })
        .collect();
    let calls = (site.articles.iter())
        .map(|a| (&a.doc.source.display, &a.shortcodes))
        .chain((site.pages.iter()).map(|p| (&p.doc.source.display, &p.rendered.shortcodes)));
    let mut errors = Vec::new();
    for (path, calls) in calls {
        for call in calls {
            if placeholders.contains(&call.name) {
                let name = &call.name;
                errors.push(at_line_of_call(
                    Diagnostic::warning(
                        path,
                        format!("shortcode `{name}` still has the placeholder template gazette import made, which shows only its body: write templates/shortcodes/{name}.html (docs/shortcodes.md)"),
                    ),
                    call,
                ));
            }
            errors.extend(
                check_call(site, &known, call)
                    .into_iter()
                    .map(|message| at_call(path, call, message)),
            );
        }
    }
    errors
}

/// What is wrong with one call, if anything.
fn check_call(site: &Site, known: &BTreeSet<String>, call: &Call) -> Vec<String> {
    let name = &call.name;
    if name == shortcode::IMAGE_CALL {
        return Vec::new();
    }
    if !known.contains(name) {
        let names: Vec<&str> = known.iter().map(String::as_str).collect();
        let closest = crate::strict::closest(name, &names);
        return vec![match closest {
            Some(c) => format!("unknown shortcode `{name}`: did you mean `{c}`?"),
            None => format!(
                "unknown shortcode `{name}`: add templates/shortcodes/{name}.html, or see docs/shortcodes.md for the built-in ones"
            ),
        }];
    }
    let Some(spec) = spec(name) else {
        // The site's own: its template takes what it is given.
        return Vec::new();
    };
    let mut problems = Vec::new();
    if call.positional.len() > spec.positional.len() {
        problems.push(match spec.positional {
            [] => format!(
                "shortcode `{name}` takes only named arguments, such as {}=\"…\"",
                spec.params[0].name
            ),
            names => format!(
                "shortcode `{name}` takes {} argument{} without a name ({}); name the others",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        });
    }
    let given = args(spec, call);
    for (key, _) in &call.named {
        if !spec.params.iter().any(|p| p.name == key) {
            let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
            problems.push(match crate::strict::closest(key, &names) {
                Some(c) => {
                    format!("shortcode `{name}` has no argument `{key}`: did you mean `{c}`?")
                }
                None => format!(
                    "shortcode `{name}` has no argument `{key}`; it takes {}",
                    param_list(spec)
                ),
            });
        }
    }
    for param in spec.params {
        match given.iter().find(|(k, _)| k == param.name) {
            None if param.required => problems.push(format!(
                "shortcode `{name}` needs `{}` ({})",
                param.name,
                param.kind.describe()
            )),
            Some((_, value)) => {
                if let Some(why) = wrong_type(site, param.kind, value) {
                    problems.push(format!("shortcode `{name}`: `{}` {why}", param.name));
                }
            }
            None => {}
        }
    }
    match (spec.body, &call.body) {
        (Body::Required, None) => problems.push(format!(
            "shortcode `{name}` needs a body: write {{{{< {name} … >}}}} text {{{{< /{name} >}}}}"
        )),
        (Body::None, Some(_)) => problems.push(format!(
            "shortcode `{name}` takes no body: remove {{{{< /{name} >}}}} and put the text in an argument"
        )),
        _ => {}
    }
    problems
}

fn param_list(spec: &Spec) -> String {
    spec.params
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `value` is not of `kind`, if it is not.
fn wrong_type(site: &Site, kind: Kind, value: &Value) -> Option<String> {
    let text = match value {
        Value::Text(t) => Some(t.as_str()),
        _ => None,
    };
    let ok = match kind {
        // An ID is often all digits: a number is text too.
        Kind::Text => !matches!(value, Value::Bool(_)),
        Kind::Number => matches!(value, Value::Integer(_) | Value::Number(_)),
        Kind::Url => text.is_some_and(|t| t.starts_with("https://") || t.starts_with("http://")),
        Kind::Link => text.is_some_and(|t| crate::content::unsafe_url(t).is_none()),
        Kind::Content => {
            let Some(path) = text.and_then(|t| t.strip_prefix("@/")) else {
                return Some(format!(
                    "must be {}, such as \"@/articles/2021/story.md\"",
                    kind.describe()
                ));
            };
            if content_target(site, path).is_none() {
                return Some(format!(
                    "`@/{path}`: no published article or page content/{path}"
                ));
            }
            true
        }
    };
    (!ok).then(|| match value {
        Value::Text(t) => format!("must be {}, not \"{t}\"", kind.describe()),
        other => format!("must be {}, not {}", kind.describe(), other.kind()),
    })
}

/// The article or page at content path `path`: (title, URL, summary).
fn content_target<'s>(site: &'s Site, path: &str) -> Option<(&'s str, &'s str, &'s str)> {
    if let Some(i) = article_at(site, path) {
        let a = &site.articles[i];
        return Some((&a.doc.meta.title, &a.url, &a.summary_text));
    }
    let path = path.trim_start_matches('/');
    (site.pages.iter())
        .find(|p| p.doc.source.content_path == path)
        .map(|p| (p.doc.meta.title.as_str(), p.url.as_str(), ""))
}

/// The article at content path `path`, by index into `Site::articles`.
fn article_at(site: &Site, path: &str) -> Option<usize> {
    let path = path.trim_start_matches('/');
    (site.articles.iter()).position(|a| a.doc.source.content_path == path)
}

/// The article a `readmore` call shows (its title and summary), if the
/// call is one and names an article.
pub(crate) fn readmore_article(site: &Site, call: &Call) -> Option<usize> {
    let spec = spec(&call.name).filter(|s| s.name == "readmore")?;
    let (_, path) = args(spec, call).into_iter().find(|(k, _)| k == "path")?;
    match path {
        Value::Text(path) => article_at(site, path.strip_prefix("@/")?),
        _ => None,
    }
}

/// A call's arguments by name: the named ones, then the positional ones
/// under the names the shortcode gives them.
fn args(spec: &Spec, call: &Call) -> Vec<(String, Value)> {
    let mut given = call.named.clone();
    for (name, value) in spec.positional.iter().zip(&call.positional) {
        if !given.iter().any(|(k, _)| k == name) {
            given.push(((*name).to_string(), value.clone()));
        }
    }
    given
}

/// What a shortcode template is given.
#[derive(Serialize)]
struct ShortcodeContext<'a> {
    /// Every argument, by name (a built-in's absent ones as null).
    #[serde(flatten)]
    args: Map<String, serde_json::Value>,
    /// Arguments without a name, in order (a site shortcode's).
    positional: &'a [Value],
    /// The body as written, and rendered as Markdown.
    body: Option<&'a str>,
    body_html: Option<String>,
    /// Whether the call renders into a feed: templates give a plain link
    /// or image there, never a script or an iframe.
    feed: bool,
    /// Whether the call stands alone in its paragraph.
    block: bool,
    /// For `readmore`: the target's title, URL and summary.
    target: Option<Target<'a>>,
    /// When `src` is a photo of the site: its sizes (see docs/templates.md).
    picture: Option<crate::images::Picture>,
    /// The article or page the call is in.
    page: PageRef<'a>,
}

/// The article or page a call is in, as its shortcode template sees it.
#[derive(Serialize, Clone, Copy)]
pub(crate) struct PageRef<'a> {
    pub(crate) title: &'a str,
    pub(crate) url: &'a str,
}

#[derive(Serialize)]
struct Target<'a> {
    title: &'a str,
    url: &'a str,
    summary: &'a str,
}

/// A Markdown image of the site's own files as HTML: a photo as
/// `<picture>` with its sizes (in feeds, the 1,200-pixel file with its
/// size), anything else as the `<img>` Markdown writes, its URL absolute.
fn markdown_image(site: &Site, call: &Call, page: PageRef<'_>, feed: bool) -> String {
    use pulldown_cmark_escape::{escape_href, escape_html};
    let arg = |name: &str| call.text(name).unwrap_or("");
    let (src, alt, title) = (arg("src"), arg("alt"), arg("title"));
    let mut html = String::new();
    let attr = |html: &mut String, name: &str, value: &str| {
        html.push(' ');
        html.push_str(name);
        html.push_str("=\"");
        // Writing to a String cannot fail.
        let _ = escape_html(&mut *html, value);
        html.push('"');
    };
    let url_attr = |html: &mut String, name: &str, value: &str| {
        html.push(' ');
        html.push_str(name);
        html.push_str("=\"");
        let _ = escape_href(&mut *html, value);
        html.push('"');
    };
    let found = site.images.find(&site.config, page.url, src);
    let picture = found.map(|i| site.images.picture(&site.config, i));
    match picture {
        Some(p) if !feed => {
            html.push_str("<picture>");
            for source in &p.sources {
                html.push_str("<source");
                attr(&mut html, "type", source.media_type);
                attr(&mut html, "srcset", &source.srcset);
                attr(&mut html, "sizes", BODY_SIZES);
                html.push('>');
            }
            html.push_str("<img");
            url_attr(&mut html, "src", &p.src);
            if !p.srcset.is_empty() {
                attr(&mut html, "srcset", &p.srcset);
                attr(&mut html, "sizes", BODY_SIZES);
            }
            attr(&mut html, "width", &p.width.to_string());
            attr(&mut html, "height", &p.height.to_string());
        }
        Some(p) => {
            html.push_str("<img");
            url_attr(&mut html, "src", &p.src);
            attr(&mut html, "width", &p.width.to_string());
            attr(&mut html, "height", &p.height.to_string());
        }
        None => {
            html.push_str("<img");
            let absolute = crate::paths::resolve_url(&site.config, page.url, src);
            url_attr(&mut html, "src", &absolute);
        }
    }
    attr(&mut html, "alt", alt);
    if !title.is_empty() {
        attr(&mut html, "title", title);
    }
    if !feed {
        html.push_str(" loading=\"lazy\" decoding=\"async\"");
    }
    html.push('>');
    if found.is_some() && !feed {
        html.push_str("</picture>");
    }
    html
}

/// The width the built-in theme gives a photo in an article's text.
const BODY_SIZES: &str = "(min-width: 42rem) 40rem, 100vw";

/// Fills the tokens of `html` with the calls' HTML, each rendered with
/// `render(template, context)`. `feed` gives the feed version.
pub(crate) fn expand(
    site: &Site,
    html: &str,
    calls: &[Call],
    page: PageRef<'_>,
    feed: bool,
    render: &mut dyn FnMut(&str, serde_json::Value) -> Result<String, super::RenderError>,
) -> Result<String, super::RenderError> {
    if calls.is_empty() || !html.contains(shortcode::TOKEN_START) {
        return Ok(html.to_string());
    }
    let mut out = String::with_capacity(html.len() + 1024);
    let mut last = 0;
    for (range, n) in shortcode::tokens(html) {
        out.push_str(&html[last..range.start]);
        last = range.end;
        let Some(call) = calls.get(n) else { continue };
        if call.name == shortcode::IMAGE_CALL {
            out.push_str(&markdown_image(site, call, page, feed));
            continue;
        }
        let template = format!("{PREFIX}{}.html", call.name);
        let mut named = Map::new();
        match spec(&call.name) {
            Some(spec) => {
                for param in spec.params {
                    named.insert(param.name.to_string(), serde_json::Value::Null);
                }
                for (k, v) in args(spec, call) {
                    // Images and files are linked from the page and from
                    // feeds alike: made absolute.
                    let kind = spec.params.iter().find(|p| p.name == k).map(|p| p.kind);
                    let link = kind == Some(Kind::Link);
                    let v = match v {
                        Value::Integer(n) if kind == Some(Kind::Text) => Value::Text(n.to_string()),
                        Value::Number(n) if kind == Some(Kind::Text) => Value::Text(n.to_string()),
                        Value::Text(t) if link => {
                            Value::Text(crate::paths::resolve_url(&site.config, page.url, &t))
                        }
                        other => other,
                    };
                    named.insert(k, serde_json::to_value(v).unwrap_or_default());
                }
            }
            None => {
                for (k, v) in &call.named {
                    named.insert(k.clone(), serde_json::to_value(v).unwrap_or_default());
                }
            }
        }
        let target = match named.get("path") {
            Some(serde_json::Value::String(p)) if call.name == "readmore" => {
                content_target(site, p.trim_start_matches("@/")).map(|(title, url, summary)| {
                    Target {
                        title,
                        url,
                        summary,
                    }
                })
            }
            _ => None,
        };
        // A photo of the site (a figure's `src`) comes with its sizes.
        let picture = match call.src() {
            Some(src) if spec(&call.name).is_some() => {
                (site.images.find(&site.config, page.url, src))
                    .map(|i| site.images.picture(&site.config, i))
            }
            _ => None,
        };
        // Feeds have no base URL: their body has absolute links.
        let body_html = match call.body.as_deref() {
            Some(body) => {
                let page_url = url::Url::parse(page.url).ok();
                let safe = site.config.markdown_safe;
                let r = crate::markdown::render_call_body(body, page_url.as_ref(), safe);
                let html = match (feed, r.feed_html) {
                    (true, Some(absolute)) => absolute,
                    _ => r.html,
                };
                // Its photos come with their sizes, as an article's do.
                Some(expand(
                    site,
                    &html,
                    &r.shortcodes,
                    page,
                    feed,
                    &mut *render,
                )?)
            }
            None => None,
        };
        let context = ShortcodeContext {
            picture,
            args: named,
            positional: &call.positional,
            body: call.body.as_deref(),
            body_html,
            feed,
            block: call.block,
            target,
            page,
        };
        let value = serde_json::to_value(&context).map_err(|e| super::RenderError {
            template: template.clone(),
            message: e.to_string(),
        })?;
        out.push_str(render(&template, value)?.trim_end());
        if call.block {
            out.push('\n');
        }
    }
    out.push_str(&html[last..]);
    Ok(out)
}
