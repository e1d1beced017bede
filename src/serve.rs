//! The accept loop the engine and the fleet server share: HTTP/1.1 connections (upgrades
//! allowed, for websockets), over TLS when an acceptor is given, each with a time limit on
//! its handshake and headers.

use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// How long a client has for its TLS handshake and then for its request headers.
pub const HEADER_WAIT: Duration = Duration::from_secs(30);

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
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // out of descriptors and the like: try again shortly
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(service.clone());
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
