//! A deserializer adaptor that fails where the target type would skip a value.
//!
//! Sloth's formats ignore keys they do not know, so their typed structures do not deny unknown
//! fields: a derived `Deserialize` reads such a key's value as `IgnoredAny`. Wrapped in
//! [`Strict`], that read is an error instead. A document whose typed read succeeds through the
//! adaptor therefore has no key its types do not name, which is what lets the loader skip the
//! located tree (only built to report such keys with their locations) for it.
//!
//! Every other call is passed on unchanged, with the visitors, seeds and nested deserializers
//! wrapped so that the check reaches every level of the document. One skip is expected: a
//! located value (`serde_saphyr::Spanned`) arrives as a map whose first entry is a marker the
//! reader skips, so values directly inside that map may be skipped.

use std::fmt;

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// `T`, read through [`Strict`].
pub struct StrictDoc<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for StrictDoc<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(Strict(d, At::Doc)).map(StrictDoc)
    }
}

/// Message of the error a skipped value raises (the caller only needs to know the read failed).
pub const SKIPPED: &str = "a key the typed structure does not name";

/// The name under which `serde_saphyr::Spanned` asks for its located map.
const SPANNED: &str = "__yaml_spanned";

/// Where a wrapped part sits: anywhere, in a located value's map, or directly at a value of
/// that map (where the marker is skipped).
#[derive(Clone, Copy, PartialEq)]
enum At {
    Doc,
    Located,
    LocatedEntry,
}

impl At {
    /// The position of what a wrapped part hands on.
    fn inner(self) -> At {
        match self {
            At::Located => At::Located,
            At::Doc | At::LocatedEntry => At::Doc,
        }
    }
}

/// The wrapped deserializer.
pub struct Strict<D>(D, At);

/// A wrapped visitor, map or sequence.
struct Wrap<V>(V, At);

struct Seed<S>(S, At);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(d, self.1))
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method($($arg,)* Wrap(visitor, self.1.inner()))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(
            name,
            Wrap(
                visitor,
                if name == SPANNED {
                    At::Located
                } else {
                    self.1.inner()
                },
            ),
        )
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.1 {
            At::LocatedEntry => self.0.deserialize_ignored_any(visitor),
            At::Doc | At::Located => Err(de::Error::custom(SKIPPED)),
        }
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! visit {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }

    visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict(d, At::Doc))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d, self.1.inner()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Wrap(seq, At::Doc))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrap(map, self.1.inner()))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Wrap(data, At::Doc))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed, At::Doc))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed, At::Doc))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let at = if self.1 == At::Located {
            At::LocatedEntry
        } else {
            At::Doc
        };
        self.0.next_value_seed(Seed(seed, at))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<A> {
    type Error = A::Error;
    type Variant = Wrap<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Wrap<A::Variant>), A::Error> {
        self.0
            .variant_seed(Seed(seed, At::Doc))
            .map(|(v, access)| (v, Wrap(access, At::Doc)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed, At::Doc))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap(visitor, At::Doc))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap(visitor, At::Doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::sloth::SlothSpec;

    fn read(text: &str) -> Result<SlothSpec, String> {
        let opts = serde_saphyr::Options::default();
        serde_saphyr::from_str_with_options::<StrictDoc<SlothSpec>>(text, opts)
            .map(|d| d.0)
            .map_err(|e| e.to_string())
    }

    const DOC: &str = "version: prometheus/v1\nservice: shop\nlabels:\n  owner: a\nslos:\n  - name: availability\n    objective: 99.9\n    sli:\n      events:\n        error_query: a\n        total_query: b\n    alerting:\n      page_alert:\n        labels: {x: y}\n";

    #[test]
    fn reads_a_document_with_only_named_keys_with_locations() {
        let s = read(DOC).expect("strict read");
        assert_eq!(s.service.value, "shop");
        assert_eq!((s.slos[0].name.loc.line, s.slos[0].name.loc.col), (6, 11));
        let sli = &s.slos[0].sli.value.events.as_ref().expect("events").value;
        assert_eq!(
            sli.error_query
                .as_ref()
                .map(|q| (q.value.as_str(), q.loc.line)),
            Some(("a", 10))
        );
    }

    #[test]
    fn refuses_an_unknown_key_at_any_depth() {
        for (at, extra) in [
            ("service: shop\n", "extra: 1\n"),
            ("    objective: 99.9\n", "    nope: [1, 2]\n"),
            ("        labels: {x: y}\n", "        severity: page\n"),
        ] {
            let text = DOC.replace(at, &format!("{at}{extra}"));
            let err = read(&text).expect_err(&text);
            assert!(err.contains(SKIPPED), "{err}");
            // The type itself skips the key: the plain read succeeds.
            assert!(serde_saphyr::from_str::<SlothSpec>(&text).is_ok(), "{text}");
            // The loader takes the located tree, which reports the key.
            assert_eq!(crate::load::assert_fast_path_agrees(&text), 0, "{text}");
        }
    }

    #[test]
    fn the_loader_reads_such_a_document_in_one_pass() {
        assert_eq!(crate::load::assert_fast_path_agrees(DOC), 1);
    }
}
