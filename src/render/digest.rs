//! A digest of what a page's templates can read of its context
//! ([`Reads`]): two renders whose digests agree write the same bytes, so a
//! build keeps a page whose digest is the last build's. The context is
//! walked as serde serializes it (no JSON value is made) and only what
//! the templates can read is hashed, with each field's name and each
//! list's length, so that two different contexts cannot run together.
//!
//! While a page's digest is taken, a card stands for itself by its own
//! digest (of every field but its HTML, taken once), and an article's body
//! by a hash of its HTML (see `Renderer::digest`): neither is rendered or
//! read back to be hashed.

use super::reads::Reads;
use serde::Serialize;
use serde::ser;
use std::cell::Cell;
use std::fmt;
use xxhash_rust::xxh3::Xxh3;

thread_local! {
    /// What this thread's serializations are for (see [`Purpose`]).
    static PURPOSE: Cell<Purpose> = const { Cell::new(Purpose::Render) };
}

/// What a context is serialized for: cards serialize differently for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A render: a card gives its HTML.
    Render,
    /// A page's digest: a card gives its own digest.
    Page,
    /// A card's own digest: of every field but its HTML.
    Card,
}

/// What serializations on this thread are for.
pub(crate) fn purpose() -> Purpose {
    PURPOSE.with(Cell::get)
}

/// The digest of what `reads` can read of `value`, serialized for
/// `purpose`; an error if a part of it cannot be (the page is then
/// rendered).
pub(crate) fn digest(
    value: &(impl Serialize + ?Sized),
    reads: &Reads,
    purpose: Purpose,
) -> Result<u64, String> {
    let before = PURPOSE.with(|p| p.replace(purpose));
    let mut hasher = Xxh3::new();
    let result = value.serialize(Digester {
        hasher: &mut hasher,
        reads,
    });
    PURPOSE.with(|p| p.set(before));
    result.map_err(|e| e.0)?;
    Ok(hasher.digest())
}

#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Hashes a value, walking down only into what `reads` reads.
struct Digester<'a> {
    hasher: &'a mut Xxh3,
    reads: &'a Reads,
}

impl<'a> Digester<'a> {
    fn tag(&mut self, tag: u8) {
        self.hasher.update(&[tag]);
    }

    fn bytes(&mut self, tag: u8, bytes: &[u8]) {
        self.tag(tag);
        self.hasher.update(&(bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
    }

    /// An enum variant with items or fields, as JSON shows it
    /// (`{variant: ...}`): what is read of `variant`.
    fn variant(mut self, variant: &str, tag: u8) -> Compound<'a> {
        self.bytes(b'v', variant.as_bytes());
        let reads = self.reads.field(variant).unwrap_or(&EMPTY);
        Digester {
            hasher: self.hasher,
            reads,
        }
        .compound(tag)
    }

    fn compound(self, tag: u8) -> Compound<'a> {
        self.hasher.update(&[tag]);
        Compound {
            hasher: self.hasher,
            reads: self.reads,
            key: None,
            counted: 0,
        }
    }
}

/// A struct, map or list being hashed.
struct Compound<'a> {
    hasher: &'a mut Xxh3,
    reads: &'a Reads,
    /// A map's key, read before its value.
    key: Option<Option<String>>,
    /// Items and entries seen: a list's length shows in a loop over it,
    /// even when no item is read.
    counted: u64,
}

/// The field a value that stands for itself by its own digest gives it
/// under (a card, see `context::Card`): hashed whatever the templates read,
/// as a struct's field, so that it also stands inside a struct that takes
/// the value's fields as its own (`#[serde(flatten)]`).
pub(crate) const OWN_DIGEST: &str = "\u{0}digest";

impl Compound<'_> {
    /// Hashes `value` under `name` if the templates can read it.
    fn named<T: Serialize + ?Sized>(&mut self, name: Option<&str>, value: &T) -> Result<(), Error> {
        self.counted += 1;
        let reads = match name {
            Some(OWN_DIGEST) => Some(&EVERYTHING),
            Some(name) => self.reads.field(name),
            // A key that is not text: any key's reads.
            None => self.reads.item(),
        };
        let Some(reads) = reads else {
            return Ok(());
        };
        if let Some(name) = name {
            self.hasher.update(b"k");
            self.hasher.update(&(name.len() as u64).to_le_bytes());
            self.hasher.update(name.as_bytes());
        }
        value.serialize(Digester {
            hasher: self.hasher,
            reads,
        })
    }

    /// Hashes a struct's field `name`, if the templates can read it.
    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        self.named(Some(name), value)
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.counted += 1;
        match self.reads.item() {
            Some(reads) => value.serialize(Digester {
                hasher: self.hasher,
                reads,
            }),
            None => Ok(()),
        }
    }

    fn end(self) -> Result<(), Error> {
        self.hasher.update(&self.counted.to_le_bytes());
        Ok(())
    }
}

macro_rules! number {
    ($($method:ident: $type:ty, $tag:expr;)*) => {
        $(fn $method(mut self, v: $type) -> Result<(), Error> {
            self.bytes($tag, &v.to_le_bytes());
            Ok(())
        })*
    };
}

impl<'a> ser::Serializer for Digester<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    number! {
        serialize_i8: i8, b'i'; serialize_i16: i16, b'i'; serialize_i32: i32, b'i';
        serialize_i64: i64, b'i'; serialize_i128: i128, b'i';
        serialize_u8: u8, b'u'; serialize_u16: u16, b'u'; serialize_u32: u32, b'u';
        serialize_u64: u64, b'u'; serialize_u128: u128, b'u';
        serialize_f32: f32, b'f'; serialize_f64: f64, b'f';
    }

    fn serialize_bool(mut self, v: bool) -> Result<(), Error> {
        self.bytes(b'b', &[u8::from(v)]);
        Ok(())
    }

    fn serialize_char(mut self, v: char) -> Result<(), Error> {
        self.bytes(b's', v.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }

    fn serialize_str(mut self, v: &str) -> Result<(), Error> {
        self.bytes(b's', v.as_bytes());
        Ok(())
    }

    fn serialize_bytes(mut self, v: &[u8]) -> Result<(), Error> {
        self.bytes(b'y', v);
        Ok(())
    }

    fn serialize_none(mut self) -> Result<(), Error> {
        self.tag(b'n');
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(mut self) -> Result<(), Error> {
        self.tag(b'n');
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    // As JSON shows it: `{variant: value}`.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut map = self.compound(b'm');
        map.named(Some(variant), value)?;
        map.end()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.compound(b'l'))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(self.compound(b'l'))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.compound(b'l'))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.variant(variant, b'l'))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.compound(b'm'))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        Ok(self.compound(b'm'))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.variant(variant, b'm'))
    }
}

/// What reads nothing.
static EMPTY: Reads = Reads::nothing();
/// What reads everything.
static EVERYTHING: Reads = Reads::everything();

/// serde's traits of lists, tuples and structs for `$compound`, the
/// compound of one of the render's serializers (this digest's, and
/// `render::pruned`'s contexts), which does the work in its own `item`
/// (a list's item), `field` (a struct's field by name) and `end`.
/// `Error` is the serializer's error, as the module using this names it.
macro_rules! compound_traits {
    ($compound:ident, $ok:ty) => {
        $crate::render::digest::compound_traits!(@items $compound, $ok;
            SerializeSeq::serialize_element;
            SerializeTuple::serialize_element;
            SerializeTupleStruct::serialize_field;
            SerializeTupleVariant::serialize_field;
        );
        $crate::render::digest::compound_traits!(@fields $compound, $ok; SerializeStruct; SerializeStructVariant;);
    };
    (@items $compound:ident, $ok:ty; $($trait:ident :: $method:ident;)*) => {$(
        impl serde::ser::$trait for $compound<'_> {
            type Ok = $ok;
            type Error = Error;
            fn $method<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.item(value)
            }
            fn end(self) -> Result<$ok, Error> {
                $compound::end(self)
            }
        }
    )*};
    (@fields $compound:ident, $ok:ty; $($trait:ident;)*) => {$(
        impl serde::ser::$trait for $compound<'_> {
            type Ok = $ok;
            type Error = Error;
            fn serialize_field<T: serde::Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<$ok, Error> {
                $compound::end(self)
            }
        }
    )*};
}
pub(super) use compound_traits;

// Lists and tuples: their items, then their length; structs: each field
// by its name.
compound_traits!(Compound, ());

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key_text(key));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().flatten();
        self.named(key.as_deref(), value)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

/// A map key as the text templates look it up by (as JSON makes keys);
/// None for a key that is not text, a number or a truth value.
pub(super) fn key_text<T: Serialize + ?Sized>(key: &T) -> Option<String> {
    match serde_json::to_value(key).ok()? {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reads(text: &str) -> Reads {
        Reads::of(&[tera::Template::new("t.html", None, text).unwrap()])
    }

    #[test]
    fn only_what_the_templates_read_counts() {
        let reads = reads("{% for s in site.sections %}{{ s.url }}{% endfor %}{{ title }}");
        let page = |count: u32, url: &str, title: &str| json!({"site": {"sections": [{"url": url, "count": count}]}, "title": title, "other": count});
        let d = |v: serde_json::Value| digest(&v, &reads, Purpose::Page).unwrap();
        assert_eq!(d(page(1, "/a/", "T")), d(page(2, "/a/", "T")));
        assert_ne!(d(page(1, "/a/", "T")), d(page(1, "/b/", "T")));
        assert_ne!(d(page(1, "/a/", "T")), d(page(1, "/a/", "U")));
        let two = json!({"site": {"sections": [{"url": "/a/"}, {"url": "/a/"}]}, "title": "T"});
        assert_ne!(d(page(1, "/a/", "T")), d(two), "a list's length counts");
    }

    #[test]
    fn values_cannot_run_together() {
        let reads = Reads::everything();
        let d = |v: serde_json::Value| digest(&v, &reads, Purpose::Page).unwrap();
        assert_ne!(d(json!(["ab", "c"])), d(json!(["a", "bc"])));
        assert_ne!(d(json!({"a": "b"})), d(json!({"ab": ""})));
        assert_ne!(d(json!({"a": 1})), d(json!({"a": "1"})));
        assert_ne!(d(json!({"a": null})), d(json!({})));
    }
}
