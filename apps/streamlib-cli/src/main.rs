//! `streamlib`: serves the HTTP and WebSocket API, runs pipeline files to
//! end of stream, validates them and lists processor types.
//!
//! Exit codes: 0 on success, 1 when the command failed, 2 for a usage
//! error (from clap), 130 when `run` was interrupted by Ctrl-C and 143 by SIGTERM.

mod logging;
mod pipeline_file;
mod problems;
mod progress;
mod run;
#[cfg(feature = "api-server")]
mod serve;
mod shutdown;
mod types;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "streamlib",
    version,
    about = "Real-time stream-processing runtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP and WebSocket API until Ctrl-C or SIGTERM.
    #[cfg(feature = "api-server")]
    Serve(serve::ServeArgs),
    /// Run a pipeline file until every processor has reached end of stream.
    Run {
        /// Pipeline file: JSON, or TOML when the name ends in `.toml`.
        file: PathBuf,
    },
    /// List processor types with their ports and config fields.
    Types {
        /// Show only this type, with its full config.
        name: Option<String>,
        /// Print the descriptors as JSON, as `GET /api/processor-types` returns them.
        #[arg(long)]
        json: bool,
    },
    /// Check a pipeline file without running it and report every problem.
    Validate {
        /// Pipeline file: JSON, or TOML when the name ends in `.toml`.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();

    let outcome = match cli.command {
        #[cfg(feature = "api-server")]
        Command::Serve(args) => serve::serve(&args).map(|()| ExitCode::SUCCESS),
        Command::Run { file } => run::run(&file),
        Command::Types { name, json } => {
            types::types(name.as_deref(), json).map(|()| ExitCode::SUCCESS)
        }
        Command::Validate { file } => validate::validate(&file).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
