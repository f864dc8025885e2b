//! The Tera templates: the built-in set embedded in the binary, and the
//! site's templates/ files that replace built-ins of the same name.

use super::RenderError;
use crate::diagnostics::{Diagnostic, display_path};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tera::{Context, Tera};

/// The built-in templates, by name.
const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("article.html", include_str!("../templates/article.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("author.html", include_str!("../templates/author.html")),
    ("term.html", include_str!("../templates/term.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("alias.html", include_str!("../templates/alias.html")),
    ("terms.html", include_str!("../templates/terms.html")),
    ("authors.html", include_str!("../templates/authors.html")),
    ("archive.html", include_str!("../templates/archive.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("favicon.svg", include_str!("../templates/favicon.svg")),
    ("embeds.js", include_str!("../templates/embeds.js")),
    ("search.js", include_str!("../templates/search.js")),
    ("live.js", include_str!("../templates/live.js")),
    (
        "partials/card.html",
        include_str!("../templates/partials/card.html"),
    ),
    (
        "partials/pagination.html",
        include_str!("../templates/partials/pagination.html"),
    ),
    (
        "partials/footer.html",
        include_str!("../templates/partials/footer.html"),
    ),
    ("style.css", include_str!("../templates/style.css")),
];

pub struct Templates {
    tera: Tera,
    /// Site templates, by name, with the path shown in diagnostics.
    overrides: BTreeMap<String, PathBuf>,
    /// A digest of each template's text, to tell which changed between
    /// two loads (`gazette serve`).
    digests: BTreeMap<String, u64>,
    /// Each template → every template it extends, includes or imports
    /// macros from, guarded or not.
    uses: BTreeMap<String, Vec<String>>,
    /// The text of each site template, to place render errors on a line.
    texts: BTreeMap<String, String>,
    /// The photos `resize_image` finds, of the site being rendered.
    images: super::image_fn::ImagesSlot,
    /// What each template can read of its context, with every template
    /// it extends, includes or imports macros from.
    reads: BTreeMap<String, super::reads::Reads>,
}

impl Templates {
    /// Loads the built-ins and the site's templates/. Every template with a
    /// syntax error is reported, each with its line.
    pub fn load(root: &Path) -> Result<Templates, Vec<Diagnostic>> {
        let mut sources: BTreeMap<String, (String, Option<PathBuf>)> = (BUILT_IN.iter())
            .chain(super::shortcodes::TEMPLATES)
            .map(|(name, text)| (name.to_string(), (text.to_string(), None)))
            .collect();
        let mut errors = Vec::new();
        let dir = root.join("templates");
        if dir.is_dir() {
            // A template linking outside the site could `include` any file
            // of the machine into every page: the walk refuses such links.
            let (files, problems) =
                crate::sources::walk_site_dir(root, Path::new("templates"), |e| {
                    !e.file_name().to_string_lossy().starts_with('.')
                });
            errors.extend(problems);
            for file in files {
                let relative = file.strip_prefix(root).unwrap_or(&file);
                let name = file
                    .strip_prefix(&dir)
                    .unwrap_or(&file)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                match crate::content::read_text(root, relative) {
                    Ok(text) => {
                        sources.insert(name, (text, Some(display_path(root, relative))));
                    }
                    Err(d) => errors.push(d),
                }
            }
        }

        // Parse each template on its own first, so every syntax error in
        // every file is reported, with its own line.
        let mut references: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut parsed: BTreeMap<String, tera::Template> = BTreeMap::new();
        for (name, (text, display)) in &sources {
            match tera::Template::new(name, None, text) {
                Ok(template) => {
                    references.insert(name.clone(), recursing_references(&template));
                    uses.insert(name.clone(), all_references(&template));
                    parsed.insert(name.clone(), template);
                }
                Err(e) => errors.push(syntax_error(name, display.as_deref(), text, &e)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let reads = (parsed.keys())
            .map(|name| {
                let mut reached = BTreeSet::new();
                let mut todo = vec![name.as_str()];
                while let Some(next) = todo.pop() {
                    if reached.insert(next) {
                        todo.extend(uses.get(next).into_iter().flatten().map(String::as_str));
                    }
                }
                let asts = reached.into_iter().filter_map(|n| parsed.get(n));
                (name.clone(), super::reads::Reads::of(asts))
            })
            .collect();
        // Tera would recurse until the stack overflows: refuse first.
        let shown = |name: &str| {
            sources
                .get(name)
                .and_then(|(_, d)| d.clone())
                .unwrap_or_else(|| PathBuf::from(format!("(built-in template) {name}")))
        };
        if let Some(cycle) = super::guard::find_cycle(&references) {
            errors.push(Diagnostic::error(
                shown(&cycle[0]),
                format!(
                    "templates extend or include each other in a loop: {}; Tera counts no depth, so a loop whose condition stays true overflows the stack: include a template that does not lead back",
                    cycle.join(" → ")
                ),
            ));
        }
        if let Some((file, cycle)) = super::guard::find_recursive_macro(&parsed) {
            errors.push(Diagnostic::error(
                shown(&file),
                format!(
                    "a macro calls itself: {cycle}; Tera counts no depth, so a recursion that does not stop overflows the stack: write the repetition as a `for` loop"
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut tera = Tera::default();
        super::guard::register_checked_functions(&mut tera);
        let images = super::image_fn::ImagesSlot::default();
        tera.register_function(
            "resize_image",
            super::image_fn::ResizeImage {
                slot: Arc::clone(&images),
            },
        );
        tera.autoescape_on(vec![".html", ".htm", ".xml"]);
        tera.set_escape_fn(escape_html);
        let overrides: BTreeMap<String, PathBuf> = sources
            .iter()
            .filter_map(|(name, (_, display))| display.clone().map(|d| (name.clone(), d)))
            .collect();
        let digests = sources
            .iter()
            .map(|(name, (text, _))| (name.clone(), xxhash_rust::xxh3::xxh3_64(text.as_bytes())))
            .collect();
        let texts: BTreeMap<String, String> = sources
            .iter()
            .filter(|(_, (_, display))| display.is_some())
            .map(|(name, (text, _))| (name.clone(), text.clone()))
            .collect();
        let all: Vec<(String, String)> = sources
            .into_iter()
            .map(|(name, (text, _))| (name, text))
            .collect();
        if let Err(e) = tera.add_raw_templates(all) {
            // A parent or include that does not exist, or a loop of them.
            // Tera's error kind names the template at fault.
            let at_fault = match &e.kind {
                tera::ErrorKind::MissingParent { current, .. } => Some(current),
                tera::ErrorKind::CircularExtend { tpl, .. } => Some(tpl),
                tera::ErrorKind::TemplateNotFound(name) => Some(name),
                _ => None,
            };
            let path = (at_fault.and_then(|name| overrides.get(name)))
                .map_or_else(|| PathBuf::from("templates"), PathBuf::clone);
            return Err(vec![Diagnostic::error(path, error_chain(&e))]);
        }
        Ok(Templates {
            tera,
            overrides,
            digests,
            uses,
            texts,
            images,
            reads,
        })
    }

    /// What template `name` can read of its context (everything, for a
    /// name that is not a template).
    pub(crate) fn reads(&self, name: &str) -> &super::reads::Reads {
        static EVERYTHING: super::reads::Reads = super::reads::Reads::everything();
        self.reads.get(name).unwrap_or(&EVERYTHING)
    }

    /// One digest of every template's name and text.
    pub(crate) fn digest(&self) -> u64 {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for (name, digest) in &self.digests {
            hasher.update(name.as_bytes());
            hasher.update(&[0]);
            hasher.update(&digest.to_le_bytes());
        }
        hasher.digest()
    }

    /// Makes `site`'s photos the ones `resize_image` finds.
    pub(crate) fn use_site(&self, site: &crate::site::Site) {
        let mut slot = self.images.write().unwrap_or_else(|e| e.into_inner());
        *slot = Some((Arc::clone(&site.images), site.config.clone()));
    }

    /// The site template a failed render of `name` went wrong in, when it
    /// is not `name` itself: Tera names only the page's template, so an
    /// error in the site's `partials/footer.html` would be reported against
    /// every built-in page template that includes it. Each site template
    /// `name` reaches is rendered alone with the same variables (included
    /// templates see the page's); the one that fails with the same error,
    /// and reaches no other that does, is blamed. Runs only on failure.
    fn blame(&self, name: &str, context: &Context, error: &tera::Error) -> Option<RenderError> {
        let innermost = causes(error).pop()?;
        let fails_alike = |candidate: &str| {
            let mut sink = Vec::new();
            let capped = super::guard::CappedWriter { out: &mut sink };
            match self.tera.render_to(candidate, context, capped) {
                Err(e) => causes(&e).pop().as_deref() == Some(innermost.as_str()),
                Ok(()) => false,
            }
        };
        let candidates: Vec<&String> = (self.overrides.keys())
            .filter(|c| c.as_str() != name && self.reaches_name(name, c))
            .filter(|c| fails_alike(c))
            .collect();
        let deepest = candidates.iter().find(|c| {
            !candidates
                .iter()
                .any(|other| other != *c && self.reaches_name(c, other))
        })?;
        Some(RenderError {
            template: (*deepest).clone(),
            message: with_hint(innermost.trim().to_string()),
        })
    }

    /// Whether `from` extends, includes or imports `to`, at any depth.
    fn reaches_name(&self, from: &str, to: &str) -> bool {
        self.reaches(from, &BTreeSet::from([to.to_string()]))
    }

    /// Places a render error of a site template on the line that names
    /// what the message quotes (the variable, template or function), when
    /// exactly one place does.
    pub fn place(&self, diagnostic: Diagnostic, template: &str) -> Diagnostic {
        let Some(text) = self.texts.get(template) else {
            return diagnostic;
        };
        let quoted = diagnostic
            .message
            .split(['`', '\''])
            .nth(1)
            .map(|q| q.trim_start_matches('[').trim_end_matches(']').to_string());
        let Some(quoted) = quoted.filter(|q| !q.is_empty()) else {
            return diagnostic;
        };
        let mut found = text.match_indices(quoted.as_str());
        match (found.next(), found.next()) {
            (Some((offset, _)), None) => diagnostic.at_offset(text, offset),
            _ => diagnostic,
        }
    }

    /// The templates whose text differs from `previous`, or that only one
    /// of the two has.
    pub(crate) fn changed_since(&self, previous: &Templates) -> BTreeSet<String> {
        let names = self.digests.keys().chain(previous.digests.keys());
        names
            .filter(|name| self.digests.get(*name) != previous.digests.get(*name))
            .cloned()
            .collect()
    }

    /// Whether rendering `name` may use any of `changed`: the template
    /// itself, or one it extends, includes or imports, at any depth.
    pub fn reaches(&self, name: &str, changed: &BTreeSet<String>) -> bool {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![name];
        while let Some(next) = todo.pop() {
            if changed.contains(next) {
                return true;
            }
            if seen.insert(next) {
                todo.extend(
                    self.uses
                        .get(next)
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
        }
        false
    }

    pub fn has(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    /// Whether one of the site's HTML templates may write what a strict
    /// Content-Security-Policy blocks: an inline `<script>` (JSON-LD
    /// aside), a `<style>` element, a `style` or `on…` attribute. A look
    /// at the text, not a proof: when in doubt, yes.
    pub(crate) fn may_break_csp(&self) -> bool {
        (self.texts.iter())
            .filter(|(name, _)| name.ends_with(".html"))
            .any(|(_, text)| breaks_csp(&text.to_ascii_lowercase()))
    }

    /// The text of a template from the site's templates/, if it has one.
    pub(crate) fn site_text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// The name of every template, built-in or the site's.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.tera.get_template_names()
    }

    /// Where a template comes from, for diagnostics.
    pub fn display(&self, name: &str) -> PathBuf {
        self.overrides
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(format!("(built-in template) {name}")))
    }

    /// Renders `name` with the page's variables `page` added to `worker`,
    /// a context holding what every page shares; they are taken out again
    /// afterwards, so the next page starts from the shared part alone.
    pub fn render(
        &self,
        name: &str,
        page: Value,
        worker: &mut Context,
    ) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        self.render_into(name, page, worker, &mut out)?;
        Ok(out)
    }

    /// [`Templates::render`] into `out`, which is cleared first: a render
    /// worker reuses one buffer for every page instead of growing a new one.
    pub(crate) fn render_into(
        &self,
        name: &str,
        page: Value,
        worker: &mut Context,
        out: &mut Vec<u8>,
    ) -> Result<(), RenderError> {
        let fail = |e: tera::Error| RenderError {
            template: name.to_string(),
            message: error_chain(&e),
        };
        let keys: Vec<String> = page
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        worker.extend(Context::from_value(page).map_err(fail)?);
        out.clear();
        let capped = super::guard::CappedWriter { out: &mut *out };
        let result = (self.tera.render_to(name, worker, capped))
            .map_err(|e| self.blame(name, worker, &e).unwrap_or_else(|| fail(e)));
        for key in &keys {
            worker.remove(key);
        }
        result
    }
}

/// Escapes `& < > " '` with pulldown-cmark's escaper. Tera's own also
/// escapes `/`, which makes every URL in a page unreadable (`https:&#x2F;&#x2F;`)
/// for no gain in safety.
/// Whether lowercased template text holds markup a strict CSP blocks.
fn breaks_csp(text: &str) -> bool {
    let inline_script = text.match_indices("<script").any(|(at, _)| {
        let tag = &text[at..at + text[at..].find('>').unwrap_or(text.len() - at)];
        !tag.contains(" src=") && !tag.contains("application/ld+json")
    });
    let handler = text.match_indices(" on").any(|(at, _)| {
        let name: String = (text[at + 1..].chars())
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        name.len() > 2 && text[at + 1 + name.len()..].trim_start().starts_with('=')
    });
    inline_script || handler || text.contains("<style") || text.contains(" style=")
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// The templates `template` extends or includes, wherever the tag stands:
/// a loop among them is a recursion Tera cannot bound, guarded or not.
fn recursing_references(template: &tera::Template) -> Vec<String> {
    let mut out: Vec<String> = template.parent.iter().cloned().collect();
    includes_into(&template.ast, &mut out);
    for block in template.blocks.values() {
        includes_into(&block.body, &mut out);
    }
    for definition in template.macros.values() {
        includes_into(&definition.body, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// The includes of `nodes`, at any depth.
fn includes_into(nodes: &[tera::ast::Node], out: &mut Vec<String>) {
    use tera::ast::Node;
    for node in nodes {
        match node {
            Node::Include(_, names, _) => out.extend(names.iter().cloned()),
            Node::Block(_, block, _) => includes_into(&block.body, out),
            Node::FilterSection(_, section, _) => includes_into(&section.body, out),
            Node::MacroDefinition(_, definition, _) => includes_into(&definition.body, out),
            Node::Forloop(_, forloop, _) => {
                includes_into(&forloop.body, out);
                includes_into(forloop.empty_body.as_deref().unwrap_or_default(), out);
            }
            Node::If(branches, _) => {
                for (_, _, body) in &branches.conditions {
                    includes_into(body, out);
                }
                if let Some((_, body)) = &branches.otherwise {
                    includes_into(body, out);
                }
            }
            _ => {}
        }
    }
}

/// Every template `template` extends, includes or imports macros from,
/// wherever the tag stands (in a block, a loop, a branch or a macro).
fn all_references(template: &tera::Template) -> Vec<String> {
    references(template)
}

/// The parent, includes and macro imports of `template`, wherever they
/// stand (in loops, branches and macros too).
fn references(template: &tera::Template) -> Vec<String> {
    let mut out = recursing_references(template);
    out.extend(
        template
            .imported_macro_files
            .iter()
            .map(|(file, _)| file.clone()),
    );
    out.sort();
    out.dedup();
    out
}

/// Tera's error followed by its causes, outermost first.
fn causes(error: &tera::Error) -> Vec<String> {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts
}

/// Tera's error and its causes in one line, without repeating itself.
fn error_chain(error: &tera::Error) -> String {
    with_hint(chain_of_causes(error))
}

/// `message`, with how to fix it where gazette knows better than Tera.
fn with_hint(message: String) -> String {
    // Null only on the numbered pages of a list counted from the oldest.
    let null_when_from_oldest = ["`paginator.total`", "`paginator.total_articles`"];
    if null_when_from_oldest
        .iter()
        .any(|name| message.contains(name))
    {
        return format!(
            "{message}: with page_numbers = \"from-oldest\" it is null on a list's numbered pages, so test it first (`{{% if paginator.total and paginator.total > 1 %}}`)"
        );
    }
    message
}

/// The innermost of Tera's causes, with the outermost where it helps.
fn chain_of_causes(error: &tera::Error) -> String {
    let mut parts = causes(error);
    // The innermost cause says what is wrong; the outer ones where.
    let last = parts.pop().unwrap_or_default();
    let mut message = last.trim().to_string();
    if let Some(outer) = parts.first()
        && parts.len() > 1
        && !message.contains(outer.as_str())
    {
        message = format!("{message} ({})", outer.trim());
    }
    message
}

/// A template syntax error placed on its line: Tera's parser reports
/// positions as ` --> LINE:COL`.
fn syntax_error(name: &str, display: Option<&Path>, text: &str, error: &tera::Error) -> Diagnostic {
    let chain = causes(error).join("\n");
    let position = chain.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("-->")?.trim();
        let (line, column) = rest.split_once(':')?;
        Some((
            line.trim().parse::<usize>().ok()?,
            column.trim().parse::<usize>().ok()?,
        ))
    });
    let expected = chain
        .lines()
        .find_map(|l| l.trim().strip_prefix("= ").map(str::to_string))
        .unwrap_or_else(|| "syntax error".to_string());
    let path = display.map_or_else(
        || PathBuf::from(format!("(built-in template) {name}")),
        Path::to_path_buf,
    );
    let diagnostic = Diagnostic::error(path, format!("template syntax error: {expected}"));
    match position {
        Some((line, column)) => diagnostic.at(text, line, column),
        None => diagnostic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_a_strict_csp_blocks_is_seen() {
        for blocked in [
            "<script>alert(1)</script>",
            "<div style=\"color: red\">",
            "<style>p {}</style>",
            "<a onclick=\"x()\">",
            "<body onload = \"x()\">",
        ] {
            assert!(breaks_csp(blocked), "{blocked}");
        }
        for allowed in [
            "<script src=\"/a.js\" defer></script>",
            "<script type=\"application/ld+json\">{}</script>",
            "<p>Read on: the online edition</p>",
            "<footer class=\"site-footer\">{{ site.title }}</footer>",
        ] {
            assert!(!breaks_csp(allowed), "{allowed}");
        }
    }

    fn load(files: &[(&str, &str)]) -> Templates {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join("templates").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Templates::load(dir.path()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_template_reaches_what_it_extends_includes_and_imports_at_any_depth() {
        let templates = load(&[
            ("parts/guarded.html", "guarded"),
            ("parts/in_macro.html", "in macro"),
            ("parts/leaf.html", "leaf"),
            ("parts/middle.html", "{% include \"parts/leaf.html\" %}"),
            (
                "macros.html",
                "{% macro m() %}{% include \"parts/in_macro.html\" %}{% endmacro m %}",
            ),
            (
                "term.html",
                "{% import \"macros.html\" as x %}{% extends \"base.html\" %}{% block content %}{% for a in [1] %}{% if a %}{% include \"parts/guarded.html\" %}{% endif %}{% endfor %}{% include \"parts/middle.html\" %}{% endblock content %}",
            ),
        ]);
        for changed in [
            "term.html",
            "base.html",
            "partials/footer.html",
            "parts/guarded.html",
            "parts/leaf.html",
            "macros.html",
            "parts/in_macro.html",
        ] {
            assert!(
                templates.reaches("term.html", &set(&[changed])),
                "{changed}"
            );
        }
        assert!(!templates.reaches("term.html", &set(&["article.html", "style.css"])));
        assert!(!templates.reaches("article.html", &set(&["term.html", "parts/leaf.html"])));
        assert!(templates.reaches("article.html", &set(&["base.html"])));
    }

    #[test]
    fn changed_templates_are_those_whose_text_differs_or_that_come_or_go() {
        let before = load(&[("term.html", "one"), ("gone.html", "x"), ("same.html", "s")]);
        let after = load(&[("term.html", "two"), ("new.html", "y"), ("same.html", "s")]);
        assert_eq!(
            after.changed_since(&before),
            set(&["gone.html", "new.html", "term.html"])
        );
        // A site template that replaces a built-in one changes it.
        let plain = load(&[]);
        let footer = load(&[("partials/footer.html", "<footer>ours</footer>")]);
        assert_eq!(footer.changed_since(&plain), set(&["partials/footer.html"]));
    }
}
