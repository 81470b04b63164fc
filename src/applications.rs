//! Rules for applications, event types and endpoint subscriptions, free of
//! I/O.

use std::collections::BTreeSet;

pub const MAX_UID_LEN: usize = 256;
pub const MAX_EVENT_TYPE_LEN: usize = 256;
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
pub const MAX_SUBSCRIPTIONS: usize = 100;
pub const MAX_FRAME_ANCESTORS: usize = 20;
/// The event type of the portal's "send test event".
pub const TEST_EVENT_TYPE: &str = "hookrelay.test";
/// Endpoints per application unless the project sets its own cap.
pub const DEFAULT_MAX_ENDPOINTS_PER_APPLICATION: i64 = 50;

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A project's own id for its customer: 1–256 of `A-Z a-z 0-9 - _ .`, and
/// not shaped like an application id, since either may address the
/// application in a URL.
pub fn validate_uid(uid: &str) -> Result<(), String> {
    if uid.is_empty() || uid.len() > MAX_UID_LEN || !uid.chars().all(is_token_char) {
        return Err(format!(
            "must be 1 to {MAX_UID_LEN} characters of A-Z, a-z, 0-9, '-', '_' and '.'"
        ));
    }
    if crate::ids::has_prefix(uid, crate::ids::APPLICATION) {
        return Err("must not look like an application id (app_...)".into());
    }
    Ok(())
}

/// Event type names, e.g. `invoice.paid`: 1–256 of `A-Z a-z 0-9 - _ .`.
pub fn validate_event_type(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_EVENT_TYPE_LEN || !name.chars().all(is_token_char) {
        return Err(format!(
            "must be 1 to {MAX_EVENT_TYPE_LEN} characters of A-Z, a-z, 0-9, '-', '_' and '.'"
        ));
    }
    Ok(())
}

/// Metadata and payload schemas: a JSON object of bounded size, serialized.
pub fn json_object(v: &serde_json::Value) -> Result<String, String> {
    if !v.is_object() {
        return Err("must be a JSON object".into());
    }
    let s = v.to_string();
    if s.len() > MAX_METADATA_BYTES {
        return Err(format!(
            "must be at most {MAX_METADATA_BYTES} bytes of JSON"
        ));
    }
    Ok(s)
}

/// An endpoint's subscription list: distinct valid names, sorted. Whether
/// they are known types is checked against the store.
pub fn normalize_subscriptions(types: &[String]) -> Result<Vec<String>, String> {
    if types.len() > MAX_SUBSCRIPTIONS {
        return Err(format!("at most {MAX_SUBSCRIPTIONS} event types"));
    }
    for t in types {
        validate_event_type(t).map_err(|e| format!("{t:?} {e}"))?;
    }
    Ok(types
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect())
}

/// Whether an endpoint with this stored subscription (JSON array, or None
/// for all types) receives `event_type`.
pub fn subscribes(stored: Option<&str>, event_type: &str) -> bool {
    match stored {
        None => true,
        Some(json) => serde_json::from_str::<Vec<String>>(json)
            .is_ok_and(|types| types.iter().any(|t| t == event_type)),
    }
}

/// Origins allowed to frame an application's portal: `*`, `'self'`, or
/// `http(s)://host[:port]` origins. Returns them in canonical form.
pub fn normalize_frame_ancestors(values: &[String]) -> Result<Vec<String>, String> {
    if values.len() > MAX_FRAME_ANCESTORS {
        return Err(format!("at most {MAX_FRAME_ANCESTORS} origins"));
    }
    values
        .iter()
        .map(|v| {
            if v == "*" || v == "'self'" {
                return Ok(v.clone());
            }
            let url = url::Url::parse(v)
                .map_err(|_| format!("{v:?} is not an origin like https://example.com"))?;
            let is_origin = matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
                && url.username().is_empty();
            if !is_origin {
                return Err(format!("{v:?} is not an origin like https://example.com"));
            }
            Ok(url.origin().ascii_serialization())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_and_event_types_are_url_safe_tokens() {
        assert!(validate_uid("customer-42.eu_1").is_ok());
        assert!(validate_uid("").is_err());
        assert!(validate_uid("has space").is_err());
        assert!(validate_uid(&"x".repeat(257)).is_err());
        assert!(validate_uid(&crate::ids::new_id(crate::ids::APPLICATION)).is_err());
        assert!(validate_event_type("invoice.paid").is_ok());
        assert!(validate_event_type("invoice/paid").is_err());
    }

    #[test]
    fn subscriptions_filter_event_types() {
        assert!(subscribes(None, "a.b"));
        assert!(subscribes(Some(r#"["a.b","c"]"#), "a.b"));
        assert!(!subscribes(Some(r#"["c"]"#), "a.b"));
        assert!(!subscribes(Some("[]"), "a.b"));
        assert_eq!(
            normalize_subscriptions(&["b".into(), "a".into(), "b".into()]).unwrap(),
            vec!["a", "b"]
        );
        assert!(normalize_subscriptions(&["bad type".into()]).is_err());
    }

    #[test]
    fn metadata_must_be_a_small_object() {
        assert_eq!(
            json_object(&serde_json::json!({"plan": "pro"})).unwrap(),
            r#"{"plan":"pro"}"#
        );
        assert!(json_object(&serde_json::json!([1])).is_err());
        assert!(json_object(&serde_json::json!({"x": "y".repeat(MAX_METADATA_BYTES)})).is_err());
    }

    #[test]
    fn frame_ancestors_are_origins() {
        let ok = normalize_frame_ancestors(&[
            "https://Example.com".into(),
            "*".into(),
            "http://localhost:3000".into(),
        ])
        .unwrap();
        assert_eq!(
            ok,
            vec!["https://example.com", "*", "http://localhost:3000"]
        );
        for bad in [
            "https://example.com/path",
            "javascript:alert(1)",
            "example.com",
            "https://a.com; script-src *",
        ] {
            assert!(
                normalize_frame_ancestors(&[bad.to_string()]).is_err(),
                "{bad}"
            );
        }
    }
}
