//! What goes into an audit entry's summary: the shape of a change, with
//! anything that may carry a credential left out. Free of I/O.

use serde_json::{Map, Value};

/// A URL without what may carry credentials: user info, query and fragment.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "(invalid URL)".into(),
    }
}

/// `{field: {"from": .., "to": ..}}` for every top-level field of two
/// summaries that differs.
pub fn changes(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let (b, a) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut out = Map::new();
    for key in b.keys().chain(a.keys()) {
        let (from, to) = (
            b.get(key).unwrap_or(&Value::Null),
            a.get(key).unwrap_or(&Value::Null),
        );
        if from != to && !out.contains_key(key) {
            out.insert(key.clone(), serde_json::json!({ "from": from, "to": to }));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_lose_credentials() {
        assert_eq!(
            redact_url("https://user:pw@example.com/hook?token=abc#x"),
            "https://example.com/hook"
        );
        assert_eq!(
            redact_url("http://example.com:8080/a/b"),
            "http://example.com:8080/a/b"
        );
        assert_eq!(redact_url("not a url"), "(invalid URL)");
    }

    #[test]
    fn changes_list_only_what_differs() {
        let before = json!({ "name": "a", "enabled": true, "timeoutSeconds": 15 });
        let after = json!({ "name": "b", "enabled": true, "headerNames": ["x-team"] });
        assert_eq!(
            changes(&before, &after),
            json!({
                "name": { "from": "a", "to": "b" },
                "timeoutSeconds": { "from": 15, "to": null },
                "headerNames": { "from": null, "to": ["x-team"] },
            })
        );
        assert_eq!(changes(&before, &before), json!({}));
    }
}
