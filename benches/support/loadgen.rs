//! The load benchmark's HTTP load generator: N tasks, each with its own
//! keep-alive HTTP/1.1 connection (hyper, no pool) from its own loopback
//! address, sending prepared requests for a fixed time after a warm-up.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_TYPE, COOKIE, HOST, LOCATION};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;

/// One request, ready to send again and again.
#[derive(Clone)]
pub struct Prepared {
    pub method: Method,
    pub path: String,
    /// A urlencoded form for POST; empty for GET.
    pub form: Bytes,
}

impl Prepared {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            form: Bytes::new(),
        }
    }
    pub fn post(path: impl Into<String>, fields: &[(String, String)]) -> Self {
        let form = serde_urlencoded::to_string(fields).unwrap_or_default();
        Self {
            method: Method::POST,
            path: path.into(),
            form: Bytes::from(form),
        }
    }
}

/// What an answer must be to count as a success.
#[derive(Clone, Copy)]
pub struct Expect {
    pub status: StatusCode,
    /// For a redirect: how its Location must start.
    pub location: Option<&'static str>,
}

impl Expect {
    pub const OK: Expect = Expect {
        status: StatusCode::OK,
        location: None,
    };
}

/// One answer.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
}

impl Reply {
    pub fn meets(&self, e: Expect) -> bool {
        self.status == e.status
            && e.location
                .is_none_or(|prefix| self.location.as_deref().is_some_and(|l| l.starts_with(prefix)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("connect: {0}")]
    Connect(std::io::Error),
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    #[error("request: {0}")]
    Request(#[from] hyper::http::Error),
}

/// One client connection: a person (their cookie) at their own address.
pub struct Conn {
    server: SocketAddr,
    local: IpAddr,
    cookie: Option<HeaderValue>,
    sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(server: SocketAddr, local: IpAddr, cookie: Option<HeaderValue>) -> Self {
        Self {
            server,
            local,
            cookie,
            sender: None,
        }
    }

    async fn connect(&self) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, HttpError> {
        let socket = TcpSocket::new_v4().map_err(HttpError::Connect)?;
        socket
            .bind(SocketAddr::new(self.local, 0))
            .map_err(HttpError::Connect)?;
        let stream = socket.connect(self.server).await.map_err(HttpError::Connect)?;
        stream.set_nodelay(true).map_err(HttpError::Connect)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// Sends `p` and reads the whole answer; opens the connection again
    /// after the server closed it.
    pub async fn send(&mut self, p: &Prepared) -> Result<Reply, HttpError> {
        let mut sender = match self.sender.take() {
            Some(s) if !s.is_closed() => s,
            _ => self.connect().await?,
        };
        sender.ready().await?;
        let mut req = Request::builder()
            .method(p.method.clone())
            .uri(p.path.as_str())
            .header(HOST, "127.0.0.1");
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c.clone());
        }
        if p.method == Method::POST {
            req = req.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let resp = sender.send_request(req.body(Full::new(p.form.clone()))?).await?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        resp.into_body().collect().await?;
        self.sender = Some(sender);
        Ok(Reply { status, location })
    }
}

/// What one phase measured.
#[derive(Default)]
pub struct PhaseResult {
    pub seconds: f64,
    /// Latencies (ms) of requests started after the warm-up, sorted.
    pub latencies: Vec<f64>,
    /// Answers after the warm-up by status (0: no answer, a connection error).
    pub statuses: BTreeMap<u16, u64>,
    /// Answers after the warm-up that did not meet the expectation.
    pub unexpected: u64,
    /// Successes over the whole phase, warm-up included (to compare with
    /// what the database holds afterwards).
    pub successes_total: u64,
    /// Requests sent over the whole phase, warm-up included (to share out
    /// the CPU time the phase took).
    pub sent_total: u64,
    /// The first connection error, if any, to say why.
    pub first_error: Option<String>,
}

impl PhaseResult {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds.max(f64::EPSILON)
    }
    pub fn server_errors(&self) -> u64 {
        self.statuses.range(500..600).map(|(_, n)| n).sum()
    }
    /// The `q` quantile of the latencies (0 when there are none).
    pub fn quantile(&self, q: f64) -> f64 {
        super::quantile(&self.latencies, q)
    }
}

/// Per connection: who, and the requests it cycles through.
pub struct Client {
    pub local: IpAddr,
    pub cookie: Option<HeaderValue>,
    pub requests: Vec<Prepared>,
}

#[derive(Default)]
struct TaskResult {
    latencies: Vec<f64>,
    statuses: BTreeMap<u16, u64>,
    unexpected: u64,
    successes_total: u64,
    sent_total: u64,
    first_error: Option<String>,
}

/// Runs every client at once for `warmup + measure`; requests started
/// during the warm-up are sent but not timed.
pub async fn run(
    server: SocketAddr,
    clients: Vec<Client>,
    expect: Expect,
    warmup: Duration,
    measure: Duration,
) -> PhaseResult {
    let start = Instant::now();
    let measured_from = start + warmup;
    let end = measured_from + measure;
    let mut tasks = Vec::with_capacity(clients.len());
    for c in clients {
        let requests = Arc::new(c.requests);
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(server, c.local, c.cookie);
            let mut out = TaskResult::default();
            let mut i = 0usize;
            loop {
                let sent = Instant::now();
                if sent >= end || requests.is_empty() {
                    break;
                }
                let p = &requests[i % requests.len()];
                i += 1;
                let got = conn.send(p).await;
                let ms = sent.elapsed().as_secs_f64() * 1000.0;
                let ok = matches!(&got, Ok(r) if r.meets(expect));
                out.successes_total += u64::from(ok);
                out.sent_total += 1;
                if let Err(e) = &got {
                    out.first_error.get_or_insert_with(|| e.to_string());
                    // A refused connection would otherwise spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                if sent >= measured_from {
                    out.latencies.push(ms);
                    let status = got.as_ref().map(|r| r.status.as_u16()).unwrap_or(0);
                    *out.statuses.entry(status).or_default() += 1;
                    out.unexpected += u64::from(!ok);
                }
            }
            out
        }));
    }
    let mut result = PhaseResult {
        seconds: measure.as_secs_f64(),
        ..PhaseResult::default()
    };
    for t in tasks {
        let Ok(t) = t.await else {
            result
                .first_error
                .get_or_insert_with(|| "a client task panicked".into());
            continue;
        };
        result.latencies.extend(t.latencies);
        for (s, n) in t.statuses {
            *result.statuses.entry(s).or_default() += n;
        }
        result.unexpected += t.unexpected;
        result.successes_total += t.successes_total;
        result.sent_total += t.sent_total;
        if result.first_error.is_none() {
            result.first_error = t.first_error;
        }
    }
    result.latencies.sort_by(|a, b| a.total_cmp(b));
    result
}
