//! Cost of one link hop: small audio buffers (64 stereo samples) from a
//! non-live sine source through a chain of pass-throughs into a null sink.
//! Throughput is reported in buffers per second through the whole chain.

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

const BUFFERS: u64 = 20_000;
const SAMPLES_PER_BUFFER: u64 = 64;
const SAMPLE_RATE: u64 = 48_000;

fn link_hop(c: &mut Criterion) {
    let mut group = c.benchmark_group("link_hop");
    group.throughput(Throughput::Elements(BUFFERS));
    group.sample_size(10);
    for hops in [1usize, 4, 8] {
        let source = json!({
            "frames_per_buffer": SAMPLES_PER_BUFFER,
            "sample_rate": SAMPLE_RATE,
            "channels": 2,
            "duration": (BUFFERS * SAMPLES_PER_BUFFER) as f64 / SAMPLE_RATE as f64,
            "live": false,
        });
        let runtime = support::linear_chain("SineGeneratorProcessor", source, "audio", hops);
        group.bench_function(format!("{hops}_passthroughs"), |b| {
            b.iter(|| assert_eq!(support::run_to_end(&runtime), BUFFERS));
        });
    }
    group.finish();
}

criterion_group!(benches, link_hop);
criterion_main!(benches);
