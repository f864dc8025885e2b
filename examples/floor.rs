//! The floor a build cannot beat: read every article, render its Markdown
//! with pulldown-cmark and write each page's HTML to its own file, one
//! folder a page as the site has, with no templates, lists or feeds.
//!
//!   cargo run --release --example floor -- SITE_DIR OUT_DIR
//!
//! scripts/bench.sh prints gazette's build time beside this one's.

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn articles(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            articles(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(site), Some(target)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: floor SITE_DIR OUT_DIR");
        std::process::exit(2);
    };
    let started = Instant::now();
    let mut files = Vec::new();
    articles(&Path::new(site).join("content/articles"), &mut files)?;
    let target = Path::new(target);
    files
        .par_iter()
        .try_for_each(|path| -> std::io::Result<()> {
            let text = std::fs::read_to_string(path)?;
            // Skip the front matter: everything up to the second `+++` line.
            let body = text.splitn(3, "+++\n").nth(2).unwrap_or(&text);
            let mut page = String::with_capacity(body.len() * 3 / 2);
            html::push_html(&mut page, Parser::new_ext(body, Options::ENABLE_TABLES));
            let stem = path.file_stem().unwrap_or_default();
            let dir = target.join(stem);
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join("index.html"), page)
        })?;
    println!("{} {:.3}", files.len(), started.elapsed().as_secs_f64());
    Ok(())
}
