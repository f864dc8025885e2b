//! The HTTP side of `gazette serve` (axum): files of the current snapshot
//! with their content types, `/dir` redirected to `/dir/`, the site's 404
//! page, and the live-reload script and its event stream. Paths are looked
//! up in the snapshot, never on disk, so no path can reach a file outside
//! the built site; `..` and encoded tricks are refused before the lookup.

use super::snapshot::Served;
use super::{Live, LiveEvent};
use crate::render::escape_html;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// Where the page script and its events live; no site path starts so.
pub const LIVE_PREFIX: &str = "/__gazette/";

/// How long a client may take to send a request's headers before the
/// connection is closed: a client that never finishes them would otherwise
/// hold a connection open for good.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of a static file is read at a time, and how many such chunks
/// may wait for a slow client: a request holds at most this much memory.
const CHUNK_BYTES: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// Serves until the process ends. Connections are served by hyper
/// directly (axum's `serve` sets no header timeout).
pub async fn run(listener: std::net::TcpListener, live: Arc<Live>) -> Result<(), String> {
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot serve: {e}"))?;
    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|e| format!("cannot serve: {e}"))?;
    let app = Router::new()
        .route("/__gazette/live.js", axum::routing::get(live_script))
        .route("/__gazette/events", axum::routing::get(events))
        .fallback(site_file)
        .with_state(live);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors, say: wait, then take the next one.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            let io = hyper_util::rt::TokioIo::new(stream);
            // A client that goes away is no error of the server's.
            let _ = builder.serve_connection(io, service).await;
        });
    }
}

/// The script injected into every served HTML page.
async fn live_script() -> Response {
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        Body::from(LIVE_JS),
    )
}

const LIVE_JS: &str = include_str!("live.js");

/// The event stream a page's script listens to. `?v=N` is the build the
/// page came from: an older page is told to reload at once, which covers
/// a save made while it was loading.
async fn events(State(live): State<Arc<Live>>, uri: Uri) -> impl IntoResponse {
    let page_version = uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("v=")))
        .and_then(|v| v.parse::<u64>().ok());
    let mut first = Vec::new();
    if let Some(error) = live.error() {
        first.push(LiveEvent::BuildError(error));
    } else if page_version.is_some_and(|v| v != live.version()) {
        first.push(LiveEvent::Reload);
    }
    let updates = BroadcastStream::new(live.subscribe()).filter_map(Result::ok);
    let stream = tokio_stream::iter(first)
        .chain(updates)
        .map(|event| Ok::<Event, Infallible>(to_sse(event)));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn to_sse(event: LiveEvent) -> Event {
    match event {
        LiveEvent::Reload => Event::default().event("reload").data("reload"),
        LiveEvent::Css => Event::default().event("css").data("css"),
        LiveEvent::BuildError(text) => Event::default().event("build-error").data(text),
    }
}

/// A file of the site, by its URL path. Pages may have to be rendered and
/// files read, so the work runs off the runtime's workers: a slow page or
/// a large file never holds up the other requests.
async fn site_file(State(live): State<Arc<Live>>, uri: Uri) -> Response {
    tokio::task::spawn_blocking(move || site_file_now(&live, &uri))
        .await
        .unwrap_or_else(|_| {
            respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                Body::from("500: the request failed\n"),
            )
        })
}

fn site_file_now(live: &Live, uri: &Uri) -> Response {
    let Some(path) = clean_path(uri.path()) else {
        return respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            Body::from("400 bad request: the path leaves the site\n"),
        );
    };
    let snapshot = live.snapshot();
    let version = live.version();
    let lookup = |key: &str| match &snapshot {
        Some(site) => site.get(key),
        None => Ok(None),
    };
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    match lookup(&key) {
        Ok(Some(file)) => return file_response(StatusCode::OK, &key, file, version),
        Ok(None) => {}
        // A page that fails to render: the check after the build reports
        // it too, and puts the last good build back. Until then, the last
        // build that passed its check answers, if there is one.
        Err(diagnostic) => {
            if let Some(Ok(Some(file))) = live.checked().map(|good| good.get(&key)) {
                return file_response(StatusCode::OK, &key, file, version);
            }
            let page = format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Build error</title></head><body><pre>{}</pre></body></html>",
                escape_html(&diagnostic.to_string())
            );
            return file_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500.html",
                Served::Page(Arc::from(page.into_bytes())),
                version,
            );
        }
    }
    // `/about` is the folder `/about/`: send the browser there, as static
    // hosts do, so relative links resolve against the folder.
    if !path.is_empty()
        && !path.ends_with('/')
        && matches!(lookup(&format!("{path}/index.html")), Ok(Some(_)))
    {
        let mut location = format!("{}/", uri.path());
        if let Some(query) = uri.query() {
            location.push('?');
            location.push_str(query);
        }
        let mut response = respond(
            StatusCode::MOVED_PERMANENTLY,
            "text/plain; charset=utf-8",
            Body::empty(),
        );
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    match lookup("404.html") {
        Ok(Some(page)) => file_response(StatusCode::NOT_FOUND, "404.html", page, version),
        _ => {
            // No site yet (the first build failed): a page for the overlay.
            let page = format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><p>Nothing at {}.</p></body></html>",
                escape_html(uri.path())
            );
            file_response(
                StatusCode::NOT_FOUND,
                "404.html",
                Served::Page(Arc::from(page.into_bytes())),
                version,
            )
        }
    }
}

/// The path of a request, decoded and relative (`2021/03/x/`), or None if
/// it tries to leave the site: `..` or `.` segments, encoded or not,
/// backslashes, NUL bytes or text that is not UTF-8.
pub(crate) fn clean_path(raw: &str) -> Option<String> {
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let relative = decoded.strip_prefix('/').unwrap_or(&decoded);
    if relative
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return None;
    }
    if relative.starts_with('/') || relative.contains("//") {
        return None;
    }
    Some(relative.to_string())
}

/// A file's response: its content type, no caching (every save changes
/// it), and in HTML pages the live-reload script. Static files are
/// streamed from disk a chunk at a time.
fn file_response(status: StatusCode, key: &str, file: Served, version: u64) -> Response {
    let content_type = content_type(key);
    let body = match file {
        Served::Page(bytes) if content_type.starts_with("text/html") => {
            Body::from(with_live_script(&bytes, version))
        }
        // Shared with the snapshot, not copied.
        Served::Page(bytes) => Body::from(Bytes::from_owner(bytes)),
        Served::File(path) => match std::fs::File::open(&path) {
            Ok(file) => {
                let length = file.metadata().map(|m| m.len()).ok();
                let mut response = respond(status, &content_type, stream_file(file));
                if let Some(value) = length.and_then(|l| HeaderValue::from_str(&l.to_string()).ok())
                {
                    response.headers_mut().insert(header::CONTENT_LENGTH, value);
                }
                return response;
            }
            Err(e) => {
                return respond(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain; charset=utf-8",
                    Body::from(format!("500: cannot read {}: {e}\n", path.display())),
                );
            }
        },
    };
    respond(status, &content_type, body)
}

/// A body that reads `file` on a blocking thread as the client takes it:
/// at most [`CHUNKS_IN_FLIGHT`] chunks wait in memory, and the reading
/// stops when the client goes away.
fn stream_file(mut file: std::fs::File) -> Body {
    use std::io::Read;
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
    tokio::runtime::Handle::current().spawn_blocking(move || {
        loop {
            let mut chunk = vec![0u8; CHUNK_BYTES];
            let chunk = match file.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => {
                    chunk.truncate(n);
                    Ok(Bytes::from(chunk))
                }
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if sender.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
}

fn respond(status: StatusCode, content_type: &str, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The Content-Type of an output file, by its name; text types say UTF-8,
/// which is what gazette writes.
pub fn content_type(key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    let mime = match name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
    {
        // Feeds are served as XML, which every browser shows.
        Some(ext) if ext == "xml" => "application/xml".to_string(),
        Some(ext) if ext == "json" => "application/json".to_string(),
        Some(ext) if ext == "txt" => "text/plain".to_string(),
        _ => mime_guess::from_path(name)
            .first_or_octet_stream()
            .essence_str()
            .to_string(),
    };
    let text = mime.starts_with("text/")
        || matches!(
            mime.as_str(),
            "application/xml" | "application/json" | "application/javascript" | "image/svg+xml"
        );
    if text {
        format!("{mime}; charset=utf-8")
    } else {
        mime
    }
}

/// The page with `<script src="/__gazette/live.js?v=N" defer>` before its
/// `</body>`, or at its end if it has none. Deferred, it never holds up
/// the parsing or painting of the page.
pub(crate) fn with_live_script(page: &[u8], version: u64) -> Vec<u8> {
    let tag = format!("<script src=\"{LIVE_PREFIX}live.js?v={version}\" defer></script>");
    let at = find_last_ignore_case(page, b"</body>").unwrap_or(page.len());
    let mut out = Vec::with_capacity(page.len() + tag.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&page[at..]);
    out
}

fn find_last_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=haystack.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_site_are_refused() {
        for bad in [
            "/../site.toml",
            "/%2e%2e/site.toml",
            "/a/%2E%2E/%2e%2e/x",
            "/a/..%2fb",
            "/a%5c..%5cb",
            "/x%00.html",
            "/./x",
            "/%ff",
            "//etc/passwd",
        ] {
            assert_eq!(clean_path(bad), None, "{bad}");
        }
        assert_eq!(clean_path("/2021/03/x/").as_deref(), Some("2021/03/x/"));
        assert_eq!(
            clean_path("/tags/caf%C3%A9/").as_deref(),
            Some("tags/café/")
        );
        assert_eq!(clean_path("/").as_deref(), Some(""));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/gazette.css"),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type("feed.xml"), "application/xml; charset=utf-8");
        assert_eq!(content_type("feed.json"), "application/json; charset=utf-8");
        assert_eq!(content_type("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("lead.jpg"), "image/jpeg");
        assert_eq!(content_type("lead.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("font.woff2"), "font/woff2");
        assert!(content_type("app.js").starts_with("text/javascript"));
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let page = with_live_script(b"<html><BODY>x</Body></html>", 3);
        assert_eq!(
            String::from_utf8(page).unwrap(),
            "<html><BODY>x<script src=\"/__gazette/live.js?v=3\" defer></script></Body></html>"
        );
    }
}
