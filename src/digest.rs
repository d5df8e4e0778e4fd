//! Digests as text: the lower-case hex that fingerprints, content hashes, ETags and cursors are
//! written in. It knows nothing of what it digests.

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
