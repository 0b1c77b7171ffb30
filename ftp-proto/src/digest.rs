//! Streaming digests of the algorithms HASH and the X* verbs name
//! (draft-bryan-ftp-hash; proftpd's mod_digest): RustCrypto's hashes and
//! crc32fast behind one `Digest`. Pure computation, no I/O: `ftpd` feeds
//! it chunks read from storage, `ftpc` chunks of a local file, so both
//! sides print the same hex for the same bytes.

use sha1::Digest as _;

use crate::HashAlgo;

/// A running digest of one of the algorithms.
pub enum Digest {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    Sha1(sha1::Sha1),
    Md5(md5::Md5),
    Crc32(crc32fast::Hasher),
}

impl Digest {
    pub fn new(algo: HashAlgo) -> Digest {
        match algo {
            HashAlgo::Sha256 => Digest::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => Digest::Sha512(sha2::Sha512::new()),
            HashAlgo::Sha1 => Digest::Sha1(sha1::Sha1::new()),
            HashAlgo::Md5 => Digest::Md5(md5::Md5::new()),
            HashAlgo::Crc32 => Digest::Crc32(crc32fast::Hasher::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Digest::Sha256(h) => h.update(data),
            Digest::Sha512(h) => h.update(data),
            Digest::Sha1(h) => h.update(data),
            Digest::Md5(h) => h.update(data),
            Digest::Crc32(h) => h.update(data),
        }
    }

    /// The digest in lowercase hex (CRC-32 as 8 digits, big-endian).
    pub fn finish_hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Digest::Sha256(h) => h.finalize().to_vec(),
            Digest::Sha512(h) => h.finalize().to_vec(),
            Digest::Sha1(h) => h.finalize().to_vec(),
            Digest::Md5(h) => h.finalize().to_vec(),
            Digest::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(algo: HashAlgo, data: &[u8]) -> String {
        let mut d = Digest::new(algo);
        d.update(data);
        d.finish_hex()
    }

    #[test]
    fn known_digests_of_abc() {
        let cases = [
            (
                HashAlgo::Sha256,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (HashAlgo::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (HashAlgo::Md5, "900150983cd24fb0d6963f7d28e17f72"),
            (HashAlgo::Crc32, "352441c2"),
        ];
        for (algo, want) in cases {
            assert_eq!(hex(algo, b"abc"), want, "{algo:?}");
        }
        assert_eq!(hex(HashAlgo::Sha512, b"abc").len(), 128);
    }
}
