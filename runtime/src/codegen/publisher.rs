//! The generated `Publisher`'s methods for a published operation that is not a request, written
//! once (issue #17: the generated module holds one macro call of data per operation; requests,
//! with their reply handling, are still written out by the generator).

/// A published operation's `op` (the spec's QoS, retain and message expiry) and `op_with`
/// (per-call [`PublishOptions`](crate::codegen::PublishOptions)), inside the generated
/// `impl Publisher { .. }`:
///
/// `publish!(#[doc = ".."] op, op_with, "opId", params Params | topic TOPIC, Message, encode,
/// QoS variant, retain, message expiry)`, where `encode` is `[callable]` or `[json SCHEMA,
/// content type]` as for the test kit's macros (`callable(topic, &message, checked)` encodes
/// the message or message set). The publish carries the operation id and the address template
/// (`Params::ADDRESS`, or the fixed `TOPIC`) for telemetry.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_publish {
    ($(#[$doc:meta])* $name:ident, $with:ident, $id:literal, params $params:ty, $message:ty,
     $encode:tt, $qos:ident, $retain:literal, $expiry:expr) => {
        $(#[$doc])*
        pub async fn $name(
            &self,
            params: &$params,
            message: &$message,
        ) -> ::core::result::Result<(), $crate::Error> {
            self.$with(params, message, ::core::default::Default::default()).await
        }

        #[doc = concat!(" Like [`Publisher::", stringify!($name), "`], with per-call options (QoS, retain, properties, headers).")]
        pub async fn $with(
            &self,
            params: &$params,
            message: &$message,
            options: $crate::codegen::PublishOptions,
        ) -> ::core::result::Result<(), $crate::Error> {
            let topic = $crate::codegen::TopicParams::topic(params)?;
            let encode = $crate::__mqttgen_kit_codec!(encode $encode);
            let outgoing = encode(topic, message, !options.unchecked)?;
            let defaults = $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry)
                .operation($id, <$params as $crate::codegen::TopicParams>::ADDRESS);
            $crate::codegen::send(&self.inner, outgoing, options, defaults).await
        }
    };
    ($(#[$doc:meta])* $name:ident, $with:ident, $id:literal, topic $topic:expr, $message:ty,
     $encode:tt, $qos:ident, $retain:literal, $expiry:expr) => {
        $(#[$doc])*
        pub async fn $name(&self, message: &$message) -> ::core::result::Result<(), $crate::Error> {
            self.$with(message, ::core::default::Default::default()).await
        }

        #[doc = concat!(" Like [`Publisher::", stringify!($name), "`], with per-call options (QoS, retain, properties, headers).")]
        pub async fn $with(
            &self,
            message: &$message,
            options: $crate::codegen::PublishOptions,
        ) -> ::core::result::Result<(), $crate::Error> {
            let encode = $crate::__mqttgen_kit_codec!(encode $encode);
            let outgoing = encode(::std::string::String::from($topic), message, !options.unchecked)?;
            let defaults = $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry).operation($id, $topic);
            $crate::codegen::send(&self.inner, outgoing, options, defaults).await
        }
    };
}
