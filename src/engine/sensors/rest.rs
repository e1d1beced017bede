//! The active-sensor endpoints (spec/rest-api.md §6.10), for an engine and for the fleet
//! server's own services: v2 `/2/active/sensor[/points|/<id>]` and the older
//! `/1/control/sensor[/available|/<id>]`.

use super::{Gauges, Sensors};
use crate::routes::{doc, Routes};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Clone)]
struct Ctx {
    sensors: Arc<Sensors>,
    gauges: Arc<dyn Gauges>,
}

fn answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn refusal(status: StatusCode, text: String) -> Response {
    (status, [("content-type", "text/plain")], text).into_response()
}

pub fn routes<S: Clone + Send + Sync + 'static>(
    sensors: Arc<Sensors>,
    gauges: Arc<dyn Gauges>,
) -> Routes<S> {
    let install_doc = || {
        doc("Install a sensor")
            .body("The sensor descriptor (JSON)")
            .answers(200, "{\"id\": n}")
            .answers(400, "The descriptor is invalid")
    };
    Routes::<Ctx>::new()
        .get(
            "/2/active/sensor",
            doc("The installed sensors").answers(200, "[{\"id\", \"tap\"}]"),
            list_v2,
        )
        .post("/2/active/sensor", install_doc(), install)
        .get(
            "/2/active/sensor/points",
            doc("The tapping points").answers(200, "The points' names"),
            points,
        )
        .delete(
            "/2/active/sensor/{id}",
            doc("Uninstall a sensor")
                .answers(204, "Uninstalled")
                .answers(404, "sensor not found"),
            uninstall,
        )
        .get(
            "/1/control/sensor",
            doc("The installed sensors (v1)").answers(200, "[{\"id\", \"tap\", \"active\"}]"),
            list_v1,
        )
        .post("/1/control/sensor", install_doc(), install)
        .get(
            "/1/control/sensor/available",
            doc("The tapping points (v1)").answers(200, "The points' names"),
            points,
        )
        .get(
            "/1/control/sensor/{id}",
            doc("One installed sensor (v1)")
                .answers(200, "{\"id\", \"tap\", \"permanent\"}")
                .answers(404, "sensor not found"),
            one_v1,
        )
        .delete(
            "/1/control/sensor/{id}",
            doc("Uninstall a sensor (v1)")
                .answers(204, "Uninstalled")
                .answers(404, "sensor not found"),
            uninstall,
        )
        .with_state(Ctx { sensors, gauges })
}

async fn list_v2(State(c): State<Ctx>) -> Response {
    answer(StatusCode::OK, &Value::Array(c.sensors.list(false)))
}

async fn list_v1(State(c): State<Ctx>) -> Response {
    answer(StatusCode::OK, &Value::Array(c.sensors.list(true)))
}

async fn points(State(c): State<Ctx>) -> Response {
    let gauges = c.gauges.clone();
    let points = tokio::task::spawn_blocking(move || super::taps::points(&*gauges))
        .await
        .unwrap_or_default();
    answer(StatusCode::OK, &json!(points))
}

async fn install(State(c): State<Ctx>, body: Bytes) -> Response {
    let doc = match serde_json::from_slice::<Value>(&body) {
        Ok(doc) => doc,
        Err(e) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                format!(
                    "sensor install error: the descriptor is not JSON: {}",
                    crate::error::json_error_text(&e)
                ),
            )
        }
    };
    // opening a stream sink may take a while
    let installed = tokio::task::spawn_blocking(move || c.sensors.install(&doc, &*c.gauges)).await;
    match installed {
        Ok(Ok(id)) => answer(StatusCode::OK, &json!({"id": id})),
        Ok(Err(why)) => refusal(
            StatusCode::BAD_REQUEST,
            format!("sensor install error: {why}"),
        ),
        Err(_) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "sensor install error".into(),
        ),
    }
}

fn bad_id(text: &str) -> Response {
    refusal(
        StatusCode::BAD_REQUEST,
        format!("invalid sensor id '{text}'"),
    )
}

async fn uninstall(State(c): State<Ctx>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return bad_id(&id);
    };
    match c.sensors.uninstall(id) {
        true => StatusCode::NO_CONTENT.into_response(),
        false => refusal(StatusCode::NOT_FOUND, format!("sensor not found: {id}")),
    }
}

async fn one_v1(State(c): State<Ctx>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return bad_id(&id);
    };
    match c.sensors.get(id) {
        Some(s) => answer(StatusCode::OK, &s),
        None => refusal(StatusCode::NOT_FOUND, format!("sensor not found: {id}")),
    }
}
