//! A page's context as the value its template renders with, made only as
//! deep as the template can read it ([`Reads`]). A list page shows twenty
//! cards, each with some thirty fields (dates written out three ways, its
//! tags, its summary, its HTML), and the built-in templates print one of
//! them (`card_html`): making the rest was a fifth of a whole build.
//!
//! What is not read is kept in shape, not in substance: every field and
//! map key stays, with `null` for a value no template reads, and every list
//! keeps its length, with `null` for an item none reads. So the pruned
//! context has the same digest as the whole one (`render::digest` hashes
//! what is read, and every compound's count of entries), and a page whose
//! digest is unchanged renders to the same bytes: the promise the build
//! already keeps pages by. A template that loops over a map's keys, tests
//! whether a list is empty or counts it sees what it would have seen.

use super::reads::Reads;
use serde::Serialize;
use serde::ser;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether contexts are made whole (the integration tests compare a
/// site's pages made both ways: `gazette::testing`).
pub(crate) static MAKE_WHOLE: AtomicBool = AtomicBool::new(false);

/// `value` as a context for a template that can read `reads` of it.
pub(crate) fn to_value(value: &(impl Serialize + ?Sized), reads: &Reads) -> Result<Value, String> {
    let reads = match MAKE_WHOLE.load(Ordering::Relaxed) {
        true => &EVERYTHING,
        false => reads,
    };
    pruned(value, Some(reads)).map_err(|e| e.to_string())
}

/// What reads everything.
static EVERYTHING: Reads = Reads::everything();

/// `value` as far as `reads` reads it: whole, pruned, or `null` when
/// nothing of it is read.
fn pruned<T: Serialize + ?Sized>(value: &T, reads: Option<&Reads>) -> Result<Value, Error> {
    match reads {
        None => Ok(Value::Null),
        // Read in full: serde_json makes it, with nothing to look up.
        Some(reads) if reads.is_whole() => serde_json::to_value(value),
        Some(reads) => value.serialize(Pruner { reads }),
    }
}

type Error = serde_json::Error;

/// Makes a value, walking down only into what `reads` reads. A value that
/// is not a list or map (text, a number) is made whole: reading it at all
/// reads all of it.
struct Pruner<'a> {
    reads: &'a Reads,
}

/// A list or map being made, as JSON shows it.
enum Compound<'a> {
    List {
        reads: &'a Reads,
        items: Vec<Value>,
        /// An enum variant's items, as `{variant: [...]}`.
        variant: Option<&'static str>,
    },
    Map {
        reads: &'a Reads,
        entries: Map<String, Value>,
        /// A map's key, read before its value.
        key: Option<String>,
        /// An enum variant's fields, as `{variant: {...}}`.
        variant: Option<&'static str>,
    },
}

impl<'a> Pruner<'a> {
    fn list(self, len: usize, variant: Option<&'static str>) -> Compound<'a> {
        Compound::List {
            reads: self.variant_reads(variant),
            items: Vec::with_capacity(len),
            variant,
        }
    }

    fn map(self, variant: Option<&'static str>) -> Compound<'a> {
        Compound::Map {
            reads: self.variant_reads(variant),
            entries: Map::new(),
            key: None,
            variant,
        }
    }

    /// What is read below an enum variant's name, which JSON shows as a
    /// map of one entry.
    fn variant_reads(&self, variant: Option<&'static str>) -> &'a Reads {
        match variant {
            Some(name) => self.reads.field(name).unwrap_or(&NOTHING),
            None => self.reads,
        }
    }
}

/// What reads nothing.
static NOTHING: Reads = Reads::nothing();

impl Compound<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self {
            Compound::List { reads, items, .. } => items.push(pruned(value, reads.item())?),
            // serde calls list methods on lists only: an error, never a
            // panic, if a serializer of a context ever did otherwise.
            Compound::Map { .. } => return Err(ser::Error::custom("an item given to a map")),
        }
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        match self {
            Compound::Map { reads, entries, .. } => {
                entries.insert(name.to_owned(), pruned(value, reads.field(name))?);
            }
            Compound::List { .. } => return Err(ser::Error::custom("a field given to a list")),
        }
        Ok(())
    }

    fn end(self) -> Result<Value, Error> {
        let (value, variant) = match self {
            Compound::List { items, variant, .. } => (Value::Array(items), variant),
            Compound::Map {
                entries, variant, ..
            } => (Value::Object(entries), variant),
        };
        Ok(match variant {
            Some(name) => Value::Object(Map::from_iter([(name.to_owned(), value)])),
            None => value,
        })
    }
}

/// Values that are not lists or maps, as serde_json makes them.
macro_rules! whole {
    ($($method:ident: $type:ty;)*) => {
        $(fn $method(self, v: $type) -> Result<Value, Error> {
            serde_json::value::Serializer.$method(v)
        })*
    };
}

impl<'a> ser::Serializer for Pruner<'a> {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    whole! {
        serialize_bool: bool; serialize_i8: i8; serialize_i16: i16; serialize_i32: i32;
        serialize_i64: i64; serialize_i128: i128; serialize_u8: u8; serialize_u16: u16;
        serialize_u32: u32; serialize_u64: u64; serialize_u128: u128; serialize_f32: f32;
        serialize_f64: f64; serialize_char: char; serialize_str: &str; serialize_bytes: &[u8];
    }

    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(Value::String(variant.to_owned()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let inner = pruned(value, self.reads.field(variant))?;
        Ok(Value::Object(Map::from_iter([(variant.to_owned(), inner)])))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.list(len.unwrap_or(0), None))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        Ok(self.list(len, None))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.list(len, None))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.list(len, Some(variant)))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.map(None))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(self.map(None))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.map(Some(variant)))
    }
}

// Lists and tuples: each item; structs: each field by its name.
super::digest::compound_traits!(Compound, Value);

impl ser::SerializeMap for Compound<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // As templates look keys up, and as the digest takes them: text,
        // or a number or truth value as text; anything else is an error.
        let text = super::digest::key_text(key)
            .ok_or_else(|| ser::Error::custom("key must be a string"))?;
        if let Compound::Map { key, .. } = self {
            *key = Some(text);
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = match self {
            Compound::Map { key, .. } => key.take(),
            Compound::List { .. } => None,
        };
        let key = key.ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.field(&key, value)
    }
    fn end(self) -> Result<Value, Error> {
        Compound::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reads(text: &str) -> Reads {
        Reads::of(&[tera::Template::new("t.html", None, text).unwrap()])
    }

    fn render(text: &str, context: &Value) -> String {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t.html", text).unwrap();
        let context = tera::Context::from_value(context.clone()).unwrap();
        tera.render("t.html", &context).unwrap()
    }

    #[test]
    fn only_what_is_read_is_made_and_the_rest_keeps_its_shape() {
        let template = "{% for a in articles %}{{ a.card_html }}{% endfor %}";
        let page = json!({
            "title": "Front",
            "articles": [
                {"title": "One", "card_html": "<p>1</p>", "tags": [{"name": "x"}]},
                {"title": "Two", "card_html": "<p>2</p>", "tags": []},
            ],
        });
        let made = to_value(&page, &reads(template)).unwrap();
        assert_eq!(
            made,
            json!({
                "title": null,
                "articles": [
                    {"title": null, "card_html": "<p>1</p>", "tags": null},
                    {"title": null, "card_html": "<p>2</p>", "tags": null},
                ],
            })
        );
        assert_eq!(render(template, &made), render(template, &page));
    }

    #[test]
    fn the_pruned_context_has_the_whole_ones_digest() {
        use super::super::digest::{Purpose, digest};
        let template = "{% if extra %}{{ extra.a }}{% endif %}{% for k, v in data %}{{ k }}{% endfor %}{% for i in items %}{{ loop.index }}{% endfor %}";
        let reads = reads(template);
        let page = json!({
            "extra": {"a": 1, "b": [1, 2]},
            "data": {"x": {"deep": 1}, "y": 2},
            "items": [{"n": 1}, {"n": 2}, {"n": 3}],
            "unread": {"big": "text"},
        });
        let made = to_value(&page, &reads).unwrap();
        let d = |v: &Value| digest(v, &reads, Purpose::Page).unwrap();
        assert_eq!(d(&made), d(&page));
        assert_eq!(render(template, &made), render(template, &page));
        assert_eq!(made["items"], json!([null, null, null]), "lengths stay");
        assert!(
            made["unread"].is_null() && made.get("unread").is_some(),
            "keys stay"
        );
        assert_eq!(
            made["data"], page["data"],
            "a map looped over by key is whole"
        );
    }

    #[test]
    fn enums_and_everything() {
        #[derive(Serialize)]
        enum Shape {
            Point(i32, i32),
            Named { x: i32, label: String },
            Unit,
        }
        let shapes = vec![
            Shape::Point(1, 2),
            Shape::Named {
                x: 3,
                label: "here".into(),
            },
            Shape::Unit,
        ];
        let all = to_value(&shapes, &Reads::everything()).unwrap();
        assert_eq!(all, serde_json::to_value(&shapes).unwrap());
        #[derive(Serialize)]
        struct Page {
            s: Vec<Shape>,
        }
        let some = to_value(&Page { s: shapes }, &reads("{{ s.1.Named.x }}")).unwrap();
        assert_eq!(
            some,
            json!({"s": [{"Point": [null, null]}, {"Named": {"x": 3, "label": null}}, "Unit"]})
        );
        let whole_context = to_value(&json!({"a": {"b": 1}}), &reads("{{ __tera_context }}"));
        assert_eq!(whole_context.unwrap(), json!({"a": {"b": 1}}));
    }

    /// Templates made at random from loops, `set`, `set_global`, `if`,
    /// includes (in loops too) and walks down names that loops reuse:
    /// whatever they print with the whole context they print with the
    /// pruned one. A name the reading of templates missed would print
    /// empty, or take another branch.
    mod random_templates {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Node {
            Print(String),
            If(String, Vec<Node>),
            For(String, String, Vec<Node>, Vec<Node>),
            Set(String, String, bool),
            Include,
        }

        /// A walk down the context: through objects and list items, then
        /// perhaps to a text.
        fn path() -> impl Strategy<Value = String> {
            let first = prop::sample::select(vec!["x", "y", "a", "items.0", "items.1"]);
            let step = prop::sample::select(vec!["x", "y", "items.0", "items.1"]);
            (
                first,
                prop::collection::vec(step, 0..3),
                prop::sample::select(vec!["", "title", "a", "items"]),
            )
                .prop_map(|(first, steps, last)| {
                    let mut path = std::iter::once(first)
                        .chain(steps)
                        .collect::<Vec<_>>()
                        .join(".");
                    if !last.is_empty() {
                        path = format!("{path}.{last}");
                    }
                    path
                })
        }

        fn name() -> impl Strategy<Value = String> {
            prop::sample::select(vec!["x", "y", "a"]).prop_map(str::to_string)
        }

        fn nodes(include: bool) -> impl Strategy<Value = Vec<Node>> {
            let leaf = prop_oneof![
                4 => path().prop_map(Node::Print),
                2 => (name(), path(), any::<bool>()).prop_map(|(n, p, g)| Node::Set(n, p, g)),
                1 => Just(if include { Node::Include } else { Node::Print("title".into()) }),
            ];
            let node = leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    (path(), prop::collection::vec(inner.clone(), 0..4))
                        .prop_map(|(p, body)| Node::If(p, body)),
                    (
                        name(),
                        prop::collection::vec(
                            prop::sample::select(vec!["x", "y", "items.1"]),
                            0..2
                        ),
                        prop::collection::vec(inner.clone(), 0..4),
                        prop::collection::vec(inner, 0..2)
                    )
                        .prop_map(|(n, above, body, empty)| {
                            // What a loop walks is a list.
                            let list = above.into_iter().chain(["items"]).collect::<Vec<_>>();
                            Node::For(n, list.join("."), body, empty)
                        }),
                ]
            });
            prop::collection::vec(node, 1..6)
        }

        fn text(nodes: &[Node]) -> String {
            nodes
                .iter()
                .map(|node| match node {
                    Node::Print(p) => format!("[{{{{ {p} }}}}]"),
                    Node::If(p, body) => format!("{{% if {p} %}}<{}>{{% endif %}}", text(body)),
                    Node::For(n, p, body, empty) => format!(
                        "{{% for {n} in {p} %}}({}){{% else %}}!{}{{% endfor %}}",
                        text(body),
                        text(empty)
                    ),
                    Node::Set(n, p, global) => {
                        let set = if *global { "set_global" } else { "set" };
                        format!("{{% {set} {n} = {p} %}}")
                    }
                    Node::Include => "{% include \"part.html\" %}".into(),
                })
                .collect()
        }

        /// Every name leads on to every other (to a depth of five), so that
        /// walks down reused names find something; each value says where
        /// it is, so that one taken from elsewhere shows.
        fn context() -> Value {
            fn value(at: &str, depth: u32) -> Value {
                let mut node = json!({"title": format!("{at}.title"), "a": format!("{at}.a")});
                if depth > 0 {
                    node["x"] = value(&format!("{at}.x"), depth - 1);
                    node["y"] = value(&format!("{at}.y"), depth - 1);
                    node["items"] = json!([
                        value(&format!("{at}.items.0"), depth - 1),
                        value(&format!("{at}.items.1"), depth - 1),
                    ]);
                }
                node
            }
            value("", 5)
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
            #[test]
            fn a_pruned_context_renders_as_the_whole_one(
                page in nodes(true),
                part in nodes(false),
            ) {
                let (page, part) = (text(&page), text(&part));
                let mut tera = tera::Tera::default();
                let added = tera.add_raw_templates([("page.html", &page), ("part.html", &part)]);
                prop_assume!(added.is_ok());
                let asts = ["page.html", "part.html"].map(|n| tera.get_template(n).unwrap().clone());
                let reads = Reads::of(&asts);
                let whole = context();
                let render = |value: &Value| {
                    let context = tera::Context::from_value(value.clone()).unwrap();
                    tera.render("page.html", &context).map_err(|e| format!("{e:?}"))
                };
                // A template that does not render whole is not a page.
                let Ok(expected) = render(&whole) else { return Ok(()) };
                eprintln!("RENDERED {}", expected.len());
                let pruned = to_value(&whole, &reads).unwrap();
                prop_assert_eq!(render(&pruned), Ok(expected), "page: {}\npart: {}", page, part);
            }
        }
    }
}
