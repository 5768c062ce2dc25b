//! Reading a function signature: which argument is a topic parameter, the payload, the
//! context, the message or the publisher; what the function returns.

use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, Pat, PathArguments, ReturnType, Signature, Type};

/// What an argument is.
pub enum Role {
    /// A `{param}` level of the topic.
    Param,
    /// The message payload.
    Payload,
    /// `mqttgen::Context`.
    Context,
    /// `mqttgen::Message`.
    Message,
    /// `mqttgen::Publisher` (publishers only).
    Publisher,
}

/// One argument with its role.
pub struct Arg {
    pub ident: Ident,
    pub ty: Type,
    pub role: Role,
}

/// The last path segment of a type, looking through references.
fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Reference(r) => last_segment(&r.elem),
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Classifies the arguments of `sig`. `special` lists the special types allowed here.
pub fn arguments(sig: &Signature, params: &[String], special: &[&str]) -> syn::Result<Vec<Arg>> {
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "generic functions cannot be exported: the payload type must be concrete",
        ));
    }
    let mut out: Vec<Arg> = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pat) = input else {
            return Err(syn::Error::new(
                input.span(),
                "methods cannot be handlers; use a free function",
            ));
        };
        let Pat::Ident(ident) = &*pat.pat else {
            return Err(syn::Error::new(
                pat.pat.span(),
                "use a plain argument name (it is matched against the topic's `{param}` levels)",
            ));
        };
        let name = ident.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        let segment = last_segment(&pat.ty);
        let role = match segment.as_deref() {
            Some(s) if special.contains(&s) => match s {
                "Context" => Role::Context,
                "Message" => Role::Message,
                _ => Role::Publisher,
            },
            _ if params.contains(&name) => Role::Param,
            _ => {
                if let Some(first) = out.iter().find(|a| matches!(a.role, Role::Payload)) {
                    return Err(syn::Error::new(
                        pat.span(),
                        format!(
                            "a second payload argument (the first is `{}`); arguments other than the payload must be named like a `{{param}}` of the topic ({})",
                            first.ident,
                            if params.is_empty() { "it has none".to_owned() } else { params.join(", ") }
                        ),
                    ));
                }
                Role::Payload
            }
        };
        out.push(Arg {
            ident: ident.ident.clone(),
            ty: (*pat.ty).clone(),
            role,
        });
    }
    Ok(out)
}

/// The `T` of `Result<T, E>` (or of a one-argument `Result<T>` alias); `None` for `()`.
pub fn ok_type(sig: &Signature) -> syn::Result<Option<Type>> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return Err(syn::Error::new(
            sig.span(),
            "a handler returns `Result<(), mqttgen::HandlerError>` (or `Result<Reply, _>` to reply)",
        ));
    };
    let fail = || {
        syn::Error::new(
            ty.span(),
            "expected `Result<(), E>` or `Result<Reply, E>` with `E: Into<mqttgen::HandlerError>`",
        )
    };
    let Type::Path(path) = &**ty else {
        return Err(fail());
    };
    let last = path.path.segments.last().ok_or_else(fail)?;
    if last.ident != "Result" {
        return Err(fail());
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(fail());
    };
    let Some(GenericArgument::Type(ok)) = args.args.first() else {
        return Err(fail());
    };
    Ok(match ok {
        Type::Tuple(t) if t.elems.is_empty() => None,
        other => Some(other.clone()),
    })
}

/// The type behind references (`&T` → `T`).
pub fn strip_ref(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_ref(&r.elem),
        other => other,
    }
}
