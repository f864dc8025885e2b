//! The example site checked by independent tools: the Nu Html Checker for
//! every page, and headless Chromium for the layout at desktop and phone
//! widths. Both need tools a newcomer may lack, so they are ignored by
//! default; .ci/run installs the tools and runs them.

mod common;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn build_example(base_url: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, output, _) = common::build_example(Some(base_url));
    (dir, output)
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    common::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect()
}

/// Every page of the example site is valid HTML5 by the Nu Html Checker.
/// VNU_JAR names the checker's jar (the npm package vnu-jar ships it).
/// What the Nu Html Checker says of `files`, errors only: empty when they
/// are valid (a checker that fails to run says so too).
fn vnu_errors(jar: &str, files: &[PathBuf]) -> String {
    let result = Command::new("java")
        .arg("-jar")
        .arg(jar)
        .arg("--errors-only")
        .args(files)
        .output()
        .expect("run java");
    let report = String::from_utf8_lossy(&result.stderr).trim().to_string();
    if result.status.success() || !report.is_empty() {
        report
    } else {
        format!("vnu exited with {}", result.status)
    }
}

#[test]
#[ignore = "needs java and vnu.jar (VNU_JAR)"]
fn example_site_pages_are_valid_html() {
    let jar = std::env::var("VNU_JAR").expect("VNU_JAR: path to vnu.jar");
    let (_dir, output) = build_example("https://ledger.example.com/");
    let files = html_files(&output);
    assert!(files.len() > 20, "{} pages", files.len());
    let report = vnu_errors(&jar, &files);
    assert!(report.is_empty(), "vnu found errors:\n{report}");
}

/// A static file server on a free loopback port, for the browser.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn start(dir: &Path, port: u16) -> Server {
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 for the test server");
        wait_for_port(port);
        Server { child, port }
    }
}

/// Waits (up to five seconds) until a server listens on `port`.
fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The probe page: loads each page in a frame of each width, then reports
/// horizontal overflow, broken images and whether the stylesheet applied.
const PROBE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body><pre id="out">running</pre><script>
const pages = PAGES;
const widths = [1366, 390];
const problems = [];
function check(page, width) {
  return new Promise(resolve => {
    const frame = document.createElement('iframe');
    frame.style.width = width + 'px';
    frame.style.height = '900px';
    frame.onload = () => setTimeout(async () => {
      try { await inspect(frame, page, width); }
      catch (e) { problems.push(`${page} @${width}: the probe failed: ${e}`); }
      frame.remove();
      resolve();
    }, 300);
    frame.src = page;
    document.body.appendChild(frame);
  });
}
async function inspect(frame, page, width) {
  const doc = frame.contentDocument;
  const root = doc.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) problems.push(`${page} @${width}: overflows sideways (${root.scrollWidth} > ${root.clientWidth})`);
  // Cards' photos load lazily: one below the frame's fold may not have
  // started. Each is asked for now and waited for (a slow machine
  // serves slowly), so only a photo that cannot load is reported.
  await Promise.all([...doc.images].filter(img => !img.complete).map(img => new Promise(done => {
    img.addEventListener('load', done, { once: true });
    img.addEventListener('error', done, { once: true });
    setTimeout(done, 8000);
    img.loading = 'eager';
  })));
  for (const img of doc.images) {
    if (!img.complete || img.naturalWidth === 0) {
      // Headless Chromium now and then marks a good photo broken when
      // a srcset choice changes under load: the file is fetched once
      // more, and only one that is missing or not an image is
      // reported. It is not decoded again: a decode runs off the
      // page's thread, and under virtual time the clock runs on
      // while it waits, to the budget's end (whether the files
      // decode is the image tests' concern).
      const src = img.currentSrc || img.src;
      let served = false;
      try {
        const response = await fetch(src, { cache: 'no-store' });
        const head = new Uint8Array(await response.arrayBuffer()).slice(0, 12);
        const text = String.fromCharCode(...head);
        served = response.ok && (text.startsWith('RIFF') && text.slice(8) === 'WEBP'
          || (head[0] === 0xFF && head[1] === 0xD8)
          || text.startsWith('\x89PNG') || text.startsWith('GIF8') || text.startsWith('<svg')
          || text.startsWith('<?xml'));
      } catch (e) {}
      if (!served) problems.push(`${page} @${width}: image not loaded: ${src}`);
    }
    else if (img.getBoundingClientRect().width > width) problems.push(`${page} @${width}: image wider than the screen: ${img.src}`);
  }
  const h1 = doc.querySelector('h1, .brand');
  if (!h1 || !getComputedStyle(doc.querySelector('.brand')).fontFamily.includes('Georgia')) problems.push(`${page} @${width}: stylesheet not applied`);
}
(async () => {
  for (const page of pages) for (const width of widths) await check(page, width);
  document.getElementById('out').textContent = 'PROBE-RESULT ' + JSON.stringify(problems);
})();
</script></body></html>"#;

#[test]
#[ignore = "needs chromium"]
fn example_site_lays_out_in_chromium_at_desktop_and_phone_widths() {
    // The site is built for the address it will be served from.
    let port = Server::free_port();
    let (_dir, public) = build_example(&format!("http://127.0.0.1:{port}/"));
    let pages = [
        "/",
        "/2021/03/26/xiaomi-great-wall-ev/",
        "/authors/lena-cho/",
        "/tags/electric-vehicles/",
        "/about/",
        "/404.html",
        "/tags/",
        "/2021/",
        "/search/?q=xiaomi",
    ];
    fs::write(
        public.join("__probe.html"),
        PROBE.replace("PAGES", &serde_json::to_string(&pages).unwrap()),
    )
    .unwrap();
    let server = Server::start(&public, port);
    let probe_url = format!("http://127.0.0.1:{}/__probe.html", server.port);
    let problems: Vec<String> = probe_result(&probe_url, 60_000);
    assert!(
        problems.is_empty(),
        "layout problems:\n{}",
        problems.join("\n")
    );
}

/// What a probe page at `url` reports: it writes `PROBE-RESULT ` and a
/// JSON value into a `<pre>`, read back from headless Chromium's DOM
/// after `budget_ms` of virtual time.
fn probe_result<T: serde::de::DeserializeOwned>(url: &str, budget_ms: u32) -> T {
    probe_result_with(url, budget_ms, &[])
}

/// [`probe_result`] with more Chromium flags (a colour scheme).
fn probe_result_with<T: serde::de::DeserializeOwned>(
    url: &str,
    budget_ms: u32,
    flags: &[&str],
) -> T {
    let profile = tempfile::tempdir().unwrap();
    let result = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--virtual-time-budget={budget_ms}"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(flags)
        .arg(url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&result.stdout);
    // The result is what the probe wrote into its `<pre>`; the script
    // holds the same marker, so it is looked for there and nowhere else.
    let json = dom
        .split("<pre id=\"out\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .and_then(|out| out.strip_prefix("PROBE-RESULT "))
        .unwrap_or_else(|| panic!("the probe did not finish:\n{dom}"));
    serde_json::from_str(
        &json
            .replace("&gt;", ">")
            .replace("&lt;", "<")
            .replace("&amp;", "&"),
    )
    .unwrap()
}

/// A site whose story calls every built-in shortcode, built for
/// `base_url`; `at_once` sets `[embeds] load = "at-once"`.
fn embeds_site(base_url: &str, at_once: bool) -> common::Fixture {
    let mut toml = format!(
        "title = \"Embeds Desk\"\nbase_url = \"{base_url}\"\ntimezone = \"Asia/Hong_Kong\"\n"
    );
    if at_once {
        toml.push_str("[embeds]\nload = \"at-once\"\n");
    }
    let site = common::Fixture::new(&[
        ("site.toml", &toml),
        (
            "content/articles/story/index.md",
            &common::article("Every embed", "2021-03-26", "", common::EVERY_EMBED),
        ),
        (
            "content/articles/other.md",
            &common::article("The analysts' view", "2021-03-25", "", "A bet."),
        ),
    ]);
    // Real images, so a browser can lay them out.
    let jpeg: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06,
        0x05, 0x08, 0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B,
        0x0C, 0x19, 0x12, 0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D, 0x1A, 0x1C, 0x1C, 0x20,
        0x24, 0x2E, 0x27, 0x20, 0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30, 0x31,
        0x34, 0x34, 0x34, 0x1F, 0x27, 0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF,
        0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00,
        0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xDA,
        0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x2A, 0x9F, 0xFF, 0xD9,
    ];
    for name in ["plant.jpg", "a.jpg", "b.jpg", "clip.jpg"] {
        site.write_bytes(&format!("content/articles/story/{name}"), jpeg);
    }
    site.build_ok();
    site
}

/// A page using every embed is valid HTML, as the Nu Html Checker reads it.
#[test]
#[ignore = "needs java and vnu.jar (VNU_JAR)"]
fn a_page_with_every_embed_is_valid_html() {
    let jar = std::env::var("VNU_JAR").expect("VNU_JAR: path to vnu.jar");
    let site = embeds_site("https://news.example.com/", false);
    let page = site.public().join("2021/03/26/story/index.html");
    let report = vnu_errors(&jar, std::slice::from_ref(&page));
    assert!(report.is_empty(), "vnu found errors:\n{report}");
}

/// In a browser: nothing third-party loads before a click, a click puts
/// the embed in place, `at-once` loads them all, and the page fits a
/// phone.
#[test]
#[ignore = "needs chromium"]
fn embeds_load_on_a_click_or_at_once_in_chromium() {
    const EMBED_PROBE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body><pre id="out">running</pre><script>
function load(width) {
  return new Promise(resolve => {
    const frame = document.createElement('iframe');
    frame.style.width = width + 'px';
    frame.style.height = '900px';
    frame.onload = () => setTimeout(() => resolve(frame), 300);
    frame.src = '/2021/03/26/story/';
    document.body.appendChild(frame);
  });
}
(async () => {
  const report = {};
  const phone = await load(390);
  const doc = phone.contentDocument;
  report.overflow = doc.documentElement.scrollWidth > doc.documentElement.clientWidth + 1;
  report.before = doc.querySelectorAll('iframe').length;
  report.placeholders = doc.querySelectorAll('figure[data-embed-src]').length;
  const placeholder = doc.querySelector('.embed-video .embed-placeholder');
  if (placeholder) placeholder.click();
  await new Promise(r => setTimeout(r, 200));
  report.after = Array.from(doc.querySelectorAll('iframe')).map(f => f.getAttribute('src'));
  document.getElementById('out').textContent = 'PROBE-RESULT ' + JSON.stringify(report);
})();
</script></body></html>"#;
    let run = |at_once: bool| -> serde_json::Value {
        let port = Server::free_port();
        let site = embeds_site(&format!("http://127.0.0.1:{port}/"), at_once);
        let public = site.public();
        fs::write(public.join("__probe.html"), EMBED_PROBE).unwrap();
        let server = Server::start(&public, port);
        probe_result(
            &format!("http://127.0.0.1:{}/__probe.html", server.port),
            10_000,
        )
    };
    let on_click = run(false);
    assert_eq!(on_click["overflow"], false, "{on_click}");
    assert_eq!(
        on_click["before"], 0,
        "nothing loads with the page: {on_click}"
    );
    assert_eq!(on_click["placeholders"], 8, "{on_click}");
    let after = on_click["after"].as_array().unwrap();
    assert_eq!(after.len(), 1, "{on_click}");
    assert!(
        after[0]
            .as_str()
            .unwrap()
            .starts_with("https://player.vimeo.com/video/76979871"),
        "{on_click}"
    );
    let at_once = run(true);
    assert_eq!(at_once["before"], 8, "every embed loads at once: {at_once}");
}

/// Runs the checker `tools/SCRIPT` of tests/ with FEED_PYTHON (a python
/// with the checkers' libraries) on `args`, and returns what it printed;
/// fails the test, with the report, when it found problems.
fn python_check(script: &str, args: &[&std::ffi::OsStr], what: &str) -> String {
    let python = std::env::var("FEED_PYTHON").expect("FEED_PYTHON: a python with the checkers");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools")
        .join(script);
    let result = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    let report = String::from_utf8_lossy(&result.stdout).into_owned();
    assert!(
        result.status.success(),
        "{what} found problems:\n{report}{}",
        String::from_utf8_lossy(&result.stderr)
    );
    report
}

/// Every feed of the example site read by feedparser, the Python library
/// many feed readers use. FEED_PYTHON names a python with feedparser.
#[test]
#[ignore = "needs python with feedparser (FEED_PYTHON)"]
fn example_site_feeds_read_cleanly_in_feedparser() {
    let (_dir, output) = build_example("https://ledger.example.com/");
    let report = python_check("check_feeds.py", &[output.as_os_str()], "feedparser");
    // The site feeds, and one for each section, tag and author.
    assert!(report.lines().count() > 20, "{report}");
    assert!(report.contains("atom10\t11 entries"), "{report}");
}

/// The example site's feeds and sitemaps checked against their schemas
/// by validators that are not gazette's (jsonschema: the JSON Feed 1.1
/// schema; xmlschema: the sitemaps.org and Google News sitemap schemas),
/// both while stories are recent (a news sitemap is written) and today,
/// when none is (no news sitemap, and robots.txt does not name one).
/// FEED_PYTHON names a python with jsonschema and xmlschema.
#[test]
#[ignore = "needs python with jsonschema and xmlschema (FEED_PYTHON)"]
fn example_site_feeds_and_sitemaps_match_their_schemas() {
    for at in [Some("2021-03-31T10:00:00+08:00"), None] {
        let extra: Vec<&str> = at.map(|t| vec!["--at", t]).unwrap_or_default();
        let (_dir, output, _) =
            common::build_example_with(Some("https://ledger.example.com/"), &extra);
        let what = format!("the schema check (at {at:?})");
        let report = python_check("check_schemas.py", &[output.as_os_str()], &what);
        assert!(report.contains("json feed 1.1\t"), "{report}");
        assert!(report.contains("urlset\t"), "{report}");
        // While stories are recent the news sitemap is checked; today, it
        // is rightly absent.
        assert_eq!(
            report.contains("news-sitemap.xml"),
            at.is_some(),
            "{report}"
        );
    }
}

/// The example site's JSON-LD read by extruct, a structured-data
/// extractor independent of gazette: every article is a NewsArticle-family
/// object with its dates, Person authors, image and NewsMediaOrganization
/// publisher, corrections are CorrectionComments, and the home page
/// describes the publisher under the id the articles name. FEED_PYTHON
/// names a python with extruct.
#[test]
#[ignore = "needs python with extruct (FEED_PYTHON)"]
fn example_site_json_ld_reads_cleanly_in_extruct() {
    let (_dir, output) = build_example("https://ledger.example.com/");
    let base = std::ffi::OsStr::new("https://ledger.example.com/");
    let report = python_check("check_json_ld.py", &[output.as_os_str(), base], "extruct");
    // The example site uses an opinion piece, a live blog of five
    // updates, a correction and the publisher table.
    for seen in [
        "seen\tNewsArticle\t9",
        "seen\tOpinionNewsArticle\t1",
        "seen\tLiveBlogPosting\t1",
        "seen\tBlogPosting (live update)\t5",
        "seen\tCorrectionComment\t1",
        "seen\tNewsMediaOrganization\t1",
    ] {
        assert!(report.contains(seen), "{seen} missing:\n{report}");
    }
}

/// Each fixture archive of tests/fixtures/import imported and built; the
/// site folder holds `public/`.
fn imported_sites() -> Vec<(tempfile::TempDir, PathBuf)> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let wordpress = fixtures.join("wordpress");
    let sources: [Vec<String>; 3] = [
        vec![
            "wordpress".into(),
            wordpress.join("export.xml").display().to_string(),
            "--uploads".into(),
            wordpress.join("uploads").display().to_string(),
        ],
        vec!["hugo".into(), fixtures.join("hugo").display().to_string()],
        vec![
            "jekyll".into(),
            fixtures.join("jekyll").display().to_string(),
        ],
    ];
    sources
        .iter()
        .map(|source| {
            let dir = tempfile::tempdir().unwrap();
            let site = dir.path().join("site");
            let mut args = vec!["import".to_string()];
            args.extend(source.iter().cloned());
            args.extend(["--into".into(), site.display().to_string()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = common::gazette(&args, dir.path());
            assert_eq!(run.code, 0, "{}", run.stderr);
            let run = common::gazette(&["build", "--root", site.to_str().unwrap()], dir.path());
            assert_eq!(run.code, 0, "{}", run.stderr);
            (dir, site)
        })
        .collect()
}

#[test]
#[ignore = "needs java and vnu.jar (VNU_JAR)"]
fn imported_sites_are_valid_html() {
    let jar = std::env::var("VNU_JAR").expect("VNU_JAR: path to vnu.jar");
    for (_dir, site) in imported_sites() {
        let files = html_files(&site.join("public"));
        assert!(files.len() > 10, "{} pages", files.len());
        let report = vnu_errors(&jar, &files);
        assert!(
            report.is_empty(),
            "vnu found errors in {}:
{report}",
            site.display()
        );
    }
}

#[test]
#[ignore = "needs python with feedparser (FEED_PYTHON)"]
fn imported_sites_feeds_read_cleanly_in_feedparser() {
    for (_dir, site) in imported_sites() {
        let public = site.join("public");
        let what = format!("feedparser ({})", site.display());
        python_check("check_feeds.py", &[public.as_os_str()], &what);
    }
}

/// Loads the Xiaomi article in a frame of each width and reports the file
/// the browser chose for the lead photo.
const CHOSEN_PROBE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body><pre id="out">running</pre><script>
const chosen = {};
function load(width) {
  return new Promise(resolve => {
    const frame = document.createElement('iframe');
    frame.style.width = width + 'px';
    frame.style.height = '900px';
    frame.onload = () => setTimeout(() => {
      const img = frame.contentDocument.querySelector('.lead-image img');
      chosen[width] = img ? img.currentSrc.split('/').pop() + ' ' + img.getBoundingClientRect().height.toFixed(0) : 'none';
      frame.remove();
      resolve();
    }, 300);
    frame.src = '/2021/03/26/xiaomi-great-wall-ev/';
    document.body.appendChild(frame);
  });
}
(async () => {
  for (const width of [390, 1366]) await load(width);
  document.getElementById('out').textContent = 'PROBE-RESULT ' + JSON.stringify(chosen);
})();
</script></body></html>"#;

#[test]
#[ignore = "needs chromium"]
fn a_phone_loads_the_small_webp_of_the_lead_photo_and_a_desktop_a_larger_one() {
    let port = Server::free_port();
    let (_dir, public) = build_example(&format!("http://127.0.0.1:{port}/"));
    fs::write(public.join("__chosen.html"), CHOSEN_PROBE).unwrap();
    let server = Server::start(&public, port);
    let chosen: std::collections::BTreeMap<String, String> = probe_result(
        &format!("http://127.0.0.1:{}/__chosen.html", server.port),
        20_000,
    );
    // 390 CSS pixels at a device pixel ratio of 1: the 480-pixel WebP.
    assert!(chosen["390"].starts_with("lead-480w.webp "), "{chosen:?}");
    // The story column, 40rem (640 pixels): the 800-pixel one, 16:9.
    assert_eq!(chosen["1366"], "lead-800w.webp 360", "{chosen:?}");
}

/// The probe for axe-core: loads each page in a frame of each width, adds
/// axe to it, and reports every WCAG 2.2 A and AA violation.
const AXE_PROBE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body><pre id="out">running</pre><script>
const pages = PAGES;
const violations = [];
function audit(page, width) {
  return new Promise(resolve => {
    const frame = document.createElement('iframe');
    frame.style.width = width + 'px';
    frame.style.height = '900px';
    frame.onload = () => {
      const doc = frame.contentDocument;
      const script = doc.createElement('script');
      script.src = '/__axe.js';
      script.onload = () => {
        frame.contentWindow.axe.run(doc, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
          .then(result => {
            for (const v of result.violations) {
              violations.push(`${page} @${width}: ${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ') + (n.any[0] ? ' — ' + n.any[0].message : '')).join('; ')}`);
            }
          })
          .catch(e => violations.push(`${page} @${width}: axe failed: ${e}`))
          .then(() => { frame.remove(); resolve(); });
      };
      script.onerror = () => { violations.push(`${page} @${width}: axe did not load`); frame.remove(); resolve(); };
      doc.head.appendChild(script);
    };
    frame.src = page;
    document.body.appendChild(frame);
  });
}
(async () => {
  for (const page of pages) for (const width of [1366, 390]) await audit(page, width);
  document.getElementById('out').textContent = 'PROBE-RESULT ' + JSON.stringify(violations);
})();
</script></body></html>"#;

/// A server for `dir` that sends the site's own Content-Security-Policy
/// (from its /_headers) and records every violation report.
struct CspServer {
    child: Child,
    port: u16,
    reports: PathBuf,
    _reports_dir: tempfile::TempDir,
}

impl CspServer {
    fn start(dir: &Path, port: u16) -> CspServer {
        let reports_dir = tempfile::tempdir().unwrap();
        let reports = reports_dir.path().join("csp-reports.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/csp_server.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .arg(&reports)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 for the test server");
        wait_for_port(port);
        CspServer {
            child,
            port,
            reports,
            _reports_dir: reports_dir,
        }
    }

    /// The violation reports received so far.
    fn reports(&self) -> Vec<String> {
        fs::read_to_string(&self.reports)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for CspServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// WCAG 2.2 AA by axe-core (AXE_JS names axe.min.js), in light and dark,
/// at desktop and phone widths, on the pages the theme has: the front
/// page (with the breaking banner), a story, a live blog, an opinion
/// piece, a tag page, the search page with results and the 404 page.
/// Served with the site's own Content-Security-Policy, no page may
/// breach it.
#[test]
#[ignore = "needs chromium and axe-core (AXE_JS)"]
fn the_theme_has_no_axe_violations_light_or_dark_and_keeps_its_csp() {
    let axe = std::env::var("AXE_JS").expect("AXE_JS: path to axe.min.js");
    let port = Server::free_port();
    // While the live blog runs and the banner is up.
    let (_dir, public, _) = common::build_example_with(
        Some(&format!("http://127.0.0.1:{port}/")),
        &["--at", "2021-03-31T10:00:00+08:00"],
    );
    let pages = [
        "/",
        "/2021/03/26/xiaomi-great-wall-ev/",
        "/2021/03/30/xiaomi-ev-announcement-live/",
        "/2021/03/31/xiaomi-car-bet-opinion/",
        "/tags/electric-vehicles/",
        "/search/?q=xiaomi",
        "/404.html",
    ];
    fs::copy(&axe, public.join("__axe.js")).unwrap();
    fs::write(
        public.join("__axe-probe.html"),
        AXE_PROBE.replace("PAGES", &serde_json::to_string(&pages).unwrap()),
    )
    .unwrap();
    let server = CspServer::start(&public, port);
    let url = format!("http://127.0.0.1:{}/__axe-probe.html", server.port);
    let mut problems: Vec<String> = Vec::new();
    for (scheme, flags) in [
        ("light", vec![]),
        ("dark", vec!["--blink-settings=preferredColorScheme=0"]),
    ] {
        let found: Vec<String> = probe_result_with(&url, 60_000, &flags);
        problems.extend(found.into_iter().map(|v| format!("{scheme}: {v}")));
    }
    // The probe and axe are the test's, loaded into the pages: only the
    // site's own breaches count.
    let breaches: Vec<String> = (server.reports().into_iter())
        .filter(|r| {
            let report: serde_json::Value = serde_json::from_str(r).unwrap_or_default();
            let field = |name: &str| {
                report["csp-report"][name]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            };
            !field("source-file").contains("/__axe") && !field("blocked-uri").contains("/__axe")
        })
        .collect();
    assert!(
        problems.is_empty(),
        "axe-core found WCAG 2.2 AA violations:\n{}",
        problems.join("\n")
    );
    assert!(
        breaches.is_empty(),
        "pages breach their Content-Security-Policy:\n{}",
        breaches.join("\n")
    );
}

/// The search probe: loads each search URL in a frame, waits for the
/// results, clicks "Show more" once when it shows, and reports the status
/// line, the titles listed and whether more were offered.
const SEARCH_PROBE: &str = r##"<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body><pre id="out">running</pre><script>
const urls = URLS;
const results = [];
function settle(frame, test, then) {
  let tries = 0;
  const poll = setInterval(() => {
    const doc = frame.contentDocument;
    if ((doc && doc.getElementById("search-status") && test(doc)) || ++tries > 50) { clearInterval(poll); then(doc); }
  }, 100);
}
function read(doc) {
  return {
    status: doc.getElementById("search-status").textContent,
    titles: Array.from(doc.querySelectorAll("#search-results li a")).map((a) => a.textContent),
    more: !doc.getElementById("search-more").hidden,
  };
}
function check(url) {
  return new Promise((done) => {
    const frame = document.createElement("iframe");
    frame.src = url;
    document.body.appendChild(frame);
    settle(frame, (doc) => / found$/.test(doc.getElementById("search-status").textContent), (doc) => {
      const first = read(doc);
      if (!first.more) { results.push([first]); frame.remove(); return done(); }
      doc.getElementById("search-more").click();
      settle(frame, (d) => d.querySelectorAll("#search-results li").length > first.titles.length, (d) => {
        results.push([first, read(d)]); frame.remove(); done();
      });
    });
  });
}
(async () => {
  for (const url of urls) await check(url);
  document.getElementById('out').textContent = 'PROBE-RESULT ' + JSON.stringify(results);
})();
</script></body></html>"##;

#[derive(serde::Deserialize, Debug)]
struct SearchSeen {
    status: String,
    titles: Vec<String>,
    more: bool,
}

#[test]
#[ignore = "needs chromium"]
fn the_search_page_finds_filters_and_pages_results_in_chromium() {
    let port = Server::free_port();
    let files = common::search_archive(&format!(
        "title = \"Search Desk\"\nbase_url = \"http://127.0.0.1:{port}/\"\ntimezone = \"Asia/Hong_Kong\"\n"
    ));
    let site = common::Fixture::from_owned(&files);
    site.build_ok();
    let urls = [
        "/search/?q=market",
        "/search/?q=ZUR",
        "/search/?q=market&section=Banking",
        "/search/?q=market+note&year=2021",
        "/search/?q=note+market+25",
        "/search/?q=%E9%80%A0%E8%BD%A6",
        "/search/?q=nothing",
    ];
    fs::write(
        site.public().join("__probe.html"),
        SEARCH_PROBE.replace("URLS", &serde_json::to_string(&urls).unwrap()),
    )
    .unwrap();
    let server = Server::start(&site.public(), port);
    let seen: Vec<Vec<SearchSeen>> = probe_result(
        &format!("http://127.0.0.1:{}/__probe.html", server.port),
        30_000,
    );
    let titles = |s: &SearchSeen| s.titles.clone();
    // 25 title matches, newest first, then the summary match; 20 a page.
    let market = &seen[0];
    assert_eq!(market[0].status, "26 articles found");
    assert_eq!(market[0].titles.len(), 20);
    assert_eq!(market[0].titles[0], "Market note 25");
    assert_eq!(market[0].titles[19], "Market note 6");
    assert!(market[0].more);
    assert_eq!(
        titles(&market[1])[20..],
        [
            "Market note 5",
            "Market note 4",
            "Market note 3",
            "Market note 2",
            "Market note 1",
            "Zürich bank rallies"
        ]
    );
    assert!(!market[1].more);
    // Case and accents are folded; a word's start finds it.
    assert_eq!(titles(&seen[1][0]), ["Zürich bank rallies"]);
    // The section and year filters.
    assert_eq!(titles(&seen[2][0]), ["Zürich bank rallies"]);
    assert_eq!(titles(&seen[3][0]), ["Zürich bank rallies"]);
    // Every word must match.
    assert_eq!(titles(&seen[4][0]), ["Market note 25"]);
    assert_eq!(titles(&seen[5][0]), ["小米造车"]);
    assert_eq!(seen[6][0].status, "0 articles found");
}
