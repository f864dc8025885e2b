//! The bad-input suite: malformed, hostile and merely unusual sites. Each
//! ends in a clean build or in exit status 1 with a message naming the
//! file; never a panic, a hang or a crash, and never a damaged output
//! folder. Every run is bounded in time and peak memory, both measured on
//! the child process (its VmHWM, sampled), not guessed.

mod common;

use common::{Fixture, SITE_TOML, article, tree};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a case must end in.
enum Expect {
    /// Exit status 0 and a full output.
    Builds,
    /// Exit status 1, and stderr names this (a file, usually).
    FailsNaming(&'static str),
    /// Either, where the outcome depends on the machine (running as root
    /// reads a mode-000 file); a failure must name this.
    BuildsOrFailsNaming(&'static str),
}

struct Case {
    name: &'static str,
    setup: fn(&Fixture),
    expect: Expect,
    /// Peak resident memory allowed, in MiB.
    max_mib: u64,
}

/// Generous enough for a debug build on a loaded 2-core machine; a hang
/// or a quadratic blow-up still exceeds it by far.
const TIME_LIMIT: Duration = Duration::from_secs(120);

struct Bounded {
    /// None when killed by a signal, or for running too long.
    code: Option<i32>,
    timed_out: bool,
    stderr: String,
    peak_mib: u64,
    took: Duration,
}

/// Runs gazette, killing it past [`TIME_LIMIT`]; reports its peak memory.
fn run_bounded(args: &[&str], cwd: &Path) -> Bounded {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gazette");
    let mut stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let pid = child.id();
    let mut timed_out = false;
    let mut peak_kib = 0;
    let status = loop {
        // VmHWM is the child's own high-water mark. (wait4's ru_maxrss
        // would also count the test process's memory, copied at fork.)
        peak_kib = peak_kib.max(high_water_kib(pid).unwrap_or(0));
        if let Some(status) = child.try_wait().expect("wait for gazette") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT && !timed_out {
            let _ = child.kill();
            timed_out = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // None when a signal ended it.
    let code = status.code();
    Bounded {
        code,
        timed_out,
        stderr: reader.join().unwrap(),
        peak_mib: peak_kib / 1024,
        took: started.elapsed(),
    }
}

/// The peak resident memory of a running process, from /proc.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const FENCE_TITLE_DATE: &str = "+++\ntitle = \"A story\"\ndate = 2021-03-26T10:00:00Z\n";

fn plain_article(site: &Fixture, path: &str, body: &str) {
    site.write(path, &format!("{FENCE_TITLE_DATE}+++\n{body}\n"));
}

fn cases() -> Vec<Case> {
    use Expect::*;
    let mut cases = vec![
        Case {
            name: "front matter cut off before its closing fence",
            setup: |s| s.write("content/articles/cut.md", "+++\ntitle = \"Cut"),
            expect: FailsNaming("cut.md:1:1"),
            max_mib: 200,
        },
        Case {
            name: "binary junk named .md",
            setup: |s| {
                let junk: Vec<u8> = (0..65_536u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect();
                s.write_bytes("content/articles/junk.md", &junk)
            },
            expect: FailsNaming("junk.md"),
            max_mib: 200,
        },
        Case {
            name: "invalid UTF-8 after valid front matter",
            setup: |s| {
                let mut bytes = format!("{FENCE_TITLE_DATE}+++\nCaf").into_bytes();
                bytes.extend([0xE9, b'!', b'\n']);
                s.write_bytes("content/articles/latin1.md", &bytes)
            },
            expect: FailsNaming("latin1.md:5:4"),
            max_mib: 200,
        },
        Case {
            name: "an empty file",
            setup: |s| s.write("content/articles/empty.md", ""),
            expect: FailsNaming("empty.md"),
            max_mib: 200,
        },
        Case {
            name: "a 50 MB article",
            setup: |s| {
                let paragraph = "Xiaomi and Great Wall Motor said on Friday they would build electric vehicles together, with **CNY 10 billion** ($1.5 billion) in the first phase. ";
                let mut body = String::with_capacity(52 * 1024 * 1024);
                while body.len() < 50 * 1024 * 1024 {
                    body.push_str(paragraph);
                    body.push_str("\n\n## A subheading\n\n");
                }
                plain_article(s, "content/articles/huge.md", &body)
            },
            expect: Builds,
            max_mib: 1500,
        },
        Case {
            name: "a 10,000-character title",
            setup: |s| {
                let title = "Headline ".repeat(1_112);
                s.write(
                    "content/articles/long-title.md",
                    &article(title.trim(), "2021-03-26T10:00:00Z", "", "Body."),
                )
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "lists nested 10,000 deep",
            setup: |s| {
                let body: String = (0..10_000)
                    .map(|i| format!("{}- item\n", "  ".repeat(i)))
                    .collect();
                plain_article(s, "content/articles/lists.md", &body)
            },
            expect: Builds,
            max_mib: 400,
        },
        Case {
            name: "block quotes nested 100,000 deep",
            setup: |s| {
                plain_article(
                    s,
                    "content/articles/quotes.md",
                    &format!("{} deep", ">".repeat(100_000)),
                )
            },
            expect: Builds,
            max_mib: 400,
        },
        Case {
            name: "emphasis and brackets 100,000 deep",
            setup: |s| {
                let body = format!(
                    "{}x{} {}",
                    "*_".repeat(50_000),
                    "_*".repeat(50_000),
                    "[".repeat(100_000)
                );
                plain_article(s, "content/articles/emphasis.md", &body)
            },
            expect: Builds,
            max_mib: 400,
        },
        Case {
            name: "front matter of 100,000 keys",
            setup: |s| {
                let keys: String = (0..100_000).map(|i| format!("key{i} = {i}\n")).collect();
                s.write(
                    "content/articles/keys.md",
                    &format!("{FENCE_TITLE_DATE}{keys}+++\nBody.\n"),
                )
            },
            expect: FailsNaming("and 99980 more unknown keys in article front matter"),
            max_mib: 300,
        },
        Case {
            name: "10,000 tags on one article",
            setup: |s| {
                let tags: Vec<String> = (0..10_000).map(|i| format!("\"tag {i}\"")).collect();
                s.write(
                    "content/articles/tags.md",
                    &format!(
                        "{FENCE_TITLE_DATE}tags = [{}]\n+++\nBody.\n",
                        tags.join(", ")
                    ),
                )
            },
            expect: FailsNaming("tags.md:4:1: an article has 10000 tags; at most 50 are allowed"),
            max_mib: 400,
        },
        Case {
            name: "50 tags on one article, the most allowed",
            setup: |s| {
                let tags: Vec<String> = (0..50).map(|i| format!("\"tag {i}\"")).collect();
                s.write(
                    "content/articles/tags.md",
                    &format!(
                        "{FENCE_TITLE_DATE}tags = [{}]\n+++\nBody.\n",
                        tags.join(", ")
                    ),
                )
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "a slug too long for a file name",
            setup: |s| {
                s.write(
                    "content/articles/slug.md",
                    &format!(
                        "{FENCE_TITLE_DATE}slug = \"{}\"\n+++\nBody.\n",
                        "a".repeat(300)
                    ),
                )
            },
            expect: FailsNaming("slug.md:4:1: `slug` makes a URL segment of 300 bytes"),
            max_mib: 200,
        },
        Case {
            name: "a folder named like an article",
            setup: |s| {
                std::fs::create_dir_all(s.root().join("content/articles/2021/folder.md")).unwrap();
                plain_article(s, "content/articles/2021/folder.md/inner.md", "Inside.");
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "names with spaces and Unicode",
            setup: |s| {
                plain_article(
                    s,
                    "content/articles/2021 März/Ökonomie & Märkte – Überblick.md",
                    "Body.",
                );
                plain_article(s, "content/articles/2021 März/小米 长城.md", "Body.");
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "CRLF line endings, TOML and YAML",
            setup: |s| {
                s.write(
                    "content/articles/crlf.md",
                    "+++\r\ntitle = \"CRLF\"\r\ndate = 2021-03-26\r\n+++\r\nBody.\r\n",
                );
                s.write(
                    "content/articles/crlf-yaml.md",
                    "---\r\ntitle: CRLF YAML\r\ndate: 2021-03-26\r\n---\r\nBody.\r\n",
                );
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "a byte-order mark, with CRLF",
            setup: |s| {
                s.write(
                    "content/articles/bom.md",
                    "\u{feff}+++\ntitle = \"BOM\"\ndate = 2021-03-26\n+++\nBody.\n",
                );
                s.write(
                    "content/articles/bom-crlf.md",
                    "\u{feff}---\r\ntitle: BOM\r\ndate: 2021-03-26\r\n---\r\nBody.\r\n",
                );
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "a YAML billion-laughs bomb",
            setup: |s| {
                let mut yaml = String::from(
                    "---\ntitle: Bomb\ndate: 2021-03-26\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
                );
                for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
                    .iter()
                    .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
                {
                    yaml.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
                }
                yaml.push_str("---\nBody.\n");
                s.write("content/articles/bomb.md", &yaml)
            },
            expect: FailsNaming("bomb.md"),
            max_mib: 300,
        },
        Case {
            name: "a template that includes itself",
            setup: |s| {
                plain_article(s, "content/articles/a.md", "Body.");
                s.write(
                    "templates/partials/footer.html",
                    "<footer>{% include \"partials/footer.html\" %}</footer>",
                );
            },
            expect: FailsNaming("templates/partials/footer.html"),
            max_mib: 200,
        },
        Case {
            name: "a template that extends itself",
            setup: |s| {
                plain_article(s, "content/articles/a.md", "Body.");
                s.write("templates/article.html", "{% extends \"article.html\" %}");
            },
            expect: FailsNaming("templates/article.html"),
            max_mib: 200,
        },
        Case {
            name: "a template with a syntax error",
            setup: |s| {
                plain_article(s, "content/articles/a.md", "Body.");
                s.write("templates/article.html", "<h1>{{ article.title </h1>");
            },
            expect: FailsNaming("templates/article.html"),
            max_mib: 200,
        },
        Case {
            name: "a template that loops a million times per page",
            setup: |s| {
                plain_article(s, "content/articles/a.md", "Body.");
                s.write(
                    "templates/article.html",
                    "<title>x</title>{% for i in range(end=1000000) %}{% endfor %}{{ article.title }}",
                );
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "an impossible date",
            setup: |s| {
                s.write(
                    "content/articles/feb30.md",
                    "+++\ntitle = \"x\"\ndate = \"2021-02-30\"\n+++\n",
                )
            },
            expect: FailsNaming("feb30.md:3:"),
            max_mib: 200,
        },
        Case {
            name: "a title of the wrong type",
            setup: |s| {
                s.write(
                    "content/articles/array.md",
                    "+++\ntitle = [1, 2]\ndate = 2021-03-26\n+++\n",
                )
            },
            expect: FailsNaming("array.md:2:"),
            max_mib: 200,
        },
        Case {
            name: "two articles at one URL",
            setup: |s| {
                plain_article(s, "content/articles/a/same.md", "One.");
                plain_article(s, "content/articles/b/same.md", "Two.");
            },
            expect: FailsNaming("same.md"),
            max_mib: 200,
        },
        Case {
            name: "NUL and control characters in the body",
            setup: |s| {
                plain_article(
                    s,
                    "content/articles/nul.md",
                    "Text\u{0}with\u{1}controls\u{7f} and \u{feff} marks.",
                )
            },
            expect: Builds,
            max_mib: 200,
        },
        Case {
            name: "site.toml that is not TOML",
            setup: |s| s.write("site.toml", "title = \"Desk\nbase_url = https://x\n"),
            expect: FailsNaming("site.toml:1:"),
            max_mib: 200,
        },
        Case {
            name: "site.toml in Latin-1",
            setup: |s| {
                s.write_bytes(
                    "site.toml",
                    b"title = \"Caf\xe9\"\nbase_url = \"https://e.com/\"\n",
                )
            },
            expect: FailsNaming("site.toml"),
            max_mib: 200,
        },
        Case {
            name: "no site.toml at all",
            setup: |s| std::fs::remove_file(s.root().join("site.toml")).unwrap(),
            expect: FailsNaming("site.toml"),
            max_mib: 200,
        },
        Case {
            name: "the output path is a file",
            setup: |s| {
                plain_article(s, "content/articles/a.md", "Body.");
                s.write(
                    "site.toml",
                    &format!("{SITE_TOML}[build]\noutput = \"site.toml\"\n"),
                );
            },
            expect: FailsNaming("site.toml"),
            max_mib: 200,
        },
    ];
    #[cfg(unix)]
    cases.extend(unix_cases());
    cases
}

#[test]
fn every_bad_input_ends_cleanly_within_bounds() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for case in cases() {
        let site = Fixture::new(&[]);
        // A previous build's output, which a failed build must not touch:
        // a real build (gazette rebuilds only folders it made), with an
        // old page that the next good build must remove.
        site.build_ok();
        site.write("public/index.html", "<!-- the previous build -->");
        site.write("public/2020/old/index.html", "<!-- an old page -->");
        let previous = site.root().join("public");
        (case.setup)(&site);
        let before = tree(&previous);
        eprintln!("bad input: {}", case.name);
        let run = run_bounded(
            &["build", "--root", site.root().to_str().unwrap()],
            site.root(),
        );
        report.push(format!(
            "{:<50} exit {:?} {:>6.2} s {:>5} MiB",
            case.name,
            run.code,
            run.took.as_secs_f64(),
            run.peak_mib
        ));
        let mut problems = Vec::new();
        if run.timed_out {
            problems.push(format!("ran past {TIME_LIMIT:?}"));
        } else if run.stderr.contains("panicked") || run.code.is_none() {
            problems.push("crashed".to_string());
        }
        if run.peak_mib > case.max_mib {
            problems.push(format!(
                "used {} MiB, more than {}",
                run.peak_mib, case.max_mib
            ));
        }
        let built = run.code == Some(0);
        let failed_naming = |needle: &str| run.code == Some(1) && run.stderr.contains(needle);
        match case.expect {
            Expect::Builds if !built => problems.push("should build".into()),
            Expect::FailsNaming(needle) if !failed_naming(needle) => {
                problems.push(format!("should fail naming `{needle}`"))
            }
            Expect::BuildsOrFailsNaming(needle) if !built && !failed_naming(needle) => {
                problems.push(format!("should build or fail naming `{needle}`"))
            }
            _ => {}
        }
        if built {
            let front = std::fs::read_to_string(previous.join("index.html")).unwrap_or_default();
            if !front.contains("<html") || previous.join("2020/old/index.html").exists() {
                problems.push("the output is not the new build".into());
            }
        } else if previous.is_dir() && tree(&previous) != before {
            problems.push("a failed build changed the output folder".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n{}",
                case.name,
                problems.join("; "),
                run.stderr
            ));
        }
    }
    println!("{}", report.join("\n"));
    assert!(cases().len() >= 25);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Links, file modes and FIFOs, which only Unix has.
#[cfg(unix)]
fn unix_cases() -> Vec<Case> {
    use Expect::*;
    vec![
        Case {
            name: "a symlink loop in content/",
            setup: |s| {
                std::fs::create_dir_all(s.root().join("content/articles/2021")).unwrap();
                std::os::unix::fs::symlink("..", s.root().join("content/articles/2021/loop"))
                    .unwrap();
            },
            expect: FailsNaming("content/articles/2021/loop: symbolic link loop"),
            max_mib: 200,
        },
        Case {
            name: "a dangling symlink",
            setup: |s| {
                std::fs::create_dir_all(s.root().join("content/articles")).unwrap();
                std::os::unix::fs::symlink(
                    "/nonexistent/x.md",
                    s.root().join("content/articles/gone.md"),
                )
                .unwrap();
            },
            expect: FailsNaming("gone.md"),
            max_mib: 200,
        },
        Case {
            name: "an unreadable file",
            setup: |s| {
                use std::os::unix::fs::PermissionsExt;
                plain_article(s, "content/articles/secret.md", "Body.");
                let path = s.root().join("content/articles/secret.md");
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000)).unwrap();
            },
            expect: BuildsOrFailsNaming("secret.md"),
            max_mib: 200,
        },
        Case {
            name: "a named pipe called like an article",
            setup: |s| {
                std::fs::create_dir_all(s.root().join("content/articles")).unwrap();
                let path = std::ffi::CString::new(
                    s.root().join("content/articles/pipe.md").to_str().unwrap(),
                )
                .unwrap();
                // SAFETY: a valid NUL-terminated path.
                assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
                plain_article(s, "content/articles/real.md", "Body.");
            },
            expect: BuildsOrFailsNaming("pipe.md"),
            max_mib: 200,
        },
    ]
}
