//! Topic code: parameter enums, parameters structs (build a topic, subscription filters, parse a
//! received topic) and fixed-topic constants. Emits from a [`TopicPlan`].

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

use super::docs::doc_attrs;
use super::names::ident;
use super::rt;
use super::topics::{FieldKind, ParamEnum, Piece, Slot, TopicPlan, TopicPlans};
use crate::spec::model::Channel;

/// The Rust type of a topic field.
pub fn field_type(kind: &FieldKind, enums: &[ParamEnum]) -> TokenStream {
    match kind {
        FieldKind::Text | FieldKind::Tail => quote!(String),
        FieldKind::Integer(integer) => {
            let rust = format_ident!("{}", integer.rust);
            quote!(#rust)
        }
        FieldKind::Number => quote!(f64),
        FieldKind::Boolean => quote!(bool),
        FieldKind::Enum(index) => {
            let name = ident(&enums[*index].name);
            quote!(#name)
        }
    }
}

/// All topic code: enums first, then one parameters struct or constant per channel, in document order.
pub fn generate(plans: &TopicPlans, channels: &[Channel]) -> Vec<TokenStream> {
    let enums = plans.enums.iter().map(param_enum);
    let topics = plans
        .topics
        .iter()
        .zip(channels)
        .filter_map(|(plan, channel)| plan.as_ref().map(|plan| topic(plan, channel, &plans.enums)));
    enums.chain(topics).collect()
}

fn param_enum(item: &ParamEnum) -> TokenStream {
    let name = ident(&item.name);
    let mut doc = item.doc.clone().unwrap_or_default();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "Allowed values of the topic parameter `{}`.",
        item.param
    ));
    let docs = doc_attrs(Some(&doc));
    let variants = item
        .variants
        .iter()
        .enumerate()
        .map(|(index, (variant, wire))| {
            let variant = ident(variant);
            let default = (item.default == Some(index)).then(|| quote!(#[default]));
            let doc = format!(" `{wire}`");
            quote!(#[doc = #doc] #default #variant)
        });
    let as_str = item.variants.iter().map(|(variant, wire)| {
        let variant = ident(variant);
        quote!(#name::#variant => #wire)
    });
    let from_str = item.variants.iter().map(|(variant, wire)| {
        let variant = ident(variant);
        quote!(#wire => Ok(#name::#variant))
    });
    let all = item.variants.iter().map(|(variant, _)| {
        let variant = ident(variant);
        quote!(#name::#variant)
    });
    let param = &item.param;
    let derive_default = item.default.map(|_| quote!(Default,));
    let allowed = item
        .variants
        .iter()
        .map(|(_, wire)| format!("`{wire}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let unknown = rt::invalid_param(quote!(#param), quote!(value), &format!("one of {allowed}"));
    let error = rt::decode_error();
    quote! {
        #docs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, #derive_default)]
        pub enum #name {
            #(#variants,)*
        }

        impl #name {
            /// Every allowed value, in the order the spec lists them.
            pub const ALL: &'static [#name] = &[#(#all),*];

            /// The value as it appears in a topic.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(#as_str,)*
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = #error;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    #(#from_str,)*
                    _ => Err(#unknown),
                }
            }
        }
    }
}

fn topic(plan: &TopicPlan, channel: &Channel, enums: &[ParamEnum]) -> TokenStream {
    match &plan.params_type {
        None => fixed_topic(plan, channel),
        Some(name) => params_struct(plan, name, channel, enums),
    }
}

fn channel_doc(channel: &Channel) -> String {
    super::docs::join(&[
        channel.title.as_deref(),
        channel.summary.as_deref(),
        channel.description.as_deref(),
    ])
    .unwrap_or_default()
}

fn fixed_topic(plan: &TopicPlan, channel: &Channel) -> TokenStream {
    let name = ident(&plan.const_name);
    let mut doc = format!("Topic of channel `{}`.", channel.id);
    let extra = channel_doc(channel);
    if !extra.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(&extra);
    }
    let docs = doc_attrs(Some(&doc));
    let address = &plan.address;
    quote! {
        #docs
        pub const #name: &str = #address;
    }
}

fn params_struct(
    plan: &TopicPlan,
    name: &str,
    channel: &Channel,
    enums: &[ParamEnum],
) -> TokenStream {
    let type_name = ident(name);
    let mut doc = format!(
        "Topic parameters of channel `{}`: `{}`.",
        channel.id, plan.address
    );
    let extra = channel_doc(channel);
    if !extra.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(&extra);
    }
    let docs = doc_attrs(Some(&doc));
    let has_float = plan
        .fields
        .iter()
        .any(|field| field.kind == FieldKind::Number);
    let derives = if has_float {
        quote!(#[derive(Clone, Debug, PartialEq)])
    } else {
        quote!(#[derive(Clone, Debug, PartialEq, Eq, Hash)])
    };
    let fields = plan.fields.iter().map(|field| {
        let name = ident(&field.rust);
        let ty = field_type(&field.kind, enums);
        let docs =
            doc_attrs(Some(field.doc.as_deref().unwrap_or(&format!(
                "Value of the topic parameter `{}`.",
                field.wire
            ))));
        quote!(#docs pub #name: #ty)
    });
    let address = &plan.address;
    let filter = &plan.filter;
    let pieces = pieces(plan);
    let build = build_fn(plan);
    let parse = parse_fn(plan);
    let error = rt::error();
    let decode_error = rt::decode_error();
    quote! {
        #docs
        #derives
        pub struct #type_name {
            #(#fields,)*
        }

        impl #type_name {
            /// The address template as written in the spec.
            pub const ADDRESS: &'static str = #address;

            /// The subscription filter matching every topic of this channel (`+` for each parameter).
            pub const FILTER: &'static str = #filter;

            #pieces

            #build

            /// The shared-subscription filter `$share/{group}/FILTER`: each message goes to one member
            /// of the group. Fails when `group` is not a valid topic level.
            pub fn shared_filter(group: &str) -> Result<String, #error> {
                ::mqttgen::address::shared_filter(group, Self::FILTER)
            }

            #parse
        }

        impl ::std::str::FromStr for #type_name {
            type Err = #decode_error;

            fn from_str(topic: &str) -> Result<Self, Self::Err> {
                Self::parse(topic)
            }
        }
    }
}

/// The address as `::mqttgen::address::Piece`s: literal text (with its `/` separators), one
/// `Param` per field, `Tail` for a trailing `#`.
fn pieces(plan: &TopicPlan) -> TokenStream {
    let piece = rt::address_piece();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let flush = |literal: &mut String, pieces: &mut Vec<TokenStream>| {
        if !literal.is_empty() {
            let text = std::mem::take(literal);
            pieces.push(quote!(#piece::Text(#text)));
        }
    };
    let field = |index: &usize| plan.fields[*index].wire.clone();
    for (position, slot) in plan.slots.iter().enumerate() {
        if position > 0 {
            literal.push('/');
        }
        match slot {
            Slot::Literal(text) => literal.push_str(text),
            Slot::Field(index) => {
                flush(&mut literal, &mut pieces);
                let wire = field(index);
                pieces.push(quote!(#piece::Param(#wire)));
            }
            Slot::Tail(index) => {
                flush(&mut literal, &mut pieces);
                let wire = field(index);
                pieces.push(quote!(#piece::Tail(#wire)));
            }
            Slot::Mixed(parts) => {
                for part in parts {
                    match part {
                        Piece::Text(text) => literal.push_str(text),
                        Piece::Field(index) => {
                            flush(&mut literal, &mut pieces);
                            let wire = field(index);
                            pieces.push(quote!(#piece::Param(#wire)));
                        }
                    }
                }
            }
        }
    }
    flush(&mut literal, &mut pieces);
    quote! {
        const PIECES: &'static [#piece] = &[#(#pieces),*];
    }
}

fn build_fn(plan: &TopicPlan) -> TokenStream {
    let error = rt::error();
    let values = plan.fields.iter().map(|field| {
        let name = ident(&field.rust);
        match field.kind {
            FieldKind::Text | FieldKind::Tail => quote!(&self.#name),
            FieldKind::Enum(_) => quote!(self.#name.as_str()),
            FieldKind::Integer(_) | FieldKind::Number | FieldKind::Boolean => {
                quote!(&ToString::to_string(&self.#name))
            }
        }
    });
    let range_checks = plan.fields.iter().filter_map(|field| {
        let FieldKind::Integer(integer) = &field.kind else {
            return None;
        };
        if integer.min.is_none() && integer.max.is_none() {
            return None;
        }
        let name = ident(&field.rust);
        let wire = &field.wire;
        let (min, max) = (bound(integer.min), bound(integer.max));
        Some(quote! {
            ::mqttgen::address::check_range(#wire, i128::from(self.#name), #min, #max)?;
        })
    });
    quote! {
        /// Builds the topic to publish to. Fails, naming the parameter, when a value is empty, contains
        /// `/`, `+`, `#` or NUL, starts with `$`, contains the text separating it from the next
        /// parameter of its level, or is outside the parameter's range (nothing is published then).
        pub fn topic(&self) -> Result<String, #error> {
            #(#range_checks)*
            ::mqttgen::address::build(Self::PIECES, &[#(#values),*])
        }
    }
}

/// An expression turning the `&str` in `raw` into field `index`'s type.
fn parse_value(plan: &TopicPlan, index: usize, raw: &TokenStream) -> TokenStream {
    let field = &plan.fields[index];
    let wire = &field.wire;
    let parse_as = |what: &str| quote!(::mqttgen::address::parse_value(#wire, #raw, #what)?);
    match &field.kind {
        FieldKind::Text | FieldKind::Tail => quote!(ToString::to_string(#raw)),
        FieldKind::Integer(integer) => {
            let expected = integer.expected();
            if integer.min.is_none() && integer.max.is_none() {
                quote!(::mqttgen::address::parse_value(#wire, #raw, #expected)?)
            } else {
                let (min, max) = (bound(integer.min), bound(integer.max));
                quote!(::mqttgen::address::parse_in_range(#wire, #raw, #min, #max, #expected)?)
            }
        }
        FieldKind::Number => parse_as("a number"),
        FieldKind::Boolean => parse_as("`true` or `false`"),
        FieldKind::Enum(_) => quote!(#raw.parse()?),
    }
}

/// `Some(n)` / `None` as an `Option<i128>` expression.
fn bound(value: Option<i128>) -> TokenStream {
    match value {
        Some(value) => {
            let literal = proc_macro2::Literal::i128_unsuffixed(value);
            quote!(Some(#literal))
        }
        None => quote!(None),
    }
}

fn parse_fn(plan: &TopicPlan) -> TokenStream {
    let error = rt::decode_error();
    let vars: Vec<_> = (0..plan.fields.len())
        .map(|index| format_ident!("field_{}", index))
        .collect();
    let inits = plan.fields.iter().enumerate().map(|(index, field)| {
        let name = ident(&field.rust);
        let value = parse_value(plan, index, &vars[index].to_token_stream());
        quote!(#name: #value)
    });
    quote! {
        /// Parses a received topic back into its parameters. Fails when the topic does not match the
        /// address or a value does not have the parameter's type.
        pub fn parse(topic: &str) -> Result<Self, #error> {
            let [#(#vars),*] = ::mqttgen::address::capture(Self::PIECES, Self::ADDRESS, topic)?;
            Ok(Self { #(#inits,)* })
        }
    }
}
