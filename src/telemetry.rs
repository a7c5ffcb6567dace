//! Logging: `RUST_LOG` filters (default `info`). Request logs carry the
//! method, the path without its query (tokens travel in queries), the status
//! and a request id; never form bodies.

use actix_web::HttpMessage;
use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}

/// The root span for each request: no query string, no headers.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
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
            span.record("status", res.status().as_u16());
            tracing::info!(parent: &span, status = res.status().as_u16(), "served");
        }
    }
}
