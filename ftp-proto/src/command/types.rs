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
