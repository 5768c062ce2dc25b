//! Support of generated payload types: typify's conversion error, decoding objects from JSON
//! maps only, and the numeric and array constraint checks typify does not generate.

/// Error types.
pub mod error {
    /// Error from a `TryFrom` or `FromStr` implementation.
    pub struct ConversionError(::std::borrow::Cow<'static, str>);

    impl ::std::error::Error for ConversionError {}

    impl ::std::fmt::Display for ConversionError {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> Result<(), ::std::fmt::Error> {
            ::std::fmt::Display::fmt(&self.0, f)
        }
    }

    impl ::std::fmt::Debug for ConversionError {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> Result<(), ::std::fmt::Error> {
            ::std::fmt::Debug::fmt(&self.0, f)
        }
    }

    impl From<&'static str> for ConversionError {
        fn from(value: &'static str) -> Self {
            Self(value.into())
        }
    }

    impl From<String> for ConversionError {
        fn from(value: String) -> Self {
            Self(value.into())
        }
    }
}

/// `Display`, `FromStr`, `TryFrom<&str>`, `TryFrom<String>`, `Serialize` and `Deserialize` of
/// an enum of plain strings (typify's impls and serde's derives, written once):
/// `str_enum!(Mode { Idle = "idle", Running = "running" })`.
/// The error type is named in full: `Self::Error` would be ambiguous with a variant `Error`.
/// The serde impls behave as `#[derive(Serialize, Deserialize)]` with `#[serde(rename = "wire")]`
/// on every variant, through the non-generic-over-the-enum helpers in [`str_enums`], so a
/// generated crate compiles one small match per enum instead of serde's visitors.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_str_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                let wire = match *self {
                    $(Self::$variant => $wire,)*
                };
                $crate::codegen::str_enums::serialize(
                    serializer,
                    ::std::stringify!($name),
                    &[$($wire),*],
                    wire,
                )
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let index = $crate::codegen::str_enums::deserialize(
                    deserializer,
                    ::std::stringify!($name),
                    &[$($wire),*],
                )?;
                ::std::result::Result::Ok(
                    [$(Self::$variant),*]
                        .into_iter()
                        .nth(index)
                        .expect("the index of a listed variant"),
                )
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match *self {
                    $(Self::$variant => f.write_str($wire),)*
                }
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::codegen::error::ConversionError;
            fn from_str(
                value: &str,
            ) -> ::std::result::Result<Self, $crate::codegen::error::ConversionError> {
                match value {
                    $($wire => ::std::result::Result::Ok(Self::$variant),)*
                    _ => ::std::result::Result::Err("invalid value".into()),
                }
            }
        }
        impl ::std::convert::TryFrom<&str> for $name {
            type Error = $crate::codegen::error::ConversionError;
            fn try_from(
                value: &str,
            ) -> ::std::result::Result<Self, $crate::codegen::error::ConversionError> {
                value.parse()
            }
        }
        impl ::std::convert::TryFrom<::std::string::String> for $name {
            type Error = $crate::codegen::error::ConversionError;
            fn try_from(
                value: ::std::string::String,
            ) -> ::std::result::Result<Self, $crate::codegen::error::ConversionError> {
                value.parse()
            }
        }
    };
}

/// The serde side of [`str_enum!`](crate::codegen::str_enum): what serde's derive does for a
/// unit-only enum with renamed variants, generic over the (de)serializer only, not the enum.
pub mod str_enums {
    use std::fmt;

    use serde::de::{self, EnumAccess, VariantAccess};

    /// Serializes the variant written `wire` of the enum `name` whose variants are written
    /// `wires` (in order): `serialize_unit_variant`, as the derive does.
    pub fn serialize<S: serde::Serializer>(
        serializer: S,
        name: &'static str,
        wires: &'static [&'static str],
        wire: &'static str,
    ) -> Result<S::Ok, S::Error> {
        let index = wires.iter().position(|w| *w == wire).unwrap_or(0);
        serializer.serialize_unit_variant(name, index as u32, wire)
    }

    /// Deserializes a variant of the enum `name` whose variants are written `wires`: its index.
    /// Accepts what the derive accepts (a string, or a one-key map with a unit value where the
    /// format reads enums that way); an unknown string is serde's "unknown variant" error.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        name: &'static str,
        wires: &'static [&'static str],
    ) -> Result<usize, D::Error> {
        deserializer.deserialize_enum(name, wires, EnumVisitor { name, wires })
    }

    struct EnumVisitor {
        name: &'static str,
        wires: &'static [&'static str],
    }

    impl<'de> de::Visitor<'de> for EnumVisitor {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "enum {}", self.name)
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
            let (index, variant) = data.variant_seed(Identifier(self.wires))?;
            variant.unit_variant()?;
            Ok(index)
        }
    }

    /// The variant identifier: its index in the wire names.
    struct Identifier(&'static [&'static str]);

    impl<'de> de::DeserializeSeed<'de> for Identifier {
        type Value = usize;

        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<usize, D::Error> {
            deserializer.deserialize_identifier(self)
        }
    }

    impl<'de> de::Visitor<'de> for Identifier {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("variant identifier")
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<usize, E> {
            match usize::try_from(value) {
                Ok(index) if index < self.0.len() => Ok(index),
                _ => Err(E::invalid_value(
                    de::Unexpected::Unsigned(value),
                    &format!("variant index 0 <= i < {}", self.0.len()).as_str(),
                )),
            }
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<usize, E> {
            self.0
                .iter()
                .position(|wire| *wire == value)
                .ok_or_else(|| E::unknown_variant(value, self.0))
        }

        fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<usize, E> {
            match self.0.iter().position(|wire| wire.as_bytes() == value) {
                Some(index) => Ok(index),
                None => Err(E::unknown_variant(&String::from_utf8_lossy(value), self.0)),
            }
        }
    }
}

/// Decoding of objects: a JSON array is never read as a struct.
pub mod objects {
    /// Hands the visitor of a derived struct maps only (a sequence is a type error).
    pub struct MapOnly<D>(pub D);

    struct Visitor<V>(V);

    impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for Visitor<V> {
        type Value = V::Value;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.expecting(f)
        }

        fn visit_map<A>(self, map: A) -> Result<V::Value, A::Error>
        where
            A: serde::de::MapAccess<'de>,
        {
            self.0.visit_map(map)
        }
    }

    impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for MapOnly<D> {
        type Error = D::Error;

        fn deserialize_any<V>(self, visitor: V) -> Result<V::Value, D::Error>
        where
            V: serde::de::Visitor<'de>,
        {
            self.0.deserialize_any(Visitor(visitor))
        }

        fn deserialize_map<V>(self, visitor: V) -> Result<V::Value, D::Error>
        where
            V: serde::de::Visitor<'de>,
        {
            self.0.deserialize_map(Visitor(visitor))
        }

        fn deserialize_struct<V>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error>
        where
            V: serde::de::Visitor<'de>,
        {
            self.0.deserialize_struct(name, fields, Visitor(visitor))
        }

        fn is_human_readable(&self) -> bool {
            self.0.is_human_readable()
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct enum identifier ignored_any
        }
    }

    /// `Deserialize` and `Serialize` for structs derived with `#[serde(remote = "Self")]`:
    /// decoding goes through [`MapOnly`], encoding is the derived one.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __mqttgen_map_only {
        ($($name:ident),* $(,)?) => {$(
            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    $name::deserialize($crate::codegen::objects::MapOnly(deserializer))
                }
            }
            impl ::serde::Serialize for $name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    $name::serialize(self, serializer)
                }
            }
        )*};
    }
    pub use crate::__mqttgen_map_only as map_only;
}

/// Decoding checks for `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
/// `multipleOf`, `minItems`, `maxItems` and `uniqueItems`.
pub mod constraints {
    /// The limits of one schema.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Limits {
        /// `minimum`.
        pub minimum: Option<f64>,
        /// `maximum`.
        pub maximum: Option<f64>,
        /// `exclusiveMinimum`.
        pub exclusive_minimum: Option<f64>,
        /// `exclusiveMaximum`.
        pub exclusive_maximum: Option<f64>,
        /// `multipleOf`.
        pub multiple_of: Option<f64>,
        /// `minItems`.
        pub min_items: Option<usize>,
        /// `maxItems`.
        pub max_items: Option<usize>,
        /// `uniqueItems`.
        pub unique_items: bool,
    }

    fn check_number(value: f64, limits: &Limits) -> Result<(), String> {
        if let Some(min) = limits.minimum {
            if value < min {
                return Err(format!("{value} is less than the minimum {min}"));
            }
        }
        if let Some(max) = limits.maximum {
            if value > max {
                return Err(format!("{value} is more than the maximum {max}"));
            }
        }
        if let Some(min) = limits.exclusive_minimum {
            if value <= min {
                return Err(format!("{value} is not more than {min}"));
            }
        }
        if let Some(max) = limits.exclusive_maximum {
            if value >= max {
                return Err(format!("{value} is not less than {max}"));
            }
        }
        if let Some(step) = limits.multiple_of {
            let ratio = value / step;
            if (ratio - ratio.round()).abs() > 1e-9 {
                return Err(format!("{value} is not a multiple of {step}"));
            }
        }
        Ok(())
    }

    /// Values whose schema limits can be checked.
    pub trait Checked {
        /// Why `self` breaks `limits`, if it does.
        fn check(&self, limits: &Limits) -> Result<(), String>;
    }

    macro_rules! numbers {
        ($($t:ty),*) => {$(
            impl Checked for $t {
                fn check(&self, limits: &Limits) -> Result<(), String> {
                    check_number(*self as f64, limits)
                }
            }
        )*};
    }
    numbers!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

    macro_rules! non_zero {
        ($($t:ty),*) => {$(
            impl Checked for $t {
                fn check(&self, limits: &Limits) -> Result<(), String> {
                    check_number(self.get() as f64, limits)
                }
            }
        )*};
    }
    non_zero!(
        std::num::NonZeroU8,
        std::num::NonZeroU16,
        std::num::NonZeroU32,
        std::num::NonZeroU64
    );

    impl<T: Checked> Checked for Option<T> {
        fn check(&self, limits: &Limits) -> Result<(), String> {
            match self {
                Some(value) => value.check(limits),
                None => Ok(()),
            }
        }
    }

    impl<T: PartialEq> Checked for Vec<T> {
        fn check(&self, limits: &Limits) -> Result<(), String> {
            if limits.min_items.is_some_and(|min| self.len() < min) {
                return Err(format!("{} items are fewer than the minimum", self.len()));
            }
            if limits.max_items.is_some_and(|max| self.len() > max) {
                return Err(format!("{} items are more than the maximum", self.len()));
            }
            if limits.unique_items {
                for (i, item) in self.iter().enumerate() {
                    if self[..i].contains(item) {
                        return Err(format!("item {i} repeats an earlier item"));
                    }
                }
            }
            Ok(())
        }
    }

    /// Decodes a `T` and checks it against `limits` (generated `check_<n>` functions call it).
    pub fn check<'de, D, T>(deserializer: D, limits: &Limits) -> Result<T, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: serde::Deserialize<'de> + Checked,
    {
        let value = T::deserialize(deserializer)?;
        value
            .check(limits)
            .map_err(<D::Error as serde::de::Error>::custom)?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    /// Variants named like the impls' associated types (`Error`, `Err`) do not clash with them.
    #[derive(Debug, PartialEq)]
    enum State {
        Error,
        Err,
        Ok,
    }
    crate::codegen::str_enum!(State { Error = "error", Err = "err", Ok = "ok" });

    #[test]
    fn str_enums_read_and_write_their_wire_values() {
        assert_eq!("error".parse::<State>().unwrap(), State::Error);
        assert_eq!(State::try_from("err").unwrap(), State::Err);
        assert_eq!(State::try_from(String::from("ok")).unwrap(), State::Ok);
        assert_eq!(State::Err.to_string(), "err");
        assert_eq!(
            "nope".parse::<State>().unwrap_err().to_string(),
            "invalid value"
        );
    }

    /// The serde impls of `str_enum!` read and write what serde's derive with renamed variants
    /// does, errors included.
    #[test]
    fn str_enums_serde_matches_the_derive() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        enum Derived {
            #[serde(rename = "error")]
            Error,
            #[serde(rename = "err")]
            Err,
            #[serde(rename = "ok")]
            Ok,
        }
        assert_eq!(serde_json::to_string(&State::Err).unwrap(), "\"err\"");
        assert_eq!(
            serde_json::to_value(State::Ok).unwrap(),
            serde_json::to_value(Derived::Ok).unwrap()
        );
        for text in [
            "\"error\"",
            "\"ok\"",
            "{\"err\": null}",
            "\"nope\"",
            "\"Error\"",
            "3",
            "[]",
            "{\"ok\": 1}",
            "null",
        ] {
            let ours = serde_json::from_str::<State>(text).map_err(|e| e.to_string());
            let derived = serde_json::from_str::<Derived>(text).map_err(|e| e.to_string());
            assert_eq!(
                format!("{ours:?}"),
                format!("{derived:?}").replace("Derived", "State"),
                "{text}"
            );
            let value: Result<serde_json::Value, _> = serde_json::from_str(text);
            if let Ok(value) = value {
                let ours =
                    serde_json::from_value::<State>(value.clone()).map_err(|e| e.to_string());
                let derived = serde_json::from_value::<Derived>(value).map_err(|e| e.to_string());
                assert_eq!(
                    format!("{ours:?}"),
                    format!("{derived:?}").replace("Derived", "State"),
                    "{text}"
                );
            }
        }
    }
}
