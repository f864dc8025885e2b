//! Files static hosts read beside the site: `_redirects` (Netlify,
//! Cloudflare Pages) and an nginx `map` that make every alias a real HTTP
//! redirect (the meta-refresh pages stay, for hosts that read neither),
//! and `_headers` with cache lifetimes and the Content-Security-Policy the
//! built-in theme satisfies.

use crate::config::Config;
use crate::site::Site;
use url::Url;

/// The Content-Security-Policy of the built-in theme: scripts and styles
/// only from the site's own files (no inline ones anywhere), photos and
/// embeds also from other https sites (a lead image on a CDN, a video
/// player), nothing else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; media-src 'self' https:; frame-src https:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";

/// What static/ already gives of the files below: the site's own wins, and
/// gazette writes none in its place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GivenHostFiles {
    pub redirects: bool,
    pub headers: bool,
    /// Whether the site's own HTML templates may write inline script or
    /// style: the policy would break them, and `_headers` sets none.
    pub templates_break_csp: bool,
}

/// Every alias of the site, as URL paths: (old, new), sorted by old.
pub(crate) fn redirects(site: &Site) -> Vec<(String, String)> {
    let config = &site.config;
    let articles = (site.articles.iter())
        .flat_map(|a| a.doc.meta.aliases.iter().map(move |alias| (alias, &a.path)));
    let pages = (site.pages.iter())
        .flat_map(|p| p.doc.meta.aliases.iter().map(move |alias| (alias, &p.path)));
    let mut all: Vec<(String, String)> = articles
        .chain(pages)
        .map(|(from, to)| (url_path(config, from), url_path(config, to)))
        .collect();
    all.sort();
    all
}

/// The path of a site path's URL, percent-encoded as a browser sends it
/// (and with the base URL's own path, such as `/news`, in front).
fn url_path(config: &Config, site_path: &str) -> String {
    match Url::parse(&config.url(site_path)) {
        Ok(url) => url.path().to_string(),
        Err(_) => site_path.to_string(),
    }
}

/// `_redirects`: one `FROM TO 301` line an alias. Paths are
/// percent-encoded, so no space or line break can split a rule.
pub fn netlify_redirects(redirects: &[(String, String)]) -> Vec<u8> {
    let mut text = String::from("# Made by gazette: each alias, a permanent redirect.\n");
    for (from, to) in redirects {
        text += &format!("{from} {to} 301\n");
    }
    text.into_bytes()
}

/// An nginx `map` from each alias to its page, for `include` in the
/// `http` block; the comment says the one line the `server` block needs.
pub fn nginx_map(redirects: &[(String, String)]) -> Vec<u8> {
    let mut text = String::from(
        "# Made by gazette: each alias, a permanent redirect. Include this file\n\
         # in nginx's `http` block, and add to the site's `server` block:\n\
         #     if ($gazette_redirect) { return 301 $gazette_redirect; }\n\
         map $uri $gazette_redirect {\n    default \"\";\n",
    );
    for (from, to) in redirects {
        // `$uri` is the path decoded (and without the query string), so
        // the keys are too. A `$` in a value would name a variable: the
        // values stay encoded, with `$` encoded as well.
        let decoded = percent_encoding::percent_decode_str(from).decode_utf8_lossy();
        text += &format!(
            "    {} {};\n",
            nginx_string(&decoded),
            nginx_string(&to.replace('$', "%24"))
        );
    }
    text += "}\n";
    text.into_bytes()
}

/// `text` as a double-quoted nginx string.
fn nginx_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `_headers`: security headers and the theme's policy on every file, and
/// how long browsers and CDNs keep the files that are not pages. Pages
/// keep the hosts' default (asked again each visit). Both hosts join the
/// values of a header set by two matching rules, so each header is set
/// by one rule only. The theme's fingerprinted files never change under
/// their names: a year, immutable; its plain-named copies, which keep
/// their names when they change, an hour; feeds, five minutes.
/// `theme_files` are the site paths of the theme's plain-named files.
pub fn headers(given: GivenHostFiles, theme_files: &[&str]) -> Vec<u8> {
    let mut text =
        String::from("# Made by gazette: headers for Netlify and Cloudflare Pages.\n/*\n");
    text += "  X-Content-Type-Options: nosniff\n";
    text += "  Referrer-Policy: strict-origin-when-cross-origin\n";
    if !given.templates_break_csp {
        text += &format!("  Content-Security-Policy: {CONTENT_SECURITY_POLICY}\n");
    }
    text += &format!(
        "{}*\n  Cache-Control: public, max-age=31536000, immutable\n",
        crate::paths::IMMUTABLE_ASSETS
    );
    for path in theme_files {
        text += &format!("{path}\n  Cache-Control: public, max-age=3600\n");
    }
    for feed in [
        crate::paths::RSS,
        crate::paths::ATOM,
        crate::paths::JSON_FEED,
    ] {
        text += &format!("{feed}\n  Cache-Control: public, max-age=300\n");
    }
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_strings_cannot_be_broken_out_of() {
        let map = String::from_utf8(nginx_map(&[(
            "/a%22b/".to_string(),
            "/new/$host\"; return 200 x;/".to_string(),
        )]))
        .unwrap();
        assert!(
            map.contains("    \"/a\\\"b/\" \"/new/%24host\\\"; return 200 x;/\";\n"),
            "{map}"
        );
    }
}
