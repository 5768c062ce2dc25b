//! Middleware around handlers (onion model): each layer gets the message and a [`Next`] to call
//! the rest of the chain; it may inspect or change the message, skip the handler, or act on
//! the result.
//!
//! Layers added first run first (outermost). A router's layers wrap the layers of routers nested
//! in it.
//!
//! ```
//! use mqttgen::{Router, Message, Context, Next};
//! let router = Router::new().layer(|msg: Message, ctx: Context, next: Next| async move {
//!     let topic = msg.topic.clone();
//!     let result = next.run(msg, ctx).await;
//!     if result.is_err() { eprintln!("handler failed on {topic}"); }
//!     result
//! });
//! # drop(router);
//! ```

use crate::handler::{Context, Handler, HandlerResult};
use crate::Message;
use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// One layer of the onion.
pub trait Middleware: Send + Sync + 'static {
    /// Processes `msg`, usually by calling `next.run(msg, ctx)`.
    fn call(&self, msg: Message, ctx: Context, next: Next) -> BoxFuture<'static, HandlerResult>;
}

impl<F, Fut> Middleware for F
where
    F: Fn(Message, Context, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    fn call(&self, msg: Message, ctx: Context, next: Next) -> BoxFuture<'static, HandlerResult> {
        Box::pin(self(msg, ctx, next))
    }
}

/// The rest of the chain: remaining layers, then the handler.
pub struct Next {
    pipeline: Pipeline,
    index: usize,
}

impl Next {
    /// Runs the remaining layers and the handler.
    pub fn run(self, msg: Message, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        match self.pipeline.layers.get(self.index).cloned() {
            Some(layer) => {
                let next = Next {
                    pipeline: self.pipeline,
                    index: self.index + 1,
                };
                layer.call(msg, ctx, next)
            }
            None => self.pipeline.handler.handle(msg, ctx),
        }
    }
}

/// A handler with its layers, outermost first.
#[derive(Clone)]
pub(crate) struct Pipeline {
    pub layers: Arc<[Arc<dyn Middleware>]>,
    pub handler: Arc<dyn Handler>,
}

impl Pipeline {
    pub fn call(&self, msg: Message, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        if self.layers.is_empty() {
            return self.handler.handle(msg, ctx);
        }
        Next {
            pipeline: self.clone(),
            index: 0,
        }
        .run(msg, ctx)
    }
}

/// A layer that fails a handler taking longer than `limit` with a [`HandlerError::Failed`](crate::HandlerError).
pub fn timeout(limit: Duration) -> impl Middleware {
    move |msg: Message, ctx: Context, next: Next| async move {
        match tokio::time::timeout(limit, next.run(msg, ctx)).await {
            Ok(result) => result,
            Err(_) => Err(crate::HandlerError::failed(crate::Error::Timeout(limit))),
        }
    }
}
