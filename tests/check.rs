//! `gazette check`: the site is built in memory and every internal link,
//! image, fragment, feed and sitemap URL is followed; each problem is named
//! once, at the content file and line that holds it.

mod common;

use common::{Fixture, article, gazette};
use std::path::Path;

fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

#[test]
fn the_example_site_checks_clean_and_nothing_is_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let run = gazette(&["check", "--root", root.to_str().unwrap()], dir.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(": no problems"), "{}", run.stdout);
    assert!(error_lines(&run.stderr).is_empty(), "{}", run.stderr);
}

/// A check writes nothing into the site, photos or not: no output and no
/// cache folder. A cache folder a build made is used (its photos are not
/// made again) and left as it was.
#[test]
fn a_check_leaves_the_site_as_it_was() {
    let site = Fixture::new(&[(
        "content/articles/2021/deal/index.md",
        &article(
            "Carmaker deal",
            "2021-03-26T10:00:00Z",
            "image = \"lead.jpg\"\nimage_alt = \"The plant at dusk\"\n",
            "The deal was signed.",
        ),
    )]);
    let photo = common::photos::jpeg(&common::photos::scene(800, 600, 3), 90, None);
    site.write_bytes("content/articles/2021/deal/lead.jpg", &photo);
    let before = common::tree(site.root());
    let run = site.run(&["check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(": no problems"), "{}", run.stdout);
    assert_eq!(common::tree(site.root()), before);
    assert!(!site.root().join(".gazette-cache").exists());
    site.build_ok();
    let built = common::tree(site.root());
    let run = site.run(&["check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(common::tree(site.root()), built);
}

fn desk_with_mistakes() -> Fixture {
    Fixture::new(&[
        (
            "content/articles/2021/target.md",
            &article(
                "Target",
                "2021-03-25T10:00:00Z",
                "",
                "Intro.\n\n## Real heading\n\nText.",
            ),
        ),
        (
            "content/articles/2021/links.md",
            &article(
                "Links",
                "2021-03-26T10:00:00Z",
                "",
                "See [the old story](/nowhere/) first.\n\n\
                 Good: [heading](/2021/03/25/target/#real-heading), [by path](@/articles/2021/target.md#real-heading), [top](#top), [mail](mailto:desk@example.com), [elsewhere](https://other.example.org/x).\n\n\
                 Bad fragment: [missing heading](/2021/03/25/target/#no-such-heading).\n\n\
                 <img src=\"/images/missing.png\" alt=\"A chart\">\n",
            ),
        ),
    ])
}

#[test]
fn a_dead_link_a_dead_fragment_and_a_missing_image_are_exactly_the_problems() {
    let site = desk_with_mistakes();
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 3, "{}", run.stderr);
    let source = site.root().join("content/articles/2021/links.md");
    let at = |line: usize, col: usize| format!("error: {}:{line}:{col}: ", source.display());
    assert!(
        errors[0].starts_with(&at(6, 21))
            && errors[0]
                .ends_with("/2021/03/26/links/ links to `/nowhere/`, which is not in the output"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with(&at(10, 33))
            && errors[1].ends_with("/2021/03/26/links/ links to `/2021/03/25/target/#no-such-heading`, but /2021/03/25/target/ has no element with id `no-such-heading`"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with(&at(12, 11))
            && errors[2].ends_with("/2021/03/26/links/ shows the image `/images/missing.png`, which is not in the output"),
        "{}",
        errors[2]
    );
    assert!(
        run.stderr.contains("check failed: 3 problems"),
        "{}",
        run.stderr
    );
    assert!(!site.public().exists(), "check wrote the output folder");
}

#[test]
fn fixing_the_mistakes_makes_the_check_pass() {
    let site = desk_with_mistakes();
    site.write(
        "content/articles/2021/links.md",
        &article(
            "Links",
            "2021-03-26T10:00:00Z",
            "",
            "See [the story](/2021/03/25/target/).\n\n![A chart](/images/chart.png)\n",
        ),
    );
    site.write("static/images/chart.png", "png");
    let run = site.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn pages_without_title_or_canonical_link_are_reported_at_the_output_file() {
    let site = Fixture::new(&[
        (
            "content/pages/about.md",
            "+++\ntitle = \"About\"\n+++\nAbout us.\n",
        ),
        (
            "templates/page.html",
            "<!DOCTYPE html><html><head><title></title></head><body>{{ page.content | safe }}</body></html>",
        ),
    ]);
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(
        errors
            .iter()
            .all(|e| e.contains("content/pages/about.md: /about/ has no")),
        "{}",
        run.stderr
    );
    assert!(errors.iter().any(|e| e.ends_with("has no <title>")));
    assert!(
        errors
            .iter()
            .any(|e| e.ends_with("has no canonical link (<link rel=\"canonical\">)"))
    );
}

#[test]
fn a_site_that_does_not_build_fails_the_check_with_the_build_errors() {
    let site = Fixture::new(&[(
        "content/articles/2021/bad.md",
        "+++\ntitle = \"No date\"\n+++\nText.\n",
    )]);
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("bad.md"), "{}", run.stderr);
    assert!(
        run.stderr.contains("build failed: 1 error"),
        "{}",
        run.stderr
    );
    // The check writes nothing: it has no previous output to speak of.
    assert!(
        run.stderr
            .trim_end()
            .ends_with("build failed: 1 error; nothing was checked"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dead_link_shown_on_many_pages_is_one_problem_at_its_source() {
    let site = Fixture::new(&[
        (
            "content/authors/ana.md",
            "+++\nname = \"Ana Lee\"\n+++\nAna writes about autos; see [her old blog](/blog/).\n",
        ),
        (
            "content/articles/2021/one.md",
            &article("One", "2021-03-25T10:00:00Z", "author = \"ana\"\n", "One."),
        ),
        (
            "content/articles/2021/two.md",
            &article("Two", "2021-03-26T10:00:00Z", "author = \"ana\"\n", "Two."),
        ),
    ]);
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    // The author page, the author index and both articles' author boxes
    // show the biography.
    let source = site.root().join("content/authors/ana.md");
    assert!(
        errors[0].starts_with(&format!("error: {}:4:", source.display()))
            && errors[0]
                .contains("links to `/blog/`, which is not in the output (and on 3 other pages)"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_dead_link_in_a_template_is_named_at_an_output_file() {
    let site = Fixture::new(&[
        (
            "content/articles/2021/one.md",
            &article("One", "2021-03-25T10:00:00Z", "", "One."),
        ),
        (
            "templates/partials/footer.html",
            "<footer><a href=\"{{ site.base_url }}corrections/\">Corrections</a></footer>",
        ),
    ]);
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let errors = error_lines(&run.stderr);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    let first_page = site.root().join("public/2021/03/25/one/index.html");
    assert!(
        errors[0].starts_with(&format!("error: {}: /2021/03/25/one/ links to `https://news.example.com/corrections/`, which is not in the output (and on ", first_page.display())),
        "{}",
        errors[0]
    );
}

#[test]
fn a_missing_lead_image_is_named_at_its_front_matter_line() {
    let site = Fixture::new(&[(
        "content/articles/2021/lead.md",
        &article(
            "Lead",
            "2021-03-26T10:00:00Z",
            "image = \"/images/missing-lead.jpg\"\n",
            "Text.",
        ),
    )]);
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let source = site.root().join("content/articles/2021/lead.md");
    let errors = error_lines(&run.stderr);
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with(&format!("error: {}:4:", source.display()))),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "4:1: `image`: no file is published at /images/missing-lead.jpg: put the photo beside the article (in its bundle folder) or under static/, or give a full https:// URL"
        ),
        "{}",
        run.stderr
    );
}
