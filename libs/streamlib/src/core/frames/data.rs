use std::sync::Arc;

/// A JSON value with a timestamp: events, detections, metadata.
#[derive(Debug, Clone)]
pub struct DataFrame {
    /// Timestamp in nanoseconds of stream time.
    pub timestamp_ns: u64,
    pub frame_number: u64,
    value: Arc<serde_json::Value>,
}

impl DataFrame {
    pub fn new(timestamp_ns: u64, frame_number: u64, value: serde_json::Value) -> Self {
        Self {
            timestamp_ns,
            frame_number,
            value: Arc::new(value),
        }
    }

    pub fn value(&self) -> &serde_json::Value {
        &self.value
    }

    pub fn shares_value_with(&self, other: &DataFrame) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
    }
}
