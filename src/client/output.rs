//! How answers are printed: the API's JSON with `--json`, else tables for
//! people (one row per item, or one row per field for a single item).

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::Value;

/// A table column: its header and the item's field (dotted for nested ones).
pub type Column = (&'static str, &'static str);

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints the API's answer as it came.
    pub fn raw(&self, answer: &Value) {
        if !answer.is_null() {
            println!(
                "{}",
                serde_json::to_string_pretty(answer).unwrap_or_default()
            );
        }
    }

    /// A list answer (`{"data": [...], "nextCursor", ...}`): a table, and a
    /// note on standard error when there are more pages.
    pub fn list(&self, answer: &Value, columns: &[Column]) {
        if self.json {
            return self.raw(answer);
        }
        let items = answer["data"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if items.is_empty() {
            println!("(none)");
        } else {
            println!("{}", rows(items, columns));
        }
        if let Some(cursor) = answer["nextCursor"].as_str() {
            eprintln!("more: --cursor {cursor} (or --all)");
        }
    }

    /// A single-item answer (`{"data": {...}}`): one line per field.
    pub fn item(&self, answer: &Value, fields: &[Column]) {
        if self.json {
            return self.raw(answer);
        }
        println!("{}", record(&answer["data"], fields));
    }

    /// A sentence for people; nothing with `--json` (the answer was a 204).
    pub fn done(&self, sentence: &str) {
        if !self.json {
            println!("{sentence}");
        }
    }
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    t
}

/// A table of `items`, one row each.
pub fn rows(items: &[Value], columns: &[Column]) -> String {
    let mut t = table();
    t.set_header(columns.iter().map(|(h, _)| *h));
    for item in items {
        t.add_row(columns.iter().map(|(_, f)| cell(field(item, f))));
    }
    trim(t)
}

/// One `FIELD  value` line per field of `item`.
pub fn record(item: &Value, fields: &[Column]) -> String {
    let mut t = table();
    for (label, f) in fields {
        t.add_row([label.to_string(), cell(field(item, f))]);
    }
    trim(t)
}

/// comfy-table pads the first column with a space even without borders.
fn trim(t: Table) -> String {
    t.lines()
        .map(|l| {
            l.trim_end()
                .strip_prefix(' ')
                .unwrap_or(l.trim_end())
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn field<'a>(item: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(item, |v, k| &v[k])
}

/// A value as one cell: strings bare, null as `-`, lists comma-separated.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            if items.is_empty() {
                "-".into()
            } else {
                items.iter().map(cell).collect::<Vec<_>>().join(",")
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_columns_and_show_missing_values_as_a_dash() {
        let items = [
            json!({ "id": "wh_1", "name": "orders", "x": { "y": 3 } }),
            json!({ "id": "wh_22", "name": null }),
        ];
        let text = rows(&items, &[("ID", "id"), ("NAME", "name"), ("Y", "x.y")]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("ID ") && lines[0].contains("NAME"),
            "{text}"
        );
        assert_eq!(lines[1].find("orders"), lines[0].find("NAME"), "{text}");
        assert!(
            lines[2].contains("wh_22") && lines[2].contains('-'),
            "{text}"
        );
        assert_eq!(cell(&json!(["a", "b"])), "a,b");
        assert_eq!(cell(&json!({ "k": 1 })), r#"{"k":1}"#);
    }
}
