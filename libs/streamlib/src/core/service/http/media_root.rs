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
        let Some(text) = value.as_str().filter(|text| !text.is_empty()) else {
            // Not a path the server can check; the processor rejects it.
            continue;
        };
        let confined = confine(text, root).ok_or_else(|| {
            ApiError::PathOutsideMediaRoot(format!(
                "'{key}' is '{text}', which is outside the media root {}; use a path relative to it without '..' that leaves it",
                root.display()
            ))
        })?;
        if !resolves_inside(&confined, root) {
            return Err(ApiError::PathOutsideMediaRoot(format!(
                "'{key}' is '{text}', which leads outside the media root {} through a symbolic link; use a path whose real location is inside it",
                root.display()
            )));
        }
        *value = serde_json::Value::String(confined.to_string_lossy().into_owned());
    }
    Ok(())
}

/// Writes paths inside `root` relative to it again, so that a document
/// saved with `GET /api/graph` stays valid when the media root moves and
/// can be sent back with `PUT /api/graph` as it is.
pub fn relativize_document(document: &mut PipelineDocument, root: &Path) {
    for processor in &mut document.processors {
        let serde_json::Value::Object(fields) = &mut processor.config else {
            continue;
        };
        for (key, value) in fields.iter_mut() {
            if !(key == "path" || key.ends_with("_path")) {
                continue;
            }
            let relative = value
                .as_str()
                .and_then(|text| Path::new(text).strip_prefix(root).ok())
                .filter(|relative| !relative.as_os_str().is_empty())
                .map(|relative| relative.to_string_lossy().into_owned());
            if let Some(relative) = relative {
                *value = serde_json::Value::String(relative);
            }
        }
    }
}

/// True when the real location of `path`, with every symbolic link of the
/// part that exists resolved, lies inside `root`. A dangling link counts as
/// outside, since writing through it would create its target.
fn resolves_inside(path: &Path, root: &Path) -> bool {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut existing = path.to_path_buf();
    let mut missing = Vec::new();
    while existing.symlink_metadata().is_err() {
        let (Some(name), Some(parent)) = (existing.file_name(), existing.parent()) else {
            return false;
        };
        missing.push(name.to_owned());
        existing = parent.to_path_buf();
    }
    let Ok(mut real) = existing.canonicalize() else {
        return false;
    };
    for part in missing.iter().rev() {
        real.push(part);
    }
    real.starts_with(&root)
}

pub fn confine_document(document: &mut PipelineDocument, root: &Path) -> Result<(), ApiError> {
    for processor in &mut document.processors {
        confine_config(&mut processor.config, root)?;
    }
    Ok(())
}

/// Joins `path` to `root` lexically; `None` when the result leaves `root`.
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
        assert_eq!(
            confine("a.wav", root),
            Some(PathBuf::from("/srv/media/a.wav"))
        );
        assert_eq!(
            confine("x/../b.wav", root),
            Some(PathBuf::from("/srv/media/b.wav"))
        );
        assert_eq!(
            confine("/srv/media/c/d.wav", root),
            Some(PathBuf::from("/srv/media/c/d.wav"))
        );
        assert_eq!(confine("../etc/passwd", root), None);
        assert_eq!(confine("a/../../b", root), None);
        assert_eq!(confine("/etc/passwd", root), None);
        assert_eq!(confine(".", root), None);
    }

    #[test]
    fn symbolic_links_out_of_root_are_rejected() {
        let base =
            std::env::temp_dir().join(format!("streamlib-media-root-{}", std::process::id()));
        let root = base.join("root");
        let outside = base.join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("escape")).unwrap();
        std::os::unix::fs::symlink(outside.join("missing.wav"), root.join("dangling.wav")).unwrap();
        std::fs::create_dir_all(root.join("inner")).unwrap();

        assert!(resolves_inside(&root.join("inner/new.wav"), &root));
        assert!(resolves_inside(&root.join("new/deeper.wav"), &root));
        assert!(!resolves_inside(&root.join("escape/file.wav"), &root));
        assert!(!resolves_inside(&root.join("dangling.wav"), &root));

        let mut config = serde_json::json!({"path": "escape/file.wav"});
        let error = confine_config(&mut config, &root).unwrap_err();
        assert_eq!(error.code(), "path_outside_media_root");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
