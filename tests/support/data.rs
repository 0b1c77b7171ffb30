//! Data-connection helpers on top of `RawSession`: run a transfer command over
//! a passive (EPSV) connection and collect what came back, for the raw
//! protocol tests.

use std::io::{Read, Write};

use ftp_proto::Reply;

use super::raw::RawSession;

/// The outcome of a command that may use the data connection.
#[derive(Debug)]
pub struct Transfer {
    /// The first reply: 1xx when the transfer started, else the refusal.
    pub first: Reply,
    /// The bytes received (empty when the transfer did not start).
    pub data: Vec<u8>,
    /// The completion reply (226/250) when the transfer started.
    pub last: Option<Reply>,
}

impl Transfer {
    pub fn started(&self) -> bool {
        self.first.code.is_preliminary()
    }

    /// The reply that ends the command: the completion if it started, else the refusal.
    pub fn final_code(&self) -> u16 {
        self.last.as_ref().unwrap_or(&self.first).code.0
    }
}

pub trait RawData {
    /// Open EPSV, send `line` (RETR, LIST, NLST, MLSD...), read all data if
    /// the server started the transfer, and its final reply.
    fn download(&mut self, line: &str) -> Transfer;
    /// Open EPSV, send `line` (STOR, APPE, STOU...), and if the server
    /// started the transfer, send `data` and close.
    fn upload(&mut self, line: &str, data: &[u8]) -> Transfer;
    /// RETR that must succeed; returns the content.
    fn retr(&mut self, path: &str) -> Vec<u8>;
    /// STOR that must succeed.
    fn stor(&mut self, path: &str, data: &[u8]);
    /// A listing command (LIST/NLST/MLSD with arguments) that must succeed.
    fn listing(&mut self, line: &str) -> String;
    /// Read the next reply and assert its code (e.g. the 226 after a transfer).
    fn expect_reply(&mut self, code: u16) -> Reply;
}

impl RawData for RawSession {
    fn download(&mut self, line: &str) -> Transfer {
        let mut d = self.pasv_data();
        let first = self.cmd(line);
        if !first.code.is_preliminary() {
            return Transfer {
                first,
                data: Vec::new(),
                last: None,
            };
        }
        let mut data = Vec::new();
        d.read_to_end(&mut data)
            .unwrap_or_else(|e| panic!("{line}: reading data: {e}"));
        let last = self.reply();
        Transfer {
            first,
            data,
            last: Some(last),
        }
    }

    fn upload(&mut self, line: &str, data: &[u8]) -> Transfer {
        let mut d = self.pasv_data();
        let first = self.cmd(line);
        if !first.code.is_preliminary() {
            return Transfer {
                first,
                data: Vec::new(),
                last: None,
            };
        }
        d.write_all(data)
            .unwrap_or_else(|e| panic!("{line}: writing data: {e}"));
        drop(d);
        let last = self.reply();
        Transfer {
            first,
            data: Vec::new(),
            last: Some(last),
        }
    }

    fn retr(&mut self, path: &str) -> Vec<u8> {
        let t = self.download(&format!("RETR {path}"));
        assert!(t.started(), "RETR {path} refused: {:?}", t.first);
        assert_eq!(t.final_code(), 226, "RETR {path}: {t:?}");
        t.data
    }

    fn stor(&mut self, path: &str, data: &[u8]) {
        let t = self.upload(&format!("STOR {path}"), data);
        assert!(t.started(), "STOR {path} refused: {:?}", t.first);
        assert_eq!(t.final_code(), 226, "STOR {path}: {t:?}");
    }

    fn listing(&mut self, line: &str) -> String {
        let t = self.download(line);
        assert!(t.started(), "{line} refused: {:?}", t.first);
        assert_eq!(t.final_code(), 226, "{line}: {t:?}");
        String::from_utf8(t.data).unwrap_or_else(|e| panic!("{line}: listing is not UTF-8: {e}"))
    }

    fn expect_reply(&mut self, code: u16) -> Reply {
        let r = self.reply();
        assert_eq!(r.code.0, code, "expected {code}, got {r:?}");
        r
    }
}
