//! The dashboard: one page at the fleet's root, shipped inside the binary, that shows the
//! instances, each engine's state, model and streams, live charts from the Pneumo websocket,
//! and the assets of Model Manage, all read from the fleet's own API.

use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("dashboard.html");

pub async fn page() -> Response {
    (
        [
            ("content-type", "text/html; charset=utf-8"),
            // the page talks to this server only
            (
                "content-security-policy",
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
            ),
            ("cache-control", "no-store"),
            // its address carries the owner's token: never send it on
            ("referrer-policy", "no-referrer"),
        ],
        PAGE,
    )
        .into_response()
}
