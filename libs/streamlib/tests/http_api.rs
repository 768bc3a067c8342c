//! The HTTP API over a real socket: routes, bodies, status codes, errors.

#![cfg(feature = "api-server")]

mod common;
mod http_support;

use std::sync::Arc;
use std::time::Duration;

use http_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use streamlib::{ProcessorRegistry, StreamRuntime};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_start_stop_delete_graph() {
    let server = TestServer::with_defaults();
    let http = client();
    let mut watcher = server
        .ws("/api/events?types=processor_added,connection_created,runtime_started,runtime_stopped,processor_removed,connection_removed")
        .await;

    let (status, created) = call(http.post(server.url("/api/processors")).json(&json!({
        "processor_type": "TestPatternProcessor",
        "config": {"width": 64, "height": 48, "fps": 30}
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let source = created["processor_id"].as_str().expect("an id").to_owned();
    assert!(source.starts_with("test-pattern-"), "generated id {source}");

    let (status, _) = call(http.post(server.url("/api/processors")).json(&json!({
        "id": "pass", "processor_type": "SimplePassthroughProcessor", "config": {}
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(http.post(server.url("/api/processors")).json(&json!({
        "id": "sink", "processor_type": "NullSinkProcessor"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, link) = call(http.post(server.url("/api/connections")).json(&json!({
        "from_processor": source, "from_port": "video", "to_processor": "pass", "to_port": "video"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let first_link = link["link_id"].as_str().unwrap().to_owned();
    assert!(first_link.starts_with("link-"));
    let (status, _) = call(http.post(server.url("/api/connections")).json(&json!({
        "from_processor": "pass", "from_port": "video", "to_processor": "sink", "to_port": "video",
        "capacity": 8, "overflow": "drop_oldest"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, state) = call(http.post(server.url("/api/runtime/start"))).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["status"], "running");
    let (status, state) = call(http.get(server.url("/api/runtime/state"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["status"], "running");
    assert_eq!(state["connections"].as_array().unwrap().len(), 2);

    // Frames flow: the sink's counter rises.
    let mut received = 0;
    for _ in 0..100 {
        let (_, sink) = call(http.get(server.url("/api/processors/sink"))).await;
        received = sink["metrics"]["frames_in"].as_u64().unwrap();
        if received > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(received > 0, "no frame reached the sink");
    let (_, pass) = call(http.get(server.url("/api/processors/pass"))).await;
    assert_eq!(pass["processor_type"], "SimplePassthroughProcessor");
    assert_eq!(pass["state"], "running");
    assert_eq!(pass["inputs"][0]["links"][0], first_link.as_str());

    let (status, stopped) = call(http.post(server.url("/api/runtime/stop"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stopped["status"], "stopped");
    let sink = stopped["processors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "sink")
        .unwrap();
    assert_eq!(sink["state"], "stopped");
    let api = stopped["processors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "api")
        .unwrap();
    assert_eq!(
        api["state"], "running",
        "the API server outlives a stop of the graph"
    );
    assert_eq!(
        api["status"]["address"],
        format!("127.0.0.1:{}", server.port),
        "the server publishes the address it bound"
    );
    let (status, state) = call(http.post(server.url("/api/runtime/start"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["status"], "running");

    let (status, body) =
        call(http.delete(server.url(&format!("/api/connections/{first_link}")))).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, _) = call(http.delete(server.url("/api/processors/pass"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = call(http.get(server.url("/api/processors/pass"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "processor_not_found");

    let (status, list) = call(http.get(server.url("/api/processors"))).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for expected in ["api", "sink", source.as_str()] {
        assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
    }

    let expected = [
        "processor_added",
        "processor_added",
        "processor_added",
        "connection_created",
        "connection_created",
        "runtime_started",
        "runtime_stopped",
        "runtime_started",
        "connection_removed",
        "connection_removed",
        "processor_removed",
    ];
    let mut seen = Vec::new();
    let mut last_seq = 0;
    while seen.len() < expected.len() {
        let event = next_json(&mut watcher).await;
        let seq = event["seq"].as_u64().unwrap();
        assert!(seq > last_seq, "seq rises");
        last_seq = seq;
        seen.push(event["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, expected);
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_document_round_trips() {
    let server = TestServer::with_defaults();
    let http = client();
    let document = json!({
        "processors": [
            {"id": "tone", "processor_type": "SineGeneratorProcessor", "config": {"frequency": 220}},
            {"id": "sink", "processor_type": "NullSinkProcessor", "config": {"kind": "audio"}}
        ],
        "connections": [
            {"from_processor": "tone", "from_port": "audio", "to_processor": "sink", "to_port": "audio"}
        ]
    });
    let (status, replaced) = call(http.put(server.url("/api/graph")).json(&document)).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    let (status, exported) = call(http.get(server.url("/api/graph"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(exported, replaced);
    let ids: Vec<&str> = exported["processors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["sink", "tone"],
        "the API server stays out of the document"
    );
    assert_eq!(exported["processors"][1]["config"]["frequency"], 220.0);

    let (status, again) = call(http.put(server.url("/api/graph")).json(&exported)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, exported);

    // File paths come back relative to the media root, ready to send again.
    let with_file = json!({
        "processors": [
            {"id": "tone", "processor_type": "SineGeneratorProcessor"},
            {"id": "file", "processor_type": "WavWriterProcessor", "config": {"path": "round-trip.wav"}}
        ],
        "connections": [
            {"from_processor": "tone", "from_port": "audio", "to_processor": "file", "to_port": "audio"}
        ]
    });
    let (status, saved) = call(http.put(server.url("/api/graph")).json(&with_file)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["processors"][0]["config"]["path"], "round-trip.wav");
    let (_, details) = call(http.get(server.url("/api/processors/file"))).await;
    let absolute = details["config"]["path"].as_str().unwrap();
    assert!(
        absolute.starts_with('/') && absolute.ends_with("/round-trip.wav"),
        "{absolute}"
    );
    let (_, types) = call(http.get(server.url("/api/processor-types"))).await;
    let names: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["processor_type"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"TestPatternProcessor"), "{names:?}");
    assert!(names.contains(&"ApiServerProcessor"), "{names:?}");
    let pattern = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["processor_type"] == "TestPatternProcessor")
        .unwrap();
    assert!(pattern["config_schema"]["properties"]["fps"].is_object());
    server.shut_down();
}

/// One request that must fail with `status` and `code`.
struct ErrorCase {
    name: &'static str,
    request: reqwest::RequestBuilder,
    status: StatusCode,
    code: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_returns_json() {
    let server = TestServer::start(
        Arc::new(ProcessorRegistry::with_builtins()),
        json!({"body_limit_bytes": 4096, "rate_limit_per_second": 0}),
    );
    let http = client();
    for (id, processor_type) in [
        ("a", "SimplePassthroughProcessor"),
        ("b", "SimplePassthroughProcessor"),
        ("tone", "SineGeneratorProcessor"),
    ] {
        let (status, _) = call(
            http.post(server.url("/api/processors"))
                .json(&json!({"id": id, "processor_type": processor_type})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = call(http.post(server.url("/api/connections")).json(&json!({
        "from_processor": "a", "from_port": "video", "to_processor": "b", "to_port": "video"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let link = |from: &str, from_port: &str, to: &str, to_port: &str| json!({"from_processor": from, "from_port": from_port, "to_processor": to, "to_port": to_port});
    let cases = vec![
        ErrorCase {
            name: "malformed JSON",
            request: http.post(server.url("/api/processors")).header("content-type", "application/json").body("{\"processor_type\": "),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_json",
        },
        ErrorCase {
            name: "missing field",
            request: http.post(server.url("/api/processors")).json(&json!({"config": {}})),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
        },
        ErrorCase {
            name: "invalid config",
            request: http.post(server.url("/api/processors")).json(&json!({"processor_type": "TestPatternProcessor", "config": {"width": -1}})),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_config",
        },
        ErrorCase {
            name: "unknown processor type",
            request: http.post(server.url("/api/processors")).json(&json!({"processor_type": "NoSuchProcessor"})),
            status: StatusCode::BAD_REQUEST,
            code: "unknown_processor_type",
        },
        ErrorCase {
            name: "unknown port",
            request: http.post(server.url("/api/connections")).json(&link("a", "audio", "b", "video")),
            status: StatusCode::BAD_REQUEST,
            code: "port_not_found",
        },
        ErrorCase {
            name: "incompatible ports",
            request: http.post(server.url("/api/connections")).json(&link("tone", "audio", "a", "video")),
            status: StatusCode::BAD_REQUEST,
            code: "incompatible_ports",
        },
        ErrorCase {
            name: "path outside media root",
            request: http.post(server.url("/api/processors")).json(&json!({"processor_type": "NullSinkProcessor", "config": {"path": "../../etc/passwd"}})),
            status: StatusCode::BAD_REQUEST,
            code: "path_outside_media_root",
        },
        ErrorCase {
            name: "unknown processor id",
            request: http.get(server.url("/api/processors/ghost")),
            status: StatusCode::NOT_FOUND,
            code: "processor_not_found",
        },
        ErrorCase {
            name: "unknown link id",
            request: http.delete(server.url("/api/connections/link-000000")),
            status: StatusCode::NOT_FOUND,
            code: "link_not_found",
        },
        ErrorCase {
            name: "unknown route",
            request: http.get(server.url("/api/nothing-here")),
            status: StatusCode::NOT_FOUND,
            code: "not_found",
        },
        ErrorCase {
            name: "wrong method",
            request: http.put(server.url("/api/processors")),
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "method_not_allowed",
        },
        ErrorCase {
            name: "input already linked",
            request: http.post(server.url("/api/connections")).json(&link("a", "video", "b", "video")),
            status: StatusCode::CONFLICT,
            code: "input_already_linked",
        },
        ErrorCase {
            name: "cycle",
            request: http.post(server.url("/api/connections")).json(&link("b", "video", "a", "video")),
            status: StatusCode::CONFLICT,
            code: "cycle",
        },
        ErrorCase {
            name: "state conflict",
            request: http.post(server.url("/api/runtime/resume")),
            status: StatusCode::CONFLICT,
            code: "invalid_state",
        },
        ErrorCase {
            name: "duplicate id",
            request: http.post(server.url("/api/processors")).json(&json!({"id": "a", "processor_type": "NullSinkProcessor"})),
            status: StatusCode::CONFLICT,
            code: "duplicate_processor_id",
        },
        ErrorCase {
            name: "body too large",
            request: http.post(server.url("/api/processors")).json(&json!({"processor_type": "NullSinkProcessor", "config": {"padding": "x".repeat(10_000)}})),
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
        },
        ErrorCase {
            name: "not JSON",
            request: http.post(server.url("/api/processors")).header("content-type", "text/plain").body("processor_type=x"),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
        },
        ErrorCase {
            name: "config patch not an object",
            request: http.patch(server.url("/api/processors/a/config")).json(&json!([1, 2])),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
        },
    ];
    for case in cases {
        let (status, body) = call(case.request).await;
        assert_eq!(status, case.status, "{}: {body}", case.name);
        assert_eq!(body["code"], case.code, "{}: {body}", case.name);
        assert!(
            body["error"].as_str().is_some_and(|text| !text.is_empty()),
            "{}: {body}",
            case.name
        );
    }

    let (_, body) = call(
        http.post(server.url("/api/processors"))
            .json(&json!({"processor_type": "TestPatternProcessor", "config": {"widht": 5}})),
    )
    .await;
    assert!(
        body["error"].as_str().unwrap().contains("widht"),
        "the message names the field: {body}"
    );
    let (_, graph) = call(http.get(server.url("/api/graph"))).await;
    assert_eq!(
        graph["processors"].as_array().unwrap().len(),
        3,
        "rejected requests changed nothing"
    );
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_is_required() {
    let server = TestServer::start(
        Arc::new(ProcessorRegistry::with_builtins()),
        json!({"token": "s3cret-token"}),
    );
    let http = client();

    let response = http
        .get(server.url("/api/runtime/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");

    let (status, _) = call(
        http.get(server.url("/api/runtime/state"))
            .bearer_auth("wrong"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, state) = call(
        http.get(server.url("/api/runtime/state"))
            .bearer_auth("s3cret-token"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let api = state["processors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "api")
        .unwrap();
    assert_eq!(
        api["config"]["token"], "<redacted>",
        "the token never leaves the server"
    );
    let (status, _) = call(http.get(server.url("/api/health"))).await;
    assert_eq!(status, StatusCode::OK, "health needs no token");

    let refused = tokio_tungstenite::connect_async(server.ws_url("/api/events")).await;
    assert!(refused.is_err(), "websocket without token is refused");
    let mut events = server.ws("/api/events?token=s3cret-token").await;
    let (status, _) = call(
        http.post(server.url("/api/processors"))
            .bearer_auth("s3cret-token")
            .json(&json!({"id": "x", "processor_type": "NullSinkProcessor"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let added = next_of_type(&mut events, "processor_added").await;
    assert_eq!(added["processor_id"], "x");
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    let server = TestServer::start(
        Arc::new(ProcessorRegistry::with_builtins()),
        json!({"rate_limit_per_second": 1, "rate_limit_burst": 3}),
    );
    let http = client();
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..6 {
        let response = http.get(server.url("/api/health")).send().await.unwrap();
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let body: Value = response.json().await.unwrap();
            limited = Some((retry_after, body));
        }
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3], "the burst passes");
    let (retry_after, body) = limited.expect("a request beyond the burst is limited");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(body["code"], "rate_limited");
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_not_answering_gives_503() {
    // The runtime runs the server but no thread runs its main loop, so every
    // command the server sends waits in vain.
    let port = free_port();
    let runtime = StreamRuntime::new();
    runtime
        .add_host_processor(
            streamlib::ProcessorSpec::new("ApiServerProcessor")
                .with_config(json!({"port": port, "runtime_timeout_ms": 300})),
        )
        .unwrap();

    let (status, body) =
        call(client().get(format!("http://127.0.0.1:{port}/api/runtime/state"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["code"], "runtime_timeout");
    let (status, _) = call(client().get(format!("http://127.0.0.1:{port}/api/health"))).await;
    assert_eq!(status, StatusCode::OK, "health does not need the runtime");
    tokio::task::spawn_blocking(move || drop(runtime))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_configured_origin_only() {
    let server = TestServer::start(
        Arc::new(ProcessorRegistry::with_builtins()),
        json!({"cors_origins": ["http://localhost:3000"]}),
    );
    let http = client();
    let preflight = http
        .request(reqwest::Method::OPTIONS, server.url("/api/processors"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let other = http
        .get(server.url("/api/health"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_every_route() {
    let server = TestServer::with_defaults();
    let (status, document) = call(client().get(server.url("/api/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    let routes = [
        ("/api/processors", vec!["get", "post"]),
        ("/api/processors/{id}", vec!["get", "delete"]),
        ("/api/processors/{id}/config", vec!["patch"]),
        ("/api/connections", vec!["get", "post"]),
        ("/api/connections/{id}", vec!["delete"]),
        ("/api/runtime/start", vec!["post"]),
        ("/api/runtime/stop", vec!["post"]),
        ("/api/runtime/pause", vec!["post"]),
        ("/api/runtime/resume", vec!["post"]),
        ("/api/runtime/state", vec!["get"]),
        ("/api/processor-types", vec!["get"]),
        ("/api/graph", vec!["get", "put"]),
        ("/api/health", vec!["get"]),
        ("/api/openapi.json", vec!["get"]),
        ("/api/events", vec!["get"]),
    ];
    assert_eq!(
        paths.len(),
        routes.len(),
        "paths: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    for (path, methods) in routes {
        let entry = paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is missing"));
        for method in methods {
            assert!(entry.get(method).is_some(), "{method} {path} is missing");
        }
    }
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_deletion_shuts_server_down() {
    let server = TestServer::with_defaults();
    let http = client();
    let (status, body) = call(http.delete(server.url("/api/processors/api"))).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));

    // The removal finishes once teardown has joined the server thread.
    let mut removed = false;
    for _ in 0..400 {
        if server.runtime.processor("api").is_err() {
            removed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(removed, "the API server was not removed after answering");
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", server.port)).is_ok(),
        "the port is free again"
    );
    let refused = reqwest::Client::new()
        .get(server.url("/api/health"))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "the server still answers after its removal"
    );
    let runtime = server.runtime.clone();
    assert!(runtime.processor("api").is_err());
    let runtime = tokio::task::spawn_blocking(move || server.shut_down())
        .await
        .unwrap();
    assert_eq!(runtime.runner_threads(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_failure_names_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let runtime = StreamRuntime::new();
    let add = |config: Value| {
        runtime.add_host_processor(
            streamlib::ProcessorSpec::new("ApiServerProcessor")
                .with_id("api")
                .with_config(config),
        )
    };
    let error = add(json!({"port": port})).unwrap_err();
    assert!(
        matches!(error, streamlib::StreamError::ProcessorFailed { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
    assert_eq!(runtime.runner_threads(), 0);
    assert!(
        runtime.state().processors.is_empty(),
        "the failed server is not added"
    );

    let error = add(json!({"host": "no such host.invalid"})).unwrap_err();
    assert!(
        error.to_string().contains("no such host.invalid"),
        "{error}"
    );
    drop(taken);
}

#[tokio::test]
async fn router_answers_without_socket() {
    use tower::ServiceExt;

    let runtime = Arc::new(StreamRuntime::new());
    let looping = runtime.clone();
    let main_loop = std::thread::spawn(move || looping.run());
    let (_shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let settings = streamlib::core::service::http::ApiSettings {
        rate_limit_per_second: 0,
        ..Default::default()
    };
    let state =
        streamlib::core::service::http::ApiState::new(runtime.proxy(), settings, shutdown_rx, None);
    let router = streamlib::core::service::http::router(state);

    let request = axum_request(
        "POST",
        "/api/processors",
        r#"{"id": "s", "processor_type": "NullSinkProcessor"}"#,
    );
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let response = router
        .oneshot(axum_request("GET", "/api/processors/s", ""))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    runtime.shutdown_handle().request();
    main_loop.join().unwrap().unwrap();
}

fn axum_request(method: &str, uri: &str, body: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_owned_server_rebinds_after_restart() {
    let port = free_port();
    let runtime = Arc::new(StreamRuntime::new());
    runtime
        .add_processor(
            streamlib::ProcessorSpec::new("ApiServerProcessor")
                .with_id("api")
                .with_config(json!({"port": port})),
        )
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/api/health");

    for round in 0..3 {
        let starting = runtime.clone();
        tokio::task::spawn_blocking(move || starting.start())
            .await
            .unwrap()
            .unwrap();
        let (status, _) = call(client().get(&health)).await;
        assert_eq!(status, StatusCode::OK, "round {round}");

        let stopping = runtime.clone();
        tokio::task::spawn_blocking(move || stopping.stop())
            .await
            .unwrap()
            .unwrap();
        assert!(
            client().get(&health).send().await.is_err(),
            "round {round}: still answering after stop"
        );
        assert!(
            std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
            "round {round}: port still taken"
        );
    }
    assert_eq!(runtime.runner_threads(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_cannot_create_api_servers_or_stray_fields() {
    let server = TestServer::with_defaults();
    let http = client();
    let (status, body) = call(http.post(server.url("/api/processors")).json(&json!({
        "processor_type": "ApiServerProcessor", "config": {"port": free_port(), "media_root": "/"}
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("ApiServerProcessor")
    );

    let document =
        json!({"processors": [{"id": "second", "processor_type": "ApiServerProcessor"}]});
    let (status, _) = call(http.put(server.url("/api/graph")).json(&document)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = call(http.post(server.url("/api/processors")).json(&json!({
        "processor_type": "NullSinkProcessor", "confg": {"kind": "audio"}
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("confg"), "{body}");
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_live_graph_replacement_restores_previous_graph() {
    let server = TestServer::with_defaults();
    let http = client();
    let working = json!({
        "processors": [
            {"id": "bars", "processor_type": "TestPatternProcessor", "config": {"width": 16, "height": 16, "fps": 50}},
            {"id": "sink", "processor_type": "NullSinkProcessor"}
        ],
        "connections": [{"from_processor": "bars", "from_port": "video", "to_processor": "sink", "to_port": "video"}]
    });
    let (status, before) = call(http.put(server.url("/api/graph")).json(&working)).await;
    assert_eq!(status, StatusCode::OK);
    call(http.post(server.url("/api/runtime/start"))).await;

    // Passes validation, then fails in setup: the file is a folder.
    std::fs::create_dir_all(server.runtime_dir().join("a-folder.y4m")).unwrap();
    let failing = json!({
        "processors": [
            {"id": "bars", "processor_type": "TestPatternProcessor"},
            {"id": "file", "processor_type": "Y4mWriterProcessor", "config": {"path": "a-folder.y4m"}}
        ],
        "connections": [{"from_processor": "bars", "from_port": "video", "to_processor": "file", "to_port": "video"}]
    });
    let (status, body) = call(http.put(server.url("/api/graph")).json(&failing)).await;
    std::fs::remove_dir_all(server.runtime_dir().join("a-folder.y4m")).unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["code"], "processor_failed");

    let (_, after) = call(http.get(server.url("/api/graph"))).await;
    assert_eq!(after, before, "the previous graph is back");
    let (_, sink) = call(http.get(server.url("/api/processors/sink"))).await;
    assert_eq!(sink["state"], "running");
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_allows_authorization_header() {
    let server = TestServer::start(
        Arc::new(ProcessorRegistry::with_builtins()),
        json!({"cors_origins": ["http://localhost:3000"], "token": "t0ken"}),
    );
    let preflight = client()
        .request(reqwest::Method::OPTIONS, server.url("/api/runtime/state"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization"),
        "allowed headers: {allowed}"
    );
    server.shut_down();
}
