//! The typed values of arguments with a syntax of their own.

/// TYPE argument (RFC 959 §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// `A` (optionally `A N`): ASCII, lines end in CRLF on the wire.
    Ascii,
    /// `I` or `L 8`: bytes as they are.
    Image,
}

/// EPSV argument (RFC 2428 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsvArg {
    /// Plain `EPSV`: open a passive listener.
    Any,
    /// `EPSV 1` or `EPSV 2`: a specific network protocol.
    Protocol(u8),
    /// `EPSV ALL`: from now on only EPSV may open data connections.
    All,
}

/// `PROT` level (RFC 4217 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtLevel {
    Clear,
    Safe,
    Confidential,
    Private,
}

/// MFMT's argument (draft-somers-ftp-mfxx §3): the new modification time
/// in UTC, then the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetTime {
    pub time: crate::CivilTime,
    pub path: String,
}

/// A digest algorithm of HASH (draft-bryan-ftp-hash §3) and of the X*
/// verbs (XSHA256, XMD5, ...). Names are the draft's, as FEAT lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgo {
    Sha256,
    Sha512,
    Sha1,
    Md5,
    Crc32,
}

impl HashAlgo {
    /// Every algorithm, in FEAT's order (the default first).
    pub const ALL: [HashAlgo; 5] = [
        HashAlgo::Sha256,
        HashAlgo::Sha512,
        HashAlgo::Sha1,
        HashAlgo::Md5,
        HashAlgo::Crc32,
    ];

    /// The name on the wire: `SHA-256`, `MD5`, `CRC32`, ...
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Sha256 => "SHA-256",
            HashAlgo::Sha512 => "SHA-512",
            HashAlgo::Sha1 => "SHA-1",
            HashAlgo::Md5 => "MD5",
            HashAlgo::Crc32 => "CRC32",
        }
    }

    /// The algorithm named `s`, in any case (`SHA-256`; `SHA256` too).
    pub fn from_name(s: &str) -> Option<HashAlgo> {
        let bare: String = s
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        HashAlgo::ALL
            .into_iter()
            .find(|a| a.name().replace('-', "") == bare)
    }

    /// The FEAT line (draft-bryan-ftp-hash §3.2): every algorithm, `*` after
    /// the selected one.
    pub fn feat_line(selected: HashAlgo) -> String {
        let names: Vec<String> = HashAlgo::ALL
            .iter()
            .map(|a| {
                let star = if *a == selected { "*" } else { "" };
                format!("{}{star}", a.name())
            })
            .collect();
        format!("HASH {}", names.join(";"))
    }
}
