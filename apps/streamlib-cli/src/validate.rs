//! `streamlib validate FILE`: parses and checks a pipeline file against the
//! built-in processor types without starting anything.

use std::path::Path;

use streamlib::StreamRuntime;

use crate::{pipeline_file, problems};

pub fn validate(path: &Path) -> anyhow::Result<()> {
    let document = pipeline_file::load(path)?;
    let runtime = StreamRuntime::new();
    problems::check(&runtime, path, &document)?;
    println!(
        "{}: valid, {} processors and {} connections",
        path.display(),
        document.processors.len(),
        document.connections.len()
    );
    Ok(())
}
