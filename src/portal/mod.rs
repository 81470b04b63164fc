//! Portal access rules, free of I/O: scopes, token lifetimes, and the
//! security headers of the hosted portal page. The page's own files are in
//! `assets/`, embedded in the binary.

use serde_json::Value;

pub const DEFAULT_MAGIC_LINK_MINUTES: i64 = 60;
pub const MAX_MAGIC_LINK_MINUTES: i64 = 24 * 60;
pub const DEFAULT_TOKEN_DAYS: i64 = 30;
pub const MAX_TOKEN_DAYS: i64 = 365;

pub const READ: &str = "read";
pub const WRITE: &str = "write";

/// `scopes` of a token request: absent means `["read","write"]`; otherwise a
/// non-empty array of `read` / `write`. Returned deduplicated, read first.
pub fn parse_scopes(v: Option<&Value>) -> Result<Vec<&'static str>, String> {
    let Some(v) = v else {
        return Ok(vec![READ, WRITE]);
    };
    let items = v
        .as_array()
        .ok_or("must be an array of \"read\" and \"write\"")?;
    if items.is_empty() {
        return Err("must not be empty".into());
    }
    let mut read = false;
    let mut write = false;
    for item in items {
        match item.as_str() {
            Some(READ) => read = true,
            Some(WRITE) => write = true,
            _ => return Err(format!("{item} is not a scope; use \"read\" or \"write\"")),
        }
    }
    Ok([(read, READ), (write, WRITE)]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, s)| s)
        .collect())
}

/// A whole number in `1..=max`, `default` when absent.
pub fn parse_lifetime(v: Option<&Value>, default: i64, max: i64) -> Result<i64, String> {
    let Some(v) = v else { return Ok(default) };
    match v.as_i64() {
        Some(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {max}")),
    }
}

/// Whether stored scopes (JSON array) grant writing.
pub fn can_write(scopes: &str) -> bool {
    serde_json::from_str::<Vec<String>>(scopes).is_ok_and(|s| s.iter().any(|x| x == WRITE))
}

/// The portal page's Content-Security-Policy: only its own script, style and
/// API; framing by the application's allowed origins (any when unset).
pub fn content_security_policy(frame_ancestors: Option<&[String]>) -> String {
    let ancestors = match frame_ancestors {
        None => "*".to_string(),
        Some([]) => "'none'".to_string(),
        Some(list) => list.join(" "),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_default_to_read_write_and_refuse_unknown_values() {
        assert_eq!(parse_scopes(None).unwrap(), vec!["read", "write"]);
        assert_eq!(
            parse_scopes(Some(&json!(["write", "read", "write"]))).unwrap(),
            vec!["read", "write"]
        );
        assert_eq!(parse_scopes(Some(&json!(["read"]))).unwrap(), vec!["read"]);
        assert!(parse_scopes(Some(&json!([]))).is_err());
        assert!(parse_scopes(Some(&json!(["admin"]))).is_err());
        assert!(parse_scopes(Some(&json!("read"))).is_err());
    }

    #[test]
    fn lifetimes_are_whole_numbers_in_range() {
        assert_eq!(parse_lifetime(None, 60, 1440).unwrap(), 60);
        assert_eq!(parse_lifetime(Some(&json!(1440)), 60, 1440).unwrap(), 1440);
        for bad in [
            json!(0),
            json!(1441),
            json!(-5),
            json!(1.5),
            json!("60"),
            json!(null),
        ] {
            assert!(parse_lifetime(Some(&bad), 60, 1440).is_err(), "{bad}");
        }
    }

    #[test]
    fn write_scope_and_csp() {
        assert!(can_write(r#"["read","write"]"#));
        assert!(!can_write(r#"["read"]"#));
        assert!(content_security_policy(None).ends_with("frame-ancestors *"));
        assert!(content_security_policy(Some(&["https://a.com".into()]))
            .ends_with("frame-ancestors https://a.com"));
        assert!(content_security_policy(Some(&[])).contains("frame-ancestors 'none'"));
        assert!(content_security_policy(None).contains("script-src 'self';"));
    }
}
