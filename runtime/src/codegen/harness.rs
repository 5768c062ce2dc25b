//! The typed half of the generated test kits, written once: macros that a generated `testing`
//! module invokes with its own types, codecs and operation ids (issue #17: per-operation logic
//! lives in the runtime, the generated module holds one line of data per operation).
//!
//! - [`harness!`](crate::codegen::harness) defines `Harness` (a [`Kit`](super::kit::Kit) with
//!   the module's handler mounted) and its operation-independent methods;
//! - inside `impl Harness { .. }`, [`kit_deliver!`](crate::codegen::kit_deliver) (a handled
//!   operation: `op`, `op_with`, `assert_rejects_op`), [`kit_request!`](crate::codegen::kit_request)
//!   (a handled request/reply operation: `request_op`, `request_op_with`, `assert_rejects_op`),
//!   [`kit_expect!`](crate::codegen::kit_expect) (a published operation: `expect_op`,
//!   `expect_op_eq`) and [`kit_reply!`](crate::codegen::kit_reply) (answering a published request);
//! - [`kit_strategies!`](crate::codegen::kit_strategies): the body of `testing::strategies`.
//!
//! Every method name is given by the generated code (the generator picks collision-free names),
//! and so is every type: the macros only write the bodies and the docs.

/// `Harness`: the module's handler (or, for a side without handled operations, an empty
/// router) on an in-memory broker, with `start`, `start_on`, `kit`, `publisher` and
/// `assert_nothing_published`.
///
/// `harness!(handler: super::Handler, super::mount, super::Publisher)` or
/// `harness!(router: super::Publisher)`.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_harness {
    (handler: $handler:path, $mount:path, $publisher:ty) => {
        $crate::__mqttgen_harness!(@struct);
        #[allow(clippy::new_ret_no_self)]
        impl Harness {
            /// Starts the handler on a new in-memory broker, subscribed and ready.
            pub async fn start<H: $handler>(handler: H) -> Self {
                Self::start_on(&$crate::codegen::kit::MemoryBroker::new(), handler).await
            }

            /// Starts the handler on `broker` (set up beforehand), subscribed and ready.
            pub async fn start_on<H: $handler>(
                broker: &$crate::codegen::kit::MemoryBroker,
                handler: H,
            ) -> Self {
                Harness {
                    kit: $crate::codegen::kit::Kit::start_on(broker, $mount(handler)).await,
                }
            }
        }
        $crate::__mqttgen_harness!(@common $publisher);
    };
    (router: $publisher:ty) => {
        $crate::__mqttgen_harness!(@struct);
        #[allow(clippy::new_ret_no_self)]
        impl Harness {
            /// Starts this side (it handles no operation) on a new in-memory broker.
            pub async fn start() -> Self {
                Self::start_on(&$crate::codegen::kit::MemoryBroker::new()).await
            }

            /// Starts this side on `broker` (set up beforehand).
            pub async fn start_on(broker: &$crate::codegen::kit::MemoryBroker) -> Self {
                Harness {
                    kit: $crate::codegen::kit::Kit::start_on(broker, $crate::codegen::Router::new())
                        .await,
                }
            }
        }
        $crate::__mqttgen_harness!(@common $publisher);
    };
    (@struct) => {
        /// The handler on an in-memory broker: a method per handled operation delivers a
        /// typed message exactly as on the wire and waits until the handler is done;
        /// `expect_*` methods return what it published, decoded; failures of the kit itself
        /// (timeouts, mismatches) panic with what was published instead.
        #[derive(Debug)]
        pub struct Harness {
            kit: $crate::codegen::kit::Kit,
        }
    };
    (@common $publisher:ty) => {
        impl Harness {
            /// The generic kit: broker, running app, timeout, raw messages.
            pub fn kit(&self) -> &$crate::codegen::kit::Kit {
                &self.kit
            }

            /// This side's typed publisher on the handler's connection.
            pub fn publisher(&self) -> $publisher {
                <$publisher>::new(self.kit.publisher())
            }

            /// Waits until the broker is idle, then panics if anything was published that
            /// no `expect_*` call took.
            pub async fn assert_nothing_published(&self) {
                self.kit.assert_nothing_published().await
            }
        }
    };
}

/// A handled operation's `op`, `op_with` and `assert_rejects_op`:
/// `kit_deliver!(op, op_with, assert_rejects_op, "opId", params Params | topic TOPIC, Message,
/// encode, QoS variant, retain, message expiry)`, where `encode(topic, &message, checked)` is the message's encoder.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_deliver {
    ($name:ident, $with:ident, $rejects:ident, $id:literal, params $params:ty, $message:ty,
     $encode:tt, $qos:ident, $retain:literal, $expiry:expr) => {
        #[doc = concat!(" Delivers `message` to operation `", $id, "` and waits until the handler is done with it; `Err` when it failed or the message did not decode.")]
        pub async fn $name(
            &self,
            params: &$params,
            message: &$message,
        ) -> ::core::result::Result<(), $crate::codegen::kit::Rejected> {
            self.$with(params, message, ::core::default::Default::default()).await
        }

        #[doc = concat!(" [`Harness::", stringify!($name), "`] with publish options (headers, QoS, unchecked).")]
        pub async fn $with(
            &self,
            params: &$params,
            message: &$message,
            options: $crate::codegen::PublishOptions,
        ) -> ::core::result::Result<(), $crate::codegen::kit::Rejected> {
            let outgoing = $crate::codegen::TopicParams::topic(params)
                .and_then(|topic| ($crate::__mqttgen_kit_codec!(encode $encode))(topic, message, !options.unchecked));
            self.kit
                .deliver($id, outgoing, options, $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry))
                .await
        }

        $crate::__mqttgen_kit_deliver!(@rejects $rejects, $id,
            $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry), params: &$params,
            $crate::codegen::TopicParams::topic(params));
    };
    ($name:ident, $with:ident, $rejects:ident, $id:literal, topic $topic:expr, $message:ty,
     $encode:tt, $qos:ident, $retain:literal, $expiry:expr) => {
        #[doc = concat!(" Delivers `message` to operation `", $id, "` and waits until the handler is done with it; `Err` when it failed or the message did not decode.")]
        pub async fn $name(
            &self,
            message: &$message,
        ) -> ::core::result::Result<(), $crate::codegen::kit::Rejected> {
            self.$with(message, ::core::default::Default::default()).await
        }

        #[doc = concat!(" [`Harness::", stringify!($name), "`] with publish options (headers, QoS, unchecked).")]
        pub async fn $with(
            &self,
            message: &$message,
            options: $crate::codegen::PublishOptions,
        ) -> ::core::result::Result<(), $crate::codegen::kit::Rejected> {
            let encode = $crate::__mqttgen_kit_codec!(encode $encode);
            let outgoing = encode(::std::string::String::from($topic), message, !options.unchecked);
            self.kit
                .deliver($id, outgoing, options, $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry))
                .await
        }

        $crate::__mqttgen_kit_deliver!(@rejects $rejects, $id,
            $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry), ,
            ::core::result::Result::Ok::<_, $crate::codegen::Error>(::std::string::String::from($topic)));
    };
    (@rejects $rejects:ident, $id:literal, $defaults:expr, $($param:ident: $ty:ty)?, $topic:expr) => {
        #[doc = concat!(" Publishes `payload` as it is (not encoded, not checked) to operation `", $id, "`, as a misbehaving peer would, and panics unless the runtime rejected it before the handler (which is never called) and nothing was published in response; returns the decoder's reason.")]
        pub async fn $rejects(&self, $($param: $ty,)? payload: &[u8]) -> ::std::string::String {
            self.kit.assert_rejects($id, $topic, payload, $defaults).await
        }
    };
}

/// A handled request/reply operation's `request_op`, `request_op_with` and `assert_rejects_op`:
/// `kit_request!(request_op, request_op_with, assert_rejects_op, "opId", params Params | topic
/// TOPIC, Message, encode, defaults, Reply, decode_reply, request_options)`.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_request {
    ($name:ident, $with:ident, $rejects:ident, $id:literal, params $params:ty, $message:ty,
     $encode:tt, $qos:ident, $retain:literal, $expiry:expr, $reply:ty, $decode:tt, $request:expr) => {
        #[doc = concat!(" Sends `message` to request/reply operation `", $id, "` as a requester would and returns the handler's reply, decoded.")]
        pub async fn $name(&self, params: &$params, message: &$message) -> $reply {
            self.$with(params, message, ::core::default::Default::default()).await
        }

        #[doc = concat!(" [`Harness::", stringify!($name), "`] with publish options (headers, QoS, unchecked, timeout).")]
        pub async fn $with(
            &self,
            params: &$params,
            message: &$message,
            options: $crate::codegen::PublishOptions,
        ) -> $reply {
            let outgoing = $crate::codegen::TopicParams::topic(params)
                .and_then(|topic| ($crate::__mqttgen_kit_codec!(encode $encode))(topic, message, !options.unchecked));
            self.kit
                .request($id, outgoing, options, $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry), $request, ($crate::__mqttgen_kit_codec!(decode $decode)))
                .await
        }

        $crate::__mqttgen_kit_deliver!(@rejects $rejects, $id,
            $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry), params: &$params,
            $crate::codegen::TopicParams::topic(params));
    };
    ($name:ident, $with:ident, $rejects:ident, $id:literal, topic $topic:expr, $message:ty,
     $encode:tt, $qos:ident, $retain:literal, $expiry:expr, $reply:ty, $decode:tt, $request:expr) => {
        #[doc = concat!(" Sends `message` to request/reply operation `", $id, "` as a requester would and returns the handler's reply, decoded.")]
        pub async fn $name(&self, message: &$message) -> $reply {
            self.$with(message, ::core::default::Default::default()).await
        }

        #[doc = concat!(" [`Harness::", stringify!($name), "`] with publish options (headers, QoS, unchecked, timeout).")]
        pub async fn $with(
            &self,
            message: &$message,
            options: $crate::codegen::PublishOptions,
        ) -> $reply {
            let encode = $crate::__mqttgen_kit_codec!(encode $encode);
            let outgoing = encode(::std::string::String::from($topic), message, !options.unchecked);
            self.kit
                .request($id, outgoing, options, $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry), $request, ($crate::__mqttgen_kit_codec!(decode $decode)))
                .await
        }

        $crate::__mqttgen_kit_deliver!(@rejects $rejects, $id,
            $crate::__mqttgen_kit_defaults!($qos, $retain, $expiry), ,
            ::core::result::Result::Ok::<_, $crate::codegen::Error>(::std::string::String::from($topic)));
    };
}

/// A published operation's `expect_op` and `expect_op_eq`:
/// `kit_expect!(expect_op, expect_op_eq, "opId", params Params | filter FILTER, Message,
/// decode)`, where `decode(&message)` is the message's (or message set's) decoder.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_expect {
    ($name:ident, $eq:ident, $id:literal, params $params:ty, $message:ty, $decode:tt) => {
        #[doc = concat!(" Waits for the next message published to operation `", $id, "` and returns `(params, message)`, decoded; panics when none comes in time or it does not decode.")]
        pub async fn $name(&self) -> ($params, $message) {
            let filter = <$params as $crate::codegen::TopicParams>::FILTER;
            self.kit
                .expect($id, filter, |m| $crate::codegen::kit::params_and(m, ($crate::__mqttgen_kit_codec!(decode $decode))))
                .await
        }

        #[doc = concat!(" [`Harness::", stringify!($name), "`], and panics with a diff unless the message is `(params, message)`.")]
        pub async fn $eq(&self, params: $params, message: $message) {
            let filter = <$params as $crate::codegen::TopicParams>::FILTER;
            self.kit
                .expect_eq($id, filter, |m| $crate::codegen::kit::params_and(m, ($crate::__mqttgen_kit_codec!(decode $decode))), (params, message))
                .await
        }
    };
    ($name:ident, $eq:ident, $id:literal, filter $filter:expr, $message:ty, $decode:tt) => {
        #[doc = concat!(" Waits for the next message published to operation `", $id, "` and returns it, decoded; panics when none comes in time or it does not decode.")]
        pub async fn $name(&self) -> $message {
            self.kit.expect($id, $filter, ($crate::__mqttgen_kit_codec!(decode $decode))).await
        }

        #[doc = concat!(" [`Harness::", stringify!($name), "`], and panics with a diff unless the message is `message`.")]
        pub async fn $eq(&self, message: $message) {
            self.kit
                .expect_eq($id, $filter, ($crate::__mqttgen_kit_codec!(decode $decode)), message)
                .await
        }
    };
}

/// Answering a published request: `kit_reply!(reply_op, "opId", Reply, encode, address, echo)`;
/// `encode(topic, &reply, checked)` is the reply's encoder, `address` the reply address's
/// location (`Option`), `echo` the correlation id's (read, write) locations (`Option`).
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_reply {
    ($name:ident, $id:literal, $reply:ty, $encode:tt, $address:expr, $echo:expr) => {
        #[doc = concat!(" Answers the request of operation `", $id, "` that its `expect_` method returned last with `message`, as a responder generated from the spec would.")]
        pub async fn $name(&self, message: &$reply) {
            self.kit
                .reply($id, |topic| ($crate::__mqttgen_kit_codec!(encode $encode))(topic, message, true), $address, $echo)
                .await
        }
    };
}

/// The body of a `testing::strategies` module:
/// `kit_strategies!(valid [name: Type = SCHEMA, ..] invalid [invalid_op = [SCHEMA, ..], ..])`
/// gives one valid-payload strategy per message, one invalid-payload strategy per handled
/// operation, and `check_all`.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_strategies {
    (valid [$($valid:ident: $ty:ty = $schema:expr),* $(,)?]
     invalid [$($invalid:ident = [$($rejecting:expr),* $(,)?]),* $(,)?]) => {
        /// What the `invalid_*` strategies yield.
        pub use $crate::codegen::strategies::InvalidPayload;
        /// proptest itself, for `proptest!` and the runner without another dependency.
        pub use $crate::codegen::strategies::proptest;

        $(
            #[doc = concat!(" Valid payloads of `", stringify!($valid), "`, built from the message's schema and checked by it as the decoder checks them.")]
            pub fn $valid() -> $crate::codegen::strategies::proptest::strategy::BoxedStrategy<$ty> {
                $crate::codegen::strategies::valid(&$schema)
            }
        )*

        $(
            #[doc = concat!(" Payloads the operation of `", stringify!($invalid), "` must reject (every one of its messages' schemas rejects them): one thing broken in a valid payload, or bytes that are not JSON. For `Harness::assert_rejects_*`.")]
            pub fn $invalid() -> $crate::codegen::strategies::proptest::strategy::BoxedStrategy<InvalidPayload> {
                $crate::codegen::strategies::invalid(::std::vec![$(&$rejecting),*])
            }
        )*

        /// Checks every strategy above: draws `cases` values of each and panics, naming the
        /// strategy and the value, unless the valid ones pass their schema check and the
        /// invalid ones fail it; returns per strategy how much of what the schema builds
        /// passes before filtering (a strategy that relies on filtering a lot is slow).
        pub fn check_all(cases: u32) -> ::std::vec::Vec<$crate::codegen::strategies::StrategyCheck> {
            ::std::vec![
                $($crate::codegen::strategies::check_valid(
                    stringify!($valid), $valid(), &$schema, cases),)*
                $($crate::codegen::strategies::check_invalid(
                    stringify!($invalid), $invalid(), ::std::vec![$(&$rejecting),*], cases),)*
            ]
        }
    };
}

/// A codec of the kit's macros: `[path::to::codec_fn]` (or any callable expression), or
/// `[json SCHEMA_STATIC]` (decoding) / `[json SCHEMA_STATIC, content_type]` (encoding): a checked
/// JSON message whose codec only the kit needs, done by the runtime with the module's static.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_codec {
    (encode [json $schema:expr, $content:expr]) => {
        |topic, value, checked| $crate::codegen::encode(topic, value, checked, &$schema, $content)
    };
    (encode [$codec:expr]) => {
        $codec
    };
    (decode [json $schema:expr]) => {
        |message: &$crate::Message| $crate::codegen::decode(message, &$schema)
    };
    (decode [$codec:expr]) => {
        $codec
    };
}

/// The spec's defaults of an operation: `kit_defaults!(AtLeastOnce, false, None)`.
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_kit_defaults {
    ($qos:ident, $retain:literal, $expiry:expr) => {
        $crate::codegen::Defaults::new($crate::QoS::$qos, $retain, $expiry)
    };
}
