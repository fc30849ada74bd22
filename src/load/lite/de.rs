//! The parsed tree handed to a `Deserialize`: a `serde` deserializer over its nodes that gives
//! up wherever the full parser might read a value differently, and hands the location of each
//! value (the full parser's location for it) over to [`Sp`](crate::load::spanned::Sp).

use std::fmt;

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::scalars::{decimal, special, unsigned};
use super::{Doc, Entry, Id, N};
use crate::diag::Loc;
use crate::load::spanned::{HandingOver, hand_over};

/// `doc` as `T`, or `None` when it does not fit `T` (or needs the full parser).
pub(super) fn read<T: for<'de> Deserialize<'de>>(doc: &Doc<'_>) -> Option<T> {
    let _handing = HandingOver::start(doc.nodes[doc.root as usize].loc());
    T::deserialize(NodeDe {
        doc,
        id: doc.root,
        over: None,
    })
    .ok()
}

/// Why the read stopped; never shown (the full parser reads the document instead).
#[derive(Debug)]
pub(super) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outside what the fast reader reads")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

/// A node handed to a `Deserialize`: `over` is the location of the alias (or merge) it is read
/// through, which every location inside it takes.
#[derive(Clone, Copy)]
struct NodeDe<'d, 'a> {
    doc: &'d Doc<'a>,
    id: Id,
    over: Option<Loc>,
}

impl<'d, 'a> NodeDe<'d, 'a> {
    /// The node and the location everything in it is read at, if an alias sets one.
    fn node(&self) -> (&'d N<'a>, Option<Loc>) {
        match &self.doc.nodes[self.id as usize] {
            N::Alias(at, target) => (&self.doc.nodes[*target as usize], self.over.or(Some(*at))),
            n => (n, self.over),
        }
    }

    fn at(&self, id: Id, over: Option<Loc>) -> NodeDe<'d, 'a> {
        let de = NodeDe {
            doc: self.doc,
            id,
            over,
        };
        hand_over(over.unwrap_or_else(|| self.doc.nodes[id as usize].loc()));
        de
    }

    /// A scalar that is certainly a string.
    fn string(&self) -> Result<&'d str, GiveUp> {
        match self.node().0 {
            N::Scalar(s) if !s.plain || !special(&s.text) => Ok(&s.text),
            _ => Err(GiveUp),
        }
    }

    fn plain(&self) -> Result<&'d str, GiveUp> {
        match self.node().0 {
            N::Scalar(s) if s.plain => Ok(&s.text),
            _ => Err(GiveUp),
        }
    }
}

/// Deserializer methods for the types this reader never reads.
macro_rules! give_up {
    ($($name:ident)*) => {
        $(fn $name<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
            Err(GiveUp)
        })*
    };
}

impl<'de> Deserializer<'de> for NodeDe<'_, '_> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.node().0 {
            N::Map(..) => self.deserialize_map(v),
            N::Seq(..) => self.deserialize_seq(v),
            N::Scalar(_) => v.visit_str(self.string()?),
            N::Null(_) | N::Alias(..) => Err(GiveUp),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.string()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.string()?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        let s = self.plain()?;
        if !decimal(s) {
            return Err(GiveUp);
        }
        v.visit_f64(s.parse().map_err(|_| GiveUp)?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_u64(unsigned(self.plain()?).ok_or(GiveUp)?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        let n = u32::try_from(unsigned(self.plain()?).ok_or(GiveUp)?).map_err(|_| GiveUp)?;
        v.visit_u32(n)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.plain()? {
            "true" => v.visit_bool(true),
            "false" => v.visit_bool(false),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.node().0 {
            N::Null(_) => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, GiveUp> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.node() {
            (N::Seq(_, items), over) => {
                let mut access = Items {
                    de: self,
                    rest: items.iter(),
                    over,
                };
                let out = v.visit_seq(&mut access)?;
                if access.rest.len() != 0 {
                    return Err(GiveUp);
                }
                Ok(out)
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.node() {
            (N::Map(_, entries), over) => {
                let mut access = Entries {
                    de: self,
                    rest: entries.iter(),
                    value: None,
                    over,
                };
                let out = v.visit_map(&mut access)?;
                if access.rest.len() != 0 {
                    return Err(GiveUp);
                }
                Ok(out)
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        match self.node() {
            (N::Map(_, entries), over) if entries.len() == 1 => v.visit_enum(Variant {
                de: self,
                entry: &entries[0],
                over: over.or(entries[0].merged),
            }),
            _ => Err(GiveUp),
        }
    }

    give_up! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u128 deserialize_f32 deserialize_char deserialize_bytes
        deserialize_byte_buf deserialize_unit deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }
}

struct Items<'d, 'a> {
    de: NodeDe<'d, 'a>,
    rest: std::slice::Iter<'d, Id>,
    over: Option<Loc>,
}

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = GiveUp;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, GiveUp> {
        match self.rest.next() {
            Some(&id) => seed.deserialize(self.de.at(id, self.over)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

struct Entries<'d, 'a> {
    de: NodeDe<'d, 'a>,
    rest: std::slice::Iter<'d, Entry<'a>>,
    value: Option<&'d Entry<'a>>,
    over: Option<Loc>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        match self.rest.next() {
            Some(e) => {
                self.value = Some(e);
                hand_over(self.over.or(e.merged).unwrap_or(e.key_loc));
                seed.deserialize(KeyDe(e.key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, GiveUp> {
        let e = self.value.take().ok_or(GiveUp)?;
        seed.deserialize(self.de.at(e.value, self.over.or(e.merged)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

/// A mapping key: always a string (keys are checked to be plain, non-special words).
struct KeyDe<'k>(&'k str);

impl<'de> Deserializer<'de> for KeyDe<'_> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.0)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

struct Variant<'d, 'a> {
    de: NodeDe<'d, 'a>,
    entry: &'d Entry<'a>,
    over: Option<Loc>,
}

impl<'de> EnumAccess<'de> for Variant<'_, '_> {
    type Error = GiveUp;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), GiveUp> {
        let key: de::value::StrDeserializer<'_, GiveUp> = self.entry.key.into_deserializer();
        Ok((seed.deserialize(key)?, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'_, '_> {
    type Error = GiveUp;

    fn unit_variant(self) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, GiveUp> {
        seed.deserialize(self.de.at(self.entry.value, self.over))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        NodeDe {
            doc: self.de.doc,
            id: self.entry.value,
            over: self.over,
        }
        .deserialize_map(v)
    }
}
