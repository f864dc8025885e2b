//! `gazette serve`, `gazette new` and `gazette init`: a real server on a
//! free port, spoken to over plain HTTP/1.1; files edited, added and
//! deleted on disk while it runs.

mod common;
#[path = "../examples/support/webdriver.rs"]
mod webdriver;

use common::{Fixture, SITE_TOML, article, gazette, tree};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use webdriver::Browser;

/// A running `gazette serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    output: Arc<Mutex<String>>,
}

impl Server {
    fn start(site: &Fixture, extra: &[&str]) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(["serve", "--port", "0", "--root"])
            .arg(site.root())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gazette serve");
        // Made at once, so a failed start still stops the child.
        let mut server = Server {
            child,
            port: 0,
            output: Arc::new(Mutex::new(String::new())),
        };
        // Drain both pipes, or a chatty server would block on a full one.
        let stdout = (server.child.stdout.take()).map(|p| Box::new(p) as Box<dyn Read + Send>);
        let stderr = (server.child.stderr.take()).map(|p| Box::new(p) as Box<dyn Read + Send>);
        for pipe in [stdout, stderr].into_iter().flatten() {
            let output = server.output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut all = output.lock().unwrap();
                    all.push_str(&line);
                    all.push('\n');
                }
            });
        }
        let started = Instant::now();
        loop {
            let text = server.output.lock().unwrap().clone();
            if let Some(rest) = text.split("Serving on http://127.0.0.1:").nth(1) {
                server.port = rest.split('/').next().unwrap().parse().unwrap();
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn get(&self, path: &str) -> Reply {
        get(self.port, path)
    }

    /// Waits until the server has logged `count` lines that start with
    /// `start`, and returns the last of them; fails after 15 s.
    fn wait_for_log(&self, start: &str, count: usize) -> String {
        let started = Instant::now();
        loop {
            let text = self.output.lock().unwrap().clone();
            let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(start)).collect();
            if lines.len() >= count {
                return lines[count - 1].to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the server never logged {count} lines starting {start:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every file `gazette build` writes for the server's address.
    fn full_build(&self, site: &Fixture) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let out = tempfile::tempdir().unwrap();
        let output = out.path().join("public");
        let run = gazette(
            &[
                "build",
                "--root",
                site.root().to_str().unwrap(),
                "--output",
                output.to_str().unwrap(),
                "--base-url",
                &self.url(),
            ],
            site.root(),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        tree(&output)
    }

    /// Waits until the server has printed `text`; fails after 15 s.
    fn wait_for_output(&self, text: &str) {
        let started = Instant::now();
        while !self.output.lock().unwrap().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the server never printed {text:?}:\n{}",
                self.output.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Asserts that every file `gazette build` writes for the server's
    /// address is served byte for byte, but for the live-reload script.
    fn assert_serves_a_full_build(&self, site: &Fixture) {
        let files = self.full_build(site);
        assert!(files.len() > 15, "{} files", files.len());
        for (path, bytes) in files {
            let url_path = format!("/{}", path.to_string_lossy());
            let served = self.get(&url_path);
            assert_eq!(served.status, 200, "{url_path}");
            let served = if url_path.ends_with(".html") {
                strip_live_script(&served.body).into_bytes()
            } else {
                served.bytes
            };
            assert!(
                served == bytes,
                "{url_path} differs from the full build:\n{}\n---- full build ----\n{}",
                String::from_utf8_lossy(&served),
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    /// Polls `path` until `ready` holds of it; fails after 15 s.
    fn wait_for(&self, path: &str, what: &str, ready: impl Fn(&Reply) -> bool) -> Reply {
        let started = Instant::now();
        loop {
            let reply = self.get(path);
            if ready(&reply) {
                return reply;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{path} never {what}; last reply {}:\n{}\nserver said:\n{}",
                reply.status,
                reply.body,
                self.output.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
    bytes: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// One GET, written by hand so the path reaches the server exactly as
/// given (`..` and encodings included).
fn get(port: u16, path: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the reply");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete reply");
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let bytes = raw[split + 4..].to_vec();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// Reads the live-reload event stream until `until` appears in it.
fn events_until(port: u16, query: &str, until: &str, act: impl FnOnce()) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(
        stream,
        "GET /__gazette/events{query} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut seen = String::new();
    let mut buffer = [0u8; 4096];
    // Wait for the stream's headers, so the action is surely seen.
    let started = Instant::now();
    while !seen.contains("\r\n\r\n") && started.elapsed() < Duration::from_secs(10) {
        if let Ok(n) = stream.read(&mut buffer) {
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }
    act();
    let started = Instant::now();
    while !seen.contains(until) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no `{until}` in the event stream:\n{seen}"
        );
        if let Ok(n) = stream.read(&mut buffer) {
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }
    seen
}

/// A served page without the one script tag the server adds.
fn strip_live_script(page: &str) -> String {
    let start = page
        .find("<script src=\"/__gazette/live.js?v=")
        .expect("the live-reload script");
    let end = start + page[start..].find("</script>").unwrap() + "</script>".len();
    format!("{}{}", &page[..start], &page[end..])
}

/// The desk's one article, ending with `last_line`.
fn xiaomi(last_line: &str) -> String {
    article(
        "Xiaomi teams up with Great Wall",
        "2021-03-26T10:00:00Z",
        "category = \"Business\"\n",
        &format!("Xiaomi will build electric vehicles.\n\n## Analysts\n\n{last_line}"),
    )
}

/// The story the tests add to the desk, a day after Xiaomi's.
fn battery() -> String {
    article(
        "Battery makers expand",
        "2021-03-27T08:00:00Z",
        "category = \"Business\"\n",
        "Cells.",
    )
}

fn desk() -> Fixture {
    Fixture::new(&[
        ("content/articles/2021/xiaomi.md", &xiaomi("First version.")),
        (
            "content/pages/about.md",
            "+++\ntitle = \"About\"\n+++\nAbout the desk.\n",
        ),
        ("static/fonts/serif.woff2", "wOF2"),
    ])
}

#[test]
fn pages_have_their_types_and_the_live_script_404s_and_folders_behave_as_on_a_host() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let front = server.get("/");
    assert_eq!(front.status, 200);
    assert_eq!(
        front.header("content-type").unwrap(),
        "text/html; charset=utf-8"
    );
    assert!(front.body.contains("Xiaomi teams up with Great Wall"));
    assert!(
        front
            .body
            .contains("<script src=\"/__gazette/live.js?v=1\" defer></script></body>"),
        "{}",
        front.body
    );
    // Links point at the local server, so every one works in the preview.
    assert!(
        front
            .body
            .contains(&format!("href=\"{}2021/03/26/xiaomi/\"", server.url()))
    );
    for (path, content_type) in [
        ("/feed.xml", "application/xml; charset=utf-8"),
        ("/feed.json", "application/json; charset=utf-8"),
        ("/assets/gazette.css", "text/css; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/fonts/serif.woff2", "font/woff2"),
        ("/__gazette/live.js", "text/javascript; charset=utf-8"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("content-type").unwrap(),
            content_type,
            "{path}"
        );
        assert!(
            !reply.body.contains("__gazette/live.js?v="),
            "{path} got the script"
        );
    }
    let folder = server.get("/about?x=1");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("location").unwrap(), "/about/?x=1");
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Test Desk"),
        "the site's own 404 page"
    );
    assert!(missing.body.contains("__gazette/live.js"));
}

#[test]
fn paths_that_leave_the_output_are_refused() {
    let site = desk();
    site.write("secret.txt", "SECRET");
    let server = Server::start(&site, &[]);
    for path in [
        "/../secret.txt",
        "/../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/2021/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 400, "{path}");
        assert!(!reply.body.contains("SECRET") && !reply.body.contains("root:"));
    }
    // Files outside the output are simply not part of the site.
    assert_eq!(server.get("/secret.txt").status, 404);
    assert_eq!(server.get("/site.toml").status, 404);
}

#[test]
fn edits_additions_and_deletions_are_served_and_equal_a_full_build() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let page = "/2021/03/26/xiaomi/";
    server.wait_for(page, "served", |r| r.body.contains("First version."));

    site.write(
        "content/articles/2021/xiaomi.md",
        &xiaomi("Second version."),
    );
    server.wait_for(page, "showed the edit", |r| {
        r.body.contains("Second version.")
    });

    site.write("content/articles/2021/battery.md", &battery());
    server.wait_for("/", "listed the new article", |r| {
        r.body.contains("Battery makers expand")
    });
    assert_eq!(server.get("/2021/03/27/battery/").status, 200);
    server.wait_for("/categories/business/", "listed it in its section", |r| {
        r.body.contains("Battery makers expand")
    });

    std::fs::rename(
        site.root().join("content/articles/2021/battery.md"),
        site.root().join("content/articles/2021/cells.md"),
    )
    .unwrap();
    server.wait_for("/2021/03/27/cells/", "served the renamed file", |r| {
        r.status == 200
    });
    assert_eq!(server.get("/2021/03/27/battery/").status, 404);

    std::fs::remove_file(site.root().join("content/articles/2021/cells.md")).unwrap();
    server.wait_for("/2021/03/27/cells/", "dropped the deleted article", |r| {
        r.status == 404
    });
    server.wait_for("/", "dropped it from the front page", |r| {
        !r.body.contains("Battery makers expand")
    });

    site.write(
        "templates/partials/footer.html",
        "<footer>Edited footer</footer>",
    );
    server.wait_for(page, "used the new template", |r| {
        r.body.contains("Edited footer")
    });

    // What is served now is byte for byte what `gazette build` writes for
    // the same address, but for the live-reload script.
    server.assert_serves_a_full_build(&site);
}

#[test]
fn pages_numbered_from_the_oldest_are_patched_in_as_stories_come() {
    let site = desk();
    site.write(
        "site.toml",
        &format!("{SITE_TOML}per_page = 1\npage_numbers = \"from-oldest\"\n"),
    );
    let server = Server::start(&site, &[]);
    server.wait_for("/", "served", |r| r.body.contains("Xiaomi teams up"));
    assert_eq!(
        server.get("/page/1/").status,
        404,
        "one story: no numbered page"
    );

    site.write("content/articles/2021/battery.md", &battery());
    server.wait_for("/page/1/", "made the page of the oldest story", |r| {
        r.status == 200 && r.body.contains("Xiaomi teams up")
    });
    server.wait_for("/", "put the new story first", |r| {
        r.body.contains("Battery makers expand") && r.body.contains("/page/1/")
    });
    assert!(
        server
            .get("/categories/business/page/1/")
            .body
            .contains("Page 1")
    );
    server.assert_serves_a_full_build(&site);
}

/// The count in a log line such as `Updated 35 files of 17111 in …`.
fn file_count(line: &str) -> usize {
    line.split(' ')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line:?}"))
}

/// A newsroom of seven articles over two years: two to a list page, three
/// to a feed, shared tags (so related articles), two profiles, an alias and
/// an `@/` link to the article the tests edit.
fn newsroom() -> Fixture {
    let story =
        |title: &str, date: &str, extra: &str, body: &str| article(title, date, extra, body);
    Fixture::new(&[
        (
            "site.toml",
            &format!(
                "{}per_page = 2\n[feed]\nlimit = 3\nfull_content = true\n",
                common::SITE_TOML
            ),
        ),
        (
            "content/authors/lin.md",
            "+++\nname = \"Lin Wei\"\n+++\nCovers carmakers.\n",
        ),
        (
            "content/authors/ana.md",
            "+++\nname = \"Ana Costa\"\n+++\nCovers markets.\n",
        ),
        (
            "content/articles/2021/xiaomi.md",
            &story(
                "Xiaomi teams up with Great Wall",
                "2021-03-26T10:00:00Z",
                "author = \"lin\"\ncategory = \"Business\"\ntags = [\"EV\", \"China\"]\naliases = [\"/old/xiaomi/\"]\nsummary = \"The phone maker goes electric.\"\n",
                "Xiaomi will build electric vehicles.\n\n## Analysts\n\nFirst version.",
            ),
        ),
        (
            "content/articles/2021/battery.md",
            &story(
                "Battery makers expand",
                "2021-04-02T08:00:00Z",
                "author = \"lin\"\ncategory = \"Business\"\ntags = [\"EV\"]\n",
                "Cells, as [the Xiaomi deal](@/articles/2021/xiaomi.md) showed.",
            ),
        ),
        (
            "content/articles/2021/yuan.md",
            &story(
                "The yuan firms",
                "2021-03-20T08:00:00Z",
                "author = \"ana\"\ncategory = \"Markets\"\ntags = [\"China\"]\n",
                "Rates.",
            ),
        ),
        (
            "content/articles/2021/chips.md",
            &story(
                "Chip shortage bites",
                "2021-02-11T08:00:00Z",
                "authors = [\"ana\", \"lin\"]\ncategory = \"Business\"\ntags = [\"EV\", \"Chips\"]\n",
                "Wafers.",
            ),
        ),
        (
            "content/articles/2022/charging.md",
            &story(
                "Charging networks grow",
                "2022-01-05T08:00:00Z",
                "author = \"lin\"\ntags = [\"EV\"]\n",
                "Plugs.",
            ),
        ),
        (
            "content/articles/2022/bonds.md",
            &story(
                "Bond yields climb",
                "2022-02-14T08:00:00Z",
                "author = \"Guest Writer\"\ncategory = \"Markets\"\n",
                "Coupons.",
            ),
        ),
        (
            "content/articles/2020/phones.md",
            &story(
                "Phone sales slow",
                "2020-12-01T08:00:00Z",
                "author = \"ana\"\ntags = [\"China\"]\n",
                "Handsets.",
            ),
        ),
    ])
}

#[test]
fn a_saved_article_is_patched_in_and_only_its_pages_render_again() {
    let site = newsroom();
    let server = Server::start(&site, &[]);
    // The first build's check has rendered every page.
    let built = server.wait_for_log("Built ", 1);
    let total = file_count(&built);

    // Everything but the article's place in the site changes: title,
    // summary, caption, `updated` and body, all shown on other pages too
    // (cards on lists and related articles, feeds, sitemaps, search).
    let edited = |title: &str, line: &str| {
        article(
            title,
            "2021-03-26T10:00:00Z",
            &format!(
                "author = \"lin\"\ncategory = \"Business\"\ntags = [\"EV\", \"China\"]\naliases = [\"/old/xiaomi/\"]\nsummary = \"{line}\"\nupdated = 2021-03-28T09:00:00Z\nimage_caption = \"{line}\"\n"
            ),
            &format!("Xiaomi will build electric vehicles.\n\n## Analysts\n\n{line}"),
        )
    };
    site.write(
        "content/articles/2021/xiaomi.md",
        &edited("Xiaomi and Great Wall sign", "Second version."),
    );
    let updated = server.wait_for_log("Updated ", 1);
    let rendered = file_count(&updated);
    assert!(
        rendered < total / 2,
        "a patch rendered {rendered} of {total} files: {updated}"
    );
    assert!(
        updated.contains("(content/articles/2021/xiaomi.md changed)"),
        "{updated}"
    );
    server.assert_serves_a_full_build(&site);

    // The third newest is the last in each feed of three, and on the
    // second front page.
    site.write(
        "content/articles/2021/battery.md",
        &article(
            "Battery makers expand again",
            "2021-04-02T08:00:00Z",
            "author = \"lin\"\ncategory = \"Business\"\ntags = [\"EV\"]\n",
            "Cells, as [the Xiaomi deal](@/articles/2021/xiaomi.md) and [rates](@/articles/2021/yuan.md) showed.",
        ),
    );
    server.wait_for_log("Updated ", 2);
    server.assert_serves_a_full_build(&site);

    // A new tag moves the article among the lists: the whole site is built.
    site.write(
        "content/articles/2021/xiaomi.md",
        &edited("Xiaomi and Great Wall sign", "Third version.")
            .replace("\"China\"]", "\"China\", \"Autos\"]"),
    );
    let rebuilt = server.wait_for_log("Rebuilt ", 1);
    let files = file_count(&rebuilt);
    assert!(files > total, "the new tag's pages and feed: {rebuilt}");
    server.assert_serves_a_full_build(&site);
}

#[test]
fn a_broken_edit_keeps_the_last_site_and_shows_the_error_until_fixed() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let page = "/2021/03/26/xiaomi/";
    let seen = events_until(server.port, "", "event: build-error", || {
        site.write(
            "content/articles/2021/xiaomi.md",
            "+++\ntitle = \"Broken\nSecond version.\n",
        );
    });
    assert!(
        seen.contains("content/articles/2021/xiaomi.md:1:1: front matter opened with `+++` on line 1 is never closed"),
        "{seen}"
    );
    // The last good build is still served, and said to be.
    let reply = server.get(page);
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("First version."));
    // Printed before the event is sent, but read from the pipe by another
    // thread: it may come a moment after the event.
    server.wait_for_output("still serving the last good build");
    // A tab opened now is shown the error at once.
    let seen = events_until(server.port, "", "event: build-error", || {});
    assert!(seen.contains("never closed"));
    // Fixing the file clears it: the tabs reload to the new text.
    let seen = events_until(server.port, "", "event: reload", || {
        site.write(
            "content/articles/2021/xiaomi.md",
            &article(
                "Xiaomi teams up with Great Wall",
                "2021-03-26T10:00:00Z",
                "",
                "Fixed version.",
            ),
        );
    });
    assert!(seen.contains("event: reload"));
    server.wait_for(page, "showed the fix", |r| {
        r.body.contains("Fixed version.")
    });
    // A broken template is reported the same way.
    let seen = events_until(server.port, "", "event: build-error", || {
        site.write("templates/article.html", "{{ article.title ");
    });
    assert!(seen.contains("templates/article.html"), "{seen}");
    assert!(server.get(page).body.contains("Fixed version."));
    // Once fixed, a template that parses but fails as it renders: found
    // by the check after the patched site is served, which puts the last
    // good site back.
    site.write("templates/article.html", "{{ article.title }}: mended");
    server.wait_for(page, "used the mended template", |r| {
        r.body.contains(": mended")
    });
    let seen = events_until(server.port, "", "event: build-error", || {
        site.write("templates/article.html", "{{ no_such_variable.x }}");
    });
    assert!(seen.contains("templates/article.html"), "{seen}");
    assert!(seen.contains("no_such_variable"), "{seen}");
    server.wait_for(page, "went back to the last good site", |r| {
        r.body.contains(": mended")
    });
}

#[test]
fn a_page_from_an_older_build_reloads_as_soon_as_it_connects() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let seen = events_until(server.port, "?v=0", "event: reload", || {});
    assert!(seen.contains("event: reload"));
}

#[test]
fn a_stylesheet_edit_swaps_styles_without_a_reload() {
    let site = desk();
    site.write("static/extra.css", "body { color: black }");
    let server = Server::start(&site, &[]);
    let seen = events_until(server.port, "", "event: css", || {
        site.write("static/extra.css", "body { color: navy }");
    });
    assert!(!seen.contains("event: reload"), "{seen}");
    server.wait_for("/extra.css", "served the new stylesheet", |r| {
        r.body.contains("navy")
    });
}

#[test]
fn many_clients_at_once() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let port = server.port;
    let clients: Vec<_> = (0..32)
        .map(|i| {
            std::thread::spawn(move || {
                let path = if i % 2 == 0 {
                    "/"
                } else {
                    "/2021/03/26/xiaomi/"
                };
                get(port, path).status
            })
        })
        .collect();
    // Open event streams do not starve the others.
    let _streams: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            write!(s, "GET /__gazette/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            s
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 200);
    }
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let site = desk();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = site.run(&["serve", "--port", &port]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(&format!("port {port} is already in use")),
        "{}",
        run.stderr
    );
}

#[test]
fn drafts_are_served_only_when_asked() {
    let site = desk();
    site.write(
        "content/articles/2021/draft.md",
        &article(
            "Draft story",
            "2021-03-28T08:00:00Z",
            "draft = true\n",
            "Not yet.",
        ),
    );
    let plain = Server::start(&site, &[]);
    assert_eq!(plain.get("/2021/03/28/draft/").status, 404);
    let with_drafts = Server::start(&site, &["--drafts"]);
    assert_eq!(with_drafts.get("/2021/03/28/draft/").status, 200);
}

#[test]
fn init_writes_a_site_that_builds_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let run = gazette(&["init", "newsroom"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let root = dir.path().join("newsroom");
    for file in [
        "site.toml",
        "content/authors/editor.md",
        "content/pages/about.md",
    ] {
        assert!(root.join(file).is_file(), "{file}");
        assert!(run.stdout.contains(file), "{}", run.stdout);
    }
    let build = gazette(&["build", "--root", "newsroom"], dir.path());
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(
        build
            .stdout
            .contains("Built 2 articles, 1 page and 1 author"),
        "{}",
        build.stdout
    );
    let check = gazette(&["check", "--root", "newsroom"], dir.path());
    assert_eq!(check.code, 0, "{}", check.stderr);

    // A second init there is refused, and changes nothing.
    let before = tree(&root);
    let again = gazette(&["init", "newsroom"], dir.path());
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("newsroom is not empty"),
        "{}",
        again.stderr
    );
    assert!(tree(&root) == before);
}

#[test]
fn new_writes_a_dated_draft_and_never_overwrites() {
    let site = Fixture::new(&[]);
    let run = site.run(&[
        "new",
        "Xiaomi \"EV\" deal: Great Wall to build cars",
        "--author",
        "lena-cho",
        "--category",
        "Business",
        "--tags",
        "electric vehicles,Xiaomi",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The year in the site's timezone (Asia/Hong_Kong in the fixture).
    let year = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Hong_Kong)
        .format("%Y")
        .to_string();
    let relative = format!("content/articles/{year}/xiaomi-ev-deal-great-wall-to-build-cars.md");
    let path = site.root().join(&relative);
    assert_eq!(run.stdout.trim(), path.display().to_string());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("+++\ntitle = 'Xiaomi \"EV\" deal: Great Wall to build cars'\ndate = "),
        "{text}"
    );
    assert!(
        text.contains("+08:00\n"),
        "dated in the site's timezone:\n{text}"
    );
    assert!(text.contains("author = \"lena-cho\"\ncategory = \"Business\"\ntags = [\"electric vehicles\", \"Xiaomi\"]\ndraft = true\n+++\n"), "{text}");

    // It builds as a draft.
    let build = site.run(&["build", "--drafts"]);
    assert_eq!(build.code, 0, "{}", build.stderr);

    let again = site.run(&["new", "Xiaomi \"EV\" deal: Great Wall to build cars"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
#[ignore = "needs chromium"]
fn an_open_tab_reloads_by_itself_after_a_save_and_shows_a_broken_build() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let browser = Browser::start();
    browser.open(&format!("{}2021/03/26/xiaomi/", server.url()));
    browser.wait_until(
        "showed the article",
        "return document.body.innerText.includes('First version.')",
    );
    // A mark that only this load of the page has: a reload clears it.
    browser.run("window.gazetteTestMark = true; return true");
    // Let the page's script connect before the save.
    std::thread::sleep(Duration::from_millis(300));

    site.write(
        "content/articles/2021/xiaomi.md",
        &xiaomi("Second version."),
    );
    browser.wait_until(
        "reloaded to the new text",
        "return document.body.innerText.includes('Second version.')",
    );
    assert_eq!(
        browser.run("return window.gazetteTestMark === true"),
        serde_json::Value::Bool(false)
    );

    // A broken save: the page stays, with the error over it.
    std::thread::sleep(Duration::from_millis(300));
    site.write("content/articles/2021/xiaomi.md", "+++\ntitle = \"Broken\n");
    browser.wait_until(
        "showed the build error",
        "var o = document.getElementById('gazette-build-error'); return !!o && o.innerText.includes('never closed')",
    );
    assert_eq!(
        browser.run("return document.body.innerText.includes('Second version.')"),
        serde_json::Value::Bool(true)
    );
    // Fixing it clears the error and shows the fix.
    site.write(
        "content/articles/2021/xiaomi.md",
        &article(
            "Xiaomi teams up with Great Wall",
            "2021-03-26T10:00:00Z",
            "",
            "Third version.",
        ),
    );
    browser.wait_until(
        "showed the fix without the error",
        "return document.body.innerText.includes('Third version.') && !document.getElementById('gazette-build-error')",
    );
}

#[test]
fn a_site_that_never_built_is_served_with_its_error_until_fixed() {
    let site = desk();
    site.write(
        "site.toml",
        "title = \"Test Desk\nbase_url = \"https://news.example.com\"\n",
    );
    let server = Server::start(&site, &[]);
    let reply = server.get("/");
    assert_eq!(reply.status, 404);
    assert!(
        reply.body.contains("__gazette/live.js"),
        "the overlay can show"
    );
    let seen = events_until(server.port, "", "nothing to serve until it builds", || {});
    assert!(seen.contains("site.toml:1:"), "{seen}");
    site.write("site.toml", common::SITE_TOML);
    server.wait_for("/", "served the site once fixed", |r| r.status == 200);
}

#[test]
fn static_bundle_and_template_saves_are_patched_and_equal_a_full_build() {
    let site = newsroom();
    site.write("static/css/extra.css", "body { color: black }");
    std::fs::create_dir_all(site.root().join("content/articles/2021/lithium")).unwrap();
    site.write(
        "content/articles/2021/lithium/index.md",
        &article(
            "Lithium prices soar",
            "2021-05-03T08:00:00Z",
            "image = \"chart.svg\"\n",
            "Mines.",
        ),
    );
    site.write(
        "content/articles/2021/lithium/chart.svg",
        "<svg>first</svg>",
    );
    let server = Server::start(&site, &[]);
    let built = server.wait_for_log("Built ", 1);
    let total = file_count(&built);

    // Files copied as they are: only they are read again.
    site.write("static/css/extra.css", "body { color: navy }");
    let updated = server.wait_for_log("Updated ", 1);
    assert!(
        updated.starts_with(&format!("Updated 2 files of {total} ")),
        "{updated}"
    );
    assert!(server.get("/css/extra.css").body.contains("navy"));
    site.write(
        "content/articles/2021/lithium/chart.svg",
        "<svg>second</svg>",
    );
    server.wait_for_log("Updated ", 2);
    assert_eq!(
        server.get("/2021/05/03/lithium/chart.svg").body,
        "<svg>second</svg>"
    );
    site.write("static/robots-extra.txt", "new file");
    server.wait_for_log("Updated ", 3);
    assert_eq!(server.get("/robots-extra.txt").body, "new file");
    server.assert_serves_a_full_build(&site);

    // A template: the same model, every page rendered again.
    site.write(
        "templates/partials/footer.html",
        "<footer>Edited footer</footer>",
    );
    // Made while serving, the folder is watched from then on.
    server.wait_for_log("Updated ", 4);
    assert!(server.get("/").body.contains("Edited footer"));
    site.write(
        "templates/partials/footer.html",
        "<footer>Footer, second edit</footer>",
    );
    let updated = server.wait_for_log("Updated ", 5);
    assert!(
        updated.contains("(templates/partials/footer.html changed)"),
        "{updated}"
    );
    assert!(server.get("/").body.contains("Footer, second edit"));
    server.assert_serves_a_full_build(&site);

    // A template only section and tag pages use: only they render again
    // (with `_headers`).
    site.write(
        "templates/term.html",
        &include_str!("../src/templates/term.html").replace(
            "{% block content %}",
            "{% block content %}<p>Edited term page</p>",
        ),
    );
    let updated = server.wait_for_log("Updated ", 6);
    let term_pages = server
        .full_build(&site)
        .iter()
        .filter(|(path, _)| {
            let path = path.to_string_lossy();
            let parts: Vec<&str> = path.split('/').collect();
            matches!(parts[0], "categories" | "tags")
                && path.ends_with("/index.html")
                && (parts.len() == 3 || parts.get(2) == Some(&"page"))
        })
        .count();
    assert!(term_pages >= 8, "{term_pages}");
    // And `_headers`, whose security policy hangs on every template.
    assert!(
        updated.starts_with(&format!("Updated {} files of ", term_pages + 1)),
        "{updated}"
    );
    assert!(server.get("/tags/ev/").body.contains("Edited term page"));
    server.assert_serves_a_full_build(&site);

    // The card: every list, and every article with related ones.
    site.write(
        "templates/partials/card.html",
        &include_str!("../src/templates/partials/card.html").replacen(
            "<",
            "<b>Edited card</b><",
            1,
        ),
    );
    server.wait_for_log("Updated ", 7);
    assert!(server.get("/tags/ev/").body.contains("Edited card"));
    server.assert_serves_a_full_build(&site);
}

#[test]
fn editors_that_save_through_a_temporary_file_are_patched_too() {
    let site = desk();
    let server = Server::start(&site, &[]);
    server.wait_for_log("Built ", 1);
    let dir = site.root().join("content/articles/2021");
    let page = "/2021/03/26/xiaomi/";
    // Vim: the old file becomes a backup, a new one is written, the backup
    // goes.
    std::fs::rename(dir.join("xiaomi.md"), dir.join("xiaomi.md~")).unwrap();
    std::fs::write(dir.join("xiaomi.md"), xiaomi("Saved by vim.")).unwrap();
    std::fs::remove_file(dir.join("xiaomi.md~")).unwrap();
    server.wait_for(page, "showed vim's save", |r| {
        r.body.contains("Saved by vim.")
    });
    server.wait_for_log("Updated ", 1);
    // JetBrains: a temporary file renamed over the article.
    std::fs::write(dir.join("xiaomi.md___jb_tmp___"), xiaomi("Saved safely.")).unwrap();
    std::fs::rename(dir.join("xiaomi.md"), dir.join("xiaomi.md___jb_old___")).unwrap();
    std::fs::rename(dir.join("xiaomi.md___jb_tmp___"), dir.join("xiaomi.md")).unwrap();
    std::fs::remove_file(dir.join("xiaomi.md___jb_old___")).unwrap();
    server.wait_for(page, "showed the safe save", |r| {
        r.body.contains("Saved safely.")
    });
    server.wait_for_log("Updated ", 2);
    // A hidden temporary file renamed over it.
    std::fs::write(dir.join(".xiaomi.md.tmp"), xiaomi("Saved atomically.")).unwrap();
    std::fs::rename(dir.join(".xiaomi.md.tmp"), dir.join("xiaomi.md")).unwrap();
    server.wait_for(page, "showed the atomic save", |r| {
        r.body.contains("Saved atomically.")
    });
    server.wait_for_log("Updated ", 3);
    let log = server.output.lock().unwrap().clone();
    assert!(!log.contains("Rebuilt") && !log.contains("failed"), "{log}");
    server.assert_serves_a_full_build(&site);
}

#[test]
fn a_save_that_breaks_a_link_is_reported_as_a_full_build_would() {
    let site = desk();
    site.write(
        "content/articles/2021/battery.md",
        &article(
            "Battery makers expand",
            "2021-03-27T08:00:00Z",
            "",
            "See [the analysts](@/articles/2021/xiaomi.md#analysts).",
        ),
    );
    let server = Server::start(&site, &[]);
    server.wait_for_log("Built ", 1);
    // Another article links to a heading of this one: dropping it breaks
    // that link, so the save is checked against the whole site.
    let seen = events_until(server.port, "", "event: build-error", || {
        site.write(
            "content/articles/2021/xiaomi.md",
            &article(
                "Xiaomi teams up with Great Wall",
                "2021-03-26T10:00:00Z",
                "category = \"Business\"\n",
                "No headings now.",
            ),
        );
    });
    assert!(
        seen.contains("content/articles/2021/battery.md:6:5: link to `@/articles/2021/xiaomi.md#analysts`: that page has no heading with id `analysts`"),
        "{seen}"
    );
    site.write("content/articles/2021/xiaomi.md", &xiaomi("Fixed version."));
    server.wait_for_log("Rebuilt ", 1);
    // A link to a file that does not exist, in an article that keeps its
    // place, is an error as in a full build.
    let seen = events_until(server.port, "", "event: build-error", || {
        site.write(
            "content/articles/2021/battery.md",
            &article(
                "Battery makers expand",
                "2021-03-27T08:00:00Z",
                "",
                "See [the plan](@/articles/2021/nowhere.md).",
            ),
        );
    });
    assert!(
        seen.contains("content/articles/2021/battery.md:6:5: link to `@/articles/2021/nowhere.md`: no published content file content/articles/2021/nowhere.md"),
        "{seen}"
    );
    assert!(
        server
            .get("/2021/03/26/xiaomi/")
            .body
            .contains("Fixed version.")
    );
}

/// Peak resident memory of a process, in MiB, from /proc.
fn peak_mib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

/// A 400 MB video fetched four times at once by clients that read slowly
/// used to be read whole into memory on the runtime's workers: the page
/// beside it waited seconds and memory peaked near 2 GB. Files are now
/// streamed off the workers, a few chunks at a time.
#[test]
fn large_static_files_are_streamed_and_never_held_in_memory() {
    let site = desk();
    let video = site.root().join("static/video.mp4");
    fs::File::create(&video)
        .unwrap()
        .set_len(400 * 1024 * 1024)
        .unwrap();
    let server = Server::start(&site, &[]);
    // Four downloads that take the headers and a little, then stall.
    let stalled: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
            write!(stream, "GET /video.mp4 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut first = [0u8; 4096];
            let n = stream.read(&mut first).unwrap();
            let head = String::from_utf8_lossy(&first[..n]).into_owned();
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(head.contains("content-length: 419430400"), "{head}");
            stream
        })
        .collect();
    // A page is still served while they wait.
    let page = server.get("/");
    assert_eq!(page.status, 200);
    std::thread::sleep(Duration::from_millis(300));
    // The whole process, the check of every file included.
    let peak = peak_mib(server.child.id());
    assert!(peak < 150, "serving four stalled downloads took {peak} MiB");
    // A whole download gives every byte.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        stream,
        "GET /video.mp4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut total = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match stream.read(&mut buffer).unwrap() {
            0 => break,
            n => total += n as u64,
        }
    }
    assert!(total > 400 * 1024 * 1024, "{total}");
    drop(stalled);
    let peak = peak_mib(server.child.id());
    assert!(peak < 150, "{peak} MiB");
}

/// A client that never finishes its headers is cut off, instead of holding
/// its connection (and a slot of the server) for good.
#[test]
fn a_request_whose_headers_never_finish_is_timed_out() {
    let site = desk();
    let server = Server::start(&site, &[]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(stream, "GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection (with a 408 or nothing at all).
    let _ = stream.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(25),
        "still open after {waited:?}"
    );
    assert!(
        waited >= Duration::from_secs(5),
        "closed too early: {waited:?}"
    );
}

/// While a save that breaks a template is checked, readers get the last
/// good page, never a 500, and the last good build comes back after.
#[test]
fn a_broken_template_save_never_shows_readers_an_error_page() {
    let site = desk();
    let server = Server::start(&site, &[]);
    assert_eq!(server.get("/").status, 200);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let hammer: Vec<_> = (0..2)
        .map(|_| {
            let (stop, statuses, port) = (stop.clone(), statuses.clone(), server.port);
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let reply = get(port, "/");
                    statuses.lock().unwrap().push(reply.status);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // Parses, but fails as it renders.
    site.write(
        "templates/partials/footer.html",
        "<footer>{{ no_such_variable }}</footer>",
    );
    server.wait_for_output("still serving the last good build");
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for thread in hammer {
        thread.join().unwrap();
    }
    let statuses = statuses.lock().unwrap();
    assert!(statuses.len() > 10, "{}", statuses.len());
    let errors = statuses.iter().filter(|s| **s != 200).count();
    assert_eq!(errors, 0, "{errors} of {} requests failed", statuses.len());
}

#[test]
fn photo_sizes_are_made_when_a_tab_asks_and_originals_go_out_clean() {
    let site = Fixture::new(&[(
        "content/articles/2021/deal/index.md",
        "+++\ntitle = \"Deal\"\ndate = 2021-03-26T10:00:00Z\nimage = \"lead.jpg\"\n+++\n\nText.\n",
    )]);
    let photo = common::photos::jpeg(
        &common::photos::scene(1000, 600, 4),
        90,
        Some(common::photos::exif(1, Some(common::photos::GPS))),
    );
    site.write_bytes("content/articles/2021/deal/lead.jpg", &photo);
    let server = Server::start(&site, &[]);
    let page = server.get("/2021/03/26/deal/");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("/2021/03/26/deal/lead-800w.webp 800w"),
        "{}",
        page.body
    );
    let size = server.get("/2021/03/26/deal/lead-800w.webp");
    assert_eq!(size.status, 200);
    assert_eq!(size.header("content-type").unwrap(), "image/webp");
    let shown = image::load_from_memory(&size.bytes).unwrap();
    assert_eq!((shown.width(), shown.height()), (800, 480));
    let original = server.get("/2021/03/26/deal/lead.jpg");
    assert_eq!(original.status, 200);
    assert_eq!(common::photos::gps_latitude(&original.bytes), None);
    assert_eq!(server.get("/2021/03/26/deal/lead-900w.webp").status, 404);
}
