//! The OpenAPI 3 document, generated from the handlers' annotations.

use utoipa::OpenApi;

use crate::core::service::http::{handlers, websocket};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "streamlib API",
        description = "Build, change, start, stop and watch a streamlib runtime. Every error is JSON {\"error\", \"code\"}."
    ),
    paths(
        handlers::create_processor,
        handlers::list_processors,
        handlers::get_processor,
        handlers::delete_processor,
        handlers::update_config,
        handlers::create_connection,
        handlers::list_connections,
        handlers::delete_connection,
        handlers::start,
        handlers::stop,
        handlers::pause,
        handlers::resume,
        handlers::runtime_state,
        handlers::processor_types,
        handlers::get_graph,
        handlers::put_graph,
        handlers::health,
        openapi_json,
        websocket::events,
    ),
    components(schemas(crate::core::service::http::error::ErrorBody)),
    tags(
        (name = "processors", description = "Processors and their types"),
        (name = "connections", description = "Links between ports"),
        (name = "runtime", description = "Lifecycle and state"),
        (name = "graph", description = "The graph as a pipeline document"),
        (name = "events", description = "WebSocket of runtime events"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

#[utoipa::path(
    get, path = "/api/openapi.json", tag = "runtime",
    responses((status = 200, description = "This document", content_type = "application/json"))
)]
pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
