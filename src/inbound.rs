//! Inbound verification: how a webhook's ingest URL checks a request from a
//! provider that signs its own way (Stripe, GitHub, Shopify, Slack,
//! Standard Webhooks/Svix, Twilio, a generic HMAC, basic auth), free of I/O.
//!
//! Each check follows the provider's documentation: the raw body as
//! received, the provider's timestamp tolerance, MACs compared in constant
//! time (`Mac::verify_slice`). No crate covers these providers together;
//! the one Standard Webhooks crate reads the wall clock and knows only
//! `webhook-*` headers, so those checks reuse `signing::verify` instead.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::secrets;

/// Timestamped providers' default tolerance: what Stripe, Slack and the
/// Standard Webhooks libraries use.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;
pub const MAX_TOLERANCE_SECS: i64 = 86_400;
pub const MAX_SECRET_LEN: usize = 1000;
pub const MAX_PREFIX_LEN: usize = 64;
/// Provider event types longer than this are not kept.
const MAX_EVENT_TYPE_LEN: usize = crate::applications::MAX_EVENT_TYPE_LEN;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
#[schema(as = VerificationProvider)]
pub enum Provider {
    Stripe,
    Github,
    Shopify,
    Slack,
    /// `webhook-*` or `svix-*` headers; several signatures while the
    /// sender rotates.
    StandardWebhooks,
    Twilio,
    /// A generic HMAC over the body (and optionally a timestamp header).
    Hmac,
    /// `Authorization: Basic`, with `username` and the secret as password.
    Basic,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = HmacAlgorithm)]
pub enum Algorithm {
    #[default]
    Sha256,
    Sha1,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = SignatureEncoding)]
pub enum Encoding {
    #[default]
    Hex,
    Base64,
}

/// How a webhook's ingest URL verifies requests. The provider's secret is
/// not part of it: it is stored encrypted, as a secret version of kind
/// `verification`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "provider": "github", "requireIngestSecret": false }))]
pub struct Verification {
    pub provider: Provider,
    /// False (default): the provider's signature replaces the bearer ingest
    /// secret. True: both are required (not with `basic`, which takes the
    /// same header).
    #[serde(default)]
    pub require_ingest_secret: bool,
    /// Timestamped providers (stripe, slack, standard-webhooks, hmac with
    /// `timestampHeader`): how far the signed timestamp may be from the
    /// server's clock, 1 to 86400 seconds (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance_seconds: Option<i64>,
    /// hmac: the header carrying the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// hmac: `sha256` (default) or `sha1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// hmac: `hex` (default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// hmac: text before the signature in the header, e.g. `sha256=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// hmac: a header with a unix timestamp; when set, what is signed is
    /// `{timestamp}.{body}` and the timestamp must be within tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_header: Option<String>,
    /// basic: the expected user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Write only. The provider's secret (Stripe's `whsec_...`, the GitHub
    /// webhook secret, Shopify's client secret, Slack's signing secret,
    /// Twilio's auth token, the basic password). Required when the provider
    /// issues it; otherwise one is generated when the provider is set and
    /// shown once as `verificationSecret`. Rotate it with overlap through
    /// `rotate-verification-secret`.
    #[serde(default, skip_serializing)]
    #[schema(write_only)]
    pub secret: Option<String>,
}

/// A refused request's answer: the status the provider's retry logic
/// expects, and why (kept for the webhook's refusal log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub reason: String,
}

/// A request as received at the ingest URL.
pub struct Inbound<'a> {
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The full URL the sender called (Twilio signs it).
    pub url: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// A field of the configuration that is wrong, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

impl Provider {
    /// Providers that issue the secret themselves: it must be given.
    pub fn issues_secret(self) -> bool {
        matches!(
            self,
            Provider::Stripe | Provider::Shopify | Provider::Slack | Provider::Twilio
        )
    }

    /// What the sender expects on refusal. Any non-2xx makes each of them
    /// retry; these are the statuses their documentation shows.
    fn refusal_status(self) -> u16 {
        match self {
            Provider::Stripe => 400,
            Provider::Twilio => 403,
            _ => 401,
        }
    }
}

impl Verification {
    fn timestamped(&self) -> bool {
        match self.provider {
            Provider::Stripe | Provider::Slack | Provider::StandardWebhooks => true,
            Provider::Hmac => self.timestamp_header.is_some(),
            _ => false,
        }
    }

    fn tolerance(&self) -> i64 {
        self.tolerance_seconds.unwrap_or(DEFAULT_TOLERANCE_SECS)
    }

    /// Checks a configuration and its secret, if it carries one. Field
    /// names are relative to `verification`.
    pub fn validate(&self) -> Result<(), Invalid> {
        let hmac_only = [
            ("header", self.header.is_some()),
            ("algorithm", self.algorithm.is_some()),
            ("encoding", self.encoding.is_some()),
            ("prefix", self.prefix.is_some()),
            ("timestampHeader", self.timestamp_header.is_some()),
        ];
        if self.provider != Provider::Hmac {
            if let Some((field, _)) = hmac_only.iter().find(|(_, set)| *set) {
                return Err(invalid(field, "applies only to the hmac provider"));
            }
        }
        if self.provider != Provider::Basic && self.username.is_some() {
            return Err(invalid("username", "applies only to the basic provider"));
        }
        if let Some(t) = self.tolerance_seconds {
            if !self.timestamped() {
                return Err(invalid(
                    "toleranceSeconds",
                    "applies only to stripe, slack, standard-webhooks and hmac with timestampHeader",
                ));
            }
            if !(1..=MAX_TOLERANCE_SECS).contains(&t) {
                return Err(invalid(
                    "toleranceSeconds",
                    format!("must be between 1 and {MAX_TOLERANCE_SECS}"),
                ));
            }
        }
        match self.provider {
            Provider::Hmac => {
                let header = self
                    .header
                    .as_deref()
                    .ok_or_else(|| invalid("header", "is required for the hmac provider"))?;
                header_name(header).map_err(|e| invalid("header", e))?;
                if let Some(t) = &self.timestamp_header {
                    header_name(t).map_err(|e| invalid("timestampHeader", e))?;
                }
                if self
                    .prefix
                    .as_ref()
                    .is_some_and(|p| p.len() > MAX_PREFIX_LEN)
                {
                    return Err(invalid(
                        "prefix",
                        format!("must be at most {MAX_PREFIX_LEN} characters"),
                    ));
                }
            }
            Provider::Basic => {
                let user = self
                    .username
                    .as_deref()
                    .ok_or_else(|| invalid("username", "is required for the basic provider"))?;
                if user.is_empty() || user.len() > 200 || user.contains(':') {
                    return Err(invalid(
                        "username",
                        "must be 1 to 200 characters without ':'",
                    ));
                }
                if self.require_ingest_secret {
                    return Err(invalid(
                        "requireIngestSecret",
                        "basic auth and the bearer ingest secret both use the Authorization header",
                    ));
                }
            }
            _ => {}
        }
        match &self.secret {
            None => Ok(()),
            Some(s) => validate_secret(self.provider, s).map_err(|e| invalid("secret", e)),
        }
    }

    /// Why a provider newly set without a secret cannot have one generated.
    pub fn missing_secret(&self) -> Option<Invalid> {
        (self.secret.is_none() && self.provider.issues_secret()).then(|| {
            invalid(
                "secret",
                "is required: this provider issues the secret (copy it from its settings)",
            )
        })
    }

    /// A secret for providers where the receiver may choose it (shown once).
    pub fn generate_secret(&self) -> Option<String> {
        match self.provider {
            _ if self.provider.issues_secret() => None,
            Provider::StandardWebhooks => Some(secrets::new_webhook_secret()),
            _ => Some(secrets::new_token()),
        }
    }

    /// Checks a request against each of the live secrets (the current one
    /// and, during a rotation's overlap, its predecessor).
    pub fn verify(&self, live_secrets: &[String], req: &Inbound) -> Result<(), Refusal> {
        self.check(live_secrets, req).map_err(|reason| Refusal {
            status: self.provider.refusal_status(),
            reason,
        })
    }

    fn check(&self, live: &[String], req: &Inbound) -> Result<(), String> {
        if live.is_empty() {
            return Err("no verification secret is set for this webhook".into());
        }
        let tolerance = self.tolerance();
        let matched = match self.provider {
            Provider::Stripe => {
                let h = header(req, "stripe-signature")?;
                let mut timestamp = None;
                let mut signatures = Vec::new();
                for item in h.split(',') {
                    match item.trim().split_once('=') {
                        Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
                        Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let t = timestamp.ok_or("Stripe-Signature has no t= timestamp")?;
                fresh(t, req.now, tolerance)?;
                if signatures.is_empty() {
                    return Err("Stripe-Signature has no v1= signature".into());
                }
                let signed = [t.to_string().as_bytes(), &b"."[..], req.body].concat();
                any_mac::<Hmac<Sha256>>(live, &signed, &signatures)
            }
            Provider::Github => {
                let h = header(req, "x-hub-signature-256")?;
                let sig = h
                    .strip_prefix("sha256=")
                    .and_then(|s| hex::decode(s).ok())
                    .ok_or("X-Hub-Signature-256 is not sha256=<hex>")?;
                any_mac::<Hmac<Sha256>>(live, req.body, &[sig])
            }
            Provider::Shopify => {
                let sig = STANDARD
                    .decode(header(req, "x-shopify-hmac-sha256")?)
                    .map_err(|_| "X-Shopify-Hmac-Sha256 is not base64")?;
                any_mac::<Hmac<Sha256>>(live, req.body, &[sig])
            }
            Provider::Slack => {
                let t = header(req, "x-slack-request-timestamp")?
                    .parse::<i64>()
                    .map_err(|_| "X-Slack-Request-Timestamp is not a unix timestamp")?;
                fresh(t, req.now, tolerance)?;
                let sig = header(req, "x-slack-signature")?
                    .strip_prefix("v0=")
                    .and_then(|s| hex::decode(s).ok())
                    .ok_or("X-Slack-Signature is not v0=<hex>")?;
                let signed = [&b"v0:"[..], t.to_string().as_bytes(), &b":"[..], req.body].concat();
                any_mac::<Hmac<Sha256>>(live, &signed, &[sig])
            }
            Provider::StandardWebhooks => standard_webhooks(live, req, tolerance)?,
            Provider::Twilio => twilio(live, req)?,
            Provider::Hmac => {
                let name = self.header.as_deref().unwrap_or_default();
                let raw = header(req, name)?;
                let raw = match self.prefix.as_deref() {
                    Some(p) => raw
                        .strip_prefix(p)
                        .ok_or_else(|| format!("{name} does not start with {p:?}"))?,
                    None => raw,
                };
                let sig = match self.encoding.unwrap_or_default() {
                    Encoding::Hex => hex::decode(raw).ok(),
                    Encoding::Base64 => STANDARD.decode(raw).ok(),
                }
                .ok_or_else(|| {
                    format!(
                        "{name} is not {:?}-encoded",
                        self.encoding.unwrap_or_default()
                    )
                })?;
                let signed = match self.timestamp_header.as_deref() {
                    Some(ts_name) => {
                        let t = header(req, ts_name)?;
                        let ts = t
                            .parse::<i64>()
                            .map_err(|_| format!("{ts_name} is not a unix timestamp"))?;
                        fresh(ts, req.now, tolerance)?;
                        [t.as_bytes(), &b"."[..], req.body].concat()
                    }
                    None => req.body.to_vec(),
                };
                match self.algorithm.unwrap_or_default() {
                    Algorithm::Sha256 => any_mac::<Hmac<Sha256>>(live, &signed, &[sig]),
                    Algorithm::Sha1 => any_mac::<Hmac<Sha1>>(live, &signed, &[sig]),
                }
            }
            Provider::Basic => {
                let given = header(req, "authorization")?
                    .strip_prefix("Basic ")
                    .and_then(|c| STANDARD.decode(c.trim()).ok())
                    .ok_or("Authorization is not Basic credentials")?;
                let user = self.username.as_deref().unwrap_or_default();
                // Digests compared, so that not even the length leaks.
                let given = Sha256::digest(&given);
                live.iter().any(|password| {
                    let expected = Sha256::digest(format!("{user}:{password}").as_bytes());
                    bool::from(expected.as_slice().ct_eq(given.as_slice()))
                })
            }
        };
        if matched {
            Ok(())
        } else {
            Err(match self.provider {
                Provider::Basic => "wrong user name or password".into(),
                _ => "no signature matched (a wrong secret, or a body changed on the way)".into(),
            })
        }
    }
}

fn header_name(name: &str) -> Result<(), String> {
    HeaderName::from_bytes(name.as_bytes())
        .map(|_| ())
        .map_err(|_| format!("{name:?} is not a valid header name"))
}

fn validate_secret(provider: Provider, secret: &str) -> Result<(), String> {
    if secret.is_empty() || secret.len() > MAX_SECRET_LEN {
        return Err(format!("must be 1 to {MAX_SECRET_LEN} characters"));
    }
    if provider == Provider::StandardWebhooks {
        secrets::signing_key_bytes(secret)
            .map_err(|_| "must be whsec_ followed by the base64 key")?;
    }
    Ok(())
}

/// A header's value, or why the request is refused without it.
fn header<'a>(req: &'a Inbound, name: &str) -> Result<&'a str, String> {
    req.headers
        .get(name)
        .ok_or_else(|| format!("missing {name} header"))?
        .to_str()
        .map_err(|_| format!("{name} header is not visible ASCII"))
}

fn fresh(timestamp: i64, now: i64, tolerance: i64) -> Result<(), String> {
    let off = now - timestamp;
    if off.abs() > tolerance {
        return Err(format!(
            "timestamp {timestamp} is {off} s from this server's clock, beyond the {tolerance} s tolerance (a replayed request, or a clock off)"
        ));
    }
    Ok(())
}

/// Whether any signature is the MAC `M` of `signed` under any secret (its
/// UTF-8 bytes, as Stripe, GitHub, Shopify, Slack and Twilio key their
/// HMACs), compared in constant time.
fn any_mac<M: Mac + KeyInit>(live: &[String], signed: &[u8], signatures: &[Vec<u8>]) -> bool {
    live.iter().any(|secret| {
        signatures.iter().any(|sig| {
            let mut mac = <M as Mac>::new_from_slice(secret.as_bytes())
                .expect("HMAC accepts keys of any length");
            mac.update(signed);
            mac.verify_slice(sig).is_ok()
        })
    })
}

fn standard_webhooks(live: &[String], req: &Inbound, tolerance: i64) -> Result<bool, String> {
    let prefix = if req.headers.contains_key("webhook-id") {
        "webhook"
    } else {
        "svix"
    };
    let id = header(req, &format!("{prefix}-id"))?;
    let ts = header(req, &format!("{prefix}-timestamp"))?
        .parse::<i64>()
        .map_err(|_| format!("{prefix}-timestamp is not a unix timestamp"))?;
    let sig = header(req, &format!("{prefix}-signature"))?;
    fresh(ts, req.now, tolerance)?;
    Ok(live.iter().any(|secret| {
        secrets::signing_key_bytes(secret).is_ok_and(|key| {
            crate::signing::verify(&key, id, ts, req.body, sig, req.now, None).is_ok()
        })
    }))
}

/// Twilio signs the URL it called followed by the form parameters sorted by
/// name (each name then its value); a JSON body instead carries its SHA-256
/// in the URL's `bodySHA256` parameter and the URL alone is signed.
fn twilio(live: &[String], req: &Inbound) -> Result<bool, String> {
    let sig = STANDARD
        .decode(header(req, "x-twilio-signature")?)
        .map_err(|_| "X-Twilio-Signature is not base64")?;
    let url = url::Url::parse(req.url).map_err(|_| "the ingest URL could not be read")?;
    let body_hash = url
        .query_pairs()
        .find(|(k, _)| k == "bodySHA256")
        .map(|(_, v)| v.into_owned());
    let signed = match body_hash {
        Some(expected) => {
            if hex::encode(Sha256::digest(req.body)) != expected.to_ascii_lowercase() {
                return Err("the body does not match the URL's bodySHA256".into());
            }
            req.url.as_bytes().to_vec()
        }
        None => {
            let mut params: Vec<(String, String)> = url::form_urlencoded::parse(req.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            params.sort();
            let mut signed = req.url.to_string();
            for (k, v) in params {
                signed.push_str(&k);
                signed.push_str(&v);
            }
            signed.into_bytes()
        }
    };
    Ok(any_mac::<Hmac<Sha1>>(live, &signed, &[sig]))
}

/// The provider's own name for the event, to become the event's type:
/// `X-GitHub-Event`, `X-Shopify-Topic`, or the JSON body's `type` (Stripe,
/// Standard Webhooks; Slack's `event.type` inside an event callback).
pub fn event_type(provider: Provider, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let from_header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let from_json = |nested: bool| {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let inner = nested
            .then(|| v.pointer("/event/type"))
            .flatten()
            .and_then(|t| t.as_str());
        inner
            .or_else(|| v.get("type").and_then(|t| t.as_str()))
            .map(str::to_string)
    };
    let t = match provider {
        Provider::Github => from_header("x-github-event"),
        Provider::Shopify => from_header("x-shopify-topic"),
        Provider::Stripe | Provider::StandardWebhooks => from_json(false),
        Provider::Slack => from_json(true),
        Provider::Twilio | Provider::Hmac | Provider::Basic => None,
    }?;
    let t = t.trim();
    (!t.is_empty() && t.len() <= MAX_EVENT_TYPE_LEN && !t.chars().any(char::is_control))
        .then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    struct Vectors {
        vectors: Vec<Vector>,
    }

    #[derive(Deserialize)]
    struct Vector {
        name: String,
        config: Verification,
        secret: String,
        body: String,
        headers: BTreeMap<String, String>,
        #[serde(default)]
        url: String,
        now: i64,
        valid: bool,
    }

    fn header_map(h: &BTreeMap<String, String>) -> HeaderMap {
        h.iter()
            .map(|(k, v)| {
                (
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    fn verdict(
        config: &Verification,
        secrets: &[&str],
        h: &HeaderMap,
        body: &str,
        url: &str,
        now: i64,
    ) -> Result<(), Refusal> {
        let live: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
        config.verify(
            &live,
            &Inbound {
                headers: h,
                body: body.as_bytes(),
                url,
                now,
            },
        )
    }

    /// Each case was signed and judged by the provider's official library
    /// (tests/fixtures/inbound/generate.mjs); we must judge it the same.
    #[test]
    fn official_library_vectors_get_the_official_verdict() {
        let raw = include_str!("../tests/fixtures/inbound/vectors.json");
        let vectors = serde_json::from_str::<Vectors>(raw).unwrap().vectors;
        assert!(vectors.len() >= 30);
        for v in &vectors {
            let h = header_map(&v.headers);
            let got = verdict(&v.config, &[v.secret.as_str()], &h, &v.body, &v.url, v.now);
            assert_eq!(got.is_ok(), v.valid, "{}: {got:?}", v.name);
            // A rotation's overlap: the old secret beside the new one.
            let got = verdict(
                &v.config,
                &["an older secret", v.secret.as_str()],
                &h,
                &v.body,
                &v.url,
                v.now,
            );
            assert_eq!(got.is_ok(), v.valid, "{} (overlap): {got:?}", v.name);
        }
        for provider in ["stripe", "github", "shopify", "slack", "twilio"] {
            assert!(vectors
                .iter()
                .any(|v| v.valid && v.name.starts_with(provider)));
        }
        assert!(vectors
            .iter()
            .any(|v| v.valid && v.headers.contains_key("svix-id")));
        assert!(vectors
            .iter()
            .any(|v| v.valid && v.headers.contains_key("webhook-id")));
    }

    fn config(json: serde_json::Value) -> Verification {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn refusals_carry_the_providers_status_and_a_reason() {
        let h = HeaderMap::new();
        let stripe = config(serde_json::json!({ "provider": "stripe" }));
        let r = verdict(&stripe, &["whsec_x"], &h, "{}", "", 0).unwrap_err();
        assert_eq!(r.status, 400);
        assert!(r.reason.contains("stripe-signature"), "{}", r.reason);
        let gh = config(serde_json::json!({ "provider": "github" }));
        assert_eq!(
            verdict(&gh, &["s"], &h, "{}", "", 0).unwrap_err().status,
            401
        );
        let r = verdict(&gh, &[], &h, "{}", "", 0).unwrap_err();
        assert!(r.reason.contains("no verification secret"));
    }

    #[test]
    fn generic_hmac_with_prefix_encoding_and_timestamp() {
        let cfg = config(serde_json::json!({
            "provider": "hmac", "header": "x-sig", "algorithm": "sha1", "encoding": "base64",
            "prefix": "sha1=", "timestampHeader": "x-ts", "toleranceSeconds": 60
        }));
        assert_eq!(cfg.validate(), Ok(()));
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(b"k").unwrap();
        mac.update(b"1000.{\"a\":1}");
        let sig = format!("sha1={}", STANDARD.encode(mac.finalize().into_bytes()));
        let h = header_map(&BTreeMap::from([
            ("x-sig".to_string(), sig.clone()),
            ("x-ts".to_string(), "1000".to_string()),
        ]));
        assert_eq!(verdict(&cfg, &["k"], &h, r#"{"a":1}"#, "", 1030), Ok(()));
        let stale = verdict(&cfg, &["k"], &h, r#"{"a":1}"#, "", 1061).unwrap_err();
        assert!(stale.reason.contains("tolerance"), "{}", stale.reason);
        assert!(verdict(&cfg, &["k"], &h, r#"{"a":2}"#, "", 1000).is_err());
        assert!(verdict(&cfg, &["other"], &h, r#"{"a":1}"#, "", 1000).is_err());
        let no_prefix = header_map(&BTreeMap::from([
            (
                "x-sig".to_string(),
                sig.trim_start_matches("sha1=").to_string(),
            ),
            ("x-ts".to_string(), "1000".to_string()),
        ]));
        let r = verdict(&cfg, &["k"], &no_prefix, r#"{"a":1}"#, "", 1000).unwrap_err();
        assert!(r.reason.contains("does not start with"), "{}", r.reason);

        let plain = config(serde_json::json!({ "provider": "hmac", "header": "x-sig" }));
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"k").unwrap();
        mac.update(b"body");
        let h = header_map(&BTreeMap::from([(
            "x-sig".to_string(),
            hex::encode(mac.finalize().into_bytes()),
        )]));
        assert_eq!(verdict(&plain, &["k"], &h, "body", "", 0), Ok(()));
    }

    #[test]
    fn basic_auth_compares_user_and_password() {
        let cfg = config(serde_json::json!({ "provider": "basic", "username": "stripe" }));
        let auth = |cred: &str| {
            header_map(&BTreeMap::from([(
                "authorization".to_string(),
                format!("Basic {}", STANDARD.encode(cred)),
            )]))
        };
        assert_eq!(
            verdict(&cfg, &["pw"], &auth("stripe:pw"), "", "", 0),
            Ok(())
        );
        assert_eq!(
            verdict(&cfg, &["old", "pw"], &auth("stripe:pw"), "", "", 0),
            Ok(())
        );
        assert!(verdict(&cfg, &["pw"], &auth("stripe:px"), "", "", 0).is_err());
        assert!(verdict(&cfg, &["pw"], &auth("other:pw"), "", "", 0).is_err());
        let bearer = header_map(&BTreeMap::from([(
            "authorization".to_string(),
            "Bearer whsec_x".to_string(),
        )]));
        assert!(verdict(&cfg, &["pw"], &bearer, "", "", 0).is_err());
    }

    #[test]
    fn invalid_configurations_name_the_field() {
        let field = |json: serde_json::Value, secret: Option<&str>| {
            let mut c = config(json);
            c.secret = secret.map(str::to_string);
            c.validate().err().map(|e| e.field)
        };
        use serde_json::json;
        let stripe = config(json!({ "provider": "stripe" }));
        assert_eq!(stripe.missing_secret().map(|e| e.field), Some("secret"));
        assert!(config(json!({ "provider": "github" }))
            .missing_secret()
            .is_none());
        assert_eq!(
            field(json!({ "provider": "stripe" }), Some("whsec_x")),
            None
        );
        assert_eq!(
            field(json!({ "provider": "stripe" }), Some("")),
            Some("secret")
        );
        assert_eq!(field(json!({ "provider": "github" }), None), None);
        assert_eq!(
            field(json!({ "provider": "github", "header": "x" }), None),
            Some("header")
        );
        assert_eq!(field(json!({ "provider": "hmac" }), None), Some("header"));
        assert_eq!(
            field(json!({ "provider": "hmac", "header": "bad name" }), None),
            Some("header")
        );
        assert_eq!(
            field(json!({ "provider": "github", "toleranceSeconds": 5 }), None),
            Some("toleranceSeconds")
        );
        assert_eq!(
            field(
                json!({ "provider": "slack", "toleranceSeconds": 0 }),
                Some("s")
            ),
            Some("toleranceSeconds")
        );
        assert_eq!(
            field(json!({ "provider": "basic" }), None),
            Some("username")
        );
        assert_eq!(
            field(
                json!({ "provider": "basic", "username": "u", "requireIngestSecret": true }),
                None
            ),
            Some("requireIngestSecret")
        );
        assert_eq!(
            field(
                json!({ "provider": "standard-webhooks" }),
                Some("whsec_%%%")
            ),
            Some("secret")
        );
        assert!(serde_json::from_value::<Verification>(json!({ "provider": "paypal" })).is_err());
    }

    #[test]
    fn provider_event_types() {
        let h = header_map(&BTreeMap::from([
            ("x-github-event".to_string(), "pull_request".to_string()),
            ("x-shopify-topic".to_string(), "orders/create".to_string()),
        ]));
        assert_eq!(
            event_type(Provider::Github, &h, b"{}").as_deref(),
            Some("pull_request")
        );
        assert_eq!(
            event_type(Provider::Shopify, &h, b"{}").as_deref(),
            Some("orders/create")
        );
        let stripe = br#"{"type":"invoice.paid"}"#;
        assert_eq!(
            event_type(Provider::Stripe, &h, stripe).as_deref(),
            Some("invoice.paid")
        );
        let slack = br#"{"type":"event_callback","event":{"type":"app_mention"}}"#;
        assert_eq!(
            event_type(Provider::Slack, &h, slack).as_deref(),
            Some("app_mention")
        );
        assert_eq!(event_type(Provider::Stripe, &h, b"not json"), None);
        assert_eq!(event_type(Provider::Hmac, &h, stripe), None);
    }
}
