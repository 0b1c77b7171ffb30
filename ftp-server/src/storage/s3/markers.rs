//! Directory markers: the empty objects `dir/` that MKD writes and RMD
//! deletes, as the S3 console and most S3 tools do. object_store's `Path`
//! cannot end in `/`, so these two requests are made here, with the
//! crate's own HTTP client, credentials and SigV4 signer (`AwsAuthorizer`):
//! a URL, a method and an empty body; no signing is written here.

use std::time::Duration;

use http::{header::CONTENT_LENGTH, Method};
use object_store::aws::{AwsAuthorizer, AwsCredentialProvider};
use object_store::client::{HttpClient, HttpConnector, HttpRequestBody, ReqwestConnector};
use object_store::ClientOptions;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::S3Config;
use crate::storage::StorageError;

/// RFC 3986 unreserved characters and `/` stay as they are: the encoding
/// S3 expects in the canonical URI of a signed request.
const KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

pub(super) struct Markers {
    client: HttpClient,
    /// `http://host:port/bucket` (path style) or `https://bucket.s3.region.amazonaws.com`.
    bucket_url: String,
    region: String,
    credentials: AwsCredentialProvider,
}

impl std::fmt::Debug for Markers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Markers")
            .field("bucket_url", &self.bucket_url)
            .finish_non_exhaustive()
    }
}

impl Markers {
    pub(super) fn new(
        config: &S3Config,
        options: &ClientOptions,
        credentials: AwsCredentialProvider,
    ) -> Result<Markers, String> {
        let client = ReqwestConnector::default()
            .connect(options)
            .map_err(|e| format!("S3 client: {e}"))?;
        let bucket_url = match &config.endpoint {
            Some(endpoint) => format!("{}/{}", endpoint.trim_end_matches('/'), config.bucket),
            None => format!(
                "https://{}.s3.{}.amazonaws.com",
                config.bucket, config.region
            ),
        };
        Ok(Markers {
            client,
            bucket_url,
            region: config.region.clone(),
            credentials,
        })
    }

    /// Write the empty marker object `prefix` (which ends in `/`).
    pub(super) async fn put(&self, prefix: &str, limit: Duration) -> Result<(), StorageError> {
        self.send(Method::PUT, prefix, limit).await
    }

    /// Whether the marker object `prefix` exists (a HEAD: cheaper for a
    /// store than a listing).
    pub(super) async fn exists(&self, prefix: &str, limit: Duration) -> Result<bool, StorageError> {
        match self.send(Method::HEAD, prefix, limit).await {
            Ok(()) => Ok(true),
            Err(StorageError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Delete the marker object `prefix`.
    pub(super) async fn delete(&self, prefix: &str, limit: Duration) -> Result<(), StorageError> {
        self.send(Method::DELETE, prefix, limit).await
    }

    async fn send(&self, method: Method, key: &str, limit: Duration) -> Result<(), StorageError> {
        let what = match method {
            Method::PUT => "put marker",
            Method::HEAD => "head marker",
            _ => "delete marker",
        };
        let request = async {
            let credential = self
                .credentials
                .get_credential()
                .await
                .map_err(|e| StorageError::Unavailable(format!("{what}: credentials: {e}")))?;
            let url = format!("{}/{}", self.bucket_url, utf8_percent_encode(key, KEY));
            let mut request = http::Request::builder()
                .method(method)
                .uri(url)
                .header(CONTENT_LENGTH, "0")
                .body(HttpRequestBody::empty())
                .map_err(|e| StorageError::Unavailable(format!("{what}: {e}")))?;
            AwsAuthorizer::new(&credential, "s3", &self.region).authorize(&mut request, None);
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| StorageError::Unavailable(format!("{what}: {e}")))?;
            let status = response.status();
            match status.as_u16() {
                200..=299 => Ok(()),
                401 | 403 => Err(StorageError::PermissionDenied),
                404 => Err(StorageError::NotFound),
                _ => Err(StorageError::Unavailable(format!("{what}: HTTP {status}"))),
            }
        };
        match tokio::time::timeout(limit, request).await {
            Ok(result) => result,
            Err(_) => Err(StorageError::Unavailable(format!(
                "{what}: no answer within {} s",
                limit.as_secs_f64()
            ))),
        }
    }
}
