//! Middleware: bearer token, per-client rate limit, and the guarantee that
//! every error response has a JSON body.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use subtle::ConstantTimeEq;

use crate::core::service::http::ApiState;
use crate::core::service::http::error::{ApiError, ErrorBody};

/// Paths that need no token: liveness checks and the API description.
const PUBLIC_PATHS: [&str; 2] = ["/api/health", "/api/openapi.json"];

/// Rejects requests without the configured bearer token. WebSocket clients
/// may send it as the `token` query parameter instead, since browsers
/// cannot set headers on a WebSocket handshake.
pub async fn require_token(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.settings.token.as_deref() else {
        return next.run(request).await;
    };
    if PUBLIC_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    let from_query = (request.uri().path() == "/api/events")
        .then(|| query_token(&request))
        .flatten();
    let presented = from_header.or(from_query);
    let valid =
        presented.is_some_and(|token| bool::from(token.as_bytes().ct_eq(expected.as_bytes())));
    if valid {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn query_token(request: &Request) -> Option<String> {
    axum::extract::Query::<TokenQuery>::try_from_uri(request.uri())
        .ok()
        .and_then(|axum::extract::Query(query)| query.token)
}

/// A token bucket per client address.
pub struct ClientRateLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl std::fmt::Debug for ClientRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRateLimiter").finish_non_exhaustive()
    }
}

impl ClientRateLimiter {
    /// `None` when `per_second` is 0, which turns rate limiting off.
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        let per_second = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst).unwrap_or(per_second);
        Some(Self {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        })
    }

    /// Forgets clients whose buckets are full again, so that the table does
    /// not grow with every address ever seen.
    pub fn forget_idle_clients(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Seconds to wait before the next request is allowed, if it is not now.
    fn check(&self, client: IpAddr) -> Option<u64> {
        self.limiter.check_key(&client).err().map(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

pub async fn rate_limit(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let Some(limiter) = state.rate_limiter.as_ref() else {
        return next.run(request).await;
    };
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    if let Some(client) = client
        && let Some(retry_after_s) = limiter.check(client)
    {
        return ApiError::RateLimited {
            retry_after_s: retry_after_s.max(1),
        }
        .into_response();
    }
    next.run(request).await
}

/// Gives every error response without a JSON body one, so that layers
/// outside the handlers (timeouts, CORS rejections) respond like the rest.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }

    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }

    let (code, error) = match status {
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "the request took longer than the server's timeout",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this path does not accept that method",
        ),
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the body is larger than the server's limit",
        ),
        _ if status.is_server_error() => {
            ("internal_error", "the server failed to handle the request")
        }
        _ => ("bad_request", "the request was rejected"),
    };
    let (mut parts, _) = response.into_parts();

    let body = serde_json::to_vec(&ErrorBody {
        error: error.to_owned(),
        code: code.to_owned(),
    })
    .unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
