//! Servers as typed connection presets: one struct per server whose fields are the server variables
//! (enums where the spec lists allowed values), with `config()` building a `::mqttgen::Config` from
//! host, port, protocol, protocol version and the MQTT server binding, and — when the server declares
//! security — `config_from_env()` adding credentials read from the environment (never from the spec).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, join};
use super::names::{self, ident, Scope};
use crate::diagnostics::Diagnostic;
use crate::model::{Document, SecurityScheme, Server};
use crate::rt;

/// Server presets for every server of `doc`, for `role`. The MQTT binding's client id and last
/// will describe the application the spec is about: the client role's presets set neither (the
/// runtime generates a client id), so that an app and a client started from the presets on one
/// broker never take over each other's session or publish each other's will.
pub fn generate(
    doc: &Document,
    role: super::Role,
    scope: &mut Scope,
    diagnostics: &mut Vec<Diagnostic>,
) -> TokenStream {
    generate_named(doc, role, scope, diagnostics).0
}

/// [`generate`], plus the preset type name of each server (same order as [`Document::servers`]).
pub fn generate_named(
    doc: &Document,
    role: super::Role,
    scope: &mut Scope,
    diagnostics: &mut Vec<Diagnostic>,
) -> (TokenStream, Vec<String>) {
    let mut names = Vec::new();
    let servers: Vec<TokenStream> = doc
        .servers
        .iter()
        .map(|server| {
            let (tokens, name) = server_preset(doc, server, role, scope, diagnostics);
            names.push(name);
            tokens
        })
        .collect();
    (quote!(#(#servers)*), names)
}

/// The URL scheme the runtime understands for an AsyncAPI protocol.
fn scheme(server: &Server, diagnostics: &mut Vec<Diagnostic>) -> &'static str {
    match server.protocol.as_str() {
        "mqtt" | "tcp" => "mqtt",
        "mqtts" | "secure-mqtt" | "ssl" | "tls" | "mqtt+ssl" => "mqtts",
        "ws" => "ws",
        "wss" => "wss",
        other => {
            diagnostics.push(
                Diagnostic::warning(
                    "server-protocol",
                    Some(server.node.clone()),
                    format!(
                        "server `{}` uses protocol `{other}`; its preset connects with plain MQTT",
                        server.name
                    ),
                )
                .with_help("use mqtt, mqtts, ws or wss"),
            );
            "mqtt"
        }
    }
}

fn server_preset(
    doc: &Document,
    server: &Server,
    role: super::Role,
    scope: &mut Scope,
    diagnostics: &mut Vec<Diagnostic>,
) -> (TokenStream, String) {
    let type_name = scope.claim(&names::camel(&format!("{} server", server.name)));
    let type_ident = ident(&type_name);
    let mut field_names = Scope::default();
    let mut items = Vec::new();
    let mut fields = Vec::new();
    let mut defaults = Vec::new();
    let mut substitutions = Vec::new();
    for variable in &server.variables {
        let field = ident(&field_names.claim_snake(&names::snake(&variable.name)));
        let docs = doc_attrs(Some(
            variable
                .description
                .as_deref()
                .unwrap_or(&format!("Server variable `{}`.", variable.name)),
        ));
        let placeholder = format!("{{{}}}", variable.name);
        if variable.allowed.is_empty() {
            fields.push(quote!(#docs pub #field: String));
            defaults.push(
                variable
                    .default
                    .as_ref()
                    .map(|default| quote!(#field: String::from(#default))),
            );
            substitutions.push(quote!(.replace(#placeholder, &self.#field)));
        } else {
            let enum_name =
                ident(&scope.claim(&format!("{type_name}{}", names::camel(&variable.name))));
            let pairs: Vec<(&str, String)> = variable
                .allowed
                .iter()
                .map(|value| (value.as_str(), names::camel(value)))
                .collect();
            let variants: Vec<(syn::Ident, &String)> = Scope::default()
                .claim_exact_first(&pairs, false)
                .iter()
                .map(|name| ident(name))
                .zip(&variable.allowed)
                .collect();
            let default_variant = variable
                .default
                .as_ref()
                .and_then(|default| variants.iter().find(|(_, value)| *value == default));
            let variant_items = variants.iter().map(|(variant, value)| {
                let doc = format!(" `{value}`");
                let is_default = default_variant.is_some_and(|(default, _)| default == variant);
                let default_attr = is_default.then(|| quote!(#[default]));
                quote!(#[doc = #doc] #default_attr #variant)
            });
            let arms = variants
                .iter()
                .map(|(variant, value)| quote!(#enum_name::#variant => #value));
            let derive_default = default_variant.map(|_| quote!(Default,));
            let enum_doc = format!(
                " Allowed values of variable `{}` of server `{}`.",
                variable.name, server.name
            );
            items.push(quote! {
                #[doc = #enum_doc]
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, #derive_default)]
                pub enum #enum_name {
                    #(#variant_items,)*
                }

                impl #enum_name {
                    /// The value as written in the spec.
                    pub fn as_str(&self) -> &'static str {
                        match self {
                            #(#arms,)*
                        }
                    }
                }
            });
            fields.push(quote!(#docs pub #field: #enum_name));
            defaults.push(default_variant.map(|_| quote!(#field: Default::default())));
            substitutions.push(quote!(.replace(#placeholder, self.#field.as_str())));
        }
    }
    let scheme = scheme(server, diagnostics);
    let url_template = format!(
        "{scheme}://{}{}",
        server.host,
        server.pathname.as_deref().unwrap_or("")
    );
    let error = rt::error();
    let mut settings = Vec::new();
    match server.protocol_version.as_deref() {
        Some("3.1.1" | "3.1" | "4") => settings.push(quote!(config.protocol = rt::Protocol::V311;)),
        Some("5" | "5.0" | "5.0.0") => settings.push(quote!(config.protocol = rt::Protocol::V5;)),
        Some(other) => diagnostics.push(Diagnostic::warning(
            "server-protocol-version",
            Some(server.node.clone()),
            format!(
                "server `{}` has protocolVersion `{other}`; the preset uses MQTT 5",
                server.name
            ),
        )),
        None => {}
    }
    if let Some(binding) = &server.mqtt {
        let app = role == super::Role::App;
        if let Some(client_id) = binding.client_id.as_ref().filter(|_| app) {
            settings.push(quote!(config.client_id = Some(String::from(#client_id));));
        }
        if let Some(clean) = binding.clean_session {
            settings.push(quote!(config.clean_start = #clean;));
        }
        if let Some(seconds) = binding.keep_alive {
            settings.push(quote!(config.keep_alive = ::std::time::Duration::from_secs(#seconds);));
        }
        if let Some(seconds) = binding.session_expiry_interval {
            settings.push(
                quote!(config.session_expiry = Some(::std::time::Duration::from_secs(#seconds));),
            );
        }
        if let Some(bytes) = binding
            .maximum_packet_size
            .and_then(|bytes| usize::try_from(bytes).ok())
        {
            settings.push(quote!(config.max_packet_size = #bytes;));
        }
        if let Some(will) = binding.last_will.as_ref().filter(|_| app) {
            if let Some(topic) = &will.topic {
                let message = will.message.clone().unwrap_or_default();
                let qos = rt::qos_value(will.qos.unwrap_or_default());
                let retain = will.retain.unwrap_or(false);
                settings.push(quote! {
                    config.last_will = Some(
                        rt::Outgoing::new(#topic, #message).qos(#qos).retain(#retain),
                    );
                });
            }
        }
    }
    let schemes: Vec<&SecurityScheme> = server
        .security
        .iter()
        .filter_map(|name| {
            doc.security_schemes
                .iter()
                .find(|scheme| &scheme.name == name)
        })
        .collect();
    let security_doc = security_doc(&schemes);
    let from_env = config_from_env(server, &schemes);
    let all_defaults = defaults.iter().all(Option::is_some);
    let derivable = server
        .variables
        .iter()
        .all(|variable| !variable.allowed.is_empty());
    let default_impl = (all_defaults && !derivable).then(|| {
        let inits = defaults.iter().flatten();
        // Clippy finds the impl derivable when every default is the type's own (an empty
        // string next to enum variables at their first value); written out, it reads the same.
        quote! {
            #[allow(clippy::derivable_impls)]
            impl Default for #type_ident {
                fn default() -> Self {
                    #type_ident { #(#inits,)* }
                }
            }
        }
    });
    let mut text = format!(
        "Connection preset for server `{}` (`{}`).",
        server.name, url_template
    );
    if let Some(extra) = join(&[server.description.as_deref()]) {
        text.push_str("\n\n");
        text.push_str(&extra);
    }
    if let Some(security) = &security_doc {
        text.push_str("\n\n");
        text.push_str(security);
    }
    let docs = doc_attrs(Some(&text));
    let derives = if all_defaults && derivable {
        quote!(#[derive(Clone, Debug, PartialEq, Eq, Default)])
    } else {
        quote!(#[derive(Clone, Debug, PartialEq, Eq)])
    };
    let config_mut = (!settings.is_empty()).then(|| quote!(mut));
    let config_doc = match role {
        super::Role::App => quote! {
            /// The runtime configuration for this server: URL, protocol version and the MQTT server
            /// binding (client id, clean session, keep-alive, session expiry, last will).
        },
        super::Role::Client => quote! {
            /// The runtime configuration for this server: URL, protocol version and the MQTT server
            /// binding (clean session, keep-alive, session expiry). The binding's client id and
            /// last will are the application's: this client role gets a generated client id and no
            /// last will, so that it never takes over the application's session.
        },
    };
    let tokens = quote! {
        #(#items)*

        #docs
        #derives
        pub struct #type_ident {
            #(#fields,)*
        }

        #default_impl

        impl #type_ident {
            /// The broker URL with the server variables filled in.
            pub fn url(&self) -> String {
                String::from(#url_template) #(#substitutions)*
            }

            #config_doc
            pub fn config(&self) -> Result<rt::Config, #error> {
                let #config_mut config = rt::Config::from_url(&self.url())?;
                #(#settings)*
                Ok(config)
            }

            #from_env
        }
    };
    (tokens, type_name)
}

fn security_doc(schemes: &[&SecurityScheme]) -> Option<String> {
    if schemes.is_empty() {
        return None;
    }
    let mut text = String::from("Security (any one of):");
    for scheme in schemes {
        text.push_str(&format!("\n- `{}` ({})", scheme.name, scheme.kind));
        if let Some(description) = &scheme.description {
            text.push_str(": ");
            text.push_str(description.trim());
        }
    }
    text.push_str("\n\n`config_from_env` reads the credentials from the environment.");
    Some(text)
}

/// The environment variables `config_from_env` reads for `scheme` and what goes in them, e.g.
/// `MQTT_USERNAME and MQTT_PASSWORD (userPass)`; `None` for schemes the runtime cannot use.
pub fn credentials_needed(scheme: &SecurityScheme) -> Option<String> {
    let name = &scheme.name;
    match scheme.kind.as_str() {
        "userPassword" | "plain" | "scramSha256" | "scramSha512" | "gssapi" => {
            Some(format!("MQTT_USERNAME and MQTT_PASSWORD ({name})"))
        }
        "apiKey" | "httpApiKey" if scheme.location.as_deref() == Some("password") => {
            Some(format!("MQTT_PASSWORD ({name}: the API key as password)"))
        }
        "apiKey" | "httpApiKey" => Some(format!("MQTT_USERNAME ({name}: the API key as user)")),
        "X509" => Some(format!("MQTT_CLIENT_CERT and MQTT_CLIENT_KEY ({name})")),
        "oauth2" | "openIdConnect" | "httpBearer" | "http" => {
            Some(format!("MQTT_TOKEN ({name}: sent as the password)"))
        }
        _ => None,
    }
}

/// `config_from_env`: the first security alternative whose environment variables are set wins.
fn config_from_env(server: &Server, schemes: &[&SecurityScheme]) -> Option<TokenStream> {
    let error = rt::error();
    let mut attempts = Vec::new();
    let mut needs = Vec::new();
    for scheme in schemes {
        needs.extend(credentials_needed(scheme));
        match scheme.kind.as_str() {
            "userPassword" | "plain" | "scramSha256" | "scramSha512" | "gssapi" => {
                attempts.push(quote! {
                    if let (Some(username), Some(password)) = (var("MQTT_USERNAME"), var("MQTT_PASSWORD")) {
                        return Ok(config.credentials(username, password));
                    }
                });
            }
            "apiKey" | "httpApiKey" => {
                if scheme.location.as_deref() == Some("password") {
                    attempts.push(quote! {
                        if let Some(key) = var("MQTT_PASSWORD") {
                            return Ok(config.credentials(var("MQTT_USERNAME").unwrap_or_default(), key));
                        }
                    });
                } else {
                    attempts.push(quote! {
                        if let Some(key) = var("MQTT_USERNAME") {
                            return Ok(config.credentials(key, var("MQTT_PASSWORD").unwrap_or_default()));
                        }
                    });
                }
            }
            "X509" => {
                attempts.push(quote! {
                    if let (Some(cert), Some(key)) = (var("MQTT_CLIENT_CERT"), var("MQTT_CLIENT_KEY")) {
                        let mut tls = config.tls.take().unwrap_or_default();
                        tls.client_cert = Some((cert.into(), key.into()));
                        return Ok(config.tls(tls));
                    }
                });
            }
            "oauth2" | "openIdConnect" | "httpBearer" | "http" => {
                attempts.push(quote! {
                    if let Some(token) = var("MQTT_TOKEN") {
                        return Ok(config.credentials(var("MQTT_USERNAME").unwrap_or_default(), token));
                    }
                });
            }
            _ => {}
        }
    }
    if attempts.is_empty() {
        return None;
    }
    let config_mut = schemes
        .iter()
        .any(|scheme| scheme.kind == "X509")
        .then(|| quote!(mut));
    let missing = format!(
        "server `{}` needs credentials: set {}",
        server.name,
        needs.join(", or ")
    );
    Some(quote! {
        /// [`Self::config`] plus credentials from the environment, for the first security alternative
        /// whose variables are set (see the type's docs). Fails naming the variables when none is.
        pub fn config_from_env(&self) -> Result<rt::Config, #error> {
            let var = |name: &str| ::std::env::var(name).ok().filter(|value| !value.is_empty());
            let #config_mut config = self.config()?;
            #(#attempts)*
            Err(rt::Error::Config(String::from(#missing)))
        }
    })
}
