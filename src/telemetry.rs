//! Logging: `RUST_LOG` filters (default `info`). Request logs carry the
//! method, the path without its query (tokens travel in queries), the status
//! and a request id; never form bodies. A request that succeeded quickly is
//! logged at debug, so the info log holds what needs a look: errors, refusals
//! and requests slower than `SLOW_REQUEST_MS`.

use actix_web::HttpMessage;
use std::time::{Duration, Instant};
use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}

/// App data: how slow a request must be to be logged at info whatever its status.
#[derive(Debug, Clone, Copy)]
pub struct SlowRequest(pub Duration);

/// When the request started (a request extension).
#[derive(Clone, Copy)]
struct Started(Instant);

/// Whether a finished request belongs in the info log: anything but 2xx/3xx,
/// or slower than the threshold. Everything else goes to debug.
pub fn worth_info(status: actix_web::http::StatusCode, elapsed: Duration, slow: Duration) -> bool {
    !(status.is_success() || status.is_redirection()) || elapsed >= slow
}

/// The root span for each request: no query string, no headers.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        request.extensions_mut().insert(Started(Instant::now()));
        let request_id = request.extensions().get::<tracing_actix_web::RequestId>().copied();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            request_id = request_id.map(|r| r.to_string()).unwrap_or_default(),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        if let Ok(res) = outcome {
            let status = res.status();
            span.record("status", status.as_u16());
            let req = res.request();
            let elapsed = req
                .extensions()
                .get::<Started>()
                .map(|s| s.0.elapsed())
                .unwrap_or_default();
            let slow = req.app_data::<SlowRequest>().map(|s| s.0).unwrap_or(Duration::MAX);
            if worth_info(status, elapsed, slow) {
                tracing::info!(parent: &span, status = status.as_u16(), "served");
            } else {
                tracing::debug!(parent: &span, status = status.as_u16(), "served");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    #[test]
    fn only_failures_and_slow_requests_reach_info() {
        let slow = Duration::from_millis(500);
        let quick = Duration::from_millis(3);
        assert!(!worth_info(StatusCode::OK, quick, slow));
        assert!(!worth_info(StatusCode::SEE_OTHER, quick, slow));
        assert!(!worth_info(StatusCode::NOT_MODIFIED, quick, slow));
        assert!(worth_info(StatusCode::OK, slow, slow));
        assert!(worth_info(StatusCode::SEE_OTHER, Duration::from_secs(2), slow));
        for s in [
            StatusCode::BAD_REQUEST,
            StatusCode::FORBIDDEN,
            StatusCode::NOT_FOUND,
            StatusCode::INTERNAL_SERVER_ERROR,
        ] {
            assert!(worth_info(s, quick, slow), "{s}");
        }
    }
}
