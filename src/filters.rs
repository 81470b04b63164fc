//! Payload filters: which events a webhook or an application endpoint is
//! sent, as a small JSON expression over the payload and the request
//! headers, free of I/O. Events that do not match are recorded `filtered`.
//!
//! A filter is a condition or a combination of them:
//!
//! ```json
//! { "and": [
//!     { "path": "type", "in": ["invoice.paid", "invoice.failed"] },
//!     { "path": "data.amount", "gte": 100 },
//!     { "header": "x-github-event", "eq": "push" },
//!     { "not": { "path": "data.livemode", "eq": false } },
//!     { "or": [ { "path": "data.items.0.sku", "prefix": "SKU-" },
//!               { "path": "data.coupon", "exists": true } ] } ] }
//! ```
//!
//! A condition names one source, `path` (dot-separated keys and array
//! indexes into the JSON payload) or `header` (case-insensitive), and one
//! operator: `eq`, `ne`, `in`, `exists`, `gt`, `gte`, `lt`, `lte` (numbers),
//! `prefix` (strings). A path that is missing, or a payload that is not
//! JSON, matches only `exists: false` and `ne`. Hand-written: the
//! expression crates on crates.io (JSONLogic, CEL) bring a language far
//! larger than this and error messages that do not point into the
//! expression the way a 400 here must.

use serde_json::Value;

pub const MAX_FILTER_BYTES: usize = 8 * 1024;
pub const MAX_DEPTH: usize = 8;
pub const MAX_CONDITIONS: usize = 64;
const MAX_IN_VALUES: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Condition(Source, Op),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Keys and array indexes into the payload.
    Path(Vec<String>),
    /// A request header, lower-cased.
    Header(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    Exists(bool),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Prefix(String),
}

/// Where in the expression it is wrong (`and[1].gte`), and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

fn invalid(at: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        at: at.to_string(),
        message: message.into(),
    }
}

fn join(at: &str, part: &str) -> String {
    if at.is_empty() {
        part.to_string()
    } else {
        format!("{at}.{part}")
    }
}

const OPERATORS: &[&str] = &[
    "eq", "ne", "in", "exists", "gt", "gte", "lt", "lte", "prefix",
];

impl Filter {
    /// Parses and checks a filter as written by a user.
    pub fn parse(v: &Value) -> Result<Filter, Invalid> {
        if serde_json::to_string(v).map_or(0, |s| s.len()) > MAX_FILTER_BYTES {
            return Err(invalid(
                "",
                format!("must be at most {MAX_FILTER_BYTES} bytes of JSON"),
            ));
        }
        let mut count = 0;
        parse_node(v, "", 0, &mut count)
    }

    /// A filter as stored (written after `parse` accepted it).
    pub fn from_stored(stored: &str) -> Option<Filter> {
        Filter::parse(&serde_json::from_str(stored).ok()?).ok()
    }

    /// Whether an event matches: `payload` is its body if that is JSON,
    /// `header` looks a request header up by its lower-case name.
    pub fn matches<'a>(
        &self,
        payload: Option<&Value>,
        header: &impl Fn(&str) -> Option<&'a str>,
    ) -> bool {
        match self {
            Filter::And(all) => all.iter().all(|f| f.matches(payload, header)),
            Filter::Or(any) => any.iter().any(|f| f.matches(payload, header)),
            Filter::Not(f) => !f.matches(payload, header),
            Filter::Condition(source, op) => {
                let header_value;
                let value = match source {
                    Source::Path(path) => payload.and_then(|p| lookup(p, path)),
                    Source::Header(name) => {
                        header_value = header(name).map(|s| Value::String(s.to_string()));
                        header_value.as_ref()
                    }
                };
                op.holds(value)
            }
        }
    }
}

fn parse_node(v: &Value, at: &str, depth: usize, count: &mut usize) -> Result<Filter, Invalid> {
    if depth > MAX_DEPTH {
        return Err(invalid(at, format!("nests deeper than {MAX_DEPTH} levels")));
    }
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(at, "must be an object: a condition, or and/or/not"))?;
    for combinator in ["and", "or", "not"] {
        if let Some(inner) = obj.get(combinator) {
            if obj.len() != 1 {
                return Err(invalid(
                    at,
                    format!("{combinator:?} must be the only key of its object"),
                ));
            }
            let here = join(at, combinator);
            if combinator == "not" {
                return Ok(Filter::Not(Box::new(parse_node(
                    inner,
                    &here,
                    depth + 1,
                    count,
                )?)));
            }
            let items = inner
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| invalid(&here, "must be a non-empty array of filters"))?;
            let parsed = items
                .iter()
                .enumerate()
                .map(|(i, f)| parse_node(f, &format!("{here}[{i}]"), depth + 1, count))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(if combinator == "and" {
                Filter::And(parsed)
            } else {
                Filter::Or(parsed)
            });
        }
    }
    *count += 1;
    if *count > MAX_CONDITIONS {
        return Err(invalid(
            at,
            format!("more than {MAX_CONDITIONS} conditions"),
        ));
    }
    let source = match (obj.get("path"), obj.get("header")) {
        (Some(_), Some(_)) => return Err(invalid(at, "has both path and header; name one")),
        (Some(p), None) => Source::Path(parse_path(p, &join(at, "path"))?),
        (None, Some(h)) => {
            let name = h
                .as_str()
                .filter(|h| !h.is_empty() && h.len() <= 200)
                .ok_or_else(|| invalid(&join(at, "header"), "must be a header name"))?;
            Source::Header(name.to_ascii_lowercase())
        }
        (None, None) => {
            return Err(invalid(
                at,
                "a condition needs path or header (or use and/or/not)",
            ))
        }
    };
    let ops: Vec<&String> = obj
        .keys()
        .filter(|k| k.as_str() != "path" && k.as_str() != "header")
        .collect();
    if let Some(unknown) = ops.iter().find(|k| !OPERATORS.contains(&k.as_str())) {
        return Err(invalid(
            &join(at, unknown),
            format!("is not an operator (one of {})", OPERATORS.join(", ")),
        ));
    }
    let [name] = ops.as_slice() else {
        return Err(invalid(
            at,
            format!(
                "needs exactly one operator (one of {})",
                OPERATORS.join(", ")
            ),
        ));
    };
    let here = join(at, name);
    let arg = &obj[name.as_str()];
    let number = || {
        arg.as_f64()
            .ok_or_else(|| invalid(&here, "must be a number"))
    };
    let op = match name.as_str() {
        "eq" => Op::Eq(arg.clone()),
        "ne" => Op::Ne(arg.clone()),
        "in" => {
            let values = arg
                .as_array()
                .filter(|a| !a.is_empty() && a.len() <= MAX_IN_VALUES)
                .ok_or_else(|| {
                    invalid(
                        &here,
                        format!("must be an array of 1 to {MAX_IN_VALUES} values"),
                    )
                })?;
            Op::In(values.clone())
        }
        "exists" => Op::Exists(
            arg.as_bool()
                .ok_or_else(|| invalid(&here, "must be true or false"))?,
        ),
        "gt" => Op::Gt(number()?),
        "gte" => Op::Gte(number()?),
        "lt" => Op::Lt(number()?),
        "lte" => Op::Lte(number()?),
        _ => Op::Prefix(
            arg.as_str()
                .ok_or_else(|| invalid(&here, "must be a string"))?
                .to_string(),
        ),
    };
    Ok(Filter::Condition(source, op))
}

fn parse_path(p: &Value, at: &str) -> Result<Vec<String>, Invalid> {
    let s = p
        .as_str()
        .ok_or_else(|| invalid(at, "must be a string like data.items.0.sku"))?;
    let s = s.strip_prefix("$.").unwrap_or(s);
    let parts: Vec<String> = s.split('.').map(str::to_string).collect();
    if s.is_empty() || parts.iter().any(String::is_empty) {
        return Err(invalid(
            at,
            "must be keys separated by dots, like data.amount",
        ));
    }
    Ok(parts)
}

fn lookup<'v>(mut v: &'v Value, path: &[String]) -> Option<&'v Value> {
    for key in path {
        v = match v {
            Value::Object(o) => o.get(key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// JSON equality, with numbers equal by value (1 == 1.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

impl Op {
    fn holds(&self, v: Option<&Value>) -> bool {
        let num = || v.and_then(Value::as_f64);
        match self {
            Op::Exists(want) => v.is_some() == *want,
            Op::Eq(x) => v.is_some_and(|v| same(v, x)),
            Op::Ne(x) => !v.is_some_and(|v| same(v, x)),
            Op::In(xs) => v.is_some_and(|v| xs.iter().any(|x| same(v, x))),
            Op::Gt(x) => num().is_some_and(|n| n > *x),
            Op::Gte(x) => num().is_some_and(|n| n >= *x),
            Op::Lt(x) => num().is_some_and(|n| n < *x),
            Op::Lte(x) => num().is_some_and(|n| n <= *x),
            Op::Prefix(p) => v.and_then(Value::as_str).is_some_and(|s| s.starts_with(p)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload() -> Value {
        json!({
            "type": "invoice.paid",
            "data": { "amount": 1200, "currency": "eur", "livemode": true,
                      "items": [ { "sku": "SKU-1" }, { "sku": "GIFT" } ], "note": null }
        })
    }

    fn check(filter: Value, body: Option<&Value>) -> bool {
        let headers = |name: &str| match name {
            "x-github-event" => Some("push"),
            _ => None,
        };
        Filter::parse(&filter).unwrap().matches(body, &headers)
    }

    #[test]
    fn a_table_of_expressions_over_one_payload() {
        let p = payload();
        let table = [
            (json!({ "path": "type", "eq": "invoice.paid" }), true),
            (json!({ "path": "$.type", "eq": "invoice.paid" }), true),
            (json!({ "path": "type", "eq": "invoice.failed" }), false),
            (json!({ "path": "type", "ne": "invoice.failed" }), true),
            (json!({ "path": "missing", "ne": 1 }), true),
            (json!({ "path": "type", "in": ["a", "invoice.paid"] }), true),
            (json!({ "path": "type", "in": ["a", "b"] }), false),
            (json!({ "path": "data.amount", "eq": 1200.0 }), true),
            (json!({ "path": "data.amount", "gt": 1000 }), true),
            (json!({ "path": "data.amount", "gte": 1200 }), true),
            (json!({ "path": "data.amount", "lt": 1200 }), false),
            (json!({ "path": "data.amount", "lte": 1200 }), true),
            (json!({ "path": "data.currency", "gt": 1 }), false),
            (
                json!({ "path": "data.items.0.sku", "prefix": "SKU-" }),
                true,
            ),
            (
                json!({ "path": "data.items.1.sku", "prefix": "SKU-" }),
                false,
            ),
            (json!({ "path": "data.items.5.sku", "exists": false }), true),
            (json!({ "path": "data.note", "exists": true }), true),
            (json!({ "path": "data.note", "eq": null }), true),
            (json!({ "path": "data.livemode", "eq": true }), true),
            (json!({ "path": "data", "eq": { "x": 1 } }), false),
            (json!({ "header": "X-GitHub-Event", "eq": "push" }), true),
            (json!({ "header": "x-other", "exists": true }), false),
            (
                json!({ "not": { "path": "data.livemode", "eq": true } }),
                false,
            ),
            (
                json!({ "and": [ { "path": "type", "prefix": "invoice." }, { "path": "data.amount", "gt": 5000 } ] }),
                false,
            ),
            (
                json!({ "or": [ { "path": "type", "prefix": "order." }, { "path": "data.amount", "gt": 1000 } ] }),
                true,
            ),
            (
                json!({ "and": [ { "header": "x-github-event", "in": ["push"] },
                                 { "not": { "or": [ { "path": "data.currency", "eq": "usd" } ] } } ] }),
                true,
            ),
        ];
        for (filter, want) in table {
            assert_eq!(check(filter.clone(), Some(&p)), want, "{filter}");
        }
        // A body that is not JSON has no paths.
        assert!(!check(json!({ "path": "type", "exists": true }), None));
        assert!(check(json!({ "path": "type", "exists": false }), None));
        assert!(check(
            json!({ "header": "x-github-event", "eq": "push" }),
            None
        ));
    }

    #[test]
    fn invalid_expressions_name_the_wrong_part() {
        let at = |v: Value| Filter::parse(&v).unwrap_err().at;
        assert_eq!(at(json!("type = 1")), "");
        assert_eq!(at(json!({ "and": [] })), "and");
        assert_eq!(at(json!({ "and": {} })), "and");
        assert_eq!(
            at(json!({ "and": [ { "path": "a", "eq": 1 }, { "path": "b", "gte": "x" } ] })),
            "and[1].gte"
        );
        assert_eq!(
            at(json!({ "or": [ { "path": "a", "matches": "x" } ] })),
            "or[0].matches"
        );
        assert_eq!(
            at(json!({ "not": { "path": "" , "exists": true } })),
            "not.path"
        );
        assert_eq!(at(json!({ "path": "a..b", "exists": true })), "path");
        assert_eq!(at(json!({ "path": "a" })), "");
        assert_eq!(at(json!({ "path": "a", "eq": 1, "ne": 2 })), "");
        assert_eq!(at(json!({ "path": "a", "header": "b", "eq": 1 })), "");
        assert_eq!(at(json!({ "path": "a", "in": [] })), "in");
        assert_eq!(at(json!({ "path": "a", "exists": "yes" })), "exists");
        assert_eq!(at(json!({ "path": "a", "prefix": 5 })), "prefix");
        assert_eq!(at(json!({ "header": 5, "eq": 1 })), "header");
        assert_eq!(
            at(json!({ "and": [ { "path": "a", "eq": 1 } ], "or": [] })),
            ""
        );
        let mut deep = json!({ "path": "a", "eq": 1 });
        for _ in 0..10 {
            deep = json!({ "not": deep });
        }
        assert!(Filter::parse(&deep).unwrap_err().message.contains("deeper"));
        let many: Vec<Value> = (0..70).map(|i| json!({ "path": "a", "eq": i })).collect();
        assert!(Filter::parse(&json!({ "or": many }))
            .unwrap_err()
            .message
            .contains("conditions"));
        let e = Filter::parse(&json!({ "and": [ { "path": "a", "lt": "1" } ] })).unwrap_err();
        assert_eq!(e.to_string(), "and[0].lt: must be a number");
    }

    #[test]
    fn stored_filters_round_trip() {
        let f = json!({ "path": "type", "eq": "x" });
        assert_eq!(Filter::from_stored(&f.to_string()), Filter::parse(&f).ok());
        assert_eq!(Filter::from_stored("not json"), None);
    }
}
