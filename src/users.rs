//! Dashboard users: email and password rules, password hashing, membership
//! roles, session lifetimes and the failed-login limiter. Free of I/O.

use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

pub const MIN_PASSWORD_LEN: usize = 12;
/// Argon2 accepts long inputs, but hashing megabytes on every login attempt
/// would be a cheap way to burn the server's CPU.
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MAX_EMAIL_LEN: usize = 254;
/// How long a password-setup link printed by `hookrelay user create` works.
pub const SETUP_TOKEN_TTL_MS: i64 = 24 * 3600 * 1000;

/// What a member may do in one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Owner,
    Admin,
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Owner => "owner",
            MemberRole::Admin => "admin",
            MemberRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(MemberRole::Owner),
            "admin" => Some(MemberRole::Admin),
            "member" => Some(MemberRole::Member),
            _ => None,
        }
    }

    /// Owners and admins manage API keys, like an `admin` API key does;
    /// members operate webhooks and deliveries, like a `write` key.
    pub fn can_manage_keys(self) -> bool {
        matches!(self, MemberRole::Owner | MemberRole::Admin)
    }
}

/// Trims and lower-cases an email address, and checks its shape. Mail is not
/// sent, so this only guards against typos and junk, not deliverability.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() || email.len() > MAX_EMAIL_LEN {
        return Err("must be an email address of at most 254 characters");
    }
    let (local, domain) = email.split_once('@').ok_or("must be an email address")?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err("must be an email address")
    }
}

pub fn validate_password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(format!("must be at least {MIN_PASSWORD_LEN} characters"));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(format!("must be at most {MAX_PASSWORD_LEN} bytes"));
    }
    Ok(())
}

/// Argon2id with the crate's defaults (the OWASP-recommended 19 MiB, t=2,
/// p=1), as a self-describing PHC string.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .expect("16 bytes is a valid salt length");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("default Argon2id parameters accept any password of bounded length")
        .to_string()
}

/// Checks a password against a stored hash. With no stored hash (unknown
/// email, or a user who has not set a password yet) a dummy hash is checked
/// instead, so the answer takes as long as for a real account.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("hookrelay-dummy-password"));
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && real
}

/// How long sessions live: `idle` since the last request, `absolute` since
/// login, whichever ends first.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionPolicy {
    pub fn is_live(&self, now_ms: i64, last_seen_ms: i64, expires_at_ms: i64) -> bool {
        now_ms < expires_at_ms && now_ms - last_seen_ms < self.idle.as_millis() as i64
    }

    /// Refreshing `last_seen` on every request would turn every dashboard
    /// read into a database write; a tenth of the idle time is precise enough.
    pub fn needs_touch(&self, now_ms: i64, last_seen_ms: i64) -> bool {
        now_ms - last_seen_ms >= (self.idle.as_millis() as i64 / 10).max(1)
    }
}

/// How many failed logins a key (an email address, a client IP) may have in
/// a fixed window. The counts live in the database, so that every node sees
/// the same ones; a fixed window gives the clear "try again in N minutes"
/// answer users need, and only failures count (a success costs nothing).
#[derive(Clone, Copy, Debug)]
pub struct LoginLimit {
    pub max_failures: u32,
    pub window: Duration,
}

impl LoginLimit {
    /// `Some(wait)` while a key whose window started at `window_started_at`
    /// (ms) has used up its failures.
    pub fn wait(&self, window_started_at: i64, failures: i64, now_ms: i64) -> Option<Duration> {
        let window = self.window.as_millis() as i64;
        // Nodes' clocks may differ a little: a start "in the future" is now.
        let elapsed = (now_ms - window_started_at).max(0);
        (elapsed < window && failures >= i64::from(self.max_failures))
            .then(|| Duration::from_millis((window - elapsed) as u64))
    }
}

/// The window over which failed logins are counted.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The dashboard's settings, failed-login limits included (their counts are
/// in the database, shared by every node).
pub struct DashboardSettings {
    pub policy: SessionPolicy,
    pub secure_cookies: bool,
    /// Where a trusted reverse proxy puts the client address.
    pub client_ip_header: Option<axum::http::HeaderName>,
    pub login_by_account: LoginLimit,
    pub login_by_ip: LoginLimit,
}

impl DashboardSettings {
    pub fn new(
        policy: SessionPolicy,
        secure_cookies: bool,
        max_failures: u32,
        client_ip_header: Option<axum::http::HeaderName>,
    ) -> Self {
        DashboardSettings {
            policy,
            secure_cookies,
            client_ip_header,
            login_by_account: LoginLimit {
                max_failures,
                window: LOGIN_WINDOW,
            },
            // One address may front many users (an office NAT), so it gets
            // more room than a single account.
            login_by_ip: LoginLimit {
                max_failures: max_failures.saturating_mul(4),
                window: LOGIN_WINDOW,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "a@b@example.com",
            "ada@.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn password_policy() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("correct horse battery").is_ok());
        assert!(validate_password(&"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert_ne!(h, hash_password("correct horse battery"), "salted");
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(
            !verify_password("hookrelay-dummy-password", None),
            "the dummy hash never lets anyone in"
        );
        assert!(!verify_password("x", Some("not a phc string")));
    }

    #[test]
    fn session_policy_ends_on_idle_or_absolute() {
        let p = SessionPolicy {
            idle: Duration::from_secs(60),
            absolute: Duration::from_secs(3600),
        };
        assert!(p.is_live(1_000, 0, 10_000));
        assert!(!p.is_live(60_000, 0, 3_600_000), "idle too long");
        assert!(!p.is_live(10_000, 9_000, 10_000), "past the absolute end");
        assert!(!p.needs_touch(5_000, 0));
        assert!(p.needs_touch(6_000, 0));
    }

    #[test]
    fn login_limit_blocks_after_max_failures_until_the_window_ends() {
        let l = LoginLimit {
            max_failures: 2,
            window: Duration::from_secs(60),
        };
        assert_eq!(l.wait(0, 1, 1_000), None, "one failure left");
        assert_eq!(l.wait(0, 2, 1_000), Some(Duration::from_secs(59)));
        assert_eq!(l.wait(0, 2, 60_000), None, "the window has passed");
        assert_eq!(
            l.wait(5_000, 2, 1_000),
            Some(Duration::from_secs(60)),
            "a start ahead of this clock"
        );
    }

    #[test]
    fn roles() {
        assert_eq!(MemberRole::parse("owner"), Some(MemberRole::Owner));
        assert_eq!(MemberRole::parse("root"), None);
        assert!(MemberRole::Admin.can_manage_keys());
        assert!(!MemberRole::Member.can_manage_keys());
    }
}
