//! The attribute arguments: `"topic/{param}", qos = 1, retain, shared = "group", ...`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitInt, LitStr, Token, Type};

/// Parsed arguments of `#[subscriber]` / `#[publisher]`.
pub struct Args {
    pub address: LitStr,
    pub qos: Option<(u8, proc_macro2::Span)>,
    pub retain: bool,
    pub shared: Option<LitStr>,
    pub reply_topic: Option<LitStr>,
    pub headers: Option<Type>,
    pub id: Option<LitStr>,
    pub summary: Option<LitStr>,
    pub description: Option<LitStr>,
    pub message: Option<LitStr>,
    pub max_workers: Option<LitInt>,
    pub tags: Vec<LitStr>,
    /// `params(name = "description", ...)`.
    pub param_docs: Vec<(Ident, LitStr)>,
    /// Keys only one of the two attributes accepts, with their span, checked by the caller.
    pub used: Vec<(String, proc_macro2::Span)>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let address: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the topic template first, e.g. #[subscriber(\"devices/{device_id}/temperature\")]",
            )
        })?;
        let mut args = Args {
            address,
            qos: None,
            retain: false,
            shared: None,
            reply_topic: None,
            headers: None,
            id: None,
            summary: None,
            description: None,
            message: None,
            max_workers: None,
            tags: Vec::new(),
            param_docs: Vec::new(),
            used: Vec::new(),
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            let name = key.to_string();
            if args.used.iter().any(|(n, _)| *n == name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{name}` is given twice"),
                ));
            }
            args.used.push((name.clone(), key.span()));
            match name.as_str() {
                "retain" => {
                    args.retain = if input.peek(Token![=]) {
                        input.parse::<Token![=]>()?;
                        input.parse::<LitBool>()?.value
                    } else {
                        true
                    }
                }
                "tags" => {
                    let content;
                    syn::parenthesized!(content in input);
                    let list = content.parse_terminated(|p| p.parse::<LitStr>(), Token![,])?;
                    args.tags = list.into_iter().collect();
                }
                "params" => {
                    let content;
                    syn::parenthesized!(content in input);
                    let list = content.parse_terminated(
                        |p| {
                            let name: Ident = p.parse()?;
                            p.parse::<Token![=]>()?;
                            Ok((name, p.parse::<LitStr>()?))
                        },
                        Token![,],
                    )?;
                    args.param_docs = list.into_iter().collect();
                }
                _ => {
                    input.parse::<Token![=]>().map_err(|e| {
                        syn::Error::new(e.span(), format!("expected `{name} = ...`"))
                    })?;
                    match name.as_str() {
                        "qos" => {
                            let lit: LitInt = input.parse()?;
                            let level: u8 = lit.base10_parse()?;
                            if level > 2 {
                                return Err(syn::Error::new(lit.span(), "QoS must be 0, 1 or 2"));
                            }
                            args.qos = Some((level, lit.span()));
                        }
                        "shared" => args.shared = Some(input.parse()?),
                        "reply_topic" => args.reply_topic = Some(input.parse()?),
                        "headers" => args.headers = Some(input.parse()?),
                        "id" => args.id = Some(input.parse()?),
                        "summary" => args.summary = Some(input.parse()?),
                        "description" => args.description = Some(input.parse()?),
                        "message" => args.message = Some(input.parse()?),
                        "max_workers" => args.max_workers = Some(input.parse()?),
                        _ => {
                            return Err(syn::Error::new(
                                key.span(),
                                format!(
                                "unknown argument `{name}`; expected one of qos, retain, shared, \
                                     reply_topic, headers, id, summary, description, message, \
                                     max_workers, tags, params"
                            ),
                            ))
                        }
                    }
                }
            }
        }
        Ok(args)
    }
}

impl Args {
    /// Rejects keys that make no sense for this attribute.
    pub fn reject(&self, keys: &[&str], attribute: &str) -> syn::Result<()> {
        for (name, span) in &self.used {
            if keys.contains(&name.as_str()) {
                return Err(syn::Error::new(
                    *span,
                    format!("`{name}` is not supported by #[{attribute}]"),
                ));
            }
        }
        Ok(())
    }

    /// The `{param}` names of the address, after checking it can be exported.
    pub fn params(&self) -> syn::Result<Vec<String>> {
        let params = address_params(&self.address)?;
        for (name, _) in &self.param_docs {
            if !params.contains(&name.to_string()) {
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` is not a `{{param}}` of topic `{}`",
                        self.address.value()
                    ),
                ));
            }
        }
        Ok(params)
    }
}

/// The `{param}` names of a topic template, or an error at its span.
pub fn address_params(lit: &LitStr) -> syn::Result<Vec<String>> {
    let address = lit.value();
    let fail = |why: &str| {
        Err(syn::Error::new(
            lit.span(),
            format!("topic `{address}`: {why}"),
        ))
    };
    if address.is_empty() {
        return fail("must not be empty");
    }
    if address.starts_with("$share/") {
        return fail("give the topic without `$share/{group}/` and set `shared = \"group\"`");
    }
    if address.contains('#') || address.contains('?') {
        return fail(
            "`#` and `?` cannot be exported to AsyncAPI (URL fragment/query); use `{param}` levels",
        );
    }
    // The address grammar of spec-first generation: whole `{param}` levels, levels mixing
    // text and parameters (`v{major}.{minor}`) and a `+` level.
    match mqttgen_address::Address::parse_strict(&address) {
        Ok(parsed) => Ok(parsed.parameter_names()),
        Err(why) => fail(&why),
    }
}
