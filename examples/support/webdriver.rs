//! A headless Chromium driven through chromedriver, for the browser test
//! (tests/serve.rs) and the browser latency benchmark
//! (examples/browser_latency.rs). Commands are sent with curl: Debian's
//! `chromium`, `chromium-driver` and `curl` are what .ci/run installs.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One WebDriver command to chromedriver, sent with curl (installed with
/// Chromium by .ci/run).
fn webdriver(port: u16, method: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "60", "-X", method])
        .args(["-H", "Content-Type: application/json", "--data"])
        .arg(body.to_string())
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{method} {path}: {e}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A headless Chromium driven through chromedriver; quit when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver; .ci/run installs it)");
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile_arg = format!("--user-data-dir={}", browser._profile.path().display());
        let reply = webdriver(
            port,
            "POST",
            "/session",
            &serde_json::json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", "--window-size=1366,900", profile_arg]
                }
            }}}),
        );
        browser.session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_string();
        browser
    }

    pub fn open(&self, url: &str) {
        let path = format!("/session/{}/url", self.session);
        webdriver(self.port, "POST", &path, &serde_json::json!({ "url": url }));
    }

    /// Runs JavaScript in the page and returns its result.
    pub fn run(&self, script: &str) -> serde_json::Value {
        let path = format!("/session/{}/execute/sync", self.session);
        let reply = webdriver(
            self.port,
            "POST",
            &path,
            &serde_json::json!({"script": script, "args": []}),
        );
        reply["value"].clone()
    }

    /// Polls a script until it returns true; fails after 20 s.
    pub fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.run(script) != serde_json::Value::Bool(true) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the page never {what}; it shows:\n{}",
                self.run("return document.body ? document.body.innerText : ''")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            webdriver(self.port, "DELETE", &path, &serde_json::json!({}));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
