//! Route handlers. Each translates HTTP to one `RuntimeProxy` call and the
//! result to JSON; the runtime does the work.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::core::graph::{ConnectionSpec, LinkId, PipelineDocument, ProcessorId};
use crate::core::processors::ProcessorDescriptor;
use crate::core::runtime::{LinkInfo, ProcessorInfo, ProcessorSpec, RuntimeState};
use crate::core::service::http::ApiState;
use crate::core::service::http::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::core::service::http::media_root::{
    confine_config, confine_document, relativize_document,
};
use crate::core::service::http::redact::redact_config;

type ApiResult<T> = Result<T, ApiError>;

/// Types a remote client may not create: a second API server would listen
/// without this server's token and media root.
const HOST_ONLY_TYPES: [&str; 1] = ["ApiServerProcessor"];

fn check_creatable(processor_type: &str) -> Result<(), ApiError> {
    if HOST_ONLY_TYPES.contains(&processor_type) {
        return Err(ApiError::InvalidRequest(format!(
            "'{processor_type}' cannot be created through the API; start another `streamlib serve` instead"
        )));
    }
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcessorCreated {
    pub processor_id: ProcessorId,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectionCreated {
    pub link_id: LinkId,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` whenever the server responds.
    pub status: String,
}

fn redacted(mut info: ProcessorInfo) -> ProcessorInfo {
    redact_config(&mut info.config);
    info
}

fn redacted_state(mut state: RuntimeState) -> RuntimeState {
    state.processors = state.processors.into_iter().map(redacted).collect();
    state
}

#[utoipa::path(
    post, path = "/api/processors", tag = "processors",
    request_body = ProcessorSpec,
    responses(
        (status = 201, description = "Processor added", body = ProcessorCreated),
        (status = 400, description = "Invalid JSON, unknown type, invalid config or path outside the media root", body = ErrorBody),
        (status = 409, description = "Id already in use", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Setup failed", body = ErrorBody),
        (status = 503, description = "The runtime did not respond in time", body = ErrorBody),
    )
)]
pub async fn create_processor(
    State(state): State<ApiState>,
    ApiJson(mut spec): ApiJson<ProcessorSpec>,
) -> ApiResult<Response> {
    check_creatable(&spec.processor_type)?;
    confine_config(&mut spec.config, &state.settings.media_root)?;
    let processor_id = state.proxy.add_processor(spec).await?;
    Ok((StatusCode::CREATED, Json(ProcessorCreated { processor_id })).into_response())
}

#[utoipa::path(
    get, path = "/api/processors", tag = "processors",
    responses(
        (status = 200, description = "Every processor", body = Vec<ProcessorInfo>),
        (status = 503, description = "The runtime did not respond in time", body = ErrorBody),
    )
)]
pub async fn list_processors(State(state): State<ApiState>) -> ApiResult<Json<Vec<ProcessorInfo>>> {
    let processors = state.proxy.processors().await?;
    Ok(Json(processors.into_iter().map(redacted).collect()))
}

#[utoipa::path(
    get, path = "/api/processors/{id}", tag = "processors",
    params(("id" = String, Path, description = "Processor id")),
    responses(
        (status = 200, description = "Processor details", body = ProcessorInfo),
        (status = 404, description = "No such processor", body = ErrorBody),
    )
)]
pub async fn get_processor(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ProcessorInfo>> {
    Ok(Json(redacted(state.proxy.processor(id.as_str()).await?)))
}

#[utoipa::path(
    delete, path = "/api/processors/{id}", tag = "processors",
    params(("id" = String, Path, description = "Processor id")),
    responses(
        (status = 204, description = "Processor removed"),
        (status = 404, description = "No such processor", body = ErrorBody),
    )
)]
pub async fn delete_processor(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = ProcessorId::from(id.as_str());
    if state.server_id.as_ref() == Some(&id) {
        // Removing this server joins the thread serving this request, so the
        // removal runs after the response is on its way.
        tracing::info!(processor = %id, "API server removal requested through its own API");
        let proxy = state.proxy.clone();
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            if let Err(error) = proxy.remove_processor(id).await {
                tracing::warn!(%error, "API server removal failed");
            }
        });
        return Ok(StatusCode::NO_CONTENT);
    }
    state.proxy.remove_processor(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    patch, path = "/api/processors/{id}/config", tag = "processors",
    params(("id" = String, Path, description = "Processor id")),
    request_body(content = Object, description = "JSON merge patch of the config: keys replace, null removes"),
    responses(
        (status = 200, description = "Processor details after the update", body = ProcessorInfo),
        (status = 400, description = "Invalid config", body = ErrorBody),
        (status = 404, description = "No such processor", body = ErrorBody),
        (status = 409, description = "The running processor cannot apply this change", body = ErrorBody),
    )
)]
pub async fn update_config(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<ProcessorInfo>> {
    if !patch.is_object() {
        return Err(ApiError::InvalidRequest(format!(
            "the body must be a JSON object of config fields, not {patch}"
        )));
    }
    confine_config(&mut patch, &state.settings.media_root)?;
    Ok(Json(redacted(
        state.proxy.update_config(id.as_str(), patch).await?,
    )))
}

#[utoipa::path(
    post, path = "/api/connections", tag = "connections",
    request_body = ConnectionSpec,
    responses(
        (status = 201, description = "Link created", body = ConnectionCreated),
        (status = 400, description = "Unknown port or incompatible ports", body = ErrorBody),
        (status = 404, description = "No such processor", body = ErrorBody),
        (status = 409, description = "Input already linked, cycle or self-link", body = ErrorBody),
    )
)]
pub async fn create_connection(
    State(state): State<ApiState>,
    ApiJson(connection): ApiJson<ConnectionSpec>,
) -> ApiResult<Response> {
    let link_id = state.proxy.connect(connection).await?;
    Ok((StatusCode::CREATED, Json(ConnectionCreated { link_id })).into_response())
}

#[utoipa::path(
    get, path = "/api/connections", tag = "connections",
    responses((status = 200, description = "Every link", body = Vec<LinkInfo>))
)]
pub async fn list_connections(State(state): State<ApiState>) -> ApiResult<Json<Vec<LinkInfo>>> {
    Ok(Json(state.proxy.connections().await?))
}

#[utoipa::path(
    delete, path = "/api/connections/{id}", tag = "connections",
    params(("id" = String, Path, description = "Link id")),
    responses(
        (status = 204, description = "Link removed"),
        (status = 404, description = "No such link", body = ErrorBody),
    )
)]
pub async fn delete_connection(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.proxy.disconnect(id.as_str()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/runtime/start", tag = "runtime",
    responses(
        (status = 200, description = "State after start", body = RuntimeState),
        (status = 409, description = "Already running", body = ErrorBody),
        (status = 500, description = "A processor failed to set up", body = ErrorBody),
    )
)]
pub async fn start(State(state): State<ApiState>) -> ApiResult<Json<RuntimeState>> {
    Ok(Json(redacted_state(state.proxy.start().await?)))
}

#[utoipa::path(
    post, path = "/api/runtime/stop", tag = "runtime",
    responses(
        (status = 200, description = "State after stop", body = RuntimeState),
        (status = 409, description = "Not running", body = ErrorBody),
    )
)]
pub async fn stop(State(state): State<ApiState>) -> ApiResult<Json<RuntimeState>> {
    Ok(Json(redacted_state(state.proxy.stop().await?)))
}

#[utoipa::path(
    post, path = "/api/runtime/pause", tag = "runtime",
    responses(
        (status = 200, description = "State after pause", body = RuntimeState),
        (status = 409, description = "Not running", body = ErrorBody),
    )
)]
pub async fn pause(State(state): State<ApiState>) -> ApiResult<Json<RuntimeState>> {
    Ok(Json(redacted_state(state.proxy.pause().await?)))
}

#[utoipa::path(
    post, path = "/api/runtime/resume", tag = "runtime",
    responses(
        (status = 200, description = "State after resume", body = RuntimeState),
        (status = 409, description = "Not paused", body = ErrorBody),
    )
)]
pub async fn resume(State(state): State<ApiState>) -> ApiResult<Json<RuntimeState>> {
    Ok(Json(redacted_state(state.proxy.resume().await?)))
}

#[utoipa::path(
    get, path = "/api/runtime/state", tag = "runtime",
    responses((status = 200, description = "Status, processors and connections", body = RuntimeState))
)]
pub async fn runtime_state(State(state): State<ApiState>) -> ApiResult<Json<RuntimeState>> {
    Ok(Json(redacted_state(state.proxy.state().await?)))
}

#[utoipa::path(
    get, path = "/api/processor-types", tag = "processors",
    responses((status = 200, description = "Descriptors with ports and config schema", body = Vec<ProcessorDescriptor>))
)]
pub async fn processor_types(
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<ProcessorDescriptor>>> {
    Ok(Json(state.proxy.processor_types().await?))
}

#[utoipa::path(
    get, path = "/api/graph", tag = "graph",
    responses((status = 200, description = "The graph as a pipeline document; file paths inside the media root are relative to it", body = PipelineDocument))
)]
pub async fn get_graph(State(state): State<ApiState>) -> ApiResult<Json<PipelineDocument>> {
    let mut document = state.proxy.graph().await?;
    for processor in &mut document.processors {
        redact_config(&mut processor.config);
    }
    relativize_document(&mut document, &state.settings.media_root);
    Ok(Json(document))
}

#[utoipa::path(
    put, path = "/api/graph", tag = "graph",
    request_body = PipelineDocument,
    responses(
        (status = 200, description = "The graph after the replacement", body = PipelineDocument),
        (status = 400, description = "Invalid document; every problem is listed", body = ErrorBody),
    )
)]
pub async fn put_graph(
    State(state): State<ApiState>,
    ApiJson(mut document): ApiJson<PipelineDocument>,
) -> ApiResult<Json<PipelineDocument>> {
    for processor in &document.processors {
        check_creatable(&processor.processor_type)?;
    }
    confine_document(&mut document, &state.settings.media_root)?;
    state.proxy.replace_graph(document).await?;
    get_graph(State(state)).await
}

#[utoipa::path(
    get, path = "/api/health", tag = "runtime",
    responses((status = 200, description = "The server is up", body = Health))
)]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!(
        "no route for {}; see /api/openapi.json",
        uri.path()
    ))
}

pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}", uri.path()))
}
