//! Prints the OpenAPI 3 document of the HTTP API, for validators and client
//! generators: `cargo run -p streamlib --features api-server --example openapi`.

use std::process::ExitCode;

use utoipa::OpenApi;

fn main() -> ExitCode {
    let document = streamlib::core::service::http::openapi::ApiDoc::openapi();
    match document.to_pretty_json() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("the OpenAPI document does not serialize: {error}");
            ExitCode::FAILURE
        }
    }
}
