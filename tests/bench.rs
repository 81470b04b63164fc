//! A short run of `hookrelay-bench` on each backend and each way in, so that
//! the instrument cannot rot: it must deliver every event exactly once, and
//! it must fail when events go missing. No speed is asserted.

mod common;

use std::process::Command;

use common::{fresh_database, on_postgres};
use serde_json::Value;

const BENCH: &str = env!("CARGO_BIN_EXE_hookrelay-bench");

async fn bench(extra: &[&str]) -> (bool, Value) {
    let mut cmd = Command::new(BENCH);
    cmd.args([
        "--events",
        "2000",
        "--concurrency",
        "16",
        "--endpoints",
        "3",
        "--json",
        "--stall-timeout-secs",
        "10",
    ]);
    let db = fresh_database().await;
    if let Some(db) = &db {
        cmd.args(["--database-url", &db.url]);
    }
    let out = cmd
        .args(extra)
        .env("RUST_LOG", "error")
        .output()
        .expect("run hookrelay-bench");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no JSON report: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.success(), report)
}

fn assert_complete(r: &Value, deliveries: u64) {
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["accepted"], 2000, "{r}");
    assert_eq!(
        (r["deliveries"].as_u64(), r["delivered"].as_u64()),
        (Some(deliveries), Some(deliveries)),
        "{r}"
    );
    assert_eq!(
        (
            r["lost"].as_u64(),
            r["duplicated"].as_u64(),
            r["badSignatures"].as_u64()
        ),
        (Some(0), Some(0), Some(0)),
        "{r}"
    );
    assert!(r["serverPeakRssMiB"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["serverCpuPerDeliveryUs"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["bytesWrittenPerDelivery"].as_f64().is_some(), "{r}");
    assert!(r["latencyMs"]["max"].as_f64().unwrap() >= r["latencyMs"]["p50"].as_f64().unwrap());
    assert!(r["dbSeconds"]["write_batch"].as_f64().unwrap() > 0.0, "{r}");
    assert!(
        r["dbEndMiB"].as_f64().unwrap() > 0.0 && r["dbPeakMiB"].as_f64() >= r["dbEndMiB"].as_f64(),
        "{r}"
    );
    // PostgreSQL's own work: its processes run on this machine, as the test
    // command starts them. SQLite's is the server's.
    if on_postgres() {
        assert!(
            r["databaseCpuPerDeliveryUs"].as_f64().unwrap_or(0.0) > 0.0,
            "{r}"
        );
        assert!(
            r["databaseWalBytesPerDelivery"].as_f64().unwrap_or(0.0) > 0.0,
            "{r}"
        );
    } else {
        assert!(r["databaseCpuPerDeliveryUs"].is_null(), "{r}");
        assert!(r["databaseWalBytesPerDelivery"].is_null(), "{r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_delivers_every_ingested_event_once_with_a_valid_signature() {
    let (ok, r) = bench(&["--path", "ingest"]).await;
    assert!(ok, "{r}");
    assert_complete(&r, 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_delivers_every_event_sent_through_the_api_once() {
    let (ok, r) = bench(&["--path", "events"]).await;
    assert!(ok, "{r}");
    assert_complete(&r, 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_delivers_every_message_to_every_endpoint_once() {
    let (ok, r) = bench(&["--path", "messages"]).await;
    assert!(ok, "{r}");
    assert_complete(&r, 6000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_runs_with_a_filter_on_every_endpoint() {
    let (ok, r) = bench(&["--filter", r#"{"path":"seq","gte":0}"#]).await;
    assert!(ok, "{r}");
    assert_complete(&r, 2000);
    // A filter holding events back would lose them: the bench says so.
    let (ok, r) = bench(&["--filter", r#"{"path":"seq","lt":1000}"#]).await;
    assert!(!ok, "{r}");
    assert_eq!(r["lost"], 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_fails_when_events_do_not_arrive() {
    // The server refuses every 1 KiB payload (413): nothing can arrive.
    let (ok, r) = bench(&["--serve-arg=--max-payload-bytes=512"]).await;
    assert!(!ok, "{r}");
    assert_eq!(r["ok"], false);
    assert_eq!(r["lost"], 2000);
    assert_eq!(r["rejected"], 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_spreads_the_load_over_several_nodes_on_postgres() {
    let postgres = on_postgres();
    if postgres {
        let (ok, r) = bench(&["--nodes", "2", "--path", "ingest"]).await;
        assert!(ok, "{r}");
        assert_eq!(r["nodes"], 2, "{r}");
        assert_complete(&r, 2000);
    } else {
        // Several nodes share a PostgreSQL database, never a SQLite file.
        let out = Command::new(BENCH)
            .args(["--nodes", "2", "--events", "10"])
            .output()
            .expect("run hookrelay-bench");
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--nodes above 1 needs --database-url"),
            "{stderr}"
        );
    }
}
