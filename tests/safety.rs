//! Safety: gazette never deletes, overwrites or publishes a file it was not
//! asked to, and it stays bounded on hostile input. Each test builds a
//! fixture site in a temporary folder, gives it the bad input, and checks
//! the exact error, the exit status and that nothing outside was touched.
//! Symbolic links, FIFOs and file modes are Unix's, so these run there.
#![cfg(unix)]

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use gazette::build::{BuildOptions, build};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn init_starters_are_published_at_any_hour_of_the_day() {
    // Before 09:00 UTC the starters used to be scheduled, not published.
    for moment in [
        Utc.with_ymd_and_hms(2026, 3, 26, 0, 5, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 3, 26, 8, 59, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 3, 26, 23, 59, 0).unwrap(),
        // Two hours into a new year: one starter is dated last year.
        Utc.with_ymd_and_hms(2027, 1, 1, 1, 30, 0).unwrap(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        gazette::scaffold::init_site(&root, moment).unwrap();
        let mut options = BuildOptions::new(&root);
        options.now = moment;
        let report = build(&options).unwrap_or_else(|f| panic!("{moment}: {:?}", f.diagnostics));
        assert_eq!(report.articles, 2, "at {moment}");
        assert_eq!(report.scheduled_left_out, 0, "at {moment}");
    }
}

fn good_site() -> Fixture {
    Fixture::new(&[
        (
            "content/articles/good.md",
            &article("Good", "2021-03-26", "tags = [\"markets\"]\n", "Fine."),
        ),
        (
            "content/articles/other.md",
            &article("Other", "2021-03-25", "tags = [\"yuan\"]\n", "Also fine."),
        ),
    ])
}

/// Every file below `dir` with its bytes, links listed as links (never
/// followed), so a test sees exactly what a folder holds.
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let kind = if e.path_is_symlink() {
                format!("-> {}", fs::read_link(e.path()).unwrap().display())
            } else if e.file_type().is_file() {
                format!("{:?}", fs::read(e.path()).unwrap())
            } else {
                "dir".to_string()
            };
            (rel, kind)
        })
        .collect();
    out.sort();
    out
}

/// A folder beside the site with a user's files in it.
fn victim(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    fs::create_dir_all(dir.join("notes")).unwrap();
    fs::write(dir.join("thesis.txt"), "years of work").unwrap();
    fs::write(dir.join("notes/a.txt"), "a").unwrap();
    dir
}

#[test]
fn site_toml_may_not_send_the_output_outside_the_site() {
    let outer = tempfile::tempdir().unwrap();
    let victim = victim(outer.path(), "victim");
    let before = snapshot(&victim);
    let root = outer.path().join("site");
    fs::create_dir_all(root.join("content/articles")).unwrap();
    fs::write(
        root.join("content/articles/good.md"),
        article("Good", "2021-03-26", "", "Fine."),
    )
    .unwrap();
    for (output, message) in [
        (
            "../victim",
            "`build.output` leaves the site (\"../victim\")",
        ),
        ("public/../../victim", "`build.output` leaves the site"),
        (
            victim.to_str().unwrap(),
            "`build.output` may not be an absolute path",
        ),
        (".", "`build.output` names the site itself"),
    ] {
        fs::write(
            root.join("site.toml"),
            format!("{SITE_TOML}\n[build]\noutput = {output:?}\n"),
        )
        .unwrap();
        let run = gazette(&["build", "--root", "."], &root);
        assert_eq!(run.code, 1, "{output}: {}", run.stderr);
        assert!(
            run.stderr
                .starts_with(&format!("error: site.toml:7:1: {message}")),
            "{output}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("such as \"public\""), "{}", run.stderr);
        assert_eq!(snapshot(&victim), before);
    }
    assert_eq!(
        fs::read_dir(outer.path()).unwrap().count(),
        2,
        "nothing was made beside the site"
    );
}

#[test]
fn a_folder_gazette_did_not_write_is_never_taken_as_output() {
    let site = good_site();
    // `--output .git` destroyed a repository: a non-empty folder without
    // gazette's mark is refused, named, with what to do.
    let repo = victim(site.root(), ".git");
    // Outside the site: a folder of its own, not a shared name in /tmp that
    // two test runs at once would both make and delete.
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = victim(elsewhere.path(), "elsewhere-victim");
    for target in [&repo, &outside] {
        let before = snapshot(target);
        for _ in 0..2 {
            let run = site.run(&["build", "--output", target.to_str().unwrap()]);
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "error: {}: cannot prepare the output folder: it is not empty and was not written by gazette: a build deletes every file of its output folder that it did not write",
                    target.display()
                )),
                "{}",
                run.stderr
            );
            assert!(run.stderr.contains("empty or remove that folder"));
            assert_eq!(snapshot(target), before);
        }
        // Nothing was made beside the refused folder.
        let parent = target.parent().unwrap();
        let name = target.file_name().unwrap().to_string_lossy();
        for helper in ["staging", "cache", "lock"] {
            assert!(!parent.join(format!(".{name}.gazette-{helper}")).exists());
        }
    }
    fs::remove_dir_all(&outside).unwrap();
    // An empty folder is adopted, and from then on rebuilt as gazette's.
    let empty = site.root().join("empty");
    fs::create_dir(&empty).unwrap();
    for _ in 0..3 {
        let run = site.run(&["build", "--output", empty.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert!(empty.join("index.html").is_file());
}

#[test]
fn links_in_place_of_the_helper_folders_are_refused_not_followed() {
    for helper in [".public.gazette-staging", ".public.gazette-cache"] {
        let site = good_site();
        let elsewhere = victim(site.root(), "elsewhere");
        let before = snapshot(&elsewhere);
        std::os::unix::fs::symlink(&elsewhere, site.root().join(helper)).unwrap();
        for _ in 0..2 {
            let run = site.build();
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "{helper} is not a folder gazette made (a symbolic link): gazette keeps its own folders beside the output and never writes through a link"
                )),
                "{}",
                run.stderr
            );
        }
        assert_eq!(snapshot(&elsewhere), before, "{helper}");
        assert!(!site.public().exists());
    }
    // A staging folder shipped with files in it is not gazette's either.
    let site = good_site();
    let planted = victim(site.root(), ".public.gazette-staging");
    let before = snapshot(&planted);
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("holds files gazette did not write"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(&planted), before);
}

#[test]
fn an_output_folder_that_is_a_link_is_rebuilt_where_it_points() {
    let site = good_site();
    let deploy = site.root().join("deploy");
    fs::create_dir(&deploy).unwrap();
    std::os::unix::fs::symlink("deploy", site.public()).unwrap();
    for round in 0..4 {
        let title = format!("Headline {round}");
        site.write(
            "content/articles/good.md",
            &article(&title, "2021-03-26", "", "Fine."),
        );
        site.build_ok();
        assert!(
            fs::symlink_metadata(site.public())
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link stays a link"
        );
        let page = fs::read_to_string(deploy.join("index.html")).unwrap();
        assert!(page.contains(&title), "round {round}: deploy/ is stale");
    }
}

#[test]
fn a_link_planted_inside_the_output_is_replaced_never_written_through() {
    let site = good_site();
    site.build_ok();
    // `--full`, so the staging folder holds a whole output too.
    assert_eq!(site.run(&["build", "--full"]).code, 0);
    let elsewhere = victim(site.root(), "elsewhere");
    fs::create_dir_all(elsewhere.join("markets")).unwrap();
    fs::write(elsewhere.join("markets/index.html"), "user's own file").unwrap();
    fs::write(elsewhere.join("stale.html"), "user's other file").unwrap();
    let before = snapshot(&elsewhere);
    // In both folders a build will reuse: the output and the staging one.
    for folder in [site.public(), site.root().join(".public.gazette-staging")] {
        fs::remove_dir_all(folder.join("tags")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, folder.join("tags")).unwrap();
    }
    for _ in 0..3 {
        site.build_ok();
        assert_eq!(snapshot(&elsewhere), before);
    }
    assert!(
        !fs::symlink_metadata(site.public().join("tags"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(site.read("tags/markets/index.html").contains("Good"));
}

#[test]
fn two_builds_at_once_take_turns() {
    use std::os::unix::io::AsRawFd;
    let site = good_site();
    site.build_ok();
    // Hold the lock as a running build would.
    let lock = fs::File::open(site.root().join(".public.gazette-lock")).unwrap();
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    site.write(
        "content/articles/good.md",
        &article("Changed", "2021-03-26", "", "Fine."),
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["build", "--root", site.root().to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut line = [0u8; 37];
    use std::io::Read;
    stderr.read_exact(&mut line).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&line),
        "waiting for another gazette build of "
    );
    // While it waits, the output is the first build's.
    assert!(!site.read("index.html").contains("Changed"));
    drop(lock);
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(site.read("index.html").contains("Changed"));
    // A lock left by a killed build does not block the next one.
    site.build_ok();
}

#[test]
fn a_hand_edit_that_keeps_length_and_time_is_still_put_right() {
    let site = good_site();
    for _ in 0..2 {
        site.build_ok();
    }
    let page = site.public().join("index.html");
    let original = fs::read(&page).unwrap();
    let time = fs::metadata(&page).unwrap().modified().unwrap();
    let mut edited = original.clone();
    edited[0] = b'X';
    // As `cp -p` and `rsync -t` do: same length, the old time put back.
    fs::write(&page, &edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(time)
        .unwrap();
    site.build_ok();
    site.build_ok();
    assert_eq!(fs::read(&page).unwrap(), original);
}

#[test]
fn links_that_leave_the_site_are_errors_and_nothing_is_published() {
    let outer = tempfile::tempdir().unwrap();
    let secret = outer.path().join("secret.txt");
    fs::write(&secret, "CI_TOKEN=hunter2").unwrap();
    let site = good_site();
    site.build_ok();
    let before = tree(&site.public());
    let link = |target: &Path, at: &str| {
        let path = site.root().join(at);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, path).unwrap();
    };
    site.write(
        "content/articles/bundle/index.md",
        &article("B", "2021-03-20", "", "Text."),
    );
    link(&secret, "content/articles/bundle/leak.txt");
    link(Path::new("/etc"), "static/etc");
    link(Path::new("/proc/self/environ"), "static/env.txt");
    link(&secret, "templates/partials/secret.html");
    // Into the site's own hidden folder: not published either.
    site.write(".env", "DB_PASSWORD=x");
    link(&site.root().join(".env"), "static/dotenv.txt");
    // A link that stays inside the site keeps working.
    site.write("shared/logo.svg", "<svg/>");
    link(&site.root().join("shared/logo.svg"), "static/logo.svg");
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let root = site.root().display().to_string();
    for (at, message) in [
        (
            "content/articles/bundle/leak.txt",
            format!(
                "a symbolic link to {}, outside the site: gazette publishes only files inside the site; copy the file in, or remove the link",
                fs::canonicalize(&secret).unwrap().display()
            ),
        ),
        (
            "static/etc",
            "a symbolic link to /etc, outside the site".to_string(),
        ),
        ("static/env.txt", "a symbolic link to /proc/".to_string()),
        (
            "templates/partials/secret.html",
            format!(
                "a symbolic link to {}, outside the site",
                fs::canonicalize(&secret).unwrap().display()
            ),
        ),
        (
            "static/dotenv.txt",
            "a symbolic link into the hidden .env: gazette never publishes hidden files"
                .to_string(),
        ),
    ] {
        assert!(
            run.stderr
                .contains(&format!("error: {root}/{at}: {message}")),
            "{at}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("build failed: 5 errors"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("logo.svg"), "{}", run.stderr);
    assert_eq!(tree(&site.public()), before);
    // Without the bad links the inside one is published.
    for bad in [
        "content/articles/bundle/leak.txt",
        "static/etc",
        "static/env.txt",
        "templates/partials/secret.html",
        "static/dotenv.txt",
    ] {
        fs::remove_file(site.root().join(bad)).unwrap();
    }
    site.build_ok();
    assert_eq!(site.read("logo.svg"), "<svg/>");
}

#[test]
fn special_files_and_endless_sources_end_in_an_error_not_a_hang() {
    let mkfifo = |path: &Path| {
        let name = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
    };
    // site.toml as a FIFO, or linked to /dev/zero.
    let site = good_site();
    fs::remove_file(site.root().join("site.toml")).unwrap();
    mkfifo(&site.root().join("site.toml"));
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "site.toml: cannot read: a named pipe (FIFO): gazette reads only regular files"
        ),
        "{}",
        run.stderr
    );
    fs::remove_file(site.root().join("site.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", site.root().join("site.toml")).unwrap();
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("site.toml: cannot read: a device"),
        "{}",
        run.stderr
    );

    // FIFOs in content/, static/ and templates/; a huge template.
    let site = good_site();
    mkfifo(&site.root().join("content/articles/pipe.md"));
    fs::create_dir_all(site.root().join("static")).unwrap();
    mkfifo(&site.root().join("static/pipe.css"));
    fs::create_dir_all(site.root().join("templates")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", site.root().join("templates/zero.html")).unwrap();
    let big = fs::File::create(site.root().join("templates/big.html")).unwrap();
    big.set_len(gazette::sources::MAX_SOURCE_BYTES + 1).unwrap();
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let root = site.root().display().to_string();
    for expected in [
        format!(
            "error: {root}/content/articles/pipe.md: a named pipe (FIFO): gazette reads and publishes only regular files and folders; remove it"
        ),
        format!("error: {root}/static/pipe.css: a named pipe (FIFO)"),
        format!(
            "error: {root}/templates/zero.html: a symbolic link to /dev/zero, outside the site"
        ),
        format!(
            "error: {root}/templates/big.html: cannot read: the file is 257 MiB; gazette reads source files of at most 256 MiB"
        ),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    }
}

/// Builds `site` after a first good build and returns the failed build's
/// stderr; the previous output must be untouched.
fn fails_keeping_output(site: &Fixture) -> String {
    let before = tree(&site.public());
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(tree(&site.public()), before);
    run.stderr
}

/// A site that has an error after earlier builds made its output: neither
/// the output, nor its staging folder, nor the records beside them
/// change, and the lock is let go for the next build.
#[test]
fn a_site_with_errors_leaves_a_built_output_and_its_helper_folders_as_they_were() {
    let site = good_site();
    site.build_ok();
    site.write(
        "content/articles/good.md",
        &article("Good", "2021-03-26", "tags = [\"markets\"]\n", "Changed."),
    );
    site.build_ok();
    let staging = site.root().join(".public.gazette-staging");
    let records = site.root().join(".public.gazette-cache");
    let helpers = || (tree(&staging), tree(&records));
    let before = helpers();
    assert!(
        !before.0.is_empty(),
        "the second build left a staging folder"
    );
    site.write(
        "content/articles/bad.md",
        "+++\ntitle = \"Bad\"\ndate = 2021-13-45\n+++\nText.\n",
    );
    let stderr = fails_keeping_output(&site);
    assert!(stderr.contains("bad.md"), "{stderr}");
    assert_eq!(helpers(), before);
    std::fs::remove_file(site.root().join("content/articles/bad.md")).unwrap();
    site.build_ok();
}

#[test]
fn recursive_templates_are_refused_before_they_overflow_the_stack() {
    let site = good_site();
    site.build_ok();
    // A macro that calls itself with no end, and two that call each other
    // through an import.
    site.write(
        "templates/macros.html",
        "{% macro down(n) %}{{ self::down(n=n - 1) }}{% endmacro down %}",
    );
    site.write(
        "templates/partials/footer.html",
        "{% import \"macros.html\" as m %}<footer>{{ m::down(n=3) }}</footer>",
    );
    let stderr = fails_keeping_output(&site);
    let root = site.root().display();
    assert!(
        stderr.contains(&format!("error: {root}/templates/macros.html: a macro calls itself: macros.html::down → macros.html::down; Tera counts no depth")),
        "{stderr}"
    );
    site.write(
        "templates/macros.html",
        "{% import \"other.html\" as o %}{% macro ping() %}{% if true %}{{ o::pong() }}{% endif %}{% endmacro ping %}",
    );
    site.write(
        "templates/other.html",
        "{% import \"macros.html\" as m %}{% macro pong() %}{{ m::ping() | upper }}{% endmacro pong %}",
    );
    let stderr = fails_keeping_output(&site);
    assert!(
        stderr.contains(
            "a macro calls itself: macros.html::ping → other.html::pong → macros.html::ping"
        ),
        "{stderr}"
    );
    // An include loop through two templates, both guarded.
    site.write("templates/macros.html", "");
    site.write("templates/other.html", "");
    site.write(
        "templates/partials/footer.html",
        "{% for x in [1] %}{% include \"partials/b.html\" %}{% endfor %}",
    );
    site.write(
        "templates/partials/b.html",
        "{% if true %}{% include \"partials/footer.html\" %}{% endif %}",
    );
    let stderr = fails_keeping_output(&site);
    assert!(
        stderr.contains("in a loop: partials/footer.html → partials/b.html → partials/footer.html"),
        "{stderr}"
    );
}

#[test]
fn template_functions_cannot_loop_or_allocate_without_bound() {
    let site = good_site();
    site.build_ok();
    let root = site.root().display().to_string();
    // 100,000 × 100,000 × 1,000 bytes would be 10 TB; it stops at 512 MiB.
    let endless = format!(
        "{{% for i in range(end=100000) %}}{{% for j in range(end=100000) %}}{}{{% endfor %}}{{% endfor %}}",
        "0123456789".repeat(100)
    );
    for (footer, message) in [
        (
            "{% for i in range(end=10, step_by=0) %}x{% endfor %}",
            "`range` needs `step_by` of at least 1, not 0",
        ),
        (
            "{% for i in range(end=100000000000) %}{% endfor %}",
            "would make 100000000000 numbers; a template may make at most 1000000",
        ),
        (endless.as_str(), "the page would be larger than 512 MiB"),
    ] {
        site.write("templates/partials/footer.html", footer);
        let stderr = fails_keeping_output(&site);
        assert!(
            stderr.contains(&format!("error: {root}/templates/partials/footer.html")),
            "{stderr}"
        );
        assert!(stderr.contains(message), "{message}\n{stderr}");
    }
}

#[test]
fn templates_read_only_gazette_environment_variables() {
    let site = good_site();
    site.build_ok();
    site.write(
        "templates/partials/footer.html",
        "<footer>{{ get_env(name=\"CI_SECRET_TOKEN\", default=\"none\") }}</footer>",
    );
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["build", "--root", site.root().to_str().unwrap()])
        .env("CI_SECRET_TOKEN", "hunter2")
        .env("GAZETTE_EDITION", "Asia")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`get_env(name=\"CI_SECRET_TOKEN\")`: templates may read only environment variables whose names start with GAZETTE_"), "{stderr}");
    assert!(!site.read("index.html").contains("hunter2"));
    site.write(
        "templates/partials/footer.html",
        "<footer>{{ get_env(name=\"GAZETTE_EDITION\") }} {{ get_env(name=\"GAZETTE_UNSET\", default=\"-\") }}</footer>",
    );
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["build", "--root", site.root().to_str().unwrap()])
        .env("GAZETTE_EDITION", "Asia")
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(site.read("index.html").contains("<footer>Asia -</footer>"));
}

#[test]
fn an_error_in_a_site_partial_is_named_once_at_its_file_and_line() {
    let site = good_site();
    site.build_ok();
    let root = site.root().display().to_string();
    for (footer, expected) in [
        (
            "<footer>\n  {% include \"partials/missing.html\" %}\n</footer>\n",
            format!(
                "error: {root}/templates/partials/footer.html:2:15: Template '[partials/missing.html]' not found\n"
            ),
        ),
        (
            "<footer>\n<p>{{ site.title }}</p>\n<p>{{ undefined_thing }}</p></footer>\n",
            format!(
                "error: {root}/templates/partials/footer.html:3:7: Variable `undefined_thing` not found in context while rendering 'partials/footer.html'\n"
            ),
        ),
    ] {
        site.write("templates/partials/footer.html", footer);
        let stderr = fails_keeping_output(&site);
        assert!(stderr.starts_with(&expected), "{expected}\n{stderr}");
        assert!(stderr.contains("build failed: 1 error;"), "{stderr}");
        assert!(!stderr.contains("built-in template"), "{stderr}");
    }
}

#[test]
fn only_http_mailto_and_paths_are_accepted_in_url_keys() {
    let site = good_site();
    site.build_ok();
    site.write(
        "content/authors/ana.md",
        "+++\nname = \"Ana\"\navatar = \"data:image/svg+xml,<svg onload=alert(1)>\"\n[links]\nWebsite = \"https://ana.example.com\"\nEmail = \"mailto:ana@example.com\"\nX = \"java\\tscript:alert(document.cookie)\"\nHome = \"/about/\"\n+++\nBio.\n",
    );
    site.write(
        "content/articles/bad-urls.md",
        &article(
            "URLs",
            "2021-03-27",
            "author = \"ana\"\nimage = \"javascript:alert(1)\"\ncanonical_url = \"vbscript:msgbox\"\n",
            "Text.",
        ),
    );
    let stderr = fails_keeping_output(&site);
    let root = site.root().display().to_string();
    for expected in [
        format!(
            "error: {root}/content/authors/ana.md:3:1: `avatar`: `data:image/svg+xml,<svg onload=alert(1)>` is a data: URL; only http(s), mailto and paths are allowed"
        ),
        format!(
            "error: {root}/content/authors/ana.md:7:1: `links.X`: `java\\u{{9}}script:alert(document.cookie)` is a javascript: URL"
        ),
        format!(
            "error: {root}/content/articles/bad-urls.md:5:1: `image`: `javascript:alert(1)` is a javascript: URL"
        ),
        format!(
            "error: {root}/content/articles/bad-urls.md:6:1: `canonical_url`: `vbscript:msgbox` is a vbscript: URL"
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected}\n{stderr}");
    }
    assert!(stderr.contains("build failed: 4 errors"), "{stderr}");
    // The same with `[markdown] safe = true`: the keys are checked either way.
    site.write(
        "site.toml",
        &format!("{SITE_TOML}[markdown]\nsafe = true\n"),
    );
    assert!(fails_keeping_output(&site).contains("build failed: 4 errors"));
}

#[test]
fn control_characters_are_refused_and_never_reach_pages_feeds_or_the_terminal() {
    let site = good_site();
    site.build_ok();
    let root = site.root().display().to_string();
    site.write(
        "content/articles/vt.md",
        &article(
            "Line\u{0b}break",
            "2021-03-27",
            "tags = [\"a\u{07}b\"]\n",
            "Body.",
        ),
    );
    site.write(
        "content/authors/esc.md",
        "+++\nname = \"\u{1b}[31mRed\"\n+++\n",
    );
    let stderr = fails_keeping_output(&site);
    assert!(
        stderr.contains(&format!("error: {root}/content/articles/vt.md:2:14: the control character U+000B (2 in this file) cannot appear in a web page or feed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: {root}/content/authors/esc.md:2:9: the control character U+001B"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{0b}'),
        "raw control characters reached the terminal: {stderr:?}"
    );

    // In site.toml's language, and a language that is no BCP 47 tag.
    for (language, expected) in [
        ("en\u{0b}", "site.toml:5:15: the control character U+000B".to_string()),
        ("english please", "site.toml:5:1: `language` must be a BCP 47 language tag such as \"en\", \"zh-Hant-HK\" or \"en-GB\", not \"english please\"".to_string()),
    ] {
        let site = good_site();
        site.build_ok();
        site.write("site.toml", &format!("{SITE_TOML}language = \"{language}\"\n"));
        let stderr = fails_keeping_output(&site);
        assert!(stderr.contains(&format!("error: {root_}/{expected}", root_ = site.root().display())), "{stderr:?}");
    }

    // A file name with an escape sequence is shown escaped.
    let site = good_site();
    site.build_ok();
    site.write(
        "content/articles/\u{1b}[2Jclear.md",
        "+++\ntitle = 3\n+++\n",
    );
    let stderr = fails_keeping_output(&site);
    assert!(
        stderr.contains("content/articles/\\u{1b}[2Jclear.md"),
        "{stderr:?}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn control_characters_pasted_into_a_body_are_left_out_of_pages_and_feeds() {
    let site = Fixture::new(&[(
        "content/articles/pasted.md",
        &article(
            "Pasted",
            "2021-03-27",
            "",
            "One\u{0b}two\u{1b}[31m three\u{7}\u{85}.",
        ),
    )]);
    site.build_ok();
    for file in [
        "2021/03/27/pasted/index.html",
        "feed.xml",
        "atom.xml",
        "feed.json",
    ] {
        let text = site.read(file);
        assert!(text.contains("Onetwo[31m three."), "{file}: {text:?}");
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && !"\t\n\r".contains(c)),
            "{file}"
        );
    }
}

#[test]
fn headings_never_take_an_id_the_templates_use_and_check_reports_repeated_ids() {
    // Every id the built-in templates write is reserved.
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/templates");
    for entry in walkdir::WalkDir::new(&templates) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = fs::read_to_string(entry.path()).unwrap();
        for part in text.split(" id=\"").skip(1) {
            let id = part.split('"').next().unwrap();
            if !id.contains("{{") {
                assert!(
                    gazette::markdown::TEMPLATE_IDS.contains(&id),
                    "{} writes id `{id}`, which headings may take: add it to TEMPLATE_IDS",
                    entry.path().display()
                );
            }
        }
    }
    let site = Fixture::new(&[(
        "content/articles/ids.md",
        &article(
            "Ids",
            "2021-03-27",
            "",
            "## Main\n\nText.\n\n## Find it {#search-query}\n\nMore.",
        ),
    )]);
    site.build_ok();
    let page = site.read("2021/03/27/ids/index.html");
    assert!(page.contains("<h2 id=\"main-1\">Main</h2>"), "{page}");
    assert!(
        page.contains("<h2 id=\"search-query-1\">Find it</h2>"),
        "{page}"
    );
    assert_eq!(page.matches("id=\"main\"").count(), 1);
    assert_eq!(site.run(&["check"]).code, 0);
    // Raw HTML can still repeat one: `gazette check` names it.
    site.write(
        "content/articles/ids.md",
        &article(
            "Ids",
            "2021-03-27",
            "",
            "<div id=\"main\">Boxed</div>\n\nText.",
        ),
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("has the id `main` twice: ids must be unique in a page"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_type_error_of_a_file_is_named_in_one_run() {
    let site = good_site();
    site.build_ok();
    let root = site.root().display().to_string();
    site.write(
        "content/articles/types.md",
        "+++\ntitle = 42\ndate = true\ntags = \"solo\"\nsumary = \"typo\"\n+++\nBody.\n",
    );
    site.write(
        "content/articles/types-yaml.md",
        "---\ntitle: [1, 2]\ndraft: maybe\naliases: 7\n---\nBody.\n",
    );
    let stderr = fails_keeping_output(&site);
    for expected in [
        "content/articles/types.md:2:1: `title`: invalid type: integer `42`, expected a string",
        "content/articles/types.md:3:1: `date`: ",
        "content/articles/types.md:4:1: `tags`: invalid type: string \"solo\", expected a sequence",
        "content/articles/types.md:5:1: unknown key `sumary` in article front matter (did you mean `summary`?)",
        "content/articles/types-yaml.md:2:1: `title`: ",
        "content/articles/types-yaml.md:3:1: `draft`: ",
        "content/articles/types-yaml.md:4:1: `aliases`: ",
    ] {
        assert!(
            stderr.contains(&format!("error: {root}/{expected}")),
            "{expected}\n{stderr}"
        );
    }
    assert!(stderr.contains("build failed: 7 errors"), "{stderr}");

    // The same in site.toml, tables included.
    let site = good_site();
    site.build_ok();
    site.write(
        "site.toml",
        &format!("{SITE_TOML}per_page = \"ten\"\ntitel = \"x\"\n[feed]\nlimit = \"all\"\nfull_content = \"yes\"\n"),
    );
    let stderr = fails_keeping_output(&site);
    let root = site.root().display().to_string();
    for expected in [
        "site.toml:5:1: `per_page`: invalid type: string \"ten\", expected i64",
        "site.toml:6:1: unknown key `titel` in site.toml (did you mean `title`?)",
        "site.toml:8:1: `feed.limit`: invalid type: string \"all\", expected i64",
        "site.toml:9:1: `feed.full_content`: invalid type: string \"yes\", expected a boolean",
    ] {
        assert!(
            stderr.contains(&format!("error: {root}/{expected}")),
            "{expected}\n{stderr}"
        );
    }
    assert!(stderr.contains("build failed: 4 errors"), "{stderr}");
}

#[test]
fn collisions_blame_the_file_that_asked_and_come_with_the_other_errors() {
    let site = good_site();
    site.build_ok();
    let root = site.root().display().to_string();
    // An alias over the RSS feed and over an article that comes first in
    // the site's order; an alias with an over-long segment; and, in the
    // same run, a front matter error elsewhere.
    site.write(
        "content/articles/aaa.md",
        &article(
            "A",
            "2021-03-20",
            "aliases = [\"/feed.xml\", \"/2021/03/26/good/\"]\n",
            "A.",
        ),
    );
    let long = "x".repeat(300);
    site.write(
        "content/articles/long.md",
        &article(
            "L",
            "2021-03-21",
            &format!("aliases = [\"/old/{long}/\"]\n"),
            "L.",
        ),
    );
    site.write(
        "content/articles/broken.md",
        "+++\ntitle = 1\ndate = 2021-01-01\n+++\n",
    );
    // Short segments, but more of them than a path may hold.
    let deep = "seg/".repeat(1200);
    site.write(
        "content/articles/deep.md",
        &article(
            "D",
            "2021-03-22",
            &format!("aliases = [\"/{deep}\"]\n"),
            "D.",
        ),
    );
    let stderr = fails_keeping_output(&site);
    for expected in [
        format!(
            "error: {root}/content/articles/aaa.md:4:1: two parts of the site write the same file feed.xml (also written by a page gazette makes (a list, feed or index))"
        ),
        format!(
            "error: {root}/content/articles/aaa.md:4:1: two parts of the site write the same file 2021/03/26/good/index.html (also written by {root}/content/articles/good.md)"
        ),
        format!(
            "error: {root}/content/articles/long.md:4:1: the URL old/{long}/index.html has a segment of 300 bytes; file systems allow 255: shorten it"
        ),
        format!(
            "error: {root}/content/articles/broken.md:2:9: invalid type: integer `1`, expected a string"
        ),
        format!(
            "error: {root}/content/articles/deep.md:4:1: the URL seg/seg/seg/seg/seg/seg/seg/seg/seg/seg/… is 4810 bytes long; gazette writes paths of at most 3000 bytes"
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected}\n{stderr}");
    }
    assert!(!stderr.contains("site.toml"), "{stderr}");
    assert!(!stderr.contains("File name too long"), "{stderr}");
    assert!(stderr.contains("build failed: 5 errors"), "{stderr}");
}

#[test]
fn gazette_new_never_writes_through_a_link_out_of_the_site() {
    let outer = tempfile::tempdir().unwrap();
    let elsewhere = victim(outer.path(), "elsewhere");
    let before = snapshot(&elsewhere);
    let site = good_site();
    fs::create_dir_all(site.root().join("content/articles")).unwrap();
    // The year in the site's zone, as `gazette new` files it.
    let year = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Hong_Kong))
        .format("%Y")
        .to_string();
    std::os::unix::fs::symlink(
        &elsewhere,
        site.root().join(format!("content/articles/{year}")),
    )
    .unwrap();
    let run = site.run(&["new", "A headline"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("leads outside the site through a symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(snapshot(&elsewhere), before);
}
