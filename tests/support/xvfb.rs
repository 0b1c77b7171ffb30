//! A private X display for driving GUI clients (FileZilla) from a test:
//! `Xvfb` on a display number it picks itself, `xdotool` for clicks and
//! key presses, and ImageMagick's `import` for screenshots.
//!
//! Every process started here is owned by a guard that kills it on drop,
//! so a failing assertion cannot leave an X server or a client running,
//! and every wait has a deadline.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::require_tool;
use super::run::{run, Ran};

/// Longest Xvfb may take to report its display number.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest one xdotool or import call may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// A child process killed (and reaped) when the guard drops.
pub struct KillOnDrop {
    pub child: Child,
    what: String,
}

impl KillOnDrop {
    pub fn new(child: Child, what: &str) -> KillOnDrop {
        KillOnDrop {
            child,
            what: what.to_string(),
        }
    }

    /// Panic if the process has already exited: a GUI client that died
    /// would otherwise only show up as a timeout.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early with {status}", self.what);
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `Xvfb` server on its own display, killed on drop.
pub struct Display {
    /// `:N`, for `DISPLAY`.
    pub name: String,
    _server: KillOnDrop,
}

impl Display {
    /// Start Xvfb with one `width`x`height` screen. `-displayfd 1` makes
    /// it choose a free display number and print it once it accepts
    /// connections, so there is no guessing and no sleep.
    pub fn start(width: u32, height: u32) -> Display {
        require_tool("Xvfb");
        let child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn Xvfb: {e}"));
        let mut server = KillOnDrop::new(child, "Xvfb");
        let stdout = server.child.stdout.take().expect("Xvfb stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .unwrap_or_else(|_| panic!("Xvfb did not report a display within {START_TIMEOUT:?}"));
        let number: u32 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("Xvfb printed {line:?}, not a display number"));
        Display {
            name: format!(":{number}"),
            _server: server,
        }
    }

    /// Run a tool (xdotool, import) on this display.
    fn tool(&self, program: &str, args: &[&str]) -> Ran {
        require_tool(program);
        run(
            Command::new(program).args(args).env("DISPLAY", &self.name),
            TOOL_TIMEOUT,
        )
    }

    /// The first visible window whose title matches the regex `title`,
    /// polled until `deadline`.
    pub fn find_window(&self, title: &str, deadline: Instant) -> String {
        let mut tries = 0;
        loop {
            let found = self.tool("xdotool", &["search", "--onlyvisible", "--name", title]);
            if let Some(id) = found.stdout.lines().next() {
                return id.trim().to_string();
            }
            tries += 1;
            assert!(
                Instant::now() < deadline && tries < 1000,
                "no window titled /{title}/ appeared"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Width and height of `window`.
    pub fn window_size(&self, window: &str) -> (u32, u32) {
        let geo = self.tool("xdotool", &["getwindowgeometry", "--shell", window]);
        geo.ok();
        let field = |name: &str| -> u32 {
            geo.stdout
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {}", geo.stdout))
        };
        (field("WIDTH"), field("HEIGHT"))
    }

    /// Left-click at a point given as fractions of `window`'s size.
    pub fn click(&self, window: &str, fx: f64, fy: f64) {
        let (w, h) = self.window_size(window);
        let x = ((f64::from(w) * fx) as u32).to_string();
        let y = ((f64::from(h) * fy) as u32).to_string();
        self.tool(
            "xdotool",
            &["mousemove", "--window", window, &x, &y, "click", "1"],
        )
        .ok();
    }

    /// Type `text` into the focused widget, one key every 50 ms.
    pub fn type_text(&self, text: &str) {
        self.tool("xdotool", &["type", "--delay", "50", text]).ok();
    }

    /// Press one key (an X keysym name such as `Return`).
    pub fn key(&self, keysym: &str) {
        self.tool("xdotool", &["key", keysym]).ok();
    }

    /// Save the whole screen as a PNG.
    pub fn screenshot(&self, png: &Path) {
        let path = png.to_str().expect("utf-8 screenshot path");
        self.tool("import", &["-window", "root", path]).ok();
    }
}
