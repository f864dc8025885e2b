//! Helpers shared by the integration tests: fixture sites written into
//! temporary folders, and the `gazette` binary run on them.
#![allow(dead_code)]

pub mod photos;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SITE_TOML: &str = "title = \"Test Desk\"\nbase_url = \"https://news.example.com\"\ndescription = \"Test news\"\ntimezone = \"Asia/Hong_Kong\"\n";

/// A fixture site in a temporary folder.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A site with the given files (path, contents) and a default site.toml
    /// unless one is given.
    pub fn new(files: &[(&str, &str)]) -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        if !files.iter().any(|(p, _)| *p == "site.toml") {
            fixture.write("site.toml", SITE_TOML);
        }
        for (path, text) in files {
            fixture.write(path, text);
        }
        fixture
    }

    /// [`Fixture::new`] for files whose paths and texts were built at run time.
    pub fn from_owned(files: &[(String, String)]) -> Fixture {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        Fixture::new(&refs)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file. A photo (`.jpg`, `.png`, `.webp`, `.gif`) given as a
    /// short placeholder text (`"JPEG"`) is written as a small real image
    /// of its format instead, since the build decodes every photo; use
    /// [`Fixture::write_bytes`] to write a broken one.
    pub fn write(&self, path: &str, text: &str) {
        match photos::placeholder(path, text) {
            Some(bytes) => self.write_bytes(path, &bytes),
            None => self.write_bytes(path, text.as_bytes()),
        }
    }

    pub fn write_bytes(&self, path: &str, bytes: &[u8]) {
        let full = self.root().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, bytes).unwrap();
    }

    pub fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    /// Text of an output file.
    pub fn read(&self, path: &str) -> String {
        let full = self.public().join(path);
        fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
    }

    /// Runs `gazette ARGS --root ROOT`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        let root = self.root().to_str().unwrap().to_string();
        all.push("--root");
        all.push(&root);
        gazette(&all, self.root())
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    /// Builds a site with errors, which must fail with every one of
    /// `expected` in its messages and leave the output of an earlier build
    /// untouched; returns the run.
    pub fn build_fails_with(&self, expected: &[&str]) -> Run {
        fs::create_dir_all(self.public()).unwrap();
        fs::write(self.public().join("earlier.html"), "an earlier build").unwrap();
        let run = self.build();
        assert_eq!(run.code, 1, "{}", run.stderr);
        for message in expected {
            assert!(
                run.stderr.contains(message),
                "missing {message}\n{}",
                run.stderr
            );
        }
        assert_eq!(
            fs::read_to_string(self.public().join("earlier.html")).unwrap(),
            "an earlier build",
            "the previous output is untouched"
        );
        run
    }

    /// Builds and fails the test unless the build succeeds.
    pub fn build_ok(&self) -> Run {
        let run = self.build();
        assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
        run
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the gazette binary in `cwd`.
pub fn gazette(args: &[&str], cwd: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run gazette");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Builds the example site at the repository root into a temporary folder,
/// optionally for another base URL. Returns the folder (kept alive by the
/// caller), the output path and the run.
pub fn build_example(base_url: Option<&str>) -> (tempfile::TempDir, PathBuf, Run) {
    build_example_with(base_url, &[])
}

/// [`build_example`] with more arguments (`--at TIME`).
pub fn build_example_with(
    base_url: Option<&str>,
    extra: &[&str],
) -> (tempfile::TempDir, PathBuf, Run) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("public");
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ];
    if let Some(url) = base_url {
        args.extend(["--base-url", url]);
    }
    args.extend_from_slice(extra);
    let run = gazette(&args, dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    (dir, output, run)
}

/// Every file under `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = walkdir(dir);
    files.sort();
    files
}

/// An article file with TOML front matter.
pub fn article(title: &str, date: &str, extra_front_matter: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = {date}\n{extra_front_matter}+++\n\n{body}\n")
}

/// Every file under `dir`, relative, sorted, with its bytes.
pub fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A story body that calls every built-in shortcode (with `other.md`
/// as the read-more target).
pub const EVERY_EMBED: &str = r#"Intro paragraph.

{{< vimeo 76979871 >}}

{{< tweet "https://x.com/reuters/status/1375355512345678901" author="Reuters" text="Xiaomi to build EVs" >}}

{{< bluesky url="https://bsky.app/profile/reuters.com/post/3k" >}}The post's words.{{< /bluesky >}}

{{< mastodon "https://mastodon.social/@newsroom/1100" >}}

{{< instagram "https://www.instagram.com/p/Cabc/" >}}

{{< datawrapper abc12 title="EV sales" >}}

{{< flourish story/123 >}}

{{< documentcloud "https://www.documentcloud.org/documents/2021-filing" >}}

{{< pdf src="filing.pdf" title="The filing" >}}

{{< map lat=22.2783 lon=114.1747 title="Exchange Square" >}}

{{< video src="clip.mp4" poster="clip.jpg" captions="clip.vtt" title="The launch" >}}

{{< audio src="/audio/interview.mp3" title="The interview" >}}

{{< figure src="plant.jpg" alt="The plant" caption="The Baoding plant" credit="Reuters" >}}

{{< gallery caption="The launch" >}}
![One](a.jpg) ![Two](b.jpg)
{{< /gallery >}}

{{< pullquote cite="Analyst" >}}A bet on *software*.{{< /pullquote >}}

{{< factbox title="The deal" >}}
- CNY 10 billion
{{< /factbox >}}

{{< note kind="correction" >}}An earlier version misstated the sum.{{< /note >}}

{{< readmore "@/articles/other.md" >}}
"#;

/// The JSON-LD object of a page (its first `application/ld+json` script).
pub fn json_ld(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open).expect("JSON-LD") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

/// The fingerprinted site path a page links a theme file by
/// (`/assets/immutable/gazette-search.0123456789abcdef.js` for
/// `gazette-search.js`), checked to hold the same bytes as the file at its
/// plain path (`/assets/gazette-search.js`) in `public`.
pub fn theme_file_link(public: &Path, page: &str, plain_name: &str) -> String {
    let (stem, extension) = plain_name.rsplit_once('.').unwrap();
    let start = page
        .find(&format!("/assets/immutable/{stem}."))
        .unwrap_or_else(|| panic!("no link to {plain_name}: {page}"));
    let end = start + page[start..].find('"').unwrap();
    let path = &page[start..end];
    let hash = path
        .strip_prefix(&format!("/assets/immutable/{stem}."))
        .and_then(|rest| rest.strip_suffix(&format!(".{extension}")))
        .unwrap_or_else(|| panic!("{path}"));
    assert!(
        hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{path}"
    );
    let fingerprinted = fs::read(public.join(path.trim_start_matches('/'))).unwrap();
    let plain = fs::read(public.join("assets").join(plain_name)).unwrap();
    assert_eq!(fingerprinted, plain, "{path} and /assets/{plain_name}");
    path.to_string()
}

/// The files of a search test site with `site_toml`: 25 market notes
/// (June 2020, section Markets), a Zürich story (Banking, tagged "Swiss
/// franc", whose summary says "market note") and a Chinese one (2021).
pub fn search_archive(site_toml: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = vec![("site.toml".into(), site_toml.into())];
    for n in 1..=25 {
        files.push((
            format!("content/articles/note-{n:02}.md"),
            article(
                &format!("Market note {n}"),
                &format!("2020-06-{n:02}T10:00:00Z"),
                "category = \"Markets\"\n",
                "Brokers were cautious.",
            ),
        ));
    }
    files.push((
        "content/articles/zurich.md".into(),
        article(
            "Zürich bank rallies",
            "2021-03-01T10:00:00Z",
            "category = \"Banking\"\ntags = [\"Swiss franc\"]\nsummary = \"Shares rose after the market note.\"\n",
            "Body words are not searched.",
        ),
    ));
    files.push((
        "content/articles/xiaomi.md".into(),
        article(
            "小米造车",
            "2021-04-02T10:00:00Z",
            "category = \"Technology\"\n",
            "Xiaomi will build cars.",
        ),
    ));
    files
}
