//! Prometheus metrics (`--metrics-listen ADDR:PORT`): counters and a gauge
//! kept with the `metrics` facade and served in the Prometheus text format
//! by `metrics-exporter-prometheus` on its own listener (`GET /metrics`).
//! Metrics are process-wide, like the one endpoint that serves them; when
//! no exporter is installed every call here is a no-op.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `ftpd_sessions` | gauge | open control connections |
//! | `ftpd_sessions_total` | counter | sessions started |
//! | `ftpd_logins_total` | counter | `result` = ok, failed |
//! | `ftpd_bytes_sent_total`, `ftpd_bytes_received_total` | counter | data-connection payload |
//! | `ftpd_transfers_total` | counter | `command` = RETR, STOR, APPE, STOU, LIST, NLST, MLSD; `result` = ok, failed, aborted |
//! | `ftpd_connections_refused_total` | counter | `reason` = max_sessions, max_sessions_per_ip, banned, shutdown |

use std::net::SocketAddr;

use metrics::{counter, describe_counter, describe_gauge, gauge};
use metrics_exporter_prometheus::PrometheusBuilder;

use crate::limits::Refusal;

const COMMANDS: [&str; 7] = ["RETR", "STOR", "APPE", "STOU", "LIST", "NLST", "MLSD"];
const RESULTS: [&str; 3] = ["ok", "failed", "aborted"];
const REASONS: [&str; 4] = ["max_sessions", "max_sessions_per_ip", "banned", "shutdown"];

/// How a transfer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferResult {
    Ok,
    Failed,
    Aborted,
}

/// Serve the metrics on `addr`, and set every series to zero so that each
/// appears from the first scrape. Needs a tokio runtime.
pub fn install(addr: SocketAddr) -> Result<(), String> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .map_err(|e| format!("--metrics-listen {addr}: {e}"))?;
    describe_gauge!("ftpd_sessions", "Open control connections.");
    describe_counter!("ftpd_sessions_total", "Control connections admitted.");
    describe_counter!("ftpd_logins_total", "Login attempts, by result.");
    describe_counter!(
        "ftpd_bytes_sent_total",
        "Data-connection payload bytes sent."
    );
    describe_counter!(
        "ftpd_bytes_received_total",
        "Data-connection payload bytes received."
    );
    describe_counter!("ftpd_transfers_total", "Transfers, by command and result.");
    describe_counter!(
        "ftpd_connections_refused_total",
        "Connections turned away with 421, by reason."
    );
    gauge!("ftpd_sessions").set(0.0);
    counter!("ftpd_sessions_total").absolute(0);
    for result in ["ok", "failed"] {
        counter!("ftpd_logins_total", "result" => result).absolute(0);
    }
    counter!("ftpd_bytes_sent_total").absolute(0);
    counter!("ftpd_bytes_received_total").absolute(0);
    for command in COMMANDS {
        for result in RESULTS {
            counter!("ftpd_transfers_total", "command" => command, "result" => result).absolute(0);
        }
    }
    for reason in REASONS {
        counter!("ftpd_connections_refused_total", "reason" => reason).absolute(0);
    }
    Ok(())
}

/// A session was admitted; the returned guard counts it as open until dropped.
pub fn session_started() -> SessionGauge {
    counter!("ftpd_sessions_total").increment(1);
    gauge!("ftpd_sessions").increment(1.0);
    SessionGauge
}

/// Counts one open session in `ftpd_sessions` while it lives.
pub struct SessionGauge;

impl Drop for SessionGauge {
    fn drop(&mut self) {
        gauge!("ftpd_sessions").decrement(1.0);
    }
}

pub fn login(ok: bool) {
    let result = if ok { "ok" } else { "failed" };
    counter!("ftpd_logins_total", "result" => result).increment(1);
}

pub fn refused(refusal: Refusal) {
    let reason = match refusal {
        Refusal::TooManySessions => "max_sessions",
        Refusal::TooManyFromIp => "max_sessions_per_ip",
        Refusal::Banned => "banned",
    };
    counter!("ftpd_connections_refused_total", "reason" => reason).increment(1);
}

/// A connection turned away because the server is shutting down.
pub fn refused_shutting_down() {
    counter!("ftpd_connections_refused_total", "reason" => "shutdown").increment(1);
}

/// A transfer ended: `verb` is its command, `bytes` its payload, sent
/// (downloads and listings) or received (uploads).
pub fn transfer(verb: &str, result: TransferResult, bytes: u64, sent: bool) {
    let Some(command) = COMMANDS.iter().find(|c| **c == verb) else {
        return;
    };
    let result = match result {
        TransferResult::Ok => "ok",
        TransferResult::Failed => "failed",
        TransferResult::Aborted => "aborted",
    };
    counter!("ftpd_transfers_total", "command" => *command, "result" => result).increment(1);
    if sent {
        counter!("ftpd_bytes_sent_total").increment(bytes);
    } else {
        counter!("ftpd_bytes_received_total").increment(bytes);
    }
}
