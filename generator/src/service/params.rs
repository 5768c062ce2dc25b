//! Topic code: parameter enums, parameters structs (build a topic, subscription filters, parse a
//! received topic) and fixed-topic constants. Emits from a [`TopicPlan`].

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use super::names::ident;
use super::topics::{FieldKind, ParamEnum, TopicPlan, TopicPlans};
use crate::model::Channel;
use crate::rt;

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
    let any_params = plans
        .topics
        .iter()
        .flatten()
        .any(|plan| plan.params_type.is_some());
    let trait_use = any_params.then(|| {
        let topic_params = rt::topic_params();
        quote! {
            /// `topic()`, `parse()`, `shared_filter()`, `ADDRESS` and `FILTER` of the parameters structs.
            pub use #topic_params;
        }
    });
    trait_use.into_iter().chain(enums).chain(topics).collect()
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
    let build = build_fn(plan);
    let parse = parse_fn(plan);
    let topic_params = rt::topic_params();
    let from_str = rt::facade(quote!(params_from_str));
    quote! {
        #docs
        #derives
        pub struct #type_name {
            #(#fields,)*
        }

        impl #topic_params for #type_name {
            const ADDRESS: &'static str = #address;
            const FILTER: &'static str = #filter;
            #build
            #parse
        }

        #from_str!(#type_name);
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
    let check_range = rt::facade(quote!(check_range));
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
            #check_range(#wire, i128::from(self.#name), #min, #max)?;
        })
    });
    let build = rt::facade(quote!(build));
    quote! {
        fn topic(&self) -> Result<String, #error> {
            #(#range_checks)*
            #build(Self::ADDRESS, &[#(#values),*])
        }
    }
}

/// An expression turning the `&str` in `raw` into field `index`'s type.
fn parse_value(plan: &TopicPlan, index: usize, raw: &TokenStream) -> TokenStream {
    let field = &plan.fields[index];
    let wire = &field.wire;
    let parse_value = rt::facade(quote!(parse_value));
    let parse_in_range = rt::facade(quote!(parse_in_range));
    let parse_as = |what: &str| quote!(#parse_value(#wire, #raw, #what)?);
    match &field.kind {
        FieldKind::Text | FieldKind::Tail => quote!(#raw.to_string()),
        FieldKind::Integer(integer) => {
            let expected = integer.expected();
            if integer.min.is_none() && integer.max.is_none() {
                quote!(#parse_value(#wire, #raw, #expected)?)
            } else {
                let (min, max) = (bound(integer.min), bound(integer.max));
                quote!(#parse_in_range(#wire, #raw, #min, #max, #expected)?)
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
    let inits = plan.fields.iter().enumerate().map(|(index, field)| {
        let name = ident(&field.rust);
        let at = proc_macro2::Literal::usize_unsuffixed(index);
        let value = parse_value(plan, index, &quote!(values[#at]));
        quote!(#name: #value)
    });
    quote! {
        fn from_values(values: &[&str]) -> Result<Self, #error> {
            Ok(Self { #(#inits,)* })
        }
    }
}
