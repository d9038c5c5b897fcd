//! Prometheus metrics in the text exposition format, kept in atomics (no
//! registry crate needed for a handful of series).

use crate::engine::verdict::{Category, Decision};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    decisions: [AtomicU64; 3],
    findings: Mutex<BTreeMap<&'static str, u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    incomplete: AtomicU64,
}

impl Metrics {
    pub fn record_verdict(&self, decision: Decision, categories: impl Iterator<Item = Category>) {
        let i = match decision {
            Decision::Pass => 0,
            Decision::Review => 1,
            Decision::Block => 2,
        };
        self.decisions[i].fetch_add(1, Ordering::Relaxed);
        let mut findings = self.findings.lock().unwrap_or_else(|e| e.into_inner());
        for c in categories {
            *findings.entry(c.as_str()).or_default() += 1;
        }
    }

    pub fn record_incomplete(&self) {
        self.incomplete.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_latency(&self, route: &'static str, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut all = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = all.entry(route).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    pub fn record_reload(&self, ok: bool) {
        if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, queue_size: Option<i64>) -> String {
        let mut out = String::new();
        out.push_str("# HELP baomi_decisions_total Items scanned, by decision.\n# TYPE baomi_decisions_total counter\n");
        for (i, d) in ["pass", "review", "block"].iter().enumerate() {
            let _ = writeln!(
                out,
                "baomi_decisions_total{{decision=\"{d}\"}} {}",
                self.decisions[i].load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP baomi_findings_total Findings, by category.\n# TYPE baomi_findings_total counter\n");
        for (c, n) in self
            .findings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(out, "baomi_findings_total{{category=\"{c}\"}} {n}");
        }
        out.push_str("# HELP baomi_incomplete_scans_total Scans that failed or ran out of time (decided review).\n# TYPE baomi_incomplete_scans_total counter\n");
        let _ = writeln!(
            out,
            "baomi_incomplete_scans_total {}",
            self.incomplete.load(Ordering::Relaxed)
        );
        out.push_str("# HELP baomi_request_duration_seconds Request latency, by route.\n# TYPE baomi_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "baomi_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "baomi_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "baomi_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "baomi_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP baomi_lexicon_reloads_total Lexicon reloads, by result.\n# TYPE baomi_lexicon_reloads_total counter\n");
        let _ = writeln!(
            out,
            "baomi_lexicon_reloads_total{{result=\"ok\"}} {}",
            self.reloads_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "baomi_lexicon_reloads_total{{result=\"failed\"}} {}",
            self.reloads_failed.load(Ordering::Relaxed)
        );
        if let Some(n) = queue_size {
            out.push_str(
                "# HELP baomi_queue_size Pending reviews.\n# TYPE baomi_queue_size gauge\n",
            );
            let _ = writeln!(out, "baomi_queue_size {n}");
        }
        out
    }
}
