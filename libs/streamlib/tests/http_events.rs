//! The `/api/events` WebSocket over a real socket: filters, slow clients,
//! replay after reconnect, pings, metrics and shutdown.

#![cfg(feature = "api-server")]

mod common;
mod http_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use http_support::*;
use serde_json::{Value, json};
use streamlib::{
    ExecutionMode, Ports, ProcessorDescriptor, ProcessorInstance, ProcessorRegistry, ProcessorSpec,
};
use tokio_tungstenite::tungstenite::Message;

/// A registry with `NoteProcessor`, which accepts any config: updating its
/// config is a cheap way to produce events of a chosen size.
fn registry_with_notes() -> Arc<ProcessorRegistry> {
    let registry = ProcessorRegistry::with_builtins();
    let descriptor = ProcessorDescriptor {
        processor_type: "NoteProcessor".to_owned(),
        description: "Test processor whose config is free-form".to_owned(),
        execution_mode: ExecutionMode::Manual,
        ports: Ports::default(),
        config_schema: json!({"type": "object"}),
    };
    let factory = |config: &Value| {
        Ok(ProcessorInstance {
            processor: Box::new(Idle),
            ports: Ports::default(),
            config: config.clone(),
        })
    };
    registry
        .register_factory(descriptor, Arc::new(factory))
        .unwrap();
    Arc::new(registry)
}

struct Idle;

impl streamlib::Processor for Idle {
    fn process(
        &mut self,
        _input: streamlib::ProcessInput<'_>,
        _output: &mut streamlib::Outputs,
    ) -> streamlib::Result<streamlib::Flow> {
        Ok(streamlib::Flow::Continue)
    }
}

/// Produces `count` `processor_config_updated` events of about `size` bytes.
async fn produce_notes(server: &TestServer, count: usize, size: usize) {
    let proxy = server.runtime.proxy();
    for index in 0..count {
        let note = format!("{index:08}{}", "n".repeat(size));
        proxy
            .update_config("notes", json!({"note": note}))
            .await
            .unwrap();
    }
}

fn add_notes(server: &TestServer) {
    server
        .runtime
        .add_processor(ProcessorSpec::new("NoteProcessor").with_id("notes"))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_by_query_and_by_message() {
    let server = TestServer::with_defaults();
    let http = reqwest::Client::new();
    let mut by_type = server.ws("/api/events?types=processor_removed").await;
    let mut by_processor = server.ws("/api/events?processor=b").await;
    let mut by_message = server.ws("/api/events").await;
    by_message
        .send(Message::Text(
            r#"{"subscribe": {"types": ["processor_added"], "processors": ["a"]}}"#.into(),
        ))
        .await
        .unwrap();
    let confirmation = next_json(&mut by_message).await;
    assert_eq!(confirmation["type"], "subscribed");

    for id in ["a", "b"] {
        let body = json!({"id": id, "processor_type": "NullSinkProcessor"});
        call(http.post(server.url("/api/processors")).json(&body)).await;
    }
    for id in ["a", "b"] {
        call(http.delete(server.url(&format!("/api/processors/{id}")))).await;
    }

    let removed_a = next_json(&mut by_type).await;
    let removed_b = next_json(&mut by_type).await;
    assert_eq!(
        (
            removed_a["type"].as_str(),
            removed_a["processor_id"].as_str()
        ),
        (Some("processor_removed"), Some("a"))
    );
    assert_eq!(removed_b["processor_id"], "b");

    let mut about_b = Vec::new();
    for _ in 0..2 {
        let event = next_json(&mut by_processor).await;
        assert_eq!(event["processor_id"], "b", "{event}");
        about_b.push(event["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(about_b, ["processor_added", "processor_removed"]);

    let added = next_json(&mut by_message).await;
    assert_eq!(
        (added["type"].as_str(), added["processor_id"].as_str()),
        (Some("processor_added"), Some("a"))
    );

    // Nothing else matched these filters: a marker event is the next message.
    call(
        http.post(server.url("/api/processors"))
            .json(&json!({"id": "a", "processor_type": "NullSinkProcessor"})),
    )
    .await;
    let marker = next_json(&mut by_message).await;
    assert_eq!(marker["processor_id"], "a");
    assert!(marker["seq"].as_u64() > added["seq"].as_u64());

    by_message
        .send(Message::Text("not json".into()))
        .await
        .unwrap();
    let complaint = next_json(&mut by_message).await;
    assert_eq!(complaint["type"], "error");
    assert_eq!(complaint["code"], "invalid_message");
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_client_gets_dropped_count_without_slowing_others() {
    const BATCHES: usize = 8;
    const PER_BATCH: usize = 200;
    const NOTE_BYTES: usize = 20_000;
    let server = TestServer::start(registry_with_notes(), json!({"rate_limit_per_second": 0}));
    add_notes(&server);
    let mut stalled = server
        .ws("/api/events?types=processor_config_updated")
        .await;
    let reader = server
        .ws("/api/events?types=processor_config_updated")
        .await;

    let (count_tx, mut count_rx) = tokio::sync::watch::channel(0usize);
    let reading = tokio::spawn(async move {
        let mut reader = reader;
        let mut seqs = Vec::new();
        while seqs.len() < BATCHES * PER_BATCH {
            let event = next_json(&mut reader).await;
            assert_eq!(
                event["type"], "processor_config_updated",
                "the reading client missed events: {event}"
            );
            seqs.push(event["seq"].as_u64().unwrap());
            let _ = count_tx.send(seqs.len());
        }
        seqs
    });

    let started = Instant::now();
    for batch in 1..=BATCHES {
        produce_notes(&server, PER_BATCH, NOTE_BYTES).await;
        let target = batch * PER_BATCH;
        tokio::time::timeout(WS_PATIENCE, count_rx.wait_for(|count| *count >= target))
            .await
            .expect("the reading client keeps up")
            .unwrap();
    }
    let elapsed = started.elapsed();
    let seqs = reading.await.unwrap();
    assert!(
        seqs.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "the reading client saw a gap"
    );
    // About 32 MB went to the reading client while the other read nothing.
    assert!(
        elapsed < Duration::from_secs(60),
        "production took {elapsed:?}"
    );

    let mut received = 0;
    let dropped = loop {
        let message = next_json(&mut stalled).await;
        match message["type"].as_str() {
            Some("events_dropped") => break message["count"].as_u64().unwrap(),
            Some("processor_config_updated") => received += 1,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(dropped > 0);
    assert!(received + (dropped as usize) <= BATCHES * PER_BATCH);
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_with_since_seq_replays_missed_events() {
    let server = TestServer::start(registry_with_notes(), json!({}));
    add_notes(&server);
    let mut witness = server.ws("/api/events").await;
    let mut client = server.ws("/api/events").await;

    produce_notes(&server, 5, 10).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next_json(&mut client).await);
    }
    let resume_from = seen.last().unwrap()["seq"].as_u64().unwrap();
    client.close(None).await.unwrap();
    drop(client);
    produce_notes(&server, 20, 10).await;

    let mut client = server
        .ws(&format!("/api/events?since_seq={resume_from}"))
        .await;
    produce_notes(&server, 5, 10).await;
    for _ in 0..27 {
        seen.push(next_json(&mut client).await);
    }
    let mut witnessed = Vec::new();
    for _ in 0..30 {
        witnessed.push(next_json(&mut witness).await);
    }
    assert_eq!(
        seen, witnessed,
        "the reconnected client saw exactly what a connected one saw"
    );
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_seq_older_than_history_reports_dropped_count() {
    let server = TestServer::start(registry_with_notes(), json!({"event_history": 8}));
    add_notes(&server);
    let mut witness = server.ws("/api/events").await;
    produce_notes(&server, 30, 10).await;
    let mut last = Value::Null;
    for _ in 0..30 {
        last = next_json(&mut witness).await;
    }
    let last_seq = last["seq"].as_u64().unwrap();

    let mut late = server.ws("/api/events?since_seq=0").await;
    let notice = next_json(&mut late).await;
    assert_eq!(notice["type"], "events_dropped");
    assert_eq!(notice["count"].as_u64().unwrap(), last_seq - 8);
    for expected in (last_seq - 7)..=last_seq {
        let event = next_json(&mut late).await;
        assert_eq!(event["seq"].as_u64().unwrap(), expected);
    }
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_go_only_to_clients_that_ask() {
    let server = TestServer::start(
        Arc::new(ProcessorRegistry::with_builtins()),
        json!({"metrics_interval_ms": 50, "ping_interval_ms": 50}),
    );
    let http = reqwest::Client::new();
    let mut asking = server
        .ws("/api/events?types=processor_metrics&processor=bars")
        .await;
    let mut plain = server.ws("/api/events").await;
    call(http.post(server.url("/api/processors")).json(&json!({"id": "bars", "processor_type": "TestPatternProcessor", "config": {"width": 16, "height": 16, "fps": 100}}))).await;
    call(http.post(server.url("/api/runtime/start"))).await;

    let metrics = next_json(&mut asking).await;
    assert_eq!(metrics["type"], "processor_metrics");
    assert_eq!(metrics["processor_id"], "bars");
    assert!(metrics["metrics"]["frames_out"].is_u64());

    // The plain client sees lifecycle events and pings, never metrics.
    let deadline = Instant::now() + Duration::from_millis(400);
    let mut pinged = false;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(100), plain.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let event: Value = serde_json::from_str(text.as_str()).unwrap();
                assert_ne!(event["type"], "processor_metrics");
            }
            Ok(Some(Ok(Message::Ping(_)))) => pinged = true,
            Ok(other) => assert!(matches!(other, Some(Ok(_))), "connection broke: {other:?}"),
            Err(_) => {}
        }
    }
    assert!(pinged, "the server pings its clients");
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_connected_clients_with_1001() {
    let server = TestServer::start(registry_with_notes(), json!({}));
    add_notes(&server);
    let mut first = server.ws("/api/events?types=processor_added").await;
    let mut second = server.ws("/api/events?types=runtime_started").await;
    // A client that stopped reading with a full socket must not hold the
    // shutdown back either; it cannot be sent a close frame.
    let _stalled = server.ws("/api/events").await;
    produce_notes(&server, 300, 20_000).await;

    let started = Instant::now();
    let runtime = tokio::task::spawn_blocking(move || server.shut_down())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(5),
        "shutdown took {elapsed:?}"
    );
    assert_eq!(runtime.runner_threads(), 0);

    for client in [&mut first, &mut second] {
        let code = loop {
            match tokio::time::timeout(WS_PATIENCE, client.next())
                .await
                .expect("the server closes")
            {
                Some(Ok(Message::Close(frame))) => break frame.map(|frame| u16::from(frame.code)),
                Some(Ok(_)) => continue,
                other => panic!("connection ended without a close frame: {other:?}"),
            }
        };
        assert_eq!(code, Some(1001));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_seq_ahead_of_server_resets_sequence() {
    let server = TestServer::start(registry_with_notes(), json!({}));
    add_notes(&server);
    produce_notes(&server, 3, 10).await;

    let mut client = server.ws("/api/events?since_seq=999999").await;
    let notice = next_json(&mut client).await;
    assert_eq!(notice["type"], "sequence_reset");
    assert_eq!(notice["since_seq"], 999_999);
    let newest = notice["last_seq"].as_u64().unwrap();
    assert!(
        newest >= 4,
        "processor_added plus three updates were logged: {notice}"
    );

    produce_notes(&server, 1, 10).await;
    let event = next_json(&mut client).await;
    assert_eq!(event["type"], "processor_config_updated");
    assert_eq!(
        event["seq"].as_u64().unwrap(),
        newest + 1,
        "live events follow the reset"
    );
    server.shut_down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_event_types_are_rejected() {
    let server = TestServer::with_defaults();
    let (status, body) =
        call(reqwest::Client::new().get(server.url("/api/events?types=processor_addd"))).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("processor_addd"),
        "{body}"
    );

    let mut client = server.ws("/api/events").await;
    client
        .send(Message::Text(
            r#"{"subscribe": {"types": ["runtime_startd"]}}"#.into(),
        ))
        .await
        .unwrap();
    let reply = next_json(&mut client).await;
    assert_eq!(reply["type"], "error");
    assert!(
        reply["error"].as_str().unwrap().contains("runtime_startd"),
        "{reply}"
    );
    server.shut_down();
}
