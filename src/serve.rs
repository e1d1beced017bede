//! What the engine's server and the fleet server share: the accept loop (HTTP/1.1
//! connections, upgrades allowed for websockets, over TLS when an acceptor is given, each
//! with a time limit on its handshake and headers; every request learns its client's
//! address as a `Peer`) and the limits on request bodies (`BodyLimits`).

use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

/// How long a client has for its TLS handshake and then for its request headers.
pub const HEADER_WAIT: Duration = Duration::from_secs(30);
/// Connections served at once (each holds a task and its buffers).
const MAX_CONNECTIONS: usize = 4096;

/// The address of a request's client (an extension of every request).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// The connections still open after the accept loop ended.
pub struct Open {
    stop: watch::Sender<bool>,
}

impl Open {
    /// Ask every connection to finish its request in flight, and wait for them (at most
    /// `grace`).
    pub async fn drain(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(grace, self.stop.closed()).await;
    }
}

/// Accept and serve connections until `stop` completes.
pub async fn accept_until<S>(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    service: S,
    stop: impl Future<Output = ()>,
) -> Open
where
    S: tower::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let (stopping, _) = watch::channel(false);
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(stop);
    loop {
        // past the most connections, new ones wait in the kernel's queue
        let place = tokio::select! {
            place = connections.clone().acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // out of descriptors and the like: try again shortly
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(service.clone().map_request(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(Peer(addr));
                request
            },
        ));
        let tls = tls.clone();
        let stop = stopping.subscribe();
        tokio::spawn(async move {
            match tls {
                None => serve_one(stream, service, stop).await,
                Some(acceptor) => {
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(HEADER_WAIT, acceptor.accept(stream)).await
                    {
                        serve_one(stream, service, stop).await;
                    }
                }
            }
            drop(place);
        });
    }
    Open { stop: stopping }
}

/// One connection, until it closes or the server stops (then after its request in flight).
async fn serve_one<I, S>(io: I, service: S, mut stop: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
        > + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_WAIT);
    let conn = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    let stopped = tokio::select! {
        _ = conn.as_mut() => false,
        // (the guard `wait_for` returns must not live across an await)
        stopping = stop.wait_for(|stopping| *stopping) => stopping.is_ok(),
    };
    if stopped {
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    }
}

/// How long a client has to send a request's body (more for large bodies: `SLOWEST_RATE`).
pub const BODY_WAIT: Duration = Duration::from_secs(120);
/// The slowest a large body may arrive, in bytes per second: 1 MiB/s.
const SLOWEST_RATE: usize = 1 << 20;
/// How long a body may pause between its parts.
const PAUSE_WAIT: Duration = Duration::from_secs(30);
/// How long a body waits for its share of the budget before the request is refused.
const BUDGET_WAIT: Duration = Duration::from_secs(30);

/// The limits on request bodies: the largest one taken, the time it may take to arrive, and
/// the memory all bodies in flight may take together (twice the largest). A body is
/// charged to that budget as its bytes arrive, so clients that declare large bodies and
/// send them slowly hold only what they sent, and requests without a body hold nothing.
#[derive(Clone)]
pub struct BodyLimits {
    max: usize,
    /// In bytes: a body is charged what it sent, not more.
    budget: Arc<Semaphore>,
    /// Who takes the bodies and the setting of the largest, for the 413's sentence.
    who: String,
    setting: &'static str,
    /// How long a body may take to arrive.
    wait: Duration,
}

/// A request body, holding its share of the budget.
pub struct Received {
    pub bytes: Vec<u8>,
    share: Share,
}

/// A body's share of the budget, given back when dropped.
pub struct Share(Option<OwnedSemaphorePermit>);

impl Received {
    /// The bytes, and the share to hold while they are in use.
    pub fn split(self) -> (Vec<u8>, Share) {
        (self.bytes, self.share)
    }
}

impl std::ops::Deref for Received {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// A body refused: the status and the sentence.
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

impl BodyLimits {
    pub fn new(who: &str, max: usize, setting: &'static str) -> BodyLimits {
        let budget = max.saturating_mul(2);
        BodyLimits {
            max,
            budget: Arc::new(Semaphore::new(
                budget.clamp(64 << 20, Semaphore::MAX_PERMITS),
            )),
            who: who.to_string(),
            setting,
            wait: BODY_WAIT,
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    fn too_large(&self) -> Refusal {
        Refusal {
            status: 413,
            message: format!(
                "the request body is larger than {} MiB, the limit of {} ({})",
                self.max >> 20,
                self.who,
                self.setting
            ),
        }
    }

    /// Read `body` whole within the limits: a body declared larger than the largest is
    /// refused at once (413; what the client still sends is read and dropped meanwhile, so
    /// that it gets to read the answer), one that turns out larger after a little more than
    /// the largest has been read (a client still sending then gets the 413 too). A body may
    /// take `BODY_WAIT`, or longer when it is large (`SLOWEST_RATE`), but not pause for
    /// more than `PAUSE_WAIT` (408); a body that cannot get its share of the budget within
    /// `BUDGET_WAIT` is refused for now (503: the server is busy, not the client slow).
    pub async fn read<B>(&self, mut body: B) -> Result<Received, Refusal>
    where
        B: hyper::body::Body<Data = axum::body::Bytes> + Unpin + Send + 'static,
        B::Error: std::fmt::Display,
    {
        let declared = usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX);
        if declared > self.max {
            tokio::spawn(drain(body));
            return Err(self.too_large());
        }
        let allowed = self
            .wait
            .max(Duration::from_secs((declared / SLOWEST_RATE) as u64));
        let deadline = tokio::time::Instant::now() + allowed;
        let pause = PAUSE_WAIT.min(self.wait);
        let late = |what: String| Refusal {
            status: 408,
            message: what,
        };
        let mut received = Received {
            bytes: Vec::new(),
            share: Share(None),
        };
        let mut over = 0usize;
        loop {
            let next = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + pause),
                body.frame(),
            );
            let frame = match next.await {
                Ok(Some(frame)) => frame.map_err(|e| Refusal {
                    status: 400,
                    message: format!("cannot read the request: {e}"),
                })?,
                Ok(None) => break,
                Err(_) if tokio::time::Instant::now() >= deadline => {
                    return Err(late(format!(
                        "the request body did not arrive within {} s",
                        allowed.as_secs_f64()
                    )))
                }
                Err(_) => {
                    return Err(late(format!(
                        "no part of the request body arrived for {} s",
                        pause.as_secs_f64()
                    )))
                }
            };
            let Ok(bytes) = frame.into_data() else {
                continue;
            };
            if over == 0 && received.bytes.len() + bytes.len() <= self.max {
                let share = self.share(bytes.len()).await?;
                match &mut received.share.0 {
                    Some(held) => held.merge(share),
                    None => received.share.0 = Some(share),
                }
                received.bytes.extend_from_slice(&bytes);
            } else {
                // read a little past the limit, so that a client still sending sees the
                // answer, then stop
                over += bytes.len();
                if over > DRAIN_MAX {
                    break;
                }
            }
        }
        if over > 0 {
            return Err(self.too_large());
        }
        Ok(received)
    }

    /// A share of the budget for `bytes` more bytes, waited for at most `BUDGET_WAIT`.
    async fn share(&self, bytes: usize) -> Result<OwnedSemaphorePermit, Refusal> {
        let n = u32::try_from(bytes).unwrap_or(u32::MAX);
        let busy = || Refusal {
            status: 503,
            message: format!("{} is receiving too much at once; try again", self.who),
        };
        match tokio::time::timeout(BUDGET_WAIT, self.budget.clone().acquire_many_owned(n)).await {
            Ok(Ok(share)) => Ok(share),
            Ok(Err(_)) | Err(_) => Err(busy()),
        }
    }
}

/// How much of a body over the limit is read (and dropped), so that a client still
/// sending it reads the 413 rather than a reset connection.
const DRAIN_MAX: usize = 64 << 20;
/// How long a refused body is read for, at most.
const DRAIN_WAIT: Duration = Duration::from_secs(30);

/// Read and drop a refused body (up to `DRAIN_MAX` bytes, for up to `DRAIN_WAIT`).
async fn drain<B>(mut body: B)
where
    B: hyper::body::Body<Data = axum::body::Bytes> + Unpin,
{
    let read = async {
        let mut dropped = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            dropped += frame.data_ref().map_or(0, |d| d.len());
            if dropped > DRAIN_MAX {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_WAIT, read).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use hyper::body::{Frame, SizeHint};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body that declares `declared` bytes, sends `first`, then nothing more.
    struct Trickle {
        declared: u64,
        first: Option<Bytes>,
    }

    impl hyper::body::Body for Trickle {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            match self.first.take() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => Poll::Pending,
            }
        }
        fn size_hint(&self) -> SizeHint {
            SizeHint::with_exact(self.declared)
        }
    }

    fn refusal(r: Result<Received, Refusal>) -> (u16, String) {
        match r {
            Ok(_) => (200, String::new()),
            Err(r) => (r.status, r.message),
        }
    }

    #[tokio::test]
    async fn a_body_too_slow_is_408_and_one_declared_too_large_is_413_at_once() {
        let mut limits = BodyLimits::new("engine-1", 1 << 20, "FASTSCORE_MAX_REQUEST_MB");
        limits.wait = Duration::from_millis(50);
        let slow = Trickle {
            declared: 1000,
            first: Some(Bytes::from_static(b"abcd")),
        };
        assert_eq!(
            refusal(limits.read(slow).await),
            (408, "the request body did not arrive within 0.05 s".into())
        );
        // refused before a byte is read, however long the client would take
        limits.wait = Duration::from_secs(3600);
        let large = Trickle {
            declared: 2 << 20,
            first: None,
        };
        assert_eq!(
            refusal(limits.read(large).await),
            (
                413,
                "the request body is larger than 1 MiB, the limit of engine-1 (FASTSCORE_MAX_REQUEST_MB)".into()
            )
        );
    }
}
