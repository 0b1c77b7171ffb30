//! Everything `ftpc` shows a person goes through `Printer`: results on stdout,
//! messages and progress on stderr, and server text or remote names escaped
//! with `escape` so that no control character or escape sequence from the
//! server reaches the terminal.
//!
//! Progress bars (indicatif) are drawn only when stderr is a terminal and
//! neither `-q` nor `--no-progress` was given.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How chatty `ftpc` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Make text safe for a terminal: C0/C1 controls, DEL and Unicode bidi
/// overrides become visible `\xNN` / `\u{NNNN}` escapes.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The one place output is written.
#[derive(Debug)]
pub struct Printer {
    verbosity: Verbosity,
    /// Present only when bars are drawn.
    multi: Option<MultiProgress>,
}

impl Printer {
    /// `progress` is the user's wish; bars also need stderr to be a terminal.
    pub fn new(verbosity: Verbosity, progress: bool) -> Printer {
        let draw = progress && verbosity != Verbosity::Quiet && std::io::stderr().is_terminal();
        let multi =
            draw.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)));
        Printer { verbosity, multi }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// A result line on stdout (listing entries, stat output).
    pub fn result(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`ftpc ls | head`) is not an error worth reporting.
        let _ = writeln!(out, "{line}");
    }

    /// A message on stderr, unless quiet.
    pub fn info(&self, msg: &str) {
        if self.verbosity != Verbosity::Quiet {
            self.stderr_line(msg);
        }
    }

    /// A message on stderr only with `-v` (retries, skipped entries).
    pub fn verbose(&self, msg: &str) {
        if self.verbosity == Verbosity::Verbose {
            self.stderr_line(msg);
        }
    }

    /// A warning or error on stderr, always shown.
    pub fn error(&self, msg: &str) {
        self.stderr_line(msg);
    }

    fn stderr_line(&self, msg: &str) {
        let msg = escape(msg);
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg.as_ref());
            }
            None => eprintln!("{msg}"),
        }
    }

    /// A bar for one file (bytes, rate, ETA); hidden when bars are off.
    pub fn file_bar(&self, name: &str, total: Option<u64>) -> ProgressBar {
        let Some(m) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = match total {
            Some(t) => ProgressBar::new(t),
            None => ProgressBar::no_length(),
        };
        let template = if total.is_some() {
            "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        } else {
            "{msg:30!} {bytes} {bytes_per_sec} {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(escape(name).into_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        m.add(bar)
    }

    /// The overall bar of a recursive transfer: files done and bytes.
    pub fn overall_bar(&self, files: u64, bytes: u64) -> ProgressBar {
        let Some(m) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = ProgressBar::new(bytes);
        let template =
            "total {prefix} files [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(format!("0/{files}"));
        m.add(bar)
    }

    /// The closing line: files, bytes, time, rate (stderr, unless quiet).
    pub fn summary(&self, files: u64, bytes: u64, elapsed: Duration) {
        let secs = elapsed.as_secs_f64().max(0.001);
        let rate = bytes as f64 / secs;
        self.info(&format!(
            "{files} file{} transferred, {} in {:.2}s ({}/s)",
            if files == 1 { "" } else { "s" },
            human_bytes(bytes as f64),
            secs,
            human_bytes(rate)
        ));
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A JSON string literal with RFC 8259 escaping.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || needs_escape(c) => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("héllo wörld.txt"), Cow::Borrowed(_)));
    }

    #[test]
    fn ansi_escape_sequences_are_neutralised() {
        assert_eq!(escape("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
    }

    #[test]
    fn cr_lf_tab_and_c1_controls_are_escaped() {
        assert_eq!(escape("a\r\nb\tc\u{9b}"), "a\\x0d\\x0ab\\x09c\\x9b");
    }

    #[test]
    fn bidi_override_is_escaped() {
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\nd\x1b"), "\"a\\\"b\\\\c\\nd\\u001b\"");
        assert_eq!(json_string("été"), "\"été\"");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(10.0), "10 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0), "3.0 MiB");
    }
}
