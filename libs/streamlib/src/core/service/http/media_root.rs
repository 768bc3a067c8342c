//! File paths in configs sent through the API must stay inside the media
//! root, so that a remote client can neither read nor overwrite other files.
//! A config key named `path` or ending in `_path` is a file path.

use std::path::{Component, Path, PathBuf};

use crate::core::graph::PipelineDocument;
use crate::core::service::http::error::ApiError;

/// Rewrites every path in `config` to an absolute path inside `root`, or
/// rejects the config. Relative paths resolve against `root`; absolute
/// paths are accepted only when they already lie inside it.
pub fn confine_config(config: &mut serde_json::Value, root: &Path) -> Result<(), ApiError> {
    let serde_json::Value::Object(fields) = config else {
        return Ok(());
    };
    for (key, value) in fields.iter_mut() {
        if !(key == "path" || key.ends_with("_path")) {
            continue;
        }
        let Some(text) = value.as_str() else {
            continue;
        };
        let confined = confine(text, root).ok_or_else(|| {
            ApiError::PathOutsideMediaRoot(format!(
                "'{key}' is '{text}', which is outside the media root {}; use a path relative to it without '..' that leaves it",
                root.display()
            ))
        })?;
        *value = serde_json::Value::String(confined.to_string_lossy().into_owned());
    }
    Ok(())
}

pub fn confine_document(document: &mut PipelineDocument, root: &Path) -> Result<(), ApiError> {
    for processor in &mut document.processors {
        confine_config(&mut processor.config, root)?;
    }
    Ok(())
}

/// Joins `path` to `root` lexically; `None` when the result leaves `root`.
// NOTE: the check is lexical; a symbolic link inside the media root that
// points outside it is followed.
fn confine(path: &str, root: &Path) -> Option<PathBuf> {
    let requested = Path::new(path);
    let relative = if requested.is_absolute() {
        requested.strip_prefix(root).ok()?
    } else {
        requested
    };
    let mut confined = root.to_path_buf();
    let mut depth = 0usize;
    for component in relative.components() {
        match component {
            Component::Normal(part) => {
                confined.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1)?;
                confined.pop();
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (depth > 0).then_some(confined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_cases() {
        let root = Path::new("/srv/media");
        assert_eq!(confine("a.wav", root), Some(PathBuf::from("/srv/media/a.wav")));
        assert_eq!(confine("x/../b.wav", root), Some(PathBuf::from("/srv/media/b.wav")));
        assert_eq!(confine("/srv/media/c/d.wav", root), Some(PathBuf::from("/srv/media/c/d.wav")));
        assert_eq!(confine("../etc/passwd", root), None);
        assert_eq!(confine("a/../../b", root), None);
        assert_eq!(confine("/etc/passwd", root), None);
        assert_eq!(confine(".", root), None);
    }
}
