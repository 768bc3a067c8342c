//! `ApiError`: every error the HTTP API returns, mapped to a status and a
//! JSON body `{"error": "...", "code": "..."}` in this one place.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::core::error::StreamError;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Description of the failure and of the fix, for a person.
    pub error: String,
    /// A stable snake_case name of the condition, for programs.
    pub code: String,
}

#[derive(Debug)]
pub enum ApiError {
    Runtime(StreamError),
    InvalidJson(String),
    InvalidRequest(String),
    UnsupportedMediaType(String),
    PayloadTooLarge(String),
    PathOutsideMediaRoot(String),
    Unauthorized,
    RateLimited { retry_after_s: u64 },
    NotFound(String),
    MethodNotAllowed(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Runtime(error) => runtime_status(error),
            ApiError::InvalidJson(_)
            | ApiError::InvalidRequest(_)
            | ApiError::PathOutsideMediaRoot(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Runtime(error) => error.code(),
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::PathOutsideMediaRoot(_) => "path_outside_media_root",
            ApiError::Unauthorized => "unauthorized",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Runtime(error) => error.to_string(),
            ApiError::InvalidJson(message)
            | ApiError::InvalidRequest(message)
            | ApiError::UnsupportedMediaType(message)
            | ApiError::PayloadTooLarge(message)
            | ApiError::PathOutsideMediaRoot(message)
            | ApiError::NotFound(message)
            | ApiError::MethodNotAllowed(message) => message.clone(),
            ApiError::Unauthorized => {
                "missing or wrong bearer token; send 'Authorization: Bearer <token>'".to_owned()
            }
            ApiError::RateLimited { retry_after_s } => {
                format!("too many requests from this client; retry in {retry_after_s} s")
            }
        }
    }
}

/// Status codes of runtime errors: the client's fault is 4xx, a runtime
/// that does not respond is 503.
fn runtime_status(error: &StreamError) -> StatusCode {
    match error {
        StreamError::ProcessorNotFound(_) | StreamError::LinkNotFound(_) => StatusCode::NOT_FOUND,
        StreamError::UnknownProcessorType { .. }
        | StreamError::InvalidConfig { .. }
        | StreamError::InvalidProcessorId(_)
        | StreamError::PortNotFound { .. }
        | StreamError::IncompatiblePorts { .. }
        | StreamError::InvalidCapacity(_)
        | StreamError::InvalidPipeline { .. } => StatusCode::BAD_REQUEST,
        StreamError::DuplicateProcessorId(_)
        | StreamError::DuplicateProcessorType(_)
        | StreamError::InputAlreadyLinked { .. }
        | StreamError::Cycle { .. }
        | StreamError::SelfLink(_)
        | StreamError::InvalidState { .. }
        | StreamError::ConfigUpdateRejected { .. }
        | StreamError::ProcessorLimit { .. } => StatusCode::CONFLICT,
        StreamError::RuntimeUnavailable(_)
        | StreamError::RuntimeTimeout { .. }
        | StreamError::ProcessorTimeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<StreamError> for ApiError {
    fn from(error: StreamError) -> Self {
        ApiError::Runtime(error)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(error) => {
                ApiError::InvalidJson(format!("the body is not valid JSON: {}", error.body_text()))
            }
            JsonRejection::JsonDataError(error) => ApiError::InvalidRequest(format!(
                "the body does not match the expected shape: {}",
                error.body_text()
            )),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body with 'Content-Type: application/json'".to_owned(),
            ),
            JsonRejection::BytesRejection(error)
                if error.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::PayloadTooLarge("the body is larger than the server's limit".to_owned())
            }
            other => ApiError::InvalidRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::InvalidRequest(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::InvalidRequest(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(code = self.code(), error = %self.message(), "request failed");
        } else {
            tracing::debug!(code = self.code(), error = %self.message(), "request rejected");
        }
        let body = ErrorBody {
            error: self.message(),
            code: self.code().to_owned(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        match self {
            ApiError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after_s } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            _ => {}
        }
        response
    }
}

/// JSON bodies with rejections turned into `ApiError`.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query strings with rejections turned into `ApiError`.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters with rejections turned into `ApiError`.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);
