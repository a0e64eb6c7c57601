//! The station's web page and JSON API (axum). Everything the page shows comes from the API
//! (docs/formats/station-api.md); the page's HTML and script are compiled into the binary,
//! so it works with no internet. The token rule: a station bound to loopback needs no token;
//! bound to any other address it refuses to start without one, and every POST must carry
//! `Authorization: Bearer <token>` (401 otherwise). No response carries a CORS header, so a
//! page of another origin cannot read the API.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde_json::json;
use tokio::sync::broadcast;

use crate::service::status::StreamEvent;
use crate::service::{Refusal, StartRequest, Station};

/// The page: HTML with its style sheet.
const PAGE_HTML: &str = include_str!("page.html");
/// The page's script (SSE client, trace canvas, forms).
const PAGE_JS: &str = include_str!("page.js");

/// The router of the page and the API.
pub fn router(station: Station) -> Router {
    let posts = Router::new()
        .route("/api/tests", post(start_test))
        .route("/api/stop", post(stop_test))
        .route_layer(middleware::from_fn_with_state(
            station.clone(),
            require_token,
        ));
    Router::new()
        .route("/", get(page))
        .route("/page.js", get(script))
        .route("/api/status", get(status))
        .route("/api/events", get(events))
        .route("/api/records", get(records))
        .merge(posts)
        .layer(middleware::from_fn(no_sniff))
        .with_state(station)
}

async fn no_sniff(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

fn refusal(r: Refusal) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(r)).into_response()
}

/// Every POST: the bearer token, when the station has one.
async fn require_token(State(station): State<Station>, req: Request, next: Next) -> Response {
    if let Some(token) = &station.config().token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
            let mut res = refusal(Refusal::new(
                401,
                "authorization",
                "this station needs `Authorization: Bearer <token>` (the token in its station.toml) for every POST",
            ));
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return res;
        }
    }
    next.run(req).await
}

/// Compares without stopping at the first difference (no timing hint about the token).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

async fn page() -> impl IntoResponse {
    Html(PAGE_HTML)
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        PAGE_JS,
    )
}

async fn status(State(station): State<Station>) -> impl IntoResponse {
    Json(station.status())
}

async fn records(State(station): State<Station>) -> Response {
    match station.records().await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refusal(Refusal::new(503, "store", e)),
    }
}

async fn events(
    State(station): State<Station>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let first = StreamEvent::Status(Box::new(station.status()));
    let rx = station.subscribe();
    let rest = stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(ev) => return Some((ev, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let all = futures_util::StreamExt::map(
        futures_util::StreamExt::chain(stream::iter([first]), rest),
        |ev| Ok(Event::default().event(ev.name()).data(ev.data())),
    );
    Sse::new(all).keep_alive(KeepAlive::default())
}

/// A string field of the request body: absent or null is `None`; anything else not a string
/// is a 422 naming the field.
fn text_field(
    body: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<Option<String>, Refusal> {
    match body.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Refusal::new(
            422,
            name,
            format!("must be a string, not {other}"),
        )),
    }
}

async fn start_test(State(station): State<Station>, body: Bytes) -> Response {
    let parsed: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return refusal(Refusal::new(
                400,
                "body",
                format!("not JSON ({e}); send {{\"serial\": \"…\", \"operator\": \"…\"}}"),
            ))
        }
    };
    let Some(obj) = parsed.as_object() else {
        return refusal(Refusal::new(
            400,
            "body",
            "must be a JSON object {\"serial\": \"…\", \"operator\": \"…\", \"reason\": \"…\"}",
        ));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !["serial", "operator", "reason"].contains(&k.as_str()))
    {
        return refusal(Refusal::new(
            422,
            k,
            "unknown field; the fields are serial, operator and reason",
        ));
    }
    let request = (|| {
        Ok::<_, Refusal>(StartRequest {
            serial: text_field(obj, "serial")?.unwrap_or_default(),
            operator: text_field(obj, "operator")?.unwrap_or_default(),
            reason: text_field(obj, "reason")?,
        })
    })();
    let request = match request {
        Ok(r) => r,
        Err(e) => return refusal(e),
    };
    match station.start_test(request).await {
        Ok(accepted) => (StatusCode::ACCEPTED, Json(accepted)).into_response(),
        Err(e) => refusal(e),
    }
}

async fn stop_test(State(station): State<Station>) -> Response {
    match station.stop_test().await {
        Ok(serial) => (StatusCode::ACCEPTED, Json(json!({ "stopping": serial }))).into_response(),
        Err(e) => refusal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn page_has_no_remote_assets() {
        for text in [PAGE_HTML, PAGE_JS] {
            assert!(!text.contains("http://") && !text.contains("https://"));
        }
    }
}
