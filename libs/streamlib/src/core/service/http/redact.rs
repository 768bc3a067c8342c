//! Secrets never leave the server: config values under keys that name a
//! secret are replaced before a config is sent to a client.

const SECRET_KEYS: [&str; 4] = ["token", "password", "secret", "api_key"];
const REDACTED: &str = "<redacted>";

/// Replaces secret values in a config object, in place.
pub fn redact_config(config: &mut serde_json::Value) {
    if let serde_json::Value::Object(fields) = config {
        for (key, value) in fields.iter_mut() {
            if SECRET_KEYS.contains(&key.as_str()) && !value.is_null() {
                *value = serde_json::Value::String(REDACTED.to_owned());
            }
        }
    }
}

/// Redacts the config carried by a serialized event, if it has one.
pub fn redact_event(event: &mut serde_json::Value) {
    if let Some(config) = event.get_mut("config") {
        redact_config(config);
    }
}
