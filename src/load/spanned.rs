//! `Sp<T>`: a value with the line and column it was read from: the full parser's, or the one a
//! reader of its own hands over while it deserializes (see [`HandingOver`]).

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer};

use crate::diag::Loc;

#[derive(Clone, Debug)]
pub struct Sp<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Sp<T> {
    pub fn new(value: T, loc: Loc) -> Sp<T> {
        Sp { value, loc }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if let Some(loc) = handed_over() {
            return Ok(Sp {
                value: T::deserialize(d)?,
                loc,
            });
        }
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Sp {
            value: s.value,
            loc: Loc {
                line: s.referenced.line(),
                col: s.referenced.column(),
            },
        })
    }
}

/// While alive, every `Sp` deserialized on this thread takes the location last given to
/// [`hand_over`] instead of asking the deserializer for one (the fast reader's deserializer
/// has none to give). Dropped also when a `Deserialize` panics, so that later reads by the full
/// parser on the thread keep their own locations.
pub(crate) struct HandingOver;

impl HandingOver {
    /// Starts handing over locations on this thread, the first one being `first`.
    pub(crate) fn start(first: Loc) -> HandingOver {
        ACTIVE.with(|a| a.set(true));
        hand_over(first);
        HandingOver
    }
}

impl Drop for HandingOver {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
    }
}

thread_local! {
    /// Set while a [`HandingOver`] is alive on this thread.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Location of the value handed to the next `Deserialize` call.
    static NEXT: Cell<Loc> = const { Cell::new(Loc { line: 1, col: 1 }) };
}

/// Sets the location the next `Sp` deserialized on this thread is read at.
pub(crate) fn hand_over(loc: Loc) {
    NEXT.with(|n| n.set(loc));
}

/// The location handed over for the value being deserialized, when a reader hands them over.
fn handed_over() -> Option<Loc> {
    if ACTIVE.with(Cell::get) {
        Some(NEXT.with(Cell::get))
    } else {
        None
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Sp<T> {}

impl<T: Ord> PartialOrd for Sp<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> Ord for Sp<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: Hash> Hash for Sp<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
