//! `streamlib types [NAME] [--json]`: the processor types of the registry,
//! with ports, execution mode and config fields from the JSON Schema.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::Value;
use streamlib::{PortDescriptor, ProcessorDescriptor, StreamRuntime};

pub fn types(name: Option<&str>, json: bool) -> anyhow::Result<()> {
    let runtime = StreamRuntime::new();
    let registry = runtime.registry();
    let descriptors = match name {
        Some(name) => vec![registry.descriptor(name)?],
        None => registry.descriptors(),
    };

    let text = if json {
        let mut text = match name {
            Some(_) => serde_json::to_string_pretty(&descriptors[0])?,
            None => serde_json::to_string_pretty(&descriptors)?,
        };
        text.push('\n');
        text
    } else if name.is_some() {
        details(&descriptors[0])
    } else {
        table(&descriptors)
    };
    write_stdout(&text)
}

/// Writes `text` to stdout; a reader that closed the pipe early (`| head`)
/// is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

fn table(descriptors: &[ProcessorDescriptor]) -> String {
    let mut text = String::new();
    let rows: Vec<[String; 4]> = descriptors
        .iter()
        .map(|descriptor| {
            [
                descriptor.processor_type.clone(),
                mode_name(descriptor),
                port_list(&descriptor.ports.inputs),
                port_list(&descriptor.ports.outputs),
            ]
        })
        .collect();
    let header = ["TYPE", "MODE", "INPUTS", "OUTPUTS"].map(str::to_owned);
    let mut widths = header.clone().map(|title| title.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ");
        let _ = writeln!(text, "{}", line.trim_end());
    }
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "`streamlib types NAME` shows one type with its config fields."
    );
    text
}

fn details(descriptor: &ProcessorDescriptor) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}", descriptor.processor_type);
    let _ = writeln!(text, "  {}", descriptor.description);
    let _ = writeln!(text, "  mode:    {}", mode_name(descriptor));
    let _ = writeln!(text, "  inputs:  {}", port_list(&descriptor.ports.inputs));
    let _ = writeln!(text, "  outputs: {}", port_list(&descriptor.ports.outputs));
    let _ = writeln!(text, "  config:");
    let schema = &descriptor.config_schema;
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        let _ = writeln!(text, "    (none)");
        return text;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|fields| fields.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (field, property) in properties {
        let mut line = format!("    {field}: {}", type_of(property, schema));
        if let Some(default) = property.get("default") {
            line.push_str(&format!(" = {default}"));
        } else if required.contains(&field.as_str()) {
            line.push_str(" (required)");
        }
        let _ = writeln!(text, "{line}");
        if let Some(description) = property.get("description").and_then(Value::as_str) {
            for line in description.lines() {
                let _ = writeln!(text, "        {line}");
            }
        }
    }
    text
}

fn mode_name(descriptor: &ProcessorDescriptor) -> String {
    serde_json::to_value(descriptor.execution_mode)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Ports as `name (kind)`, with `*` after a multi-input port; `-` for none.
fn port_list(ports: &[PortDescriptor]) -> String {
    if ports.is_empty() {
        return "-".to_owned();
    }
    ports
        .iter()
        .map(|port| {
            let multi = if port.multi_input { "*" } else { "" };
            format!("{}{multi} ({})", port.name, port.kind)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Returns a short type name for a schema property: `integer`, `string | null`,
/// one of the enum values, or the name of a referenced definition.
fn type_of(property: &Value, root: &Value) -> String {
    if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let definition = root.get("$defs").and_then(|defs| defs.get(name));
        return match definition {
            Some(definition) if definition.get("$ref").is_none() => {
                let resolved = type_of(definition, root);
                if resolved == "any" {
                    name.to_owned()
                } else {
                    resolved
                }
            }
            _ => name.to_owned(),
        };
    }
    if let Some(values) = property.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|value| value.to_string())
            .collect::<Vec<_>>()
            .join(" | ");
    }
    if let Some(value) = property.get("const") {
        return value.to_string();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = property.get(key).and_then(Value::as_array) {
            return options
                .iter()
                .map(|option| type_of(option, root))
                .collect::<Vec<_>>()
                .join(" | ");
        }
    }
    match property.get("type") {
        Some(Value::String(name)) if name == "array" => {
            let items = property
                .get("items")
                .map_or_else(|| "any".to_owned(), |items| type_of(items, root));
            format!("array of {items}")
        }
        Some(Value::String(name)) => name.clone(),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    }
}
