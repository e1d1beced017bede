//! Streams as the CLI and the engine both see them: descriptors (`descriptor.rs`: parsing,
//! defaults, restrictions, the internal form), the literal forms (`literal.rs`: `rest:`,
//! `file:/x`, …) and secret masking (here).

pub mod descriptor;
pub mod literal;

pub use descriptor::{parse, Descriptor};

use serde_json::Value;

pub const MASK: &str = "*****";

/// Member names whose values are secrets, wherever they appear in a descriptor.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "token", "apikey", "api_key"]
        .iter()
        .any(|s| k.contains(s))
}

/// Replace secret values (S3 `SecretAccessKey`, passwords, tokens) by `*****`.
pub fn hide(descriptor: &Value) -> Value {
    match descriptor {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() && !v.is_object() && !v.is_array() {
                        Value::String(MASK.into())
                    } else {
                        hide(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(hide).collect()),
        other => other.clone(),
    }
}

/// After editing a masked descriptor: put back the secrets that are still `*****`.
pub fn unhide(edited: &Value, original: &Value) -> Value {
    match (edited, original) {
        (Value::String(s), orig) if s == MASK => orig.clone(),
        (Value::Object(e), Value::Object(o)) => Value::Object(
            e.iter()
                .map(|(k, v)| {
                    let v = match o.get(k) {
                        Some(ov) => unhide(v, ov),
                        None => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(e), Value::Array(o)) => Value::Array(
            e.iter()
                .enumerate()
                .map(|(i, v)| o.get(i).map_or_else(|| v.clone(), |ov| unhide(v, ov)))
                .collect(),
        ),
        (e, _) => e.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_and_restored() {
        let d = json!({"Transport": {"Type": "S3", "AccessKeyID": "AK", "SecretAccessKey": "sk"},
                       "Envelope": null, "x": {"Password": "p", "User": "u"}});
        let h = hide(&d);
        assert_eq!(h["Transport"]["SecretAccessKey"], "*****");
        assert_eq!(h["Transport"]["AccessKeyID"], "AK");
        assert_eq!(h["x"]["Password"], "*****");
        assert_eq!(h["Envelope"], Value::Null);
        assert_eq!(unhide(&h, &d), d);
    }
}
