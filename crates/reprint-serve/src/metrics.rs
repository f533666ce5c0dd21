//! Request counts and latencies, written in Prometheus' text format at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    n: u64,
}

#[derive(Default)]
pub(crate) struct Metrics {
    /// (method, route, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (method, route) → latencies.
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let mut lat = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = lat
            .entry((method.to_string(), route.to_string()))
            .or_default();
        if h.counts.is_empty() {
            h.counts = vec![0; BUCKETS.len()];
        }
        let s = took.as_secs_f64();
        for (c, &b) in h.counts.iter_mut().zip(BUCKETS) {
            if s <= b {
                *c += 1;
            }
        }
        h.sum += s;
        h.n += 1;
    }

    /// The Prometheus text exposition, with the store's gauges.
    pub fn render(&self, documents: u64, store_bytes: u64) -> String {
        let mut out = String::new();
        out.push_str("# HELP reprint_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE reprint_http_requests_total counter\n");
        for ((m, r, s), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "reprint_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{s}\"}} {n}"
            );
        }
        out.push_str("# HELP reprint_http_request_duration_seconds Time from request to answer.\n");
        out.push_str("# TYPE reprint_http_request_duration_seconds histogram\n");
        for ((m, r), h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let l = format!("method=\"{m}\",route=\"{r}\"");
            for (c, b) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "reprint_http_request_duration_seconds_bucket{{{l},le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "reprint_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                h.n
            );
            let _ = writeln!(
                out,
                "reprint_http_request_duration_seconds_sum{{{l}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "reprint_http_request_duration_seconds_count{{{l}}} {}",
                h.n
            );
        }
        out.push_str("# HELP reprint_documents Documents in the index.\n");
        out.push_str("# TYPE reprint_documents gauge\n");
        let _ = writeln!(out, "reprint_documents {documents}");
        out.push_str("# HELP reprint_store_bytes Bytes of the store on disk.\n");
        out.push_str("# TYPE reprint_store_bytes gauge\n");
        let _ = writeln!(out, "reprint_store_bytes {store_bytes}");
        out
    }
}
