//! A throwaway mosquitto broker for integration tests (feature `test-support`).
//!
//! [`Mosquitto::start`] picks a free loopback port (never 1883), writes a config into a temp
//! dir, spawns `/usr/sbin/mosquitto -c <conf>` and waits until the port accepts connections. The
//! process is killed (by PID) on drop. [`Mosquitto::restart`] stops and starts it on the same
//! port, keeping persistence files — for reconnect tests.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Broker options.
#[derive(Debug, Clone, Default)]
pub struct MosquittoOptions {
    /// Keep sessions and queued messages on disk across [`Mosquitto::restart`].
    pub persistence: bool,
    /// `(user, password)` pairs; when set, anonymous access is denied.
    pub users: Vec<(String, String)>,
    /// ACL file contents (mosquitto `acl_file` syntax). Note: mosquitto 2.0's `acl_file` only
    /// filters deliveries; it never refuses a SUBSCRIBE — use `deny_subscribe` for that.
    pub acl: Option<String>,
    /// Filters whose SUBSCRIBE the broker refuses (SUBACK 0x87 under MQTT 5, 0x80 under
    /// 3.1.1), for anonymous clients; uses mosquitto's dynamic-security plugin.
    pub deny_subscribe: Vec<String>,
    /// Serve TLS (`mqtts://`) with a certificate for 127.0.0.1 signed by a throwaway CA
    /// ([`Mosquitto::ca_file`]); needs the `openssl` command.
    pub tls: bool,
    /// Extra lines appended to the config.
    pub extra: Vec<String>,
}

/// A running mosquitto; killed on drop.
#[derive(Debug)]
pub struct Mosquitto {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    options: MosquittoOptions,
}

const BINARIES: [&str; 3] = [
    "/usr/sbin/mosquitto",
    "/usr/bin/mosquitto",
    "/usr/local/sbin/mosquitto",
];

const DYNSEC: [&str; 3] = [
    "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
];

fn binary() -> PathBuf {
    BINARIES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("mosquitto is not installed; install it with `apt-get install mosquitto mosquitto-clients`")
        })
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command is needed for TLS tests (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1/localhost, valid for a day.
pub(crate) fn make_certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "1",
            "-subj",
            "/CN=mqttgen test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "server.ext",
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["ca.crt", "server.crt", "server.key"] {
            let _ = std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644));
        }
    }
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

impl Mosquitto {
    /// Starts an anonymous broker without persistence.
    pub fn start() -> Mosquitto {
        Mosquitto::start_with(MosquittoOptions::default())
    }

    /// Starts a broker with `options`.
    pub fn start_with(options: MosquittoOptions) -> Mosquitto {
        let dir = tempfile::tempdir().expect("temp dir for mosquitto");
        // mosquitto started as root drops privileges to the `mosquitto` user, which must still be
        // able to write its log and persistence files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777));
        }
        let mut m = Mosquitto {
            child: None,
            port: free_port(),
            dir,
            options,
        };
        m.write_config();
        m.spawn();
        m
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// A [`Config`](crate::Config) for this broker (TLS with the test CA when `tls` is on).
    pub fn config(&self) -> crate::Config {
        let config = crate::Config::new("127.0.0.1", self.port);
        if self.options.tls {
            config.tls(crate::config::TlsConfig {
                roots: crate::config::TlsRoots::CaFile(self.ca_file()),
                ..Default::default()
            })
        } else {
            config
        }
    }

    /// The CA certificate (PEM) that signed the broker's certificate when `tls` is on.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The temp dir holding config, logs and persistence.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The broker's log so far (useful in assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    fn write_config(&self) {
        let dir = self.dir.path();
        let mut conf = format!(
            "listener {} 127.0.0.1\nlog_dest file {}\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\nmax_inflight_messages 100\nmax_queued_messages 100000\n",
            self.port,
            dir.join("mosquitto.log").display()
        );
        if self.options.tls {
            make_certificates(dir);
            conf.push_str(&format!(
                "cafile {0}/ca.crt\ncertfile {0}/server.crt\nkeyfile {0}/server.key\n",
                dir.display()
            ));
        }
        if self.options.users.is_empty() {
            conf.push_str("allow_anonymous true\n");
        } else {
            let pwfile = dir.join("passwd");
            std::fs::write(&pwfile, "").expect("password file");
            for (user, password) in &self.options.users {
                let status = Command::new("mosquitto_passwd")
                    .arg("-b")
                    .arg(&pwfile)
                    .arg(user)
                    .arg(password)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("mosquitto_passwd is not installed; install it with `apt-get install mosquitto mosquitto-clients`");
                assert!(status.success(), "mosquitto_passwd -b failed");
            }
            conf.push_str(&format!(
                "allow_anonymous false\npassword_file {}\n",
                pwfile.display()
            ));
        }
        if let Some(acl) = &self.options.acl {
            let aclfile = dir.join("acl");
            std::fs::write(&aclfile, acl).expect("acl file");
            conf.push_str(&format!("acl_file {}\n", aclfile.display()));
        }
        if !self.options.deny_subscribe.is_empty() {
            let acls: Vec<String> = self
                .options
                .deny_subscribe
                .iter()
                .map(|f| {
                    format!(r#"{{"acltype":"subscribePattern","topic":{f:?},"priority":0,"allow":false}}"#)
                })
                .collect();
            let json = format!(
                r#"{{"defaultACLAccess":{{"publishClientSend":true,"publishClientReceive":true,"subscribe":true,"unsubscribe":true}},"clients":[],"groups":[{{"groupname":"anonymous","roles":[{{"rolename":"restricted"}}],"clients":[]}}],"roles":[{{"rolename":"restricted","acls":[{}]}}],"anonymousGroup":"anonymous"}}"#,
                acls.join(",")
            );
            let path = dir.join("dynamic-security.json");
            std::fs::write(&path, json).expect("dynamic security config");
            let plugin = DYNSEC
                .iter()
                .find(|p| Path::new(p).exists())
                .expect("mosquitto_dynamic_security.so not found; install it with `apt-get install mosquitto`");
            conf.push_str(&format!(
                "plugin {plugin}\nplugin_opt_config_file {}\n",
                path.display()
            ));
        }
        if self.options.persistence {
            conf.push_str(&format!(
                "persistence true\npersistence_location {}/\nautosave_interval 1\n",
                dir.display()
            ));
        }
        for line in &self.options.extra {
            conf.push_str(line);
            conf.push('\n');
        }
        let mut f =
            std::fs::File::create(dir.join("mosquitto.conf")).expect("write mosquitto.conf");
        f.write_all(conf.as_bytes()).expect("write mosquitto.conf");
    }

    fn spawn(&mut self) {
        let child = Command::new(binary())
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mosquitto");
        self.child = Some(child);
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("mosquitto exited at start ({status}); log:\n{}", self.log());
                }
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "mosquitto did not accept connections on port {} within 20 s; log:\n{}",
            self.port,
            self.log()
        );
    }

    /// Stops the broker (SIGKILL, by PID) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the broker gracefully (SIGTERM, so persistence is saved) and waits for it to exit.
    pub fn stop_graceful(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a stopped broker again on the same port with the same config and data.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "mosquitto is still running");
        // The port may linger briefly; mosquitto sets SO_REUSEADDR, so retry a few times.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpListener::bind(("127.0.0.1", self.port)).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.spawn();
    }

    /// [`stop_graceful`](Mosquitto::stop_graceful) then [`start_again`](Mosquitto::start_again).
    pub fn restart(&mut self) {
        self.stop_graceful();
        self.start_again();
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}
