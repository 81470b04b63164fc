//! Secret material: generation, one-way hashing of bearer secrets, and
//! encryption at rest of signing secrets (which must be recoverable to sign).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const API_KEY_PREFIX: &str = "swk_";
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";
pub const PORTAL_TOKEN_PREFIX: &str = "whpt_";

/// Characters of a raw secret kept as a non-sensitive display prefix.
const DISPLAY_PREFIX_LEN: usize = 12;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    rand::thread_rng().fill_bytes(&mut buf);
    buf
}

/// A new project API key, `swk_` + 256 random bits.
pub fn new_api_key() -> String {
    format!(
        "{API_KEY_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}

/// A new portal token, `whpt_` + 256 random bits.
pub fn new_portal_token() -> String {
    format!(
        "{PORTAL_TOKEN_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}

/// A dashboard session id, CSRF token or password-setup token: 256 random
/// bits, URL-safe.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A new `whsec_` secret in the Standard Webhooks form: the part after the
/// prefix is the standard base64 of the 32 key bytes.
pub fn new_webhook_secret() -> String {
    format!(
        "{WEBHOOK_SECRET_PREFIX}{}",
        STANDARD.encode(random_bytes::<32>())
    )
}

/// Bearer secrets are 256-bit random values, so a fast hash is enough: there
/// is nothing to brute-force, and a lookup by hash costs one indexed read
/// (a slow password hash would be wasted work on every request).
pub fn hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

pub fn display_prefix(raw: &str) -> String {
    raw.chars().take(DISPLAY_PREFIX_LEN).collect()
}

/// The HMAC key of a `whsec_` signing secret.
pub fn signing_key_bytes(secret: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD.decode(secret.strip_prefix(WEBHOOK_SECRET_PREFIX).unwrap_or(secret))
}

#[derive(Debug)]
pub enum CipherError {
    BadKey,
    Corrupt,
}

impl std::error::Error for CipherError {}

impl std::fmt::Display for CipherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CipherError::BadKey => write!(f, "the encryption key must be 32 bytes, base64-encoded"),
            CipherError::Corrupt => write!(f, "ciphertext does not decrypt with this key"),
        }
    }
}

/// AES-256-GCM over secrets at rest. Stored form: base64(nonce || ciphertext).
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl SecretBox {
    pub fn generate_key() -> String {
        STANDARD.encode(random_bytes::<32>())
    }

    pub fn from_base64_key(key: &str) -> Result<Self, CipherError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| CipherError::BadKey)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| CipherError::BadKey)?;
        Ok(SecretBox { cipher })
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let nonce = random_bytes::<12>();
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        STANDARD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, CipherError> {
        let raw = STANDARD.decode(stored).map_err(|_| CipherError::Corrupt)?;
        if raw.len() < 12 {
            return Err(CipherError::Corrupt);
        }
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| CipherError::Corrupt)?;
        String::from_utf8(pt).map_err(|_| CipherError::Corrupt)
    }

    /// A value stored beside the data so that a node started with the wrong
    /// key refuses to run instead of failing every delivery later. It is a
    /// MAC of a fixed label, so it reveals nothing about the key.
    pub fn key_check(key_b64: &str) -> String {
        hash(&format!("hookrelay-key-check:{}", hash(key_b64.trim())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_have_their_prefixes_and_entropy() {
        let k = new_api_key();
        assert!(k.starts_with("swk_"));
        assert_eq!(k.len(), 4 + 43);
        let s = new_webhook_secret();
        assert!(s.starts_with("whsec_"));
        assert_eq!(signing_key_bytes(&s).unwrap().len(), 32);
        assert_ne!(new_api_key(), k);
    }

    #[test]
    fn hash_is_stable_and_not_the_secret() {
        let k = new_api_key();
        assert_eq!(hash(&k), hash(&k));
        assert_eq!(hash(&k).len(), 64);
        assert!(!hash(&k).contains(&k[4..]));
        assert_eq!(display_prefix(&k).len(), 12);
    }

    #[test]
    fn secret_box_round_trips_and_detects_wrong_key() {
        let key = SecretBox::generate_key();
        let b = SecretBox::from_base64_key(&key).unwrap();
        let stored = b.encrypt("whsec_abc");
        assert!(!stored.contains("whsec_abc"));
        assert_eq!(b.decrypt(&stored).unwrap(), "whsec_abc");
        let other = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        assert!(other.decrypt(&stored).is_err());
        assert!(SecretBox::from_base64_key("c2hvcnQ=").is_err());
        assert_ne!(
            SecretBox::key_check(&key),
            SecretBox::key_check(&SecretBox::generate_key())
        );
    }
}
