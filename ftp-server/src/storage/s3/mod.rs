//! The S3 backend: the client's tree is the key space under one bucket
//! prefix of an S3-compatible object store, through `object_store`'s AWS
//! client. Nothing is cached between commands, so several `ftpd`
//! instances can serve one store and each sees the others' changes at the
//! next command.
//!
//! - Files are objects; a directory is a prefix: a marker object `dir/`
//!   (what MKD writes) or any object below it.
//! - STOR buffers up to one part; a small file is one PUT, a larger one a
//!   multipart upload of `part_size` parts with one part in flight while
//!   the next fills ([`upload`]), visible only when it completes.
//! - RETR is one streamed GET, ranged from the REST offset ([`read`]).
//! - Listings are paginated with delimiter `/` and streamed a page at a
//!   time ([`list`]).
//! - No APPE, no REST+STOR and no directory rename (`Capabilities`): S3
//!   cannot change an object in place, and a directory rename would be a
//!   copy of every object under it, not atomic.
//! - Every request and its retries is bounded by `timeout` ([`error`]).
//! - Keys come from one chokepoint ([`keys`]).

mod error;
mod keys;
mod list;
mod markers;
mod ops;
mod read;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{BackoffConfig, ClientOptions, RetryConfig};

use super::{
    BoxFuture, Capabilities, DirStream, Metadata, ReadStream, Storage, StorageError, Upload,
    VirtualPath, WriteMode,
};
use keys::Keys;
use markers::Markers;

/// The smallest part size S3 accepts for every part but the last.
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
/// The default part size of multipart uploads (8 MiB): memory per upload
/// is about two parts, one being sent and one filling.
pub const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;
/// The default bound on one request with its retries.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to reach the object store.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// The key prefix served as `/` (`""` for the whole bucket).
    pub prefix: String,
    /// `http(s)://host:port` of a self-hosted store (path-style requests);
    /// `None` means AWS itself (virtual-hosted style).
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Bound on each request with its retries, and on a stalled download.
    pub timeout: Duration,
    /// Multipart part size; at least `MIN_PART_SIZE`.
    pub part_size: usize,
}

impl std::fmt::Debug for S3Config {
    /// Never prints the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("timeout", &self.timeout)
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

/// What every view of one store shares.
#[derive(Debug)]
struct Inner {
    /// Requests with a whole-request timeout (everything but GET bodies).
    store: AmazonS3,
    /// GETs: no whole-request timeout (a large download takes as long as
    /// it takes); `read` bounds the wait for headers and each stall.
    data: AmazonS3,
    markers: Markers,
    timeout: Duration,
    part_size: usize,
}

/// One sandbox root in the store: the bucket prefix, or a home under it.
#[derive(Debug, Clone)]
pub struct S3Storage {
    inner: Arc<Inner>,
    keys: Keys,
}

impl S3Storage {
    /// Build the clients (no request is made).
    pub fn new(config: &S3Config) -> Result<S3Storage, String> {
        let keys = Keys::new(&config.prefix)?;
        if config.part_size < MIN_PART_SIZE {
            return Err(format!("part size must be at least {MIN_PART_SIZE} bytes"));
        }
        let timeout = config.timeout.max(Duration::from_millis(100));
        let options = ClientOptions::new()
            .with_allow_http(true)
            .with_connect_timeout(timeout)
            .with_timeout(timeout);
        let store = builder(config, timeout)
            .with_client_options(options.clone())
            .build()
            .map_err(|e| format!("S3 client: {e}"))?;
        let data = builder(config, timeout)
            .with_client_options(options.clone().with_timeout_disabled())
            .build()
            .map_err(|e| format!("S3 client: {e}"))?;
        let markers = Markers::new(config, &options, store.credentials().clone())?;
        Ok(S3Storage {
            inner: Arc::new(Inner {
                store,
                data,
                markers,
                timeout,
                part_size: config.part_size,
            }),
            keys,
        })
    }

    /// One cheap listing, to find a missing bucket or refused credentials
    /// at startup rather than at the first login.
    pub async fn check(&self) -> Result<(), StorageError> {
        ops::probe(&self.inner, self.keys.base()).await.map(|_| ())
    }
}

fn builder(config: &S3Config, timeout: Duration) -> AmazonS3Builder {
    // Retries stop at `timeout` in total, so a client waiting for a reply
    // gets one in time (object_store's default is minutes).
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: timeout,
    };
    let mut b = AmazonS3Builder::new()
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(&config.secret_access_key)
        .with_retry(retry);
    if let Some(token) = &config.session_token {
        b = b.with_token(token);
    }
    match &config.endpoint {
        Some(endpoint) => b
            .with_endpoint(endpoint)
            .with_virtual_hosted_style_request(false),
        None => b.with_virtual_hosted_style_request(true),
    }
}

impl Storage for S3Storage {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            append: false,
            write_at: false,
            rename_dirs: false,
            // An object's Last-Modified is when it was written; MFMT is
            // refused rather than emulated with metadata that no other
            // S3 client would read.
            set_modified: false,
            modes: false,
        }
    }

    fn metadata<'a>(
        &'a self,
        path: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Metadata, StorageError>> {
        Box::pin(ops::metadata(&self.inner, &self.keys, path))
    }

    fn list<'a>(
        &'a self,
        path: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Box<dyn DirStream>, StorageError>> {
        Box::pin(async move {
            let stream = list::open(self.inner.clone(), &self.keys, path).await?;
            Ok(Box::new(stream) as Box<dyn DirStream>)
        })
    }

    fn read<'a>(
        &'a self,
        path: &'a VirtualPath,
        offset: u64,
    ) -> BoxFuture<'a, Result<Box<dyn ReadStream>, StorageError>> {
        Box::pin(read::open(&self.inner, &self.keys, path, offset))
    }

    fn write<'a>(
        &'a self,
        path: &'a VirtualPath,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<Box<dyn Upload>, StorageError>> {
        Box::pin(async move {
            let create_new = match mode {
                WriteMode::Replace => false,
                WriteMode::CreateNew => true,
                WriteMode::Append => return Err(StorageError::Unsupported("APPE on S3")),
                WriteMode::At(_) => {
                    return Err(StorageError::Unsupported("REST before STOR on S3"))
                }
            };
            let key = ops::check_new_file(&self.inner, &self.keys, path, create_new).await?;
            Ok(Box::new(upload::S3Upload::new(self.inner.clone(), key)) as Box<dyn Upload>)
        })
    }

    fn create_dir<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(ops::create_dir(&self.inner, &self.keys, path))
    }

    fn remove_dir<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(ops::remove_dir(&self.inner, &self.keys, path))
    }

    fn remove_file<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(ops::remove_file(&self.inner, &self.keys, path))
    }

    fn rename<'a>(
        &'a self,
        from: &'a VirtualPath,
        to: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(ops::rename(&self.inner, &self.keys, from, to))
    }

    fn scope<'a>(
        &'a self,
        home: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Arc<dyn Storage>, StorageError>> {
        Box::pin(async move {
            if !home.is_root() && !ops::metadata(&self.inner, &self.keys, home).await?.is_dir() {
                return Err(StorageError::NotADirectory);
            }
            Ok(Arc::new(S3Storage {
                inner: self.inner.clone(),
                keys: self.keys.scoped(home)?,
            }) as Arc<dyn Storage>)
        })
    }
}
