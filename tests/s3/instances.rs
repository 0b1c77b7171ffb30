//! Two `ftpd` processes on one bucket, as behind a load balancer: what
//! one stores, the other lists and serves at once, and a delete through
//! one is seen by the other at the next command.

use crate::client::ftpc_in;
use crate::support::ftpd::Ftpd;
use crate::support::s3::Bucket;
use crate::support::tree::{assert_same, write_sample_tree};

#[test]
fn two_instances_serve_one_tree() {
    let bucket = Bucket::new();
    let storage = format!("s3://{}/shared", bucket.name);
    let args = [
        "--storage",
        storage.as_str(),
        "--s3-endpoint",
        bucket.endpoint.as_str(),
        "--write",
    ];
    let a = Ftpd::spawn_env(&args, &Bucket::credentials_env());
    let b = Ftpd::spawn_env(&args, &Bucket::credentials_env());
    let url = |f: &Ftpd, rel: &str| format!("ftp://{}/{rel}", f.addr);
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("tree");
    write_sample_tree(&src);
    ftpc_in(local.path(), &["put", "-r", "tree", &url(&a, "")]).ok();
    ftpc_in(local.path(), &["get", "-r", &url(&b, "tree"), "via-b"]).ok();
    assert_same(&src, &local.path().join("via-b"));
    let listed = ftpc_in(local.path(), &["ls", "-R", &url(&b, "tree")]);
    listed.ok();
    assert!(
        listed.stdout_str().contains("deep.bin"),
        "{}",
        listed.stdout_str()
    );
    ftpc_in(local.path(), &["rm", &url(&b, "tree/top.txt")]).ok();
    let gone = ftpc_in(local.path(), &["stat", &url(&a, "tree/top.txt")]);
    assert_ne!(gone.code(), Some(0), "{}", gone.describe());
    assert!(bucket.object("shared/tree/top.txt").is_none());
}
