//! Certificates made at test time with the `openssl` CLI, and a mosquitto TLS listener using
//! them.
//!
//! [`Pki::generate`] writes, into a fresh temp dir: a CA, a server certificate for
//! `127.0.0.1`/`localhost` signed by it, a client certificate signed by it (for mutual TLS) and
//! an unrelated second CA (the "wrong CA"). EC P-256 keys keep generation fast.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The generated files; deleted on drop.
#[derive(Debug)]
pub struct Pki {
    dir: tempfile::TempDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}); install it with `apt-get install openssl`")
        });
    assert!(
        output.status.success(),
        "openssl {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

const EC_KEY: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

fn self_signed_ca(dir: &Path, name: &str) {
    let mut args = vec!["req", "-x509", "-nodes", "-days", "2"];
    args.extend(EC_KEY);
    let key = format!("{name}.key");
    let pem = format!("{name}.pem");
    let subject = format!("/CN=mqttgen proof {name}");
    args.extend([
        "-keyout",
        &key,
        "-out",
        &pem,
        "-subj",
        &subject,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &args);
}

fn signed_by_ca(dir: &Path, name: &str, extensions: &str) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    let ext = format!("{name}.ext");
    let subject = format!("/CN=mqttgen proof {name}");
    std::fs::write(dir.join(&ext), extensions).expect("write extensions file");
    let mut args = vec!["req", "-new", "-nodes"];
    args.extend(EC_KEY);
    args.extend(["-keyout", &key, "-out", &csr, "-subj", &subject]);
    openssl(dir, &args);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ],
    );
}

impl Pki {
    /// Generates the CA, server and client certificates and the wrong CA.
    pub fn generate() -> Pki {
        let dir = tempfile::tempdir().expect("temp dir for certificates");
        let path = dir.path();
        self_signed_ca(path, "ca");
        self_signed_ca(path, "wrong-ca");
        signed_by_ca(
            path,
            "server",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        );
        signed_by_ca(
            path,
            "client",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
        );
        // mosquitto started as root drops privileges before it reads these files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            for entry in std::fs::read_dir(path)
                .expect("list certificates")
                .flatten()
            {
                let _ =
                    std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o644));
            }
        }
        Pki { dir }
    }

    /// A file in the certificate dir (`ca.pem`, `server.key`, `client.pem`, `wrong-ca.pem`, ...).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// mosquitto config lines for a TLS listener on `127.0.0.1:port` with the server
    /// certificate; with `require_client_cert`, clients must present a certificate signed by
    /// the CA (mutual TLS).
    pub fn listener(&self, port: u16, require_client_cert: bool) -> Vec<String> {
        vec![
            format!("listener {port} 127.0.0.1"),
            format!("cafile {}", self.file("ca.pem").display()),
            format!("certfile {}", self.file("server.pem").display()),
            format!("keyfile {}", self.file("server.key").display()),
            format!("require_certificate {require_client_cert}"),
        ]
    }
}
