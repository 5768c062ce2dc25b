//! The service: [`App`] collects routers and hooks, [`App::start`] connects and spawns the
//! tasks, [`RunningApp`] observes and stops them.

use crate::acks::AckHub;
use crate::dispatch::{distinct_filters, no_local_filters, Dispatcher, WorkerEnv};
use crate::driver::{run_subscriber, Driver, DriverShared};
use crate::hooks::{Failure, Hooks};
use crate::metrics::{Metrics, Stats};
use crate::publish::run_outbox;
use crate::request::Replies;
use crate::state::ConnectionState;
use crate::subscriptions::{SubStatus, Subscriptions};
use crate::testing::MemoryBroker;
use crate::transport::{Client, EventSource};
use crate::{Config, Error, Publisher, Router};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

enum Target {
    Broker(Box<Config>),
    Memory(MemoryBroker, Option<String>),
}

/// A service: routers plus connection settings. Build it, then [`start`](App::start) or
/// [`run`](App::run) it.
pub struct App {
    target: Target,
    routers: Vec<Router>,
    hooks: Hooks,
    shutdown_timeout: Duration,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let target = match &self.target {
            Target::Broker(c) => c.broker_display(),
            Target::Memory(..) => "memory".into(),
        };
        f.debug_struct("App")
            .field("broker", &target)
            .field("routers", &self.routers)
            .finish_non_exhaustive()
    }
}

impl App {
    /// A service connecting to the broker described by `config`.
    pub fn new(config: Config) -> App {
        App::with_target(Target::Broker(Box::new(config)))
    }

    /// A service connected to an in-memory broker (tests, examples, local runs).
    pub fn in_memory(broker: &MemoryBroker) -> App {
        App::with_target(Target::Memory(broker.clone(), None))
    }

    /// A service for `MQTT_URL` (see [`Config::from_env`]); when it is not set, an in-memory
    /// broker is used and a warning is logged.
    pub fn from_env() -> Result<App, Error> {
        match Config::try_from_env()? {
            Some(config) => Ok(App::new(config)),
            None => {
                tracing::warn!("MQTT_URL is not set: using an in-memory broker");
                Ok(App::in_memory(&MemoryBroker::new()))
            }
        }
    }

    /// Like [`App::from_env`], but falls back to the given in-memory broker, so that an example
    /// or a local run can feed it messages when no `MQTT_URL` is set.
    pub fn from_env_or_memory(broker: &MemoryBroker) -> Result<App, Error> {
        match Config::try_from_env()? {
            Some(config) => Ok(App::new(config)),
            None => {
                tracing::info!("MQTT_URL is not set: using the embedded in-memory broker");
                Ok(App::in_memory(broker))
            }
        }
    }

    /// True when this app runs on an in-memory broker.
    pub fn is_in_memory(&self) -> bool {
        matches!(self.target, Target::Memory(..))
    }

    fn with_target(target: Target) -> App {
        App {
            target,
            routers: Vec::new(),
            hooks: Hooks::default(),
            shutdown_timeout: Duration::from_secs(10),
        }
    }

    /// Adds a router; all routers share the one connection.
    pub fn mount(mut self, router: Router) -> Self {
        self.routers.push(router);
        self
    }

    /// Records every message this app's handlers are done with in `log` (see
    /// [`HandledLog`](crate::handled::HandledLog)): the testing kit waits on it.
    pub fn observe_handled(mut self, log: crate::handled::HandledLog) -> Self {
        self.hooks.handled = Some(log);
        self
    }

    /// Called for every handler error, dropped message, refused subscription, rejected publish,
    /// refused reply and connection error. Keep it fast: it runs on the runtime's tasks.
    pub fn on_error(mut self, hook: impl Fn(&Failure<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.on_error = Some(Arc::new(hook));
        self
    }

    /// Republishes payloads that fail to decode to `{prefix}/{original topic}` (QoS 1), with the
    /// error in MQTT 5 user properties `mqttgen-error`, `mqttgen-route`, `mqttgen-original-topic`.
    pub fn dead_letter_topic(mut self, prefix: impl Into<String>) -> Self {
        self.hooks.dead_letter = Some(prefix.into());
        self
    }

    /// How long [`App::run`] waits for handlers when stopping (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The in-memory broker's client id, for tests that need a stable one.
    pub fn memory_client_id(mut self, id: impl Into<String>) -> Self {
        if let Target::Memory(_, client_id) = &mut self.target {
            *client_id = Some(id.into());
        }
        self
    }

    /// Validates the routes, spawns the runtime's tasks and starts connecting. Returns at once;
    /// use [`RunningApp::ready`] to wait for the connection and subscriptions.
    ///
    /// Must be called inside a Tokio runtime.
    pub async fn start(self) -> Result<RunningApp, Error> {
        let mut routes = Vec::new();
        for router in &self.routers {
            routes.extend(router.resolve()?);
        }
        let filters = distinct_filters(&routes);
        let no_local = no_local_filters(&routes);
        // Acknowledge by hand only if some route acknowledges after its handler; otherwise
        // rumqttc acknowledges on receipt, which saves a socket write per message.
        let manual_acks = routes
            .iter()
            .any(|r| r.ack_policy != crate::AckPolicy::BeforeHandler);
        let metrics = Arc::new(Metrics::default());
        let (client_id, limits, v5, backoff, read_pause, transport) = match self.target {
            Target::Broker(config) => {
                crate::transport::tls::check(&config)?;
                let client_id = config.client_id_or_generated();
                let v5 = config.protocol == crate::Protocol::V5;
                let t = if v5 {
                    crate::transport::rumqtt_v5::connect(&config, &client_id, manual_acks)?
                } else {
                    crate::transport::rumqtt_v3::connect(&config, &client_id, manual_acks)?
                };
                tracing::info!(broker = %config.broker_display(), %client_id, protocol = ?config.protocol, "starting MQTT service");
                (
                    client_id,
                    Limits {
                        max_packet: config.max_packet_size,
                        max_outbox: config.max_outbox,
                        max_outbox_bytes: config.max_outbox_bytes,
                        nack_limit: config.nack_limit,
                    },
                    v5,
                    config.backoff,
                    crate::driver::read_pause(config.keep_alive),
                    t,
                )
            }
            Target::Memory(broker, id) => {
                let client_id = id.unwrap_or_else(|| broker.fresh_client_id());
                let t = crate::testing::client::connect(&broker, &client_id);
                (
                    client_id,
                    Limits {
                        max_packet: 16 * 1024 * 1024,
                        max_outbox: 100_000,
                        max_outbox_bytes: 64 * 1024 * 1024,
                        nack_limit: usize::MAX,
                    },
                    true,
                    // Only a fault plan drops in-memory connections; no jitter keeps its
                    // reconnects at a reproducible time.
                    crate::config::Backoff {
                        jitter: 0.0,
                        ..Default::default()
                    },
                    crate::driver::read_pause(Duration::from_secs(30)),
                    t,
                )
            }
        };
        let (source, client): (Box<dyn EventSource>, Arc<dyn Client>) = transport;
        let max_packet = limits.max_packet;
        let (publisher, outbox_rx) = Publisher::new(
            (limits.max_outbox, limits.max_outbox_bytes),
            max_packet,
            v5,
            metrics.clone(),
        );
        client.attach_pending(publisher.shared().pending.clone());
        let hooks = Arc::new(self.hooks);
        let (acks, acks_rx) = AckHub::new(client.clone(), limits.nack_limit);
        let acks = Arc::new(acks);
        #[cfg(feature = "otel")]
        metrics.otel.start(
            &client_id,
            &metrics,
            &acks,
            publisher.shared().pending.clone(),
        );
        let renewer = tokio::spawn(renew_on_nack_limit(
            acks.clone(),
            client.clone(),
            metrics.clone(),
            limits.nack_limit,
        ));
        let (stop_tx, stop_rx) = watch::channel(false);
        let (abort_tx, abort_rx) = watch::channel(false);
        let env = WorkerEnv {
            publisher: publisher.clone(),
            acks: acks.clone(),
            metrics: metrics.clone(),
            hooks: hooks.clone(),
            stop: stop_rx,
        };
        let with_ids = client.uses_subscription_ids();
        let (subscribe_tx, subscribe_rx) = mpsc::unbounded_channel();
        let subscriptions = Arc::new(Subscriptions {
            subs: watch::channel(SubStatus::default()).0,
            filters: std::sync::Mutex::new(filters),
            with_ids: AtomicBool::new(with_ids),
            subscribe_tx,
        });
        let shared = Arc::new(DriverShared {
            state: watch::channel(ConnectionState::Connecting).0,
            subscriptions: subscriptions.clone(),
            tracker: Default::default(),
            acks: acks.clone(),
            publisher: publisher.clone(),
            metrics: metrics.clone(),
            hooks: hooks.clone(),
            stopping: AtomicBool::new(false),
            no_local,
            subacked: tokio::sync::Notify::new(),
        });
        let replies = Arc::new(Replies::new(&client_id, subscriptions));
        publisher.attach_replies(replies.clone());
        let (dispatcher, workers) = Dispatcher::start(
            routes,
            env,
            client.wants_all_completions(),
            client.acks_manually(),
            Some(replies),
        )?;
        let subscriber = tokio::spawn(run_subscriber(client.clone(), shared.clone(), subscribe_rx));
        let hooks_for_outbox = hooks.clone();
        let outbox = tokio::spawn(run_outbox(
            client.clone(),
            outbox_rx,
            publisher.clone(),
            move |e| hooks_for_outbox.report(Failure::Publish { error: &e }),
        ));
        let ack_task = tokio::spawn(crate::acks::run_ack_task(
            client.clone(),
            acks_rx,
            acks.clone(),
        ));
        let driver = Driver {
            source,
            shared: shared.clone(),
            dispatcher,
            backoff,
            max_packet,
            read_pause,
            abort: abort_rx,
        };
        let driver = tokio::spawn(driver.run());
        Ok(RunningApp {
            client_id,
            shared,
            client,
            publisher,
            metrics,
            stop_tx,
            abort_tx,
            workers,
            driver: Some(driver),
            background: vec![subscriber, outbox, ack_task, renewer],
        })
    }

    /// Starts the service and runs it until Ctrl-C/SIGTERM (then shuts down gracefully) or a
    /// fatal error (returned).
    pub async fn run(self) -> Result<(), Error> {
        let timeout = self.shutdown_timeout;
        let mut app = self.start().await?;
        tokio::select! {
            result = app.wait() => {
                app.shutdown(timeout).await?;
                result
            }
            _ = shutdown_signal() => {
                tracing::info!("shutdown requested");
                app.shutdown(timeout).await
            }
        }
    }
}

/// Connection limits taken from the [`Config`].
struct Limits {
    max_packet: usize,
    max_outbox: usize,
    max_outbox_bytes: usize,
    nack_limit: usize,
}

/// [`AckPolicy::NackOnError`](crate::AckPolicy::NackOnError) left `limit` messages of this
/// connection unacknowledged: the broker's in-flight window is filling up and it would soon
/// stop delivering. Disconnecting (cleanly, so no last will) frees the window; the driver
/// reconnects and the broker redelivers them to the persistent session.
async fn renew_on_nack_limit(
    acks: Arc<AckHub>,
    client: Arc<dyn Client>,
    metrics: Arc<Metrics>,
    limit: usize,
) {
    loop {
        acks.limit_reached().await;
        metrics.nack_renewals.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            limit,
            "{limit} messages left unacknowledged (NackOnError) on this connection: reconnecting so that the broker redelivers them"
        );
        if let Err(e) = client.disconnect().await {
            tracing::debug!(error = %e, "could not disconnect to renew the connection");
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A started service.
pub struct RunningApp {
    client_id: String,
    shared: Arc<DriverShared>,
    client: Arc<dyn Client>,
    publisher: Publisher,
    metrics: Arc<Metrics>,
    stop_tx: watch::Sender<bool>,
    abort_tx: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    driver: Option<JoinHandle<Result<(), Error>>>,
    background: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningApp")
            .field("client_id", &self.client_id)
            .field("state", &*self.shared.state.borrow())
            .finish_non_exhaustive()
    }
}

impl RunningApp {
    /// The client id in use (generated unless configured).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A publisher on the service's connection.
    pub fn publisher(&self) -> Publisher {
        self.publisher.clone()
    }

    /// The connection state, as a watch channel.
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.state.subscribe()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.metrics.snapshot()
    }

    /// Waits until connected and every subscription is acknowledged. Returns the first
    /// [`Error::SubscribeFailed`], a fatal connection error (e.g. [`Error::NotAuthorized`]), or
    /// [`Error::Timeout`].
    pub async fn ready(&self, timeout: Duration) -> Result<(), Error> {
        let mut rx = self.shared.subs.subscribe();
        let status = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| s.fatal.is_some() || (s.connected && s.waiting == 0)),
        )
        .await
        .map_err(|_| Error::Timeout(timeout))?
        .map_err(|_| Error::Disconnected("the runtime stopped".into()))?
        .clone();
        if let Some(e) = status.fatal {
            return Err(e);
        }
        match status.failures.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Waits until the service stops by itself: `Err` for a fatal error.
    pub async fn wait(&mut self) -> Result<(), Error> {
        match self.driver.as_mut() {
            Some(handle) => {
                let result = handle.await;
                self.driver = None;
                result.unwrap_or_else(|e| {
                    Err(Error::Disconnected(format!("driver task failed: {e}")))
                })
            }
            None => Ok(()),
        }
    }

    /// Stops gracefully: stop taking messages, let running handlers finish (up to `timeout`),
    /// send their acknowledgements and pending publishes, then disconnect cleanly.
    pub async fn shutdown(mut self, timeout: Duration) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = self.stop_tx.send(true);
        let workers = std::mem::take(&mut self.workers);
        let finished = tokio::time::timeout_at(deadline, futures::future::join_all(workers)).await;
        if finished.is_err() {
            tracing::warn!(?timeout, "handlers still running at shutdown; abandoning them (their messages stay unacknowledged)");
        }
        // Acknowledgements a route held back for its batch (workers flush when they stop; not
        // those abandoned above).
        self.shared.acks.flush();
        let connected = self.shared.state.borrow().is_connected();
        if !connected && self.publisher.pending() > 0 {
            tracing::warn!(
                pending = self.publisher.pending(),
                "shutting down while disconnected: queued publishes are dropped"
            );
        }
        if connected {
            // Let acknowledgements and publishes reach the broker.
            let publisher = self.publisher.clone();
            let acks = self.shared.acks.clone();
            let drained = tokio::time::timeout_at(deadline, async move {
                while publisher.pending() > 0 || acks.sending() > 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
            .await;
            if drained.is_err() {
                tracing::warn!(
                    pending = self.publisher.pending(),
                    "publishes still unacknowledged at shutdown"
                );
            }
        }
        self.publisher.close();
        if let Some(mut driver) = self.driver.take() {
            let disconnect_sent = connected && self.client.disconnect().await.is_ok();
            let grace = if disconnect_sent {
                Duration::from_secs(2)
            } else {
                Duration::ZERO
            };
            // A fatal error was already reported through `ready`/`wait`/`state`; stopping after
            // it is not an error.
            if tokio::time::timeout(grace, &mut driver).await.is_err() {
                let _ = self.abort_tx.send(true);
                let _ = driver.await;
            }
        }
        for task in self.background.drain(..) {
            task.abort();
        }
        self.shared.state.send_replace(ConnectionState::Stopped);
        // Anyone still waiting for subscriptions (ready, a request's inbox) learns it is over.
        self.shared.subs.send_modify(|s| {
            s.fatal
                .get_or_insert_with(|| Error::Disconnected("the runtime is shut down".into()));
        });
        Ok(())
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        // Dropped without shutdown(): stop everything at once.
        let _ = self.abort_tx.send(true);
        let _ = self.stop_tx.send(true);
        for task in self.background.drain(..) {
            task.abort();
        }
    }
}
