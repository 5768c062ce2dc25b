//! What a schema or an operation becomes in the generated Rust, with the generator's own rules.
//!
//! Integer sizing is the type generator's ([`crate::types::preprocess::integer_type`]: `format`,
//! else the narrowest type holding `minimum..=maximum`), formats map as the types module documents
//! (`date-time` → `chrono::DateTime<FixedOffset>`, `uuid` → `uuid::Uuid`, ...), a schema the type
//! generator names ([`Norm::named`]) is a named type (its `$ref` key, else its `title`, else its
//! place), and handler/publisher methods are named from operation ids as the service generator
//! names them ([`crate::service::operations::method_base`]).

use super::schema::Norm;
use crate::model::Action;
use crate::service::operations::{method_base, Side};
use crate::types::names::type_name;
use crate::types::preprocess::integer_type;
use crate::Role;

/// The Rust type of a value of this schema, without the `Option` of an optional member.
pub fn value_type(norm: &Norm<'_>) -> String {
    let base = base_type(norm);
    if norm.nullable {
        format!("Option<{base}>")
    } else {
        base
    }
}

/// The type of a struct member: `Option<T>` unless not nullable and required or with a `default`
/// (a member with a default is filled in on decoding, so it is a plain `T`).
pub fn field_type(norm: &Norm<'_>, required: bool) -> String {
    let base = base_type(norm);
    if (required || norm.default.is_some()) && !norm.nullable {
        base
    } else {
        format!("Option<{base}>")
    }
}

/// The type without nullability.
fn base_type(norm: &Norm<'_>) -> String {
    if let Some(name) = &norm.ref_name {
        if norm.named {
            return type_name(name);
        }
    }
    if norm.named {
        if let Some(title) = &norm.title {
            return type_name(title);
        }
    }
    if norm.values.is_some() {
        return if norm.single_type() == Some("integer") {
            "integer enum newtype".to_string()
        } else {
            "enum".to_string()
        };
    }
    if !norm.variants.is_empty() {
        return "enum (union)".to_string();
    }
    match norm.single_type() {
        Some("integer") => integer_type(&norm.integer_keywords()).to_string(),
        Some("number") => match norm.format.as_deref() {
            Some("float") => "f32".to_string(),
            _ => "f64".to_string(),
        },
        Some("boolean") => "bool".to_string(),
        Some("string") => string_type(norm),
        Some("array") => "Vec<..>".to_string(),
        Some("object") if norm.named => "struct".to_string(),
        Some("object") => "Map<String, ..>".to_string(),
        _ => "serde_json::Value".to_string(),
    }
}

/// A string's type: by `format`, else a validating newtype when constrained, else `String`.
fn string_type(norm: &Norm<'_>) -> String {
    match norm.format.as_deref() {
        Some("date-time") => "chrono::DateTime<FixedOffset>".to_string(),
        Some("date") => "chrono::NaiveDate".to_string(),
        Some("uuid") => "uuid::Uuid".to_string(),
        Some("ipv4") => "std::net::Ipv4Addr".to_string(),
        Some("ipv6") => "std::net::Ipv6Addr".to_string(),
        _ if norm.named => "a validating String newtype".to_string(),
        _ => "String".to_string(),
    }
}

/// True when values of the string enum become Rust enum variants (adding one breaks exhaustive
/// `match`es); integer enums are newtypes with one constant per value.
pub fn enum_has_variants(norm: &Norm<'_>) -> bool {
    norm.single_type() != Some("integer") && norm.single_type() != Some("number")
}

/// The method the application's crate has for an operation: a `Handler` method for `receive`, a
/// `Publisher` method for `send`.
pub fn method(id: &str, action: Action) -> String {
    match action {
        Action::Receive => format!("Handler::{}", method_base(id, Role::App, Side::Handle)),
        Action::Send => format!("Publisher::{}", method_base(id, Role::App, Side::Publish)),
    }
}
