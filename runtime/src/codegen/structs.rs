//! `Serialize` and `Deserialize` of plain payload structs, written by [`object!`] instead of
//! serde's derives.
//!
//! serde's derive writes, per struct, a field-identifier enum with its own visitor and
//! `Deserialize` impl, a sequence path (`visit_seq`) and a map path. Payload objects are read
//! from JSON maps only (a sequence is a type error, issue #26), so the field enum and the
//! sequence path are dead weight that every generated crate compiled. [`object!`] writes the map
//! path alone; finding a key's field is [`Key`] here, generic over the deserializer only, so it
//! is compiled once per crate, not once per struct.
//!
//! The impls behave as `#[derive(Serialize, Deserialize)]` with the same `rename`, `default`,
//! `deserialize_with`, `skip_serializing_if` and `deny_unknown_fields` attributes, errors
//! included, except that a sequence is refused (as [`super::objects::MapOnly`] does for derived
//! structs): `structs_serde_matches_the_derive` compares them.
//!
//! [`object!`]: crate::codegen::object

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Visitor};

/// The key of a struct's map entry: the wire name of the field it names (one of `fields`), or
/// `None` for a key to skip. With `deny_unknown`, an unknown key is serde's "unknown field" error.
#[derive(Clone, Copy)]
pub struct Key {
    fields: &'static [&'static str],
    deny_unknown: bool,
}

impl Key {
    /// The keys of a struct whose fields are written `fields` on the wire.
    pub const fn new(fields: &'static [&'static str], deny_unknown: bool) -> Key {
        Key {
            fields,
            deny_unknown,
        }
    }

    fn named<E: de::Error>(&self, name: &str) -> Result<Option<&'static str>, E> {
        match self.fields.iter().find(|field| **field == name) {
            Some(field) => Ok(Some(field)),
            None if self.deny_unknown => Err(E::unknown_field(name, self.fields)),
            None => Ok(None),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<&'static str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        let field = usize::try_from(value)
            .ok()
            .and_then(|index| self.fields.get(index));
        match field {
            Some(field) => Ok(Some(field)),
            None if self.deny_unknown => Err(E::invalid_value(
                de::Unexpected::Unsigned(value),
                &format!("field index 0 <= i < {}", self.fields.len()).as_str(),
            )),
            None => Ok(None),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        self.named(value)
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Self::Value, E> {
        match self.fields.iter().find(|field| field.as_bytes() == value) {
            Some(field) => Ok(Some(field)),
            None => self.named(&String::from_utf8_lossy(value)),
        }
    }
}

/// The value of a field that is absent from the map, as serde's derive reads it: an `Option` is
/// `None`, any other type is the "missing field" error.
pub fn missing<'de, T: de::Deserialize<'de>, E: de::Error>(field: &'static str) -> Result<T, E> {
    T::deserialize(Missing(field, PhantomData))
}

/// A deserializer with nothing in it: `None` for an option, "missing field" for the rest.
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> de::Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// `Serialize` and `Deserialize` of a struct with named fields, as serde's derives write them
/// for a struct read from maps only:
///
/// ```text
/// object!(#[deny_unknown_fields] Reading {
///     value = "value",
///     machine_id = "machineId" { default = defaults::machine_id, },
///     rpm = "rpm" {
///         default = ::std::default::Default::default,
///         with = constraints::check_0 as Option<u64>,
///         skip_if = ::std::option::Option::is_none,
///     },
/// });
/// ```
///
/// Each field names its wire name, then optionally, in this order and each followed by a comma:
/// what an absent field is (`default = function`, serde's `default` and `default = "function"`;
/// otherwise what serde's derive does: `None` for an `Option`, else the "missing
/// field" error, or that error alone for a field read `with` a function); the function it is
/// read with and its type (`deserialize_with`); the function that skips it when serializing
/// (`skip_serializing_if`).
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_object {
    ($(#[$deny:ident])? $name:ident {
        $($field:ident = $wire:literal $({
            $(default = $default:path,)?
            $(with = $with:path as $ty:ty,)?
            $(skip_if = $skip:path,)?
        })?),* $(,)?
    }) => {
        impl ::serde::Serialize for $name {
            fn serialize<__S: ::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::std::result::Result<__S::Ok, __S::Error> {
                let mut state = ::serde::Serializer::serialize_struct(
                    serializer,
                    ::std::stringify!($name),
                    0 $(+ $crate::__mqttgen_object!(@count self.$field $($(, $skip)?)?))*,
                )?;
                $($crate::__mqttgen_object!(@serialize state, self.$field, $wire $($(, $skip)?)?);)*
                ::serde::ser::SerializeStruct::end(state)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<__D: ::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::std::result::Result<Self, __D::Error> {
                const __FIELDS: &[&str] = &[$($wire),*];
                struct __Fields;
                impl<'de> ::serde::de::Visitor<'de> for __Fields {
                    type Value = $name;
                    fn expecting(
                        &self,
                        f: &mut ::std::fmt::Formatter<'_>,
                    ) -> ::std::fmt::Result {
                        f.write_str(::std::concat!("struct ", ::std::stringify!($name)))
                    }
                    fn visit_map<__A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: __A,
                    ) -> ::std::result::Result<$name, __A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        let key = $crate::codegen::structs::Key::new(
                            __FIELDS,
                            $crate::__mqttgen_object!(@deny $($deny)?),
                        );
                        while let ::std::option::Option::Some(wire) =
                            ::serde::de::MapAccess::next_key_seed(&mut map, key)?
                        {
                            match wire {
                                $(::std::option::Option::Some($wire) => {
                                    if $field.is_some() {
                                        return ::std::result::Result::Err(
                                            <__A::Error as ::serde::de::Error>::duplicate_field($wire),
                                        );
                                    }
                                    $field = ::std::option::Option::Some(
                                        $crate::__mqttgen_object!(@value map $($(, $with, $ty)?)?),
                                    );
                                })*
                                _ => {
                                    ::serde::de::MapAccess::next_value::<::serde::de::IgnoredAny>(
                                        &mut map,
                                    )?;
                                }
                            }
                        }
                        ::std::result::Result::Ok($name {
                            $($field: match $field {
                                ::std::option::Option::Some(value) => value,
                                ::std::option::Option::None => $crate::__mqttgen_object!(
                                    @missing $wire
                                    $($(, $default)?)?
                                    $($(; $with)?)?
                                ),
                            },)*
                        })
                    }
                }
                ::serde::Deserializer::deserialize_struct(
                    deserializer,
                    ::std::stringify!($name),
                    __FIELDS,
                    __Fields,
                )
            }
        }
    };
    (@deny) => { false };
    (@deny deny_unknown_fields) => { true };
    (@count $value:expr) => { 1 };
    (@count $value:expr, $skip:path) => {
        if $skip(&$value) { 0 } else { 1 }
    };
    (@serialize $state:ident, $value:expr, $wire:literal) => {
        ::serde::ser::SerializeStruct::serialize_field(&mut $state, $wire, &$value)?
    };
    (@serialize $state:ident, $value:expr, $wire:literal, $skip:path) => {
        if $skip(&$value) {
            ::serde::ser::SerializeStruct::skip_field(&mut $state, $wire)?
        } else {
            ::serde::ser::SerializeStruct::serialize_field(&mut $state, $wire, &$value)?
        }
    };
    (@value $map:ident) => {
        ::serde::de::MapAccess::next_value(&mut $map)?
    };
    (@value $map:ident, $with:path, $ty:ty) => {{
        struct __With($ty);
        impl<'de> ::serde::Deserialize<'de> for __With {
            fn deserialize<__D: ::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::std::result::Result<Self, __D::Error> {
                $with(deserializer).map(__With)
            }
        }
        ::serde::de::MapAccess::next_value::<__With>(&mut $map)?.0
    }};
    (@missing $wire:literal, $default:path $(; $with:path)?) => {
        $default()
    };
    (@missing $wire:literal; $with:path) => {
        return ::std::result::Result::Err(
            <__A::Error as ::serde::de::Error>::missing_field($wire),
        )
    };
    (@missing $wire:literal) => {
        $crate::codegen::structs::missing($wire)?
    };
}

#[cfg(test)]
mod tests {
    use crate::codegen::constraints::{self, Checked, Limits};

    fn check_rpm<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: serde::Deserialize<'de> + Checked,
    {
        let limits = Limits {
            maximum: Some(100.0),
            ..Limits::default()
        };
        constraints::check(deserializer, &limits)
    }

    fn seven() -> u32 {
        7
    }

    /// The shapes `object!` takes over, written by the macro and by serde's derive (read from
    /// maps only, as generated structs were).
    macro_rules! pair {
        ($ours:ident, $derived:ident, [$($deny:tt)*] $(, $derive_deny:meta)?) => {
            #[derive(Debug, PartialEq)]
            struct $ours {
                value: f64,
                machine_id: Option<String>,
                r#type: Option<String>,
                rpm: Option<u64>,
                level: u8,
                count: u32,
                tags: Vec<String>,
                note: Option<String>,
            }
            crate::codegen::object!($($deny)* $ours {
                value = "value",
                machine_id = "machineId" { skip_if = ::std::option::Option::is_none, },
                r#type = "type" { default = Default::default, skip_if = ::std::option::Option::is_none, },
                rpm = "rpm" {
                    default = Default::default,
                    with = check_rpm as Option<u64>,
                    skip_if = ::std::option::Option::is_none,
                },
                level = "level" { with = check_rpm as u8, },
                count = "count" { default = seven, },
                tags = "tags" { default = Default::default, skip_if = ::std::vec::Vec::is_empty, },
                note = "note",
            });

            #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
            $(#[serde($derive_deny)])?
            #[serde(remote = "Self")]
            struct $derived {
                value: f64,
                #[serde(rename = "machineId")]
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                machine_id: Option<String>,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                r#type: Option<String>,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                #[serde(deserialize_with = "check_rpm", default)]
                rpm: Option<u64>,
                #[serde(deserialize_with = "check_rpm")]
                level: u8,
                #[serde(default = "seven")]
                count: u32,
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                tags: Vec<String>,
                note: Option<String>,
            }
            crate::codegen::objects::map_only!($derived);
        };
    }
    pair!(Open, OpenDerived, []);
    pair!(Closed, ClosedDerived, [#[deny_unknown_fields]], deny_unknown_fields);

    const INPUTS: &[&str] = &[
        r#"{"value": 1.5, "level": 3}"#,
        r#"{"value": 1, "machineId": "m", "type": "t", "rpm": 50, "level": 0, "count": 2, "tags": ["a"], "note": "n"}"#,
        r#"{"value": 1, "level": 3, "rpm": null, "machineId": null, "note": null, "type": null}"#,
        r#"{"value": 1, "level": 3, "other": [1, {"x": 2}]}"#,
        r#"{"level": 3}"#,
        r#"{"value": 1}"#,
        r#"{"value": 1, "level": 300}"#,
        r#"{"value": 1, "level": 101}"#,
        r#"{"value": 1, "level": 3, "rpm": 101}"#,
        r#"{"value": 1, "level": 3, "rpm": -1}"#,
        r#"{"value": 1, "value": 2, "level": 3}"#,
        r#"{"value": 1, "level": 3, "level": 4}"#,
        r#"{"value": "1", "level": 3}"#,
        r#"{"value": 1, "level": 3, "tags": "a"}"#,
        r#"{"value": 1, "level": 3, "count": null}"#,
        r#"{"value": 1, "level": 3, "machine_id": "m"}"#,
        r#"{"value": 1, "level": 3"#,
        r#"[1, 3]"#,
        r#"[]"#,
        r#""x""#,
        r#"null"#,
        r#"3"#,
        r#"{}"#,
    ];

    /// What decoding `text` gives as text, the type's name made the same.
    fn outcome<T: std::fmt::Debug + serde::de::DeserializeOwned>(
        text: &str,
        name: &str,
    ) -> [String; 2] {
        let from_str = serde_json::from_str::<T>(text).map_err(|e| e.to_string());
        let from_value = serde_json::from_str::<serde_json::Value>(text)
            .map(|value| serde_json::from_value::<T>(value).map_err(|e| e.to_string()));
        [format!("{from_str:?}"), format!("{from_value:?}")].map(|s| s.replace(name, "Type"))
    }

    /// `object!`'s impls read and write what serde's derive (through `MapOnly`) does, errors
    /// included, with and without `deny_unknown_fields`.
    #[test]
    fn structs_serde_matches_the_derive() {
        for text in INPUTS {
            let ours = outcome::<Open>(text, "Open");
            assert_eq!(ours, outcome::<OpenDerived>(text, "OpenDerived"), "{text}");
            let closed = outcome::<Closed>(text, "Closed");
            assert_eq!(
                closed,
                outcome::<ClosedDerived>(text, "ClosedDerived"),
                "{text}"
            );
            if let (Ok(ours), Ok(derived)) = (
                serde_json::from_str::<Open>(text),
                serde_json::from_str::<OpenDerived>(text),
            ) {
                assert_eq!(
                    serde_json::to_string(&ours).unwrap(),
                    serde_json::to_string(&derived).unwrap(),
                    "{text}"
                );
                assert_eq!(
                    serde_json::to_value(&ours).unwrap(),
                    serde_json::to_value(&derived).unwrap(),
                    "{text}"
                );
            }
        }
        // Not vacuous: the inputs cover successes and each kind of error.
        let outcomes: Vec<String> = INPUTS
            .iter()
            .map(|text| outcome::<Closed>(text, "Closed")[0].clone())
            .collect();
        for expected in [
            "Ok(",
            "missing field `value`",
            "missing field `level`",
            "duplicate field `value`",
            "unknown field `other`",
            "invalid type: sequence, expected struct Type",
            "is more than the maximum",
        ] {
            assert!(
                outcomes.iter().any(|o| o.contains(expected)),
                "{expected}: {outcomes:#?}"
            );
        }
        let open = serde_json::from_str::<Open>(INPUTS[0]).unwrap();
        assert_eq!((open.count, open.note, open.rpm), (7, None, None));
    }
}
