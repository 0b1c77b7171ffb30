//! FileZilla 3 (Debian's `filezilla`, the GUI client) against `ftpd`, on a
//! private Xvfb display: over plain FTP and over explicit FTPS with our
//! test certificate pre-trusted in `trustedcerts.xml`, FileZilla connects
//! from its command-line URL, lists the remote root (names with spaces and
//! non-ASCII characters), downloads one of those files and uploads another,
//! driven by xdotool clicks and key presses on its file panes. Both files
//! are checked by SHA-256, and FileZilla's own log must report both
//! transfers successful and no error.
//!
//! FileZilla uses GnuTLS, which reports a TLS data connection closed
//! without close_notify as a truncated transfer, so the FTPS run also
//! checks that the server shuts its TLS data connections down properly.
//!
//! A screenshot of the connected window with the remote listing is saved
//! in the test's temporary directory; that directory is kept (and its path
//! printed) when the test fails, or always with `FILEZILLA_KEEP=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::xvfb::{Display, KillOnDrop};
use crate::support::{pseudo_random, require_tool, sha256, sha256_file, TestServer};

/// How long one whole FileZilla session may take, from start to the
/// second transfer (about 2 s on an idle machine).
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
/// A remote file FileZilla downloads: a space and non-ASCII characters.
const DOWNLOAD: &str = "grüße ünï.bin";
/// What to type in the remote pane to select `DOWNLOAD` (type-ahead).
const DOWNLOAD_PREFIX: &str = "gr";
/// A local file FileZilla uploads into the remote root.
const UPLOAD: &str = "upload é ü.bin";
const UPLOAD_PREFIX: &str = "up";
/// Login of the test account.
const USER: &str = "u";
const PASS: &str = "p";

/// The scratch directory of one run: kept when the test fails, so the
/// screenshot and FileZilla's log can be looked at.
struct Artifacts(Option<tempfile::TempDir>);

impl Artifacts {
    fn new() -> Artifacts {
        Artifacts(Some(tempfile::tempdir().expect("tempdir")))
    }

    fn path(&self) -> &Path {
        self.0.as_ref().expect("artifacts dir").path()
    }
}

impl Drop for Artifacts {
    fn drop(&mut self) {
        let keep = std::thread::panicking() || std::env::var_os("FILEZILLA_KEEP").is_some();
        if let (true, Some(dir)) = (keep, self.0.take()) {
            eprintln!("filezilla test artifacts kept in {}", dir.keep().display());
        }
    }
}

fn account() -> Vec<ftp_server::User> {
    vec![ftp_server::User {
        name: USER.into(),
        password: PASS.into(),
    }]
}

/// A server without TLS: FileZilla's `ftp://` tries AUTH TLS, gets 504
/// and goes on in plain text (the host is listed as insecure-allowed).
fn plain_server() -> TestServer {
    TestServer::start_with(|c| {
        c.write = true;
        c.users = account();
    })
}

/// A server with a fresh rcgen certificate for 127.0.0.1, loaded from PEM
/// files in `dir` as an operator's would be; returns it with the DER that
/// FileZilla must trust.
fn tls_server(dir: &Path) -> (TestServer, Vec<u8>) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("generate certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("write cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key");
    let (server, _reloader) = ftp_server::tls::load_pem(&cert, &key).expect("load pem");
    let tls = ftp_server::tls::TlsConfig {
        server: Arc::new(server),
        require_session_reuse: false,
        require_tls: false,
        self_signed_fingerprint: None,
        reloader: None,
    };
    let s = TestServer::start_with(move |c| {
        c.write = true;
        c.users = account();
        c.tls = Some(tls);
    });
    (s, made.cert.der().to_vec())
}

/// FileZilla's settings: no welcome dialog (its greeting is "already seen"
/// for any version up to 99), no password-saving prompt, and a log file
/// with the whole protocol dialogue.
fn settings_xml(log: &Path) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<FileZilla3 platform="*nix">
	<Settings>
		<Setting name="Greeting version">99.0.0</Setting>
		<Setting name="Prompt password save">0</Setting>
		<Setting name="Update Check">0</Setting>
		<Setting name="Logging file" platform="unix">{}</Setting>
	</Settings>
</FileZilla3>
"#,
        log.display()
    )
}

/// `trustedcerts.xml`: the certificate trusted for 127.0.0.1:`port` (the
/// format FileZilla writes when "always trust" is ticked: hex DER and a
/// validity window it checks against the clock), or the host allowed to
/// be plain FTP without the "insecure server" prompt.
fn trust_xml(port: u16, der: Option<&[u8]>) -> String {
    let body = match der {
        Some(der) => {
            let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock after 1970")
                .as_secs();
            format!(
                "\t<TrustedCerts>\n\t\t<Certificate>\n\t\t\t<Data>{hex}</Data>\n\
                 \t\t\t<ActivationTime>{}</ActivationTime>\n\
                 \t\t\t<ExpirationTime>{}</ExpirationTime>\n\
                 \t\t\t<Host>127.0.0.1</Host>\n\t\t\t<Port>{port}</Port>\n\
                 \t\t\t<TrustSANs>0</TrustSANs>\n\t\t</Certificate>\n\t</TrustedCerts>\n",
                now - 3600,
                now + 86400
            )
        }
        None => format!(
            "\t<InsecureHosts>\n\t\t<Host Port=\"{port}\">127.0.0.1</Host>\n\t</InsecureHosts>\n"
        ),
    };
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FileZilla3>\n{body}</FileZilla3>\n")
}

/// One FileZilla process on its own display. Field order is drop order:
/// FileZilla is killed before its X server.
struct FileZilla {
    client: KillOnDrop,
    display: Display,
    log: PathBuf,
    dir: PathBuf,
    deadline: Instant,
}

impl FileZilla {
    /// Start FileZilla with a private HOME in `dir`, its local pane in
    /// `local`, connecting at once to `url`.
    fn start(dir: &Path, local: &Path, url: &str, port: u16, der: Option<&[u8]>) -> FileZilla {
        require_tool("filezilla");
        require_tool("xdotool");
        require_tool("import");
        let home = dir.join("home");
        let config = home.join(".config/filezilla");
        std::fs::create_dir_all(&config).expect("mkdir config");
        let log = dir.join("filezilla.log");
        std::fs::write(config.join("filezilla.xml"), settings_xml(&log)).expect("settings");
        std::fs::write(config.join("trustedcerts.xml"), trust_xml(port, der)).expect("trust");
        let display = Display::start(1280, 900);
        let out = std::fs::File::create(dir.join("filezilla.out")).expect("stdout file");
        let err = out.try_clone().expect("stderr file");
        let child = Command::new("filezilla")
            .arg(format!("--local={}", local.display()))
            .arg(url)
            .env("DISPLAY", &display.name)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("LC_ALL", "C.UTF-8")
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn filezilla: {e}"));
        FileZilla {
            client: KillOnDrop::new(child, "filezilla"),
            display,
            log,
            dir: dir.to_path_buf(),
            deadline: Instant::now() + SESSION_TIMEOUT,
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Poll `done` until it holds. When FileZilla logs an error (a failed
    /// transfer, a truncated TLS stream) or the session deadline passes,
    /// save a screenshot and fail with FileZilla's log.
    fn wait(&mut self, what: &str, mut done: impl FnMut(&FileZilla) -> bool) {
        let mut polls = 0u32;
        while !done(self) {
            polls += 1;
            let log = self.log_text();
            let failed = log.lines().any(|l| l.contains("Error:"));
            if failed || Instant::now() >= self.deadline || polls > 2_000 {
                let shot = self.dir.join("failure.png");
                self.display.screenshot(&shot);
                let why = if failed {
                    "FileZilla logged an error".to_string()
                } else {
                    format!("not within {SESSION_TIMEOUT:?}")
                };
                panic!(
                    "FileZilla: waiting for {what}: {why} (screen in {})\n\
                     --- filezilla.log ---\n{log}",
                    shot.display()
                );
            }
            self.client.assert_running();
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until FileZilla's log has `n` lines containing `text`.
    fn wait_log(&mut self, text: &str, n: usize) {
        self.wait(&format!("{n} log lines with {text:?}"), |fz| {
            fz.log_text().lines().filter(|l| l.contains(text)).count() >= n
        });
    }

    /// Wait until `path` holds exactly `bytes`.
    fn wait_file(&mut self, path: &Path, bytes: &[u8]) {
        let want = sha256(bytes);
        self.wait(
            &format!("{} with the right content", path.display()),
            |_| std::fs::read(path).is_ok_and(|got| sha256(&got) == want),
        );
    }

    /// Select the entry starting with `prefix` in the file pane under the
    /// point (fractions of the window) and press Enter, which for a file
    /// is FileZilla's "transfer" (the default double-click action): from
    /// the remote pane a download, from the local pane an upload.
    fn transfer(&mut self, window: &str, pane: (f64, f64), prefix: &str) {
        // Below the few entries, so the click focuses the list without
        // selecting or opening anything.
        self.display.click(window, pane.0, pane.1);
        self.display.type_text(prefix);
        self.display.key("Return");
    }
}

/// The whole scenario against `s` with URL scheme `scheme` (`ftp`,
/// `ftpes`); `der` is the server certificate for FTPS.
fn list_download_upload(scheme: &str, s: &TestServer, der: Option<&[u8]>, work: &Path) {
    let down = pseudo_random(1 << 20, 14);
    let up = pseudo_random(700_001, 15);
    std::fs::write(s.path(DOWNLOAD), &down).expect("write remote file");
    std::fs::write(s.path("file with spaces.txt"), b"spaces\n").expect("write");
    std::fs::create_dir(s.path("dir ä")).expect("mkdir");
    let local = work.join("local");
    std::fs::create_dir(&local).expect("mkdir local");
    std::fs::write(local.join(UPLOAD), &up).expect("write local file");

    let url = format!("{scheme}://{USER}:{PASS}@127.0.0.1:{}/", s.port());
    let mut fz = FileZilla::start(work, &local, &url, s.port(), der);
    fz.wait_log("Directory listing of \"/\" successful", 1);
    let deadline = fz.deadline;
    let window = fz.display.find_window(" - FileZilla$", deadline);

    // Remote pane: right half, below its listing.
    fz.transfer(&window, (0.72, 0.70), DOWNLOAD_PREFIX);
    fz.wait_file(&local.join(DOWNLOAD), &down);
    fz.wait_log("File transfer successful", 1);

    // Local pane: left half.
    fz.transfer(&window, (0.22, 0.70), UPLOAD_PREFIX);
    fz.wait_file(&s.path(UPLOAD), &up);
    fz.wait_log("File transfer successful", 2);
    assert_eq!(sha256_file(&s.path(UPLOAD)), sha256(&up));

    // Cosmetic only: let the remote pane repaint with the uploaded file
    // before the screenshot; nothing below depends on the picture.
    std::thread::sleep(Duration::from_millis(500));
    let shot = work.join(format!("filezilla-{scheme}.png"));
    fz.display.screenshot(&shot);
    let png = std::fs::read(&shot).expect("read screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{} is no PNG", shot.display());

    let log = fz.log_text();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("Error:")).collect();
    assert!(errors.is_empty(), "FileZilla reported errors:\n{log}");
    // FileZilla built these paths from its own parse of the listing.
    assert!(
        log.contains(&format!("Starting download of /{DOWNLOAD}")),
        "{log}"
    );
    assert!(log.contains("Starting upload of "), "{log}");
    assert!(log.contains(UPLOAD), "{log}");
    if der.is_some() {
        assert!(log.contains("TLS connection established"), "{log}");
        assert!(log.contains("Command: PROT P"), "{log}");
        assert!(!log.contains("Insecure server"), "{log}");
    } else {
        assert!(log.contains("Insecure server"), "{log}");
    }
}

#[test]
fn filezilla_plain_ftp_lists_downloads_and_uploads_non_ascii_names() {
    let work = Artifacts::new();
    let s = plain_server();
    list_download_upload("ftp", &s, None, work.path());
}

#[test]
fn filezilla_explicit_ftps_trusting_our_cert_lists_downloads_and_uploads() {
    let work = Artifacts::new();
    let (s, der) = tls_server(work.path());
    list_download_upload("ftpes", &s, Some(&der), work.path());
}
