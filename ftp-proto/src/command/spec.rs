//! What the verb table says about each verb (`VerbSpec`), the `verbs!`
//! macro that turns the table into `Command` and everything derived from it,
//! and the FEAT and HELP text that follow from the table.

use super::verbs::VERBS;

/// One verb as declared in the table (`verbs.rs`). Everything that used to
/// be a hand-kept list of verbs (parsing, the login gate, what is answered
/// during a transfer, what keeps REST, FEAT, HELP) reads it from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerbSpec {
    /// The canonical verb, as sent and logged.
    pub name: &'static str,
    /// Other names that parse to the same command (RFC 775's XPWD, ...).
    pub aliases: &'static [&'static str],
    /// What the argument is.
    pub arg: ArgKind,
    /// Allowed before login; everything else is answered 530 until then.
    pub before_login: bool,
    /// Whether the server answers it while a transfer runs, or makes it
    /// wait for the transfer's end (RFC 959 §4.1.3).
    pub during_transfer: DuringTransfer,
    /// A pending REST survives this command: clients set up the data
    /// connection (or TYPE) between REST and RETR/STOR.
    pub keeps_rest: bool,
    /// Its argument names something that must exist, so a 550 or 450 means
    /// "not found" (ftpc's exit code 3) rather than "refused".
    pub lookup: bool,
    /// What it adds to FEAT (RFC 2389), if anything.
    pub feat: Option<Feature>,
    /// Listed, with its aliases, in the HELP reply.
    pub help: bool,
}

impl VerbSpec {
    /// The defaults an entry in the table starts from: a plain command,
    /// refused before login, waiting for a running transfer, listed in HELP.
    pub(super) const DEFAULT: VerbSpec = VerbSpec {
        name: "",
        aliases: &[],
        arg: ArgKind::None,
        before_login: false,
        during_transfer: DuringTransfer::Waits,
        keeps_rest: false,
        lookup: false,
        feat: None,
        help: true,
    };

    /// The verb named `name` (or by an alias), in any case.
    pub fn find(name: &str) -> Option<&'static VerbSpec> {
        VERBS.iter().find(|v| {
            v.name.eq_ignore_ascii_case(name)
                || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The canonical name and the aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name).chain(self.aliases.iter().copied())
    }
}

/// What a verb's argument is, as the verb table reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// No argument; one is refused (501).
    None,
    /// Any argument is ignored (QUIT, NOOP, ...).
    Ignored,
    /// A path, required.
    Path,
    /// A path (or LIST options), optional.
    OptionalPath,
    /// Free text, required (a user name, a SITE or OPTS command).
    Text,
    /// Free text, optional (the verb HELP asks about).
    OptionalText,
    /// A syntax of its own: a type code, an address, a number, a level.
    Special,
}

/// How a command is treated while a transfer runs (RFC 959 §4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuringTransfer {
    /// Read, then answered in order once the transfer has ended.
    Waits,
    /// Answered at once (ABOR, NOOP).
    Answered,
    /// Answered at once only without an argument (STAT: the transfer's
    /// status; STAT with a path waits like a listing).
    AnsweredWhenBare,
}

/// A verb's FEAT line (RFC 2389 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Always listed, with this text.
    Always(&'static str),
    /// Listed only when TLS is configured (RFC 4217 §6), with this text.
    WithTls(&'static str),
    /// `MLST` and the session's facts, which only the server knows
    /// (RFC 3659 §7.8).
    MlstFacts,
    /// `HASH` and its algorithms, the session's selected one starred
    /// (draft-bryan-ftp-hash §3.2).
    Hash,
}

/// The FEAT entries in table order. The server adds what belongs to no verb
/// (TVFS, UTF8) and fills in the runtime parts.
pub fn features() -> impl Iterator<Item = Feature> {
    VERBS.iter().filter_map(|v| v.feat)
}

/// Most names on one HELP line: 16 of them fill 79 columns.
const HELP_PER_LINE: usize = 16;

/// The HELP reply's verb lines: every listed name and alias, sorted, each
/// padded to four columns. The lines are balanced, the longer ones last.
pub fn help_lines() -> Vec<String> {
    let mut names: Vec<&str> = VERBS
        .iter()
        .filter(|v| v.help)
        .flat_map(VerbSpec::names)
        .collect();
    names.sort_unstable();
    let rows = names.len().div_ceil(HELP_PER_LINE).max(1);
    let (base, longer) = (names.len() / rows, names.len() % rows);
    let mut lines = Vec::with_capacity(rows);
    let mut rest = names.as_slice();
    for row in 0..rows {
        let take = if row < rows - longer { base } else { base + 1 };
        let (line, tail) = rest.split_at(take.min(rest.len()));
        rest = tail;
        let padded: Vec<String> = line.iter().map(|n| format!("{n:<4}")).collect();
        lines.push(padded.join(" ").trim_end().to_string());
    }
    lines
}

/// Pass the binding `a` through for a variant with a value, so one pattern
/// can be written for unit and tuple variants alike.
macro_rules! bind {
    ($a:ident, $($ty:tt)*) => {
        $a
    };
}
pub(super) use bind;

/// Build `Command` and what derives from it from the verb table. Each entry:
///
/// ```text
/// /// doc comment for the variant
/// "NAME" | "ALIAS" => Variant(PayloadType), kind, { VerbSpec fields that differ from DEFAULT };
/// ```
///
/// `kind` names a module in `args.rs` that parses the argument into the
/// payload (or checks that there is none, for a unit variant) and writes it back.
macro_rules! verbs {
    (
        $(#[$enum_meta:meta])*
        pub enum Command;
        $(
            $(#[$meta:meta])*
            $name:literal $(| $alias:literal)* => $variant:ident $(($ty:ty))?, $kind:ident,
                { $($field:ident: $value:expr),* $(,)? };
        )*
    ) => {
        $(#[$enum_meta])*
        pub enum Command {
            $( $(#[$meta])* $variant $(($ty))?, )*
        }

        /// Each verb's spec, named after its variant.
        #[allow(non_upper_case_globals)]
        mod spec_of {
            use super::*;
            $(
                pub(super) const $variant: VerbSpec = VerbSpec {
                    name: $name,
                    aliases: &[$($alias),*],
                    arg: args::$kind::KIND,
                    $($field: $value,)*
                    ..VerbSpec::DEFAULT
                };
            )*
        }

        /// Every verb the server understands and the client may send, in
        /// table order (which is FEAT's order).
        pub static VERBS: &[VerbSpec] = &[$(spec_of::$variant),*];

        impl Command {
            /// Parse the argument of an upper-cased verb; `None` if the verb is unknown.
            pub(super) fn parse_verb(verb: &str, arg: Option<&str>) -> Option<Result<Command, ParseError>> {
                Some(match verb {
                    $( $name $(| $alias)* => args::$kind::parse($name, arg, Command::$variant), )*
                    _ => return None,
                })
            }

            /// The canonical verb, as sent by the client and shown in logs.
            pub fn verb(&self) -> &'static str {
                match self {
                    $( Command::$variant { .. } => $name, )*
                }
            }

            /// What the verb table says about this command's verb.
            pub fn spec(&self) -> &'static VerbSpec {
                match self {
                    $( Command::$variant { .. } => &spec_of::$variant, )*
                }
            }

            /// Whether the command carries an argument (`STAT` vs `STAT /`).
            pub fn has_argument(&self) -> bool {
                match self {
                    $( Command::$variant $((bind!(a, $ty)))? => false $(|| args::$kind::given(bind!(a, $ty)))?, )*
                }
            }

            /// Wire form without the trailing CRLF.
            pub(super) fn write_wire(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( Command::$variant $((bind!(a, $ty)))? => args::$kind::write(f, $name $(, bind!(a, $ty))?), )*
                }
            }
        }
    };
}
pub(super) use verbs;
