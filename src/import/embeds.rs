//! Other systems' embeds as gazette shortcode calls: a video, post or
//! chart URL becomes the built-in shortcode that shows it (see
//! docs/shortcodes.md), and calls are written with their arguments quoted.

use url::Url;

/// A shortcode call, `{{< name key="value" >}}`, with each value quoted
/// and escaped as the shortcode reader expects; empty values are left out.
pub(crate) fn call(name: &str, named: &[(&str, &str)]) -> String {
    let mut out = format!("{{{{< {name}");
    for (key, value) in named {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            continue;
        }
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str(&format!(" {key}=\"{escaped}\""));
    }
    out.push_str(" >}}");
    out
}

/// Why a gist becomes a link, for the import's report.
pub(crate) const GIST_NOTE: &str = "a link to the gist: gazette embeds no scripts from GitHub";

/// A GitHub gist (`user/id`) as a Markdown link to it.
pub(crate) fn gist_link(path: &str) -> String {
    format!("[Gist {path}](https://gist.github.com/{path})")
}

/// A call with a body: `{{< name … >}}body{{< /name >}}`.
pub(crate) fn call_with_body(name: &str, named: &[(&str, &str)], body: &str) -> String {
    format!(
        "{}\n{}\n{{{{< /{name} >}}}}",
        call(name, named),
        body.trim()
    )
}

/// The built-in shortcode that shows `link` (a YouTube or Vimeo video, a
/// post on X, Bluesky, Instagram or Mastodon, a Datawrapper or Flourish
/// chart, a DocumentCloud document), or None for any other address.
pub(crate) fn for_url(link: &str, title: Option<&str>) -> Option<String> {
    let url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url
        .host_str()?
        .trim_start_matches("www.")
        .trim_start_matches("m.");
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let title = title.unwrap_or("");
    let with_title =
        |name: &str, key: &str, value: &str| call(name, &[(key, value), ("title", title)]);
    match (host, segments.as_slice()) {
        ("youtube.com" | "youtube-nocookie.com", ["watch"]) => {
            let id = url.query_pairs().find(|(k, _)| k == "v")?.1.into_owned();
            video_id(&id).then(|| with_title("youtube", "id", &id))
        }
        ("youtube.com" | "youtube-nocookie.com", ["embed" | "shorts" | "live" | "v", id, ..])
        | ("youtu.be", [id, ..]) => video_id(id).then(|| with_title("youtube", "id", id)),
        ("vimeo.com", [.., id]) | ("player.vimeo.com", ["video", id, ..])
            if id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(with_title("vimeo", "id", id))
        }
        ("twitter.com" | "x.com", [_, "status", id, ..])
            if id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(call("tweet", &[("url", url.as_str())]))
        }
        ("instagram.com", ["p" | "reel" | "tv", _, ..]) => {
            Some(call("instagram", &[("url", url.as_str())]))
        }
        ("bsky.app", ["profile", _, "post", _]) => Some(call("bluesky", &[("url", url.as_str())])),
        (_, [user, id]) if user.starts_with('@') && id.bytes().all(|b| b.is_ascii_digit()) => {
            Some(call("mastodon", &[("url", url.as_str())]))
        }
        ("datawrapper.dwcdn.net", [id, ..]) => Some(with_title("datawrapper", "id", id)),
        ("public.flourish.studio", ["visualisation" | "story", id, ..]) => {
            let id = if segments[0] == "story" {
                format!("story/{id}")
            } else {
                id.to_string()
            };
            Some(with_title("flourish", "id", &id))
        }
        ("documentcloud.org" | "embed.documentcloud.org", ["documents", ..]) => {
            Some(with_title("documentcloud", "url", url.as_str()))
        }
        _ => None,
    }
}

fn video_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_providers_become_their_shortcodes() {
        let cases = [
            (
                "https://www.youtube.com/watch?v=w7Ejrw5kBu0&t=3",
                "{{< youtube id=\"w7Ejrw5kBu0\" >}}",
            ),
            (
                "https://youtu.be/w7Ejrw5kBu0",
                "{{< youtube id=\"w7Ejrw5kBu0\" >}}",
            ),
            (
                "https://vimeo.com/76979871",
                "{{< vimeo id=\"76979871\" >}}",
            ),
            (
                "https://twitter.com/reuters/status/1375355512345678901",
                "{{< tweet url=\"https://twitter.com/reuters/status/1375355512345678901\" >}}",
            ),
            (
                "https://mastodon.social/@gazette/109876543210",
                "{{< mastodon url=\"https://mastodon.social/@gazette/109876543210\" >}}",
            ),
            (
                "https://datawrapper.dwcdn.net/abc12/3/",
                "{{< datawrapper id=\"abc12\" >}}",
            ),
            (
                "https://public.flourish.studio/story/123/",
                "{{< flourish id=\"story/123\" >}}",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(for_url(url, None).as_deref(), Some(expected), "{url}");
        }
        assert_eq!(for_url("https://example.com/a/b", None), None);
        assert_eq!(for_url("javascript:alert(1)", None), None);
    }

    #[test]
    fn values_are_quoted_and_escaped() {
        assert_eq!(
            call(
                "figure",
                &[
                    ("src", "a.jpg"),
                    ("caption", "The \"deal\"\n signed"),
                    ("alt", "")
                ]
            ),
            "{{< figure src=\"a.jpg\" caption=\"The \\\"deal\\\" signed\" >}}"
        );
    }
}
