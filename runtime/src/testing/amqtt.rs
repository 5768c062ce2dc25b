//! A throwaway [amqtt](https://pypi.org/project/amqtt/) broker serving MQTT 3.1.1 over WebSockets,
//! for tests of the `ws://` transport (feature `test-support`). Debian's mosquitto opens no
//! WebSocket listener, so this is the broker the WebSocket tests talk to.
//!
//! [`Amqtt::start_ws`] (plain `ws://`) and [`Amqtt::start_wss`] (`wss://`, with a certificate for
//! 127.0.0.1 signed by a throwaway CA; needs the `openssl` command) pick a free loopback port
//! (never 1883), write a config into a temp dir and spawn the `amqtt` command, then waits until the port accepts connections; the process is
//! killed (by PID) on drop. The command is found at `$MQTTGEN_AMQTT`, else in the repository's
//! `.tools/amqtt` virtualenv (where `.ci/run` installs it with
//! `python3 -m venv .tools/amqtt && .tools/amqtt/bin/pip install amqtt==0.12.1`), else on `PATH`.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The amqtt version `.ci/run` installs.
pub const VERSION: &str = "0.12.1";

/// A running amqtt broker; killed on drop.
#[derive(Debug)]
pub struct Amqtt {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    tls: bool,
}

/// Where the `amqtt` command is, if it is installed.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MQTTGEN_AMQTT").filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/amqtt/bin/amqtt");
    if venv.exists() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("amqtt"))
            .find(|candidate| candidate.is_file())
    })
}

fn free_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
        let port = listener.local_addr().expect("local addr").port();
        if port != 1883 {
            return port;
        }
    }
}

impl Amqtt {
    /// Starts an anonymous amqtt broker with one WebSocket listener on 127.0.0.1, or returns
    /// `None` when amqtt is not installed (see the module docs).
    ///
    /// # Panics
    /// When amqtt is installed but does not accept connections within 30 s (its log is in the
    /// message).
    pub fn start_ws() -> Option<Amqtt> {
        Amqtt::start(false)
    }

    /// Like [`Amqtt::start_ws`], serving `wss://` with a certificate for 127.0.0.1 signed by
    /// a throwaway CA ([`Amqtt::ca_file`]).
    pub fn start_wss() -> Option<Amqtt> {
        Amqtt::start(true)
    }

    fn start(tls: bool) -> Option<Amqtt> {
        let binary = binary()?;
        let dir = tempfile::tempdir().expect("temp dir for amqtt");
        let port = free_port();
        let config = dir.path().join("broker.yaml");
        let mut text =
            format!("listeners:\n  default:\n    type: ws\n    bind: 127.0.0.1:{port}\n");
        if tls {
            super::mosquitto::make_certificates(dir.path());
            text.push_str(&format!(
                "    ssl: true\n    certfile: {0}/server.crt\n    keyfile: {0}/server.key\n",
                dir.path().display()
            ));
        }
        text.push_str("plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n    allow_anonymous: true\n");
        std::fs::write(&config, text).expect("write the amqtt config");
        let log = std::fs::File::create(dir.path().join("amqtt.log")).expect("amqtt log file");
        let child = Command::new(&binary)
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        let mut broker = Amqtt {
            child,
            port,
            dir,
            tls,
        };
        broker.wait_until_listening();
        Some(broker)
    }

    fn wait_until_listening(&mut self) {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        // A Python interpreter starting on a busy machine: be generous.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("amqtt exited at start ({status}); log:\n{}", self.log());
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "amqtt did not accept connections on port {} within 30 s; log:\n{}",
            self.port,
            self.log()
        );
    }

    /// The port of the WebSocket listener (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ws://127.0.0.1:PORT/mqtt`, or `wss://...` when started with [`Amqtt::start_wss`].
    pub fn url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://127.0.0.1:{}/mqtt", self.port)
    }

    /// A [`Config`](crate::Config) for this broker: MQTT 3.1.1 (all amqtt speaks) over
    /// WebSockets, trusting the test CA for `wss://`.
    pub fn config(&self) -> crate::Config {
        let config = crate::Config::from_url(&self.url())
            .expect("a valid URL")
            .protocol(crate::Protocol::V311);
        if self.tls {
            config.tls(crate::config::TlsConfig {
                roots: crate::config::TlsRoots::CaFile(self.ca_file()),
                ..Default::default()
            })
        } else {
            config
        }
    }

    /// The CA certificate (PEM) that signed the broker's certificate under `wss://`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The broker's log so far (useful in assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("amqtt.log")).unwrap_or_default()
    }
}

impl Drop for Amqtt {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
