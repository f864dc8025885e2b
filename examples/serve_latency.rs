//! Save-to-reload latency of `gazette serve`: starts the release binary on a
//! site, listens to the live-reload event stream as an open tab does, then
//! edits one article again and again. Each sample is the time from the
//! write to the moment the reload event has come and the page, fetched
//! again, holds the new text: what a tab needs before it can paint.
//!
//! ```sh
//! python3 ../shared/bench/gen_corpus.py 10000 /tmp/g10k   # or scripts/bench.sh
//! cargo build --release
//! cargo run --release --example serve_latency -- /tmp/g10k 20 [KIND]
//! ```
//!
//! KIND is what each save changes:
//! - `body` (the default): a line at the end of the article;
//! - `title`: its title too, which lists, feeds and related articles show;
//! - `tag`: a new tag too, which moves it among the lists: the whole site
//!   is built again;
//! - `template`: `templates/partials/footer.html`, which every page shows
//!   (removed at the end).
//!
//! With `--browser`, the article is open in headless Chromium (through
//! chromedriver, as in the browser test) and each sample runs from the
//! write to the first contentful paint of the reloaded tab, as the
//! browser's own performance timeline dates it.

#[path = "support/webdriver.rs"]
mod webdriver;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let in_browser = args
        .iter()
        .position(|a| a == "--browser")
        .map(|at| args.remove(at))
        .is_some();
    let mut args = args.into_iter();
    let root = PathBuf::from(
        args.next()
            .expect("usage: serve_latency SITE [RUNS] [KIND] [--browser]"),
    );
    let runs: usize = args
        .next()
        .map_or(20, |r| r.parse().expect("RUNS is a number"));
    let kind = args.next().unwrap_or_else(|| "body".to_string());
    assert!(
        ["body", "title", "tag", "template"].contains(&kind.as_str()),
        "KIND is body, title, tag or template"
    );
    let footer = root.join("templates/partials/footer.html");
    assert!(
        kind != "template" || !footer.exists(),
        "{} exists: the benchmark would overwrite it",
        footer.display()
    );
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/gazette");

    let mut server = Command::new(&binary)
        .args(["serve", "--port", "0", "--root"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start target/release/gazette (run cargo build --release first)");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("the server stopped").unwrap();
        if let Some(rest) = line.strip_prefix("Serving on http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // Keep draining the server's log so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

    // Any published article will do: the last by file name whose slug
    // (the file or bundle folder name) the sitemap lists.
    let sitemap = get(port, "/sitemap.xml");
    let urls: Vec<&str> = sitemap
        .split("<loc>")
        .filter_map(|s| s.split("</loc>").next())
        .collect();
    let mut articles = walk(&root.join("content/articles"));
    articles.sort();
    let (article, page) = articles
        .iter()
        .rev()
        .find_map(|file| {
            let stem = file.file_stem()?.to_string_lossy();
            let slug = if stem == "index" {
                file.parent()?.file_name()?.to_string_lossy()
            } else {
                stem
            };
            let url = urls.iter().find(|u| u.ends_with(&format!("/{slug}/")))?;
            let path = url.split_once(&format!(":{port}"))?.1.to_string();
            Some((file.clone(), path))
        })
        .expect("an article the sitemap lists");
    let original = std::fs::read_to_string(&article).unwrap();

    let mut events = TcpStream::connect(("127.0.0.1", port)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_millis(2)))
        .unwrap();
    write!(events, "GET /__gazette/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drain(&mut events);
    let browser = in_browser.then(|| {
        let browser = webdriver::Browser::start();
        browser.open(&format!("http://127.0.0.1:{port}{page}"));
        browser.wait_until("loaded", "return document.readyState === 'complete'");
        // Let the page's live-reload script connect.
        std::thread::sleep(Duration::from_millis(500));
        browser
    });

    let mut samples = Vec::new();
    for run in 0..runs {
        let marker = format!("Latency marker {run} {}.", std::process::id());
        let mut text = format!("{}\n\n{marker}\n", original.trim_end());
        if kind == "title" || kind == "tag" {
            text = text.replacen("title = \"", &format!("title = \"{marker} "), 1);
        }
        if kind == "tag" {
            text = text.replacen("tags = [", &format!("tags = [\"marker-{run}\", "), 1);
        }
        let started = Instant::now();
        let written_at = epoch_ms();
        if kind == "template" {
            std::fs::create_dir_all(footer.parent().unwrap()).unwrap();
            std::fs::write(&footer, format!("<footer>{marker}</footer>")).unwrap();
        } else {
            std::fs::write(&article, text).unwrap();
        }
        let took = match &browser {
            Some(browser) => {
                let shows = format!(
                    "return document.body.innerText.includes({})",
                    serde_json::Value::from(marker.as_str())
                );
                browser.wait_until("showed the save", &shows);
                let painted = browser.run(PAINTED_AT).as_f64().expect("a paint time");
                let t = browser.run("const n = performance.getEntriesByType('navigation')[0]; const p = performance.getEntriesByType('paint'); return [performance.timeOrigin, n.requestStart, n.responseStart, n.responseEnd, n.domInteractive, n.domContentLoadedEventEnd, n.loadEventEnd, p.map(e => e.name + ':' + e.startTime).join(' '), n.transferSize, n.encodedBodySize]");
                println!(
                    "origin-written {:.1} {t}",
                    t[0].as_f64().unwrap() - written_at
                );
                Duration::from_secs_f64((painted - written_at).max(0.0) / 1000.0)
            }
            None => {
                wait_for_reload(&mut events);
                while !get(port, &page).contains(&marker) {
                    wait_for_reload(&mut events);
                }
                started.elapsed()
            }
        };
        samples.push(took);
        println!("run {run:>3}: {:>7.1} ms", took.as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(300));
        drain(&mut events);
    }
    std::fs::write(&article, original).unwrap();
    if kind == "template" {
        let _ = std::fs::remove_file(&footer);
        let _ = std::fs::remove_dir(footer.parent().unwrap());
        let _ = std::fs::remove_dir(root.join("templates"));
    }
    let _ = server.kill();
    let _ = server.wait();

    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{} {kind} saves{} of {} on {}: median {:.1} ms, p95 {:.1} ms, min {:.1} ms, max {:.1} ms",
        samples.len(),
        if in_browser {
            ", to the tab's first paint,"
        } else {
            ""
        },
        article.display(),
        page,
        ms(at(0.5)),
        ms(at(0.95)),
        ms(samples[0]),
        ms(*samples.last().unwrap())
    );
}

/// When the page in the tab was first painted (else its document was
/// loaded), in milliseconds since the epoch.
const PAINTED_AT: &str = "const paint = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint'); \
    const nav = performance.getEntriesByType('navigation')[0]; \
    return performance.timeOrigin + (paint ? paint.startTime : nav.domContentLoadedEventEnd);";

fn epoch_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

fn wait_for_reload(events: &mut TcpStream) {
    let mut seen = String::new();
    let mut buffer = [0u8; 4096];
    let started = Instant::now();
    while !seen.contains("event: reload") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no reload event"
        );
        if let Ok(n) = events.read(&mut buffer) {
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }
}

fn drain(events: &mut TcpStream) {
    let mut buffer = [0u8; 4096];
    while matches!(events.read(&mut buffer), Ok(n) if n > 0) {}
}

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}
