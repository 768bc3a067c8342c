//! Turns pipeline validation failures into messages that list every
//! problem on its own line, each with its location in the file.

use std::path::Path;

use streamlib::{PipelineDocument, StreamError, StreamRuntime};

/// Checks `document` against the runtime's registry. The error lists every
/// problem, one per line, as `FILE: LOCATION: MESSAGE`.
pub fn check(
    runtime: &StreamRuntime,
    path: &Path,
    document: &PipelineDocument,
) -> anyhow::Result<()> {
    runtime
        .validate_pipeline(document)
        .map_err(|error| describe(path, error))
}

/// Describes an error from validating or applying the document in `path`.
pub fn describe(path: &Path, error: StreamError) -> anyhow::Error {
    match error {
        StreamError::InvalidPipeline { problems } => {
            let mut message = format!(
                "{} has {} problem{}:",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            for problem in &problems {
                message.push_str(&format!("\n  {}: {problem}", path.display()));
            }
            anyhow::Error::msg(message)
        }
        other => anyhow::Error::new(other).context(format!("cannot load {}", path.display())),
    }
}
