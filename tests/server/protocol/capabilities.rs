//! A backend that supports less than the local filesystem (as an object
//! store would: no append, no writing at an offset, no directory rename)
//! gets clear refusals from ftpd, at once and before any data moves: 502
//! for APPE, 504 for REST+STOR, 550 for RNFR of a directory. What it does
//! support keeps working, and nothing on disk changes.

use std::path::Path;
use std::sync::Arc;

use ftp_server::storage::{
    BoxFuture, Capabilities, DirStream, LocalStorage, Metadata, ReadStream, Storage, StorageError,
    Upload, VirtualPath, WriteMode,
};

use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::{sha256, sha256_file, TestServer};

/// The local backend with only the basic capabilities. It also refuses the
/// others itself, as a real backend would, so a missing check in ftpd
/// would show up as a wrong reply rather than pass unnoticed.
#[derive(Debug)]
struct Basic(LocalStorage);

const NONE: Capabilities = Capabilities {
    append: false,
    write_at: false,
    rename_dirs: false,
    set_modified: false,
    modes: false,
};

impl Storage for Basic {
    fn capabilities(&self) -> Capabilities {
        NONE
    }
    fn metadata<'a>(&'a self, p: &'a VirtualPath) -> BoxFuture<'a, Result<Metadata, StorageError>> {
        self.0.metadata(p)
    }
    fn list<'a>(
        &'a self,
        p: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Box<dyn DirStream>, StorageError>> {
        self.0.list(p)
    }
    fn read<'a>(
        &'a self,
        p: &'a VirtualPath,
        offset: u64,
    ) -> BoxFuture<'a, Result<Box<dyn ReadStream>, StorageError>> {
        self.0.read(p, offset)
    }
    fn write<'a>(
        &'a self,
        p: &'a VirtualPath,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<Box<dyn Upload>, StorageError>> {
        match mode {
            WriteMode::Append => Box::pin(async { Err(StorageError::Unsupported("append")) }),
            WriteMode::At(_) => Box::pin(async { Err(StorageError::Unsupported("write at")) }),
            _ => self.0.write(p, mode),
        }
    }
    fn create_dir<'a>(&'a self, p: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        self.0.create_dir(p)
    }
    fn remove_dir<'a>(&'a self, p: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        self.0.remove_dir(p)
    }
    fn remove_file<'a>(&'a self, p: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        self.0.remove_file(p)
    }
    fn rename<'a>(
        &'a self,
        from: &'a VirtualPath,
        to: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            if self.0.metadata(from).await?.is_dir() {
                return Err(StorageError::Unsupported("rename a directory"));
            }
            self.0.rename(from, to).await
        })
    }
    fn scope<'a>(
        &'a self,
        home: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Arc<dyn Storage>, StorageError>> {
        self.0.scope(home)
    }
}

fn basic_server() -> TestServer {
    TestServer::start_with_storage(Box::new(|root: &Path| {
        Arc::new(Basic(LocalStorage::new(root).expect("root"))) as Arc<dyn Storage>
    }))
}

#[test]
fn unsupported_writes_are_refused_before_the_data_connection_is_used() {
    let s = basic_server();
    std::fs::write(s.path("f.bin"), b"0123456789").expect("write");
    std::fs::create_dir(s.path("dir")).expect("mkdir");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);

    let appe = r.upload("APPE f.bin", b"tail");
    assert!(!appe.started(), "{appe:?}");
    assert_eq!(appe.first.code.0, 502, "{appe:?}");

    r.expect("REST 4", 350);
    let stor = r.upload("STOR f.bin", b"XY");
    assert!(!stor.started(), "{stor:?}");
    assert_eq!(stor.first.code.0, 504, "{stor:?}");
    assert_eq!(std::fs::read(s.path("f.bin")).expect("read"), b"0123456789");

    let reply = r.expect("RNFR dir", 550);
    assert!(reply.text().contains("not supported"), "{reply:?}");
    // No rename is pending after the refusal.
    r.expect("RNTO moved", 503);
    assert!(s.path("dir").is_dir());
    r.expect("NOOP", 200);
}

#[test]
fn supported_operations_still_work_on_a_basic_backend() {
    let s = basic_server();
    let data = crate::support::pseudo_random(300_000, 7);
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    r.stor("new.bin", &data);
    assert_eq!(sha256_file(&s.path("new.bin")), sha256(&data));
    // A ranged read (REST+RETR) needs no extra capability.
    r.expect("REST 1000", 350);
    let tail = r.download("RETR new.bin");
    assert_eq!(tail.final_code(), 226);
    assert_eq!(sha256(&tail.data), sha256(&data[1000..]));
    r.expect("RNFR new.bin", 350);
    r.expect("RNTO renamed.bin", 250);
    assert_eq!(sha256_file(&s.path("renamed.bin")), sha256(&data));
    let stou = r.upload("STOU renamed.bin", b"unique");
    assert_eq!(stou.final_code(), 226, "{stou:?}");
    assert_eq!(
        std::fs::read(s.path("renamed.bin.1")).expect("read"),
        b"unique"
    );
}
