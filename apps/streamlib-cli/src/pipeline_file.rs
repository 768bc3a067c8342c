//! Pipeline files: the JSON document that `GET /api/graph` returns, or the
//! same structure in TOML, chosen by the file extension.

use std::fmt;
use std::path::{Path, PathBuf};

use streamlib::PipelineDocument;

/// The syntax of a pipeline file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Toml,
}

impl Syntax {
    /// `.toml` files are TOML; every other extension is read as JSON,
    /// because `GET /api/graph` output is often saved without one.
    pub fn from_path(path: &Path) -> Self {
        let is_toml = path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("toml"));
        if is_toml { Syntax::Toml } else { Syntax::Json }
    }
}

/// A pipeline file that could not be read or parsed.
#[derive(Debug)]
pub enum LoadError {
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A syntax or structure error at a 1-based line and column.
    Parse {
        path: PathBuf,
        syntax: Syntax,
        line: usize,
        column: usize,
        message: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read { path, source } => {
                write!(f, "cannot read pipeline file {}: {source}", path.display())
            }
            LoadError::Parse {
                path,
                syntax,
                line,
                column,
                message,
            } => {
                let syntax = match syntax {
                    Syntax::Json => "JSON",
                    Syntax::Toml => "TOML",
                };
                write!(
                    f,
                    "{}:{line}:{column}: invalid {syntax} pipeline: {message}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Read { source, .. } => Some(source),
            LoadError::Parse { .. } => None,
        }
    }
}

/// Reads and parses a pipeline file. Relative paths inside the document
/// are left as they are, so processors resolve them against the working
/// directory.
pub fn load(path: &Path) -> Result<PipelineDocument, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parses `text` as the syntax that `path`'s extension names.
pub fn parse(path: &Path, text: &str) -> Result<PipelineDocument, LoadError> {
    let syntax = Syntax::from_path(path);
    match syntax {
        Syntax::Json => serde_json::from_str(text).map_err(|error| LoadError::Parse {
            path: path.to_owned(),
            syntax,
            line: error.line(),
            column: error.column(),
            message: strip_json_position(&error.to_string()),
        }),
        Syntax::Toml => toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            let (line, column) = line_and_column(text, offset);
            LoadError::Parse {
                path: path.to_owned(),
                syntax,
                line,
                column,
                message: error.message().to_owned(),
            }
        }),
    }
}

/// Removes the " at line L column C" that serde_json appends, because the
/// file position is already at the start of the message.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Converts a byte offset into a 1-based line and column (in characters).
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_counts_from_one() {
        assert_eq!(line_and_column("abc", 0), (1, 1));
        assert_eq!(line_and_column("abc\ndef", 5), (2, 2));
        assert_eq!(line_and_column("abc\n", 4), (2, 1));
    }

    #[test]
    fn toml_and_json_give_the_same_document() {
        let json = r#"{"processors": [{"id": "tone", "processor_type": "SineGeneratorProcessor",
            "config": {"frequency": 440.0, "duration": 0.5}}],
            "connections": [{"from_processor": "tone", "from_port": "audio",
            "to_processor": "sink", "to_port": "audio", "capacity": 8, "overflow": "drop_oldest"}]}"#;
        let toml = r#"
[[processors]]
id = "tone"
processor_type = "SineGeneratorProcessor"
config = { frequency = 440.0, duration = 0.5 }

[[connections]]
from_processor = "tone"
from_port = "audio"
to_processor = "sink"
to_port = "audio"
capacity = 8
overflow = "drop_oldest"
"#;
        let from_json = parse(Path::new("a.json"), json).unwrap();
        let from_toml = parse(Path::new("a.toml"), toml).unwrap();
        assert_eq!(from_json, from_toml);
    }

    #[test]
    fn toml_error_names_line_and_column() {
        let error = parse(Path::new("bad.toml"), "[[processors]]\nid = \n").unwrap_err();
        let LoadError::Parse { line, column, .. } = error else {
            panic!("expected a parse error, got {error}");
        };
        assert_eq!((line, column), (2, 6));
    }
}
