//! docs/record.schema.json describes exactly what `record.json` holds: every
//! object's keys match the schema's properties, required lists and enums.

use confidant_export::fixtures::sample_record;
use serde_json::Value;

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/record.schema.json"))
        .expect("docs/record.schema.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// The object schema inside `schema` (unwrapping `anyOf [x, null]`).
fn object_schema(schema: &Value) -> Option<&Value> {
    if schema.get("properties").is_some() {
        return Some(schema);
    }
    schema.get("anyOf")?.as_array()?.iter().find_map(object_schema)
}

/// Walks `value` and `schema` together; returns the paths where they disagree.
fn check(value: &Value, schema: &Value, path: &str, problems: &mut Vec<String>) {
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        problems.push(format!("{path}: {value} not in enum"));
    }
    match value {
        Value::Object(map) => {
            let Some(schema) = object_schema(schema) else {
                if schema.get("additionalProperties").is_none() {
                    problems.push(format!("{path}: object without a schema"));
                }
                return;
            };
            let properties = schema["properties"].as_object().expect("properties");
            for key in map.keys() {
                if !properties.contains_key(key) {
                    problems.push(format!("{path}.{key}: not in the schema"));
                }
            }
            for required in schema["required"].as_array().into_iter().flatten() {
                if !map.contains_key(required.as_str().unwrap_or_default()) {
                    problems.push(format!("{path}.{required}: required but missing"));
                }
            }
            for (key, item) in map {
                if let Some(property) = properties.get(key) {
                    check(item, property, &format!("{path}.{key}"), problems);
                }
            }
        }
        Value::Array(items) => {
            let items_schema = schema
                .get("items")
                .or_else(|| schema.get("anyOf").and_then(|any| any[0].get("items")))
                .cloned()
                .unwrap_or(Value::Null);
            for (index, item) in items.iter().enumerate() {
                check(item, &items_schema, &format!("{path}[{index}]"), problems);
            }
        }
        _ => {}
    }
}

#[test]
fn record_json_matches_its_published_schema() {
    let record = serde_json::to_value(sample_record(4)).expect("record");
    let mut problems = Vec::new();
    check(&record, &schema(), "record", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_schema_check_notices_an_unknown_field() {
    let mut record = serde_json::to_value(sample_record(1)).expect("record");
    record["notes"][0]["mood"] = Value::from("fine");
    record["scope"]["purpose"] = Value::from("gift");
    let mut problems = Vec::new();
    check(&record, &schema(), "record", &mut problems);
    assert_eq!(problems.len(), 2, "{problems:#?}");
}
