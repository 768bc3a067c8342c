//! 1920x1080 RGBA8 frames from a non-live test pattern through five
//! pass-throughs into a null sink. `solid` shares one pixel buffer across
//! frames, so it measures the pipeline alone; `bars` also renders every
//! frame (an 8 MB copy plus the moving square).

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

const FRAMES: u64 = 300;

fn video_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("video_1080p_5_passthroughs");
    group.throughput(Throughput::Elements(FRAMES));
    group.sample_size(10);
    for pattern in ["solid", "bars"] {
        let source = json!({
            "pattern": pattern,
            "width": 1920,
            "height": 1080,
            "format": "rgba8",
            "fps": 30,
            "frame_count": FRAMES,
            "live": false,
        });
        let runtime = support::linear_chain("TestPatternProcessor", source, "video", 5);
        group.bench_function(pattern, |b| {
            b.iter(|| assert_eq!(support::run_to_end(&runtime), FRAMES));
        });
    }
    group.finish();
}

criterion_group!(benches, video_chain);
criterion_main!(benches);
