//! Reading a WordPress export (WXR 1.1/1.2) as a stream: the channel's
//! authors and categories, then one item at a time, never the whole file.
//! WXR elements are read by their conventional prefixes (`wp:`,
//! `content:`, `excerpt:`, `dc:`), which every WordPress export uses.

use super::ImportError;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// The longest text one element may hold (a post body): far above any
/// story, and a bound on memory for an export made to exhaust it.
const MAX_FIELD_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub(crate) struct Channel {
    pub title: String,
    pub link: String,
    pub description: String,
    pub language: String,
    pub base_site_url: String,
    pub base_blog_url: String,
    pub wxr_version: String,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Author {
    pub login: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

/// A category of the channel's list (for names, parents and term IDs).
#[derive(Debug, Default, Clone)]
pub(crate) struct Category {
    pub term_id: u64,
    pub nicename: String,
    pub name: String,
    pub parent: String,
}

/// A category or tag an item is filed under.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filed {
    /// `category`, `post_tag`, or a custom taxonomy.
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

/// One `<item>`: a post, page, attachment or anything else WordPress keeps.
#[derive(Debug, Default, Clone)]
pub(crate) struct Item {
    /// The line of the export the item starts on.
    pub line: usize,
    pub title: String,
    pub link: String,
    pub creator: String,
    /// The body; empty when the reader was asked to skip bodies.
    pub content: String,
    pub excerpt: String,
    pub id: u64,
    pub date: String,
    pub date_gmt: String,
    pub modified_gmt: String,
    pub name: String,
    pub status: String,
    pub kind: String,
    pub parent: u64,
    pub attachment_url: String,
    /// Set when the post is password-protected in WordPress.
    pub password: String,
    pub filed: Vec<Filed>,
    pub meta: Vec<(String, String)>,
    pub comments: usize,
}

impl Item {
    pub(crate) fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the reader hands over, in the order of the file.
pub(crate) enum Record {
    Author(Author),
    Category(Category),
    Item(Box<Item>),
}

/// A reader that counts the lines it has handed on, for error positions.
struct Lines<R> {
    inner: R,
    lines: usize,
}

impl<R: BufRead> io::Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.inner.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        if let Ok(buffer) = self.inner.fill_buf() {
            let amount = amount.min(buffer.len());
            self.lines += buffer[..amount].iter().filter(|b| **b == b'\n').count();
        }
        self.inner.consume(amount);
    }
}

/// Reads the export at `path`, handing each author, category and item to
/// `take` as it is read; bodies are kept only `with_bodies`. Returns the
/// channel's own fields.
pub(crate) fn read(
    path: &Path,
    with_bodies: bool,
    mut take: impl FnMut(Record) -> Result<(), ImportError>,
) -> Result<Channel, ImportError> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file: give the export's .xml file").into());
    }
    let file = fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let lines = Lines {
        inner: BufReader::with_capacity(256 * 1024, file),
        lines: 0,
    };
    let mut reader = Reader::from_reader(lines);
    reader.config_mut().check_end_names = true;
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut path_stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut channel = Channel::default();
    let mut author = Author::default();
    let mut category = Category::default();
    let mut item: Option<Item> = None;
    let mut meta_pair = (String::new(), String::new());
    let mut skipping_text = false;
    let line_now = |reader: &Reader<Lines<BufReader<fs::File>>>| reader.get_ref().lines + 1;
    loop {
        let event = reader.read_event_into(&mut buffer).map_err(|e| {
            ImportError(format!(
                "{shown}:{}: the export is not well-formed XML ({e}); it may be cut short: export it again",
                line_now(&reader)
            ))
        })?;
        match event {
            Event::Start(start) => {
                let name = start.name().as_ref().to_string();
                text.clear();
                let depth = path_stack.len();
                if depth == 0 && name != "rss" {
                    return Err(not_wxr(path));
                }
                if depth == 2 && name == "item" {
                    item = Some(Item {
                        line: line_now(&reader),
                        ..Default::default()
                    });
                }
                if let Some(item) = item.as_mut() {
                    if depth == 3 && name == "category" {
                        let attr = |key: &str| {
                            start
                                .try_get_attribute(key)
                                .ok()
                                .flatten()
                                .and_then(|a| {
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .ok()
                                        .map(|v| v.into_owned())
                                })
                                .unwrap_or_default()
                        };
                        item.filed.push(Filed {
                            domain: attr("domain"),
                            nicename: attr("nicename"),
                            name: String::new(),
                        });
                    }
                    if depth == 3 && name == "wp:comment" {
                        item.comments += 1;
                    }
                }
                skipping_text = !with_bodies && name == "content:encoded";
                path_stack.push(name);
            }
            Event::End(_) => {
                let Some(name) = path_stack.pop() else {
                    break;
                };
                let value = std::mem::take(&mut text);
                let depth = path_stack.len();
                let parent = path_stack.last().map(String::as_str).unwrap_or("");
                match (depth, parent, name.as_str()) {
                    (2, "channel", "item") => {
                        if let Some(done) = item.take() {
                            take(Record::Item(Box::new(done)))?;
                        }
                    }
                    (2, "channel", "wp:author") => {
                        take(Record::Author(std::mem::take(&mut author)))?
                    }
                    (2, "channel", "wp:category") => {
                        take(Record::Category(std::mem::take(&mut category)))?
                    }
                    (2, "channel", field) => match field {
                        "title" => channel.title = value,
                        "link" => channel.link = value,
                        "description" => channel.description = value,
                        "language" => channel.language = value,
                        "wp:base_site_url" => channel.base_site_url = value,
                        "wp:base_blog_url" => channel.base_blog_url = value,
                        "wp:wxr_version" => channel.wxr_version = value,
                        _ => {}
                    },
                    (3, "wp:author", field) => match field {
                        "wp:author_login" => author.login = value,
                        "wp:author_display_name" => author.display_name = value,
                        "wp:author_first_name" => author.first_name = value,
                        "wp:author_last_name" => author.last_name = value,
                        _ => {}
                    },
                    (3, "wp:category", field) => match field {
                        "wp:term_id" => category.term_id = value.trim().parse().unwrap_or(0),
                        "wp:category_nicename" => category.nicename = value,
                        "wp:category_parent" => category.parent = value,
                        "wp:cat_name" => category.name = value,
                        _ => {}
                    },
                    (3, "item", field) => {
                        if let Some(item) = item.as_mut() {
                            store_item_field(item, field, value, &mut meta_pair);
                        }
                    }
                    (4, "wp:postmeta", "wp:meta_key") => meta_pair.0 = value,
                    (4, "wp:postmeta", "wp:meta_value") => meta_pair.1 = value,
                    _ => {}
                }
                skipping_text = false;
            }
            Event::Text(t) if !skipping_text => {
                push_text(
                    &mut text,
                    &t.xml_content(quick_xml::XmlVersion::Implicit1_0),
                    &shown,
                    &reader,
                )?;
            }
            Event::CData(t) if !skipping_text => {
                push_text(&mut text, &t, &shown, &reader)?;
            }
            Event::GeneralRef(r) if !skipping_text => {
                let name: &str = &r;
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(name)
                        .map(str::to_string)
                        // An HTML entity in the XML (not well-formed,
                        // but common): kept for the HTML decoder.
                        .unwrap_or_else(|| format!("&{name};")),
                };
                push_text(&mut text, &resolved, &shown, &reader)?;
            }
            Event::Eof => {
                if let Some(open) = path_stack.last() {
                    return Err(ImportError(format!(
                        "{shown}:{}: the export ends inside <{open}>: it is cut short; export it again",
                        line_now(&reader)
                    )));
                }
                break;
            }
            _ => {}
        }
        buffer.clear();
    }
    if channel.wxr_version.is_empty() {
        return Err(not_wxr(path));
    }
    Ok(channel)
}

fn not_wxr(path: &Path) -> ImportError {
    ImportError(format!(
        "{}: not a WordPress export (no <rss> with <wp:wxr_version>): make one in WordPress under Tools → Export → All content",
        path.display()
    ))
}

fn push_text(
    text: &mut String,
    more: &str,
    shown: &std::path::Display,
    reader: &Reader<Lines<BufReader<fs::File>>>,
) -> Result<(), ImportError> {
    if text.len() + more.len() > MAX_FIELD_BYTES {
        return Err(ImportError(format!(
            "{shown}:{}: one field holds more than {} MiB; no post is that long: is the export damaged?",
            reader.get_ref().lines + 1,
            MAX_FIELD_BYTES / 1024 / 1024
        )));
    }
    text.push_str(more);
    Ok(())
}

fn store_item_field(item: &mut Item, field: &str, value: String, meta: &mut (String, String)) {
    let number = |v: &str| v.trim().parse().unwrap_or(0);
    match field {
        "title" => item.title = value,
        "link" => item.link = value,
        "dc:creator" => item.creator = value,
        "content:encoded" => item.content = value,
        "excerpt:encoded" => item.excerpt = value,
        "wp:post_id" => item.id = number(&value),
        "wp:post_date" => item.date = value,
        "wp:post_date_gmt" => item.date_gmt = value,
        "wp:post_modified_gmt" => item.modified_gmt = value,
        "wp:post_name" => item.name = value,
        "wp:status" => item.status = value,
        "wp:post_type" => item.kind = value,
        "wp:post_parent" => item.parent = number(&value),
        "wp:attachment_url" => item.attachment_url = value,
        "wp:post_password" => item.password = value,
        "category" => {
            if let Some(last) = item.filed.last_mut() {
                last.name = value;
            }
        }
        "wp:postmeta" => item.meta.push(std::mem::take(meta)),
        _ => {}
    }
}
