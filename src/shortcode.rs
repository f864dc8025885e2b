//! Shortcodes in Markdown: finding each call, with its arguments and body,
//! and leaving a token in its place for the renderer to fill.
//!
//! The syntax is Hugo's, `{{< name key="value" n=3 flag=true >}}`, with a
//! body closed by `{{< /name >}}` (`{{% … %}}` is read the same way): it
//! never occurs in news prose, reads as markup at a glance, and the many
//! archives written for Hugo keep their calls. `{{</* name */>}}` writes a
//! call literally. Calls inside code spans and code blocks are text.
//!
//! The token is the call's number between two private-use characters,
//! which Markdown passes through untouched and no writer types.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Opens a token; the call's number follows, then [`TOKEN_END`].
pub(crate) const TOKEN_START: char = '\u{E000}';
pub(crate) const TOKEN_END: char = '\u{E001}';

/// The name of the call a Markdown image (`![alt](lead.jpg)`) of the
/// site's own becomes, so the renderer can give it the photo's sizes. No
/// call a writer types can have it: names never hold `!`.
pub(crate) const IMAGE_CALL: &str = "!image";

/// The text that stands for call number `index` until the renderer fills it.
pub(crate) fn token(index: usize) -> String {
    format!("{TOKEN_START}{index}{TOKEN_END}")
}

/// Line and column (from 1) of byte `offset` of `text`.
pub(crate) fn line_column_of(text: &str, offset: usize) -> (usize, usize) {
    line_column(text, offset)
}

/// Bodies may hold other text, but a call may not be longer than this:
/// a body left unclosed by mistake is an error, not the rest of the story.
const MAX_CALL_BYTES: usize = 256 * 1024;

/// An argument's value, as written. Given to templates as the plain
/// value; the build cache's binary files, which cannot tell the kinds
/// apart by looking, name the kind first ([`TaggedValue`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Number(f64),
    Bool(bool),
}

/// [`Value`] as a human-readable format (JSON, for templates) has it.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Value", untagged)]
enum PlainValue {
    Text(String),
    Integer(i64),
    Number(f64),
    Bool(bool),
}

/// [`Value`] as a binary format (the build cache's) has it.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Value")]
enum TaggedValue {
    Text(String),
    Integer(i64),
    Number(f64),
    Bool(bool),
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match serializer.is_human_readable() {
            true => PlainValue::serialize(self, serializer),
            false => TaggedValue::serialize(self, serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        match deserializer.is_human_readable() {
            true => PlainValue::deserialize(deserializer),
            false => TaggedValue::deserialize(deserializer),
        }
    }
}

impl Value {
    /// What a writer would call this kind of value, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Text(_) => "text",
            Value::Integer(_) | Value::Number(_) => "a number",
            Value::Bool(_) => "true or false",
        }
    }
}

/// One call of a shortcode in a Markdown body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub name: String,
    /// Named arguments, in the order written.
    pub named: Vec<(String, Value)>,
    /// Arguments without a name (`{{< youtube ID >}}`), in order.
    pub positional: Vec<Value>,
    /// The text between the call and its closing tag, if it has one.
    pub body: Option<String>,
    /// Whether the call stands alone in its paragraph (a block, such as a
    /// video) rather than inside a sentence.
    pub block: bool,
    /// Where the call starts: line and column in the file, and that line.
    pub line: usize,
    pub column: usize,
    pub excerpt: String,
    /// Where the call is in the text: from `{{<` to the end of its
    /// closing tag (or its own `>}}`).
    pub span: Range<usize>,
}

impl Call {
    /// The text of named argument `name`, if the call gives it as text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| match v {
                Value::Text(t) => Some(t.as_str()),
                _ => None,
            })
    }

    /// The photo a call shows: its `src`, or its first argument without a
    /// name (`{{< figure "/img/a.jpg" >}}`), when given as text.
    pub fn src(&self) -> Option<&str> {
        let value = (self.named.iter())
            .find(|(k, _)| k == "src")
            .map(|(_, v)| v)
            .or(self.positional.first());
        match value {
            Some(Value::Text(src)) => Some(src),
            _ => None,
        }
    }
}

/// A call that could not be read: byte offset in the body, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// What [`extract`] gives: the Markdown with a token for each call, the
/// calls, and the calls that could not be read.
#[derive(Debug, Default)]
pub struct Extracted {
    pub markdown: String,
    pub calls: Vec<Call>,
    pub errors: Vec<SyntaxError>,
    /// Each `ref`/`relref` call made an `@/` link: where it was, and the
    /// path it names.
    pub refs: Vec<(Range<usize>, String)>,
}

/// Whether `markdown` may hold a call: the cheap test that keeps bodies
/// without one on the path they always took.
pub(crate) fn may_have_calls(markdown: &str) -> bool {
    markdown.contains("{{<") || markdown.contains("{{%")
}

/// Finds every call in `markdown` outside `code` (its [`code_ranges`]),
/// replaces each with its token, and reads its arguments. Lines are the
/// body's; the model adds the lines above it.
pub(crate) fn extract(markdown: &str, code: &[Range<usize>]) -> Extracted {
    // The ranges are in the order of the text and do not overlap.
    let in_code = |at: usize| {
        let next = code.partition_point(|r| r.end <= at);
        code.get(next).is_some_and(|r| r.contains(&at))
    };
    let mut place = Place::default();
    let mut out = Extracted::default();
    let mut text = String::with_capacity(markdown.len());
    let mut at = 0;
    while let Some(found) = find_open(markdown, at) {
        if in_code(found) {
            text.push_str(&markdown[at..found + 3]);
            at = found + 3;
            continue;
        }
        text.push_str(&markdown[at..found]);
        match read_call(markdown, found) {
            Ok(Read::Literal { text: literal, end }) => {
                text.push_str(&literal);
                at = end;
            }
            Ok(Read::Call {
                name,
                named,
                positional,
                tag_end,
                closes: None,
            }) if matches!(name.as_str(), "ref" | "relref")
                && ref_target(&named, &positional).is_some() =>
            {
                // Hugo's link to a content file: an `@/` link, resolved
                // and checked as every other.
                let target = ref_target(&named, &positional).unwrap_or_default();
                out.refs.push((found..tag_end, target.clone()));
                text.push_str("@/");
                text.push_str(target.trim_start_matches('/'));
                at = tag_end;
            }
            Ok(Read::Call {
                name,
                named,
                positional,
                tag_end,
                closes,
            }) => {
                let (body, end) = match closes {
                    Some((body_end, end)) => (Some(markdown[tag_end..body_end].to_string()), end),
                    None => (None, tag_end),
                };
                place.move_to(markdown, found);
                let (line, column) = (place.line, place.column);
                let excerpt = excerpt(&markdown[place.line_start..]);
                let block = stands_alone(markdown, found, end);
                let index = out.calls.len();
                out.calls.push(Call {
                    name,
                    named,
                    positional,
                    body,
                    block,
                    line,
                    column,
                    excerpt,
                    span: found..end,
                });
                text.push_str(&token(index));
                // Keep the lines below where they were, for positions.
                let lines = markdown[found..end].matches('\n').count();
                text.extend(std::iter::repeat_n('\n', lines));
                at = end;
            }
            Err(error) => {
                out.errors.push(error);
                // The text stays as written; the error says what to fix.
                text.push_str(&markdown[found..found + 3]);
                at = found + 3;
            }
        }
    }
    text.push_str(&markdown[at..]);
    out.markdown = text;
    out
}

/// The path a `ref` call names: its one argument, quoted or not.
fn ref_target(named: &[(String, Value)], positional: &[Value]) -> Option<String> {
    let value = match (named, positional) {
        ([], [one]) => one,
        ([(key, one)], []) if key == "path" => one,
        _ => return None,
    };
    match value {
        Value::Text(t) if !t.is_empty() => Some(t.clone()),
        _ => None,
    }
}

/// The next `{{<` or `{{%` at or after `from`.
/// One pass up to the opening found: looking for each kind of opening
/// apart read to the end of the text for the one that is not there, for
/// every call (cubic on a body of thousands of calls).
fn find_open(markdown: &str, from: usize) -> Option<usize> {
    let bytes = markdown.as_bytes();
    let mut at = from;
    while let Some(i) = markdown[at..].find("{{") {
        let found = at + i;
        if matches!(bytes.get(found + 2), Some(b'<' | b'%')) {
            return Some(found);
        }
        at = found + 1;
    }
    None
}

/// The byte ranges of code spans and code blocks, where calls are text.
pub(crate) fn code_ranges(markdown: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut block_start = None;
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Code(_) => ranges.push(range),
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block_start.take() {
                    ranges.push(start..range.end);
                }
            }
            _ => {}
        }
    }
    ranges
}

enum Read {
    /// `{{</* … */>}}`: the call written as text.
    Literal { text: String, end: usize },
    Call {
        name: String,
        named: Vec<(String, Value)>,
        positional: Vec<Value>,
        /// Just past the opening tag.
        tag_end: usize,
        /// Where the body ends and the closing tag after it, if it has one.
        closes: Option<(usize, usize)>,
    },
}

/// Reads the tag that starts at `start` (`{{<` or `{{%`).
fn read_call(markdown: &str, start: usize) -> Result<Read, SyntaxError> {
    let delimiter = markdown.as_bytes()[start + 2];
    let close = if delimiter == b'<' { ">}}" } else { "%}}" };
    let limit = (start + MAX_CALL_BYTES).min(markdown.len());
    let fail = |message: String| SyntaxError {
        offset: start,
        message,
    };
    let Some(tag_len) = tag_len(markdown, start, limit, close) else {
        return Err(fail(format!(
            "a shortcode opened with `{{{{{}` is never closed with `{close}`",
            delimiter as char
        )));
    };
    let inner = &markdown[start + 3..start + tag_len];
    let end = start + tag_len + close.len();
    if let Some(comment) = inner.trim().strip_prefix("/*") {
        let Some(literal) = comment.strip_suffix("*/") else {
            return Err(fail(
                "a literal shortcode `{{</*` must end with `*/>}}`".to_string(),
            ));
        };
        let open = delimiter as char;
        return Ok(Read::Literal {
            text: format!("{{{{{open}{literal}{}", close),
            end,
        });
    }
    let mut words = split_words(inner).map_err(&fail)?;
    let self_closed = words.last().is_some_and(|w| w == "/");
    if self_closed {
        words.pop();
    }
    let Some(name) = words.first().cloned() else {
        return Err(fail(
            "a shortcode with no name: write {{< name … >}}".to_string(),
        ));
    };
    if name.starts_with('/') {
        return Err(fail(format!(
            "`{{{{< {name} >}}}}` closes a shortcode that was never opened"
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(fail(format!(
            "`{name}` is not a shortcode name: names are letters, digits, `-` and `_`"
        )));
    }
    let mut named = Vec::new();
    let mut positional = Vec::new();
    for word in &words[1..] {
        match split_named(word) {
            Some((key, value)) => {
                if named.iter().any(|(k, _)| k == &key) {
                    return Err(fail(format!("shortcode `{name}` is given `{key}` twice")));
                }
                named.push((key, value));
            }
            None => positional.push(parse_value(word)),
        }
    }
    // The call has a body when its closing tag follows; without one it is
    // complete as it is (a shortcode that needs a body says so later).
    let closes = if self_closed {
        None
    } else {
        closing_tag(markdown, end, &name)
    };
    Ok(Read::Call {
        name,
        named,
        positional,
        tag_end: end,
        closes,
    })
}

/// Splits a tag's inside into words, keeping quoted strings (with `\"`
/// escapes) whole. A quoted word keeps its quotes, so that `"3"` stays
/// text.
fn split_words(inner: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                current.push(c);
                quoted = !quoted;
            }
            '\\' if quoted => {
                if let Some(&next) = chars.peek() {
                    current.push('\\');
                    current.push(next);
                    chars.next();
                }
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err("a quoted argument is never closed: add the closing `\"`".to_string());
    }
    if !current.is_empty() {
        words.push(current);
    }
    Ok(words)
}

/// `key=value` as a name and a value; None for a word without `=` before
/// any quote.
fn split_named(word: &str) -> Option<(String, Value)> {
    let eq = word.find('=')?;
    if word[..eq].contains('"') || eq == 0 {
        return None;
    }
    Some((word[..eq].to_string(), parse_value(&word[eq + 1..])))
}

/// A quoted string is text (with `\"` and `\\` unescaped); `true` and
/// `false` are booleans; a number is a number; anything else is text.
fn parse_value(word: &str) -> Value {
    if let Some(inner) = word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        return Value::Text(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    match word {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(n) = word.parse::<i64>() {
        return Value::Integer(n);
    }
    if word.contains('.')
        && let Ok(n) = word.parse::<f64>()
        && n.is_finite()
    {
        return Value::Number(n);
    }
    Value::Text(word.to_string())
}

/// The length of the tag that opens at `start` up to its `close`, read no
/// further than `limit`. A tag that meets another call or a blank line
/// before its end was never closed (the `>}}` further on belongs to
/// something else): None, found without reading past that point, so
/// that a body of thousands of unclosed calls is read once, not once for
/// each.
fn tag_len(markdown: &str, start: usize, limit: usize, close: &str) -> Option<usize> {
    let bytes = &markdown.as_bytes()[..limit];
    let close = close.as_bytes();
    for at in start + 3..bytes.len() {
        let rest = &bytes[at..];
        match bytes[at] {
            b'>' | b'%' if rest.starts_with(close) => return Some(at - start),
            b'{' if rest.starts_with(b"{{<") || rest.starts_with(b"{{%") => return None,
            b'\n' if rest.starts_with(b"\n\n") => return None,
            _ => {}
        }
    }
    None
}

/// The closing tag of `name` after `from`: `{{< /name >}}` or `{{% /name %}}`.
fn closing_tag(markdown: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let limit = (from + MAX_CALL_BYTES).min(markdown.len());
    let mut at = from;
    while let Some(found) = find_open(&markdown[..limit], at) {
        let delimiter = markdown.as_bytes()[found + 2];
        let close = if delimiter == b'<' { ">}}" } else { "%}}" };
        if let Some(len) = tag_len(markdown, found, limit, close) {
            let inner = markdown[found + 3..found + len].trim();
            if inner.strip_prefix('/').map(str::trim) == Some(name) {
                return Some((found, found + len + close.len()));
            }
        }
        at = found + 3;
    }
    None
}

/// Whether the text from `start` to `end` is a paragraph of its own: only
/// blank space on its first line before it and on its last line after it.
/// Each side is read only as far as its first character that is not blank.
fn stands_alone(markdown: &str, start: usize, end: usize) -> bool {
    let blank = |c: &char| *c != '\n';
    (markdown[..start].chars().rev().take_while(blank)).all(char::is_whitespace)
        && (markdown[end..].chars().take_while(blank)).all(char::is_whitespace)
}

/// Where the last call was found, so that each call's line and column are
/// counted on from there, not from the top: a body of thousands of calls,
/// or a line of them, is read once.
struct Place {
    at: usize,
    line: usize,
    line_start: usize,
    column: usize,
}

impl Default for Place {
    fn default() -> Place {
        Place {
            at: 0,
            line: 1,
            line_start: 0,
            column: 1,
        }
    }
}

impl Place {
    fn move_to(&mut self, text: &str, to: usize) {
        let passed = &text[self.at..to];
        match passed.rfind('\n') {
            Some(last) => {
                self.line += passed.matches('\n').count();
                self.line_start = self.at + last + 1;
                self.column = text[self.line_start..to].chars().count() + 1;
            }
            None => self.column += passed.chars().count(),
        }
        self.at = to;
    }
}

/// The most of a call's line its diagnostics quote: a line of thousands of
/// calls is not copied for each.
const EXCERPT_BYTES: usize = 240;

/// The line that `text` starts, up to [`EXCERPT_BYTES`] (at a character's
/// end).
fn excerpt(text: &str) -> String {
    let mut end = text.len().min(EXCERPT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].lines().next().unwrap_or("").to_string()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The numbers of the tokens in `html`, with the byte range of each.
pub(crate) fn tokens(html: &str) -> impl Iterator<Item = (Range<usize>, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at + html[at..].find(TOKEN_START)?;
            let digits_start = start + TOKEN_START.len_utf8();
            let end = digits_start + html[digits_start..].find(TOKEN_END)?;
            at = end + TOKEN_END.len_utf8();
            if let Ok(n) = html[digits_start..end].parse() {
                return Some((start..at, n));
            }
        }
    })
}

/// `text` with every token removed, for plain text (search, descriptions).
pub(crate) fn without_tokens(text: &str) -> String {
    if !text.contains(TOKEN_START) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, _) in tokens(text) {
        out.push_str(&text[last..range.start]);
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`extract`] on a body whose file has `line_offset` lines above it.
    fn extract_at(markdown: &str, line_offset: usize) -> Extracted {
        let mut out = extract(markdown, &code_ranges(markdown));
        for call in &mut out.calls {
            call.line += line_offset;
        }
        out
    }

    fn call(markdown: &str) -> Call {
        let out = extract_at(markdown, 0);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        out.calls.into_iter().next().expect("a call")
    }

    /// Lines and columns are counted on from call to call: calls on one
    /// line, after blank lines, after a call with a body over several
    /// lines and after non-ASCII text each get their own place, as
    /// counting from the top gives it; the quoted line stops at
    /// [`EXCERPT_BYTES`].
    #[test]
    fn each_call_has_its_line_and_column_counted_from_the_top() {
        let markdown = "a {{< x >}} b {{< y >}}\n\nc {{< quote >}}one\ntwo\n{{< /quote >}} d {{< z >}}\n\nÉté {{< w >}} `{{< code >}}` {{< v >}}\n";
        let out = extract(markdown, &code_ranges(markdown));
        let places: Vec<(&str, usize, usize)> = (out.calls.iter())
            .map(|c| (c.name.as_str(), c.line, c.column))
            .collect();
        let expected: Vec<(&str, usize, usize)> = (out.calls.iter())
            .map(|c| {
                let (line, column) = line_column(markdown, c.span.start);
                (c.name.as_str(), line, column)
            })
            .collect();
        assert_eq!(places, expected);
        assert_eq!(
            places,
            [
                ("x", 1, 3),
                ("y", 1, 15),
                ("quote", 3, 3),
                ("z", 5, 18),
                ("w", 7, 5),
                ("v", 7, 30)
            ]
        );
        let long = format!("{}{{{{< x >}}}}", "word ".repeat(100));
        let c = call(&long);
        assert_eq!((c.line, c.column), (1, 501));
        assert_eq!(c.excerpt, "word ".repeat(48));
    }

    #[test]
    fn reads_named_and_positional_arguments_of_every_type() {
        let c = call(
            r#"{{< youtube w7Ejrw5kBu0 title="A \"quoted\" title" start=30 ratio=1.5 autoplay=false >}}"#,
        );
        assert_eq!(c.name, "youtube");
        assert_eq!(c.positional, [Value::Text("w7Ejrw5kBu0".into())]);
        assert_eq!(
            c.named,
            [
                ("title".into(), Value::Text("A \"quoted\" title".into())),
                ("start".into(), Value::Integer(30)),
                ("ratio".into(), Value::Number(1.5)),
                ("autoplay".into(), Value::Bool(false)),
            ]
        );
        assert!(c.block && c.body.is_none());
        assert_eq!(
            call(r#"x {{< n v="3" >}}"#).named[0].1,
            Value::Text("3".into())
        );
    }

    #[test]
    fn a_body_runs_to_the_closing_tag_and_keeps_lines_in_place() {
        let md = "Intro.\n\n{{< factbox title=\"Deal\" >}}\n- CNY 10 billion\n- 2023\n{{< /factbox >}}\n\nAfter [a](@/x.md).\n";
        let out = extract_at(md, 4);
        assert!(out.errors.is_empty());
        let c = &out.calls[0];
        assert_eq!(c.body.as_deref(), Some("\n- CNY 10 billion\n- 2023\n"));
        assert_eq!((c.line, c.column), (7, 1));
        assert_eq!(c.excerpt, "{{< factbox title=\"Deal\" >}}");
        assert_eq!(out.markdown.lines().count(), md.lines().count());
        let line_of = |text: &str| text[..text.find("After").unwrap()].matches('\n').count();
        assert_eq!(line_of(&out.markdown), line_of(md));
        assert!(out.markdown.contains("\u{E000}0\u{E001}"));
    }

    #[test]
    fn calls_in_code_and_escaped_calls_stay_text() {
        let md = "`{{< youtube x >}}`\n\n```\n{{< vimeo y >}}\n```\n\n{{</* note */>}}\n";
        let out = extract_at(md, 0);
        assert!(out.calls.is_empty() && out.errors.is_empty(), "{out:?}");
        assert!(out.markdown.contains("`{{< youtube x >}}`"));
        assert!(out.markdown.contains("{{< vimeo y >}}"));
        assert!(out.markdown.contains("{{< note >}}"));
    }

    #[test]
    fn inline_calls_are_not_blocks_and_broken_calls_are_errors() {
        let out = extract_at("Read {{< readmore \"@/a.md\" >}} now.", 0);
        assert!(!out.calls[0].block);
        let out = extract_at("x {{< note\n\nno end", 0);
        assert!(
            out.errors[0].message.contains("never closed"),
            "{:?}",
            out.errors
        );
        let out = extract_at("{{< quote text=\"open >}}", 0);
        assert!(
            out.errors[0].message.contains("quoted argument"),
            "{:?}",
            out.errors
        );
        let out = extract_at("{{< /note >}}", 0);
        assert!(
            out.errors[0].message.contains("never opened"),
            "{:?}",
            out.errors
        );
    }

    #[test]
    fn a_call_after_non_ascii_text_on_its_line_is_read() {
        let extracted = extract_at("\u{201c}Quote\u{201d} \u{0b4d}{{< youtube x >}}\n", 0);
        assert_eq!(extracted.calls.len(), 1);
        assert_eq!(extracted.calls[0].column, 10);
        assert_eq!(
            extracted.calls[0].excerpt,
            "\u{201c}Quote\u{201d} \u{0b4d}{{< youtube x >}}"
        );
    }

    #[test]
    fn tokens_are_found_and_removed() {
        let html = "<p>a\u{E000}12\u{E001}b</p>\u{E000}3\u{E001}";
        let found: Vec<usize> = tokens(html).map(|(_, n)| n).collect();
        assert_eq!(found, [12, 3]);
        assert_eq!(without_tokens(html), "<p>ab</p>");
    }
}

/// Whether `markdown` may hold another generator's markup: the cheap test
/// that keeps most bodies from a second look.
pub(crate) fn may_have_foreign_markup(markdown: &str) -> bool {
    markdown.contains("{%")
        || markdown.contains("{{")
        || (markdown.contains('[')
            && [
                "[caption",
                "[/caption",
                "[embed",
                "[gallery",
                "[video",
                "[audio",
                "[playlist",
                "[wp_",
                "[youtube",
                "[vimeo",
                "[tweet",
                "[contact-form",
            ]
            .iter()
            .any(|p| markdown.contains(p)))
}

/// Another generator's markup in `markdown`, outside `code` (its
/// [`code_ranges`]): (byte offset, what it looks like), for a warning at
/// each.
pub(crate) fn foreign_markup_outside_code(
    markdown: &str,
    code: &[Range<usize>],
) -> Vec<(usize, String)> {
    foreign_markup(markdown)
        .into_iter()
        // The ranges are in the order of the text and do not overlap.
        .filter(|(at, _)| {
            let next = code.partition_point(|r| r.end <= *at);
            !code.get(next).is_some_and(|r| r.contains(at))
        })
        .collect()
}

/// Markup of another generator left in a text, which gazette does not run
/// and a reader would see as it is: (byte offset, what it looks like).
fn foreign_markup(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    // Liquid (Jekyll, Shopify): `{% tag %}` and `{{ variable }}`.
    for (open, close, what) in [
        ("{%", "%}", "a Liquid tag"),
        ("{{", "}}", "a Liquid or Go template variable"),
    ] {
        let mut at = 0;
        while let Some(start) = text[at..].find(open).map(|i| at + i) {
            let rest = &text[start + open.len()..];
            // `{{<` and `{{%` are shortcodes, read apart: the `{{` that
            // opens one, and the `{%` inside a `{{% name %}}`.
            let shortcode = (open == "{{" && (rest.starts_with('<') || rest.starts_with('%')))
                || (open == "{%" && text[..start].ends_with('{'));
            // Only as far as a variable may reach (200 bytes): a text of
            // thousands of unclosed `{{` is read once, not once for each.
            let window = &rest.as_bytes()[..rest.len().min(200 + close.len())];
            let close_at = (window.windows(close.len())).position(|w| w == close.as_bytes());
            match close_at {
                Some(end) if !shortcode && !rest[..end].contains('\n') && end < 200 => {
                    let snippet = &text[start..start + open.len() + end + close.len()];
                    found.push((start, format!("{what} `{snippet}`")));
                    at = start + open.len() + end + close.len();
                }
                _ => at = start + open.len(),
            }
        }
    }
    // WordPress shortcodes: `[caption …]`, `[embed]…[/embed]`, `[gallery …]`.
    const WORDPRESS: &[&str] = &[
        "caption",
        "embed",
        "gallery",
        "video",
        "audio",
        "playlist",
        "wp_caption",
        "youtube",
        "vimeo",
        "tweet",
        "contact-form-7",
        "/caption",
        "/embed",
    ];
    let mut at = 0;
    while let Some(start) = text[at..].find('[').map(|i| at + i) {
        let rest = &text[start + 1..];
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '/'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let next = rest[name_end..].chars().next();
        if WORDPRESS.contains(&name) && matches!(next, Some(' ' | ']')) {
            // Only as far as the quote shows: `[caption ` thousands of
            // times without `]` is not read to the end for each.
            let window = &rest.as_bytes()[..rest.len().min(256)];
            let end = (window.iter().position(|&b| b == b']')).map_or(name_end, |e| e + 1);
            let snippet: String = text[start..start + 1 + end].chars().take(60).collect();
            found.push((start, format!("a WordPress shortcode `{snippet}`")));
        }
        at = start + 1;
    }
    found.sort_by_key(|(offset, _)| *offset);
    found
}

#[cfg(test)]
mod foreign_tests {
    use super::foreign_markup;

    #[test]
    fn finds_liquid_and_wordpress_markup_but_not_prose() {
        let found =
            |t: &str| -> Vec<String> { foreign_markup(t).into_iter().map(|(_, w)| w).collect() };
        assert_eq!(
            found("See {% include chart.html id=3 %} here."),
            ["a Liquid tag `{% include chart.html id=3 %}`"]
        );
        assert_eq!(
            found("{{ site.baseurl }}/img"),
            ["a Liquid or Go template variable `{{ site.baseurl }}`"]
        );
        assert_eq!(
            found("[caption id=\"a\"]Text[/caption]"),
            [
                "a WordPress shortcode `[caption id=\"a\"]`",
                "a WordPress shortcode `[/caption]`"
            ]
        );
        assert!(
            found("Shares rose 9% [in Hong Kong] on {Friday}. A [video] clip? No: [videos].").len()
                == 1
        );
        assert!(found("Profits {fell} 10%, [see chart].").is_empty());
        assert!(found("{{< youtube x >}}").is_empty());
        assert!(found("{{% notice info %}}\nText\n{{% /notice %}}").is_empty());
        assert_eq!(
            found("{{% note %}} and {% raw %}"),
            ["a Liquid tag `{% raw %}`"]
        );
    }
}
