//! HTTP surface of the emulated pod.

mod api;
mod events;
mod frames;

use std::path::Path;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, CACHE_CONTROL,
    CONTENT_SECURITY_POLICY, COOKIE, HOST, ORIGIN, SET_COOKIE, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;
use tower_http::services::ServeDir;

use crate::state::{AppState, Session};

/// Request bodies are small JSON or form documents.
const BODY_LIMIT: usize = 64 * 1024;

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(frames::index))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/apps/embed/default", get(frames::focus_frame))
        .route("/apps/client2/default", get(frames::collaboration_frame))
        .route("/apps/embed/default/frame-root.html", get(frames::child_frame))
        .route("/apps/client2/default/frame-root.html", get(frames::child_frame))
        .route("/apps/embed/logout", post(api::frame_logout))
        .route("/apps/embed/subscriptions", post(api::frame_subscription))
        .route("/apps/embed/messages", post(api::frame_message))
        .route("/apps/embed/views", post(api::frame_view))
        .route("/apps/embed/events", get(events::events))
        .route("/embed/sdk.js", get(frames::sdk_script))
        .route("/login", post(api::login).get(frames::login_page))
        .route("/logout", post(api::http_logout))
        .route("/__emulator/state", get(api::admin_state))
        .route(
            "/__emulator/faults",
            put(api::admin_put_faults).get(api::admin_get_faults),
        )
        .route(
            "/__emulator/messages",
            post(api::admin_inject_message).get(api::admin_messages),
        )
        .route("/__emulator/activity", post(api::admin_activity))
        .route("/__emulator/maestro", post(api::admin_maestro))
        .route("/__emulator/connections", post(api::admin_connections))
        .route("/__emulator/reset", post(api::admin_reset))
        .route("/__emulator/login", post(api::admin_login))
        .route("/__emulator/forge", get(frames::forge_page))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The static listener for the second origin (demo app, test host pages): `dir`'s files, not
/// cached, with the page policy `csp` when given (the plain one, and the one for a page asked
/// for with `?backend=sdk`, which loads the pod's sdk.js).
pub(crate) fn static_router(dir: &Path, csp: Option<(String, String)>) -> Router {
    let csp = csp.and_then(|(page, sdk)| {
        Some((
            HeaderValue::from_str(&page).ok()?,
            HeaderValue::from_str(&sdk).ok()?,
        ))
    });
    Router::new()
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let csp = csp.clone();
            async move {
                let sdk = runs_sdk_js(request.uri().query());
                let mut response = next.run(request).await;
                let headers = response.headers_mut();
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                if let Some((page, for_sdk)) = csp {
                    headers.insert(CONTENT_SECURITY_POLICY, if sdk { for_sdk } else { page });
                }
                response
            }
        }))
}

/// Whether a page's query asks for the sdk.js backend (`backend=sdk`).
fn runs_sdk_js(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes()).any(|(name, value)| name == "backend" && value == "sdk")
    })
}

async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "no such endpoint on the pod emulator")
}

/// `{"error": message}` with `status`.
pub(crate) fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// CORS for browser callers on other origins: only trusted origins get
/// `Access-Control-Allow-Origin` (echoed) with credentials; preflights and
/// state-changing requests from other origins are refused with 403.
async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = request
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(request).await;
    };
    let allowed = origin_allowed(&state, request.headers(), &origin);
    let method = request.method().clone();

    if method == Method::OPTIONS {
        if !allowed {
            let mut resp = json_error(StatusCode::FORBIDDEN, "origin not allowed");
            resp.headers_mut()
                .insert(VARY, HeaderValue::from_static("Origin"));
            return resp;
        }
        let requested_headers = request
            .headers()
            .get(ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("content-type"));
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let headers = resp.headers_mut();
        add_cors_headers(headers, &origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST, PUT, OPTIONS"),
        );
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested_headers);
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return resp;
    }

    if !allowed && method != Method::GET && method != Method::HEAD {
        let mut resp = json_error(StatusCode::FORBIDDEN, "origin not allowed");
        resp.headers_mut()
            .insert(VARY, HeaderValue::from_static("Origin"));
        return resp;
    }

    let mut resp = next.run(request).await;
    if allowed {
        add_cors_headers(resp.headers_mut(), &origin);
    } else {
        resp.headers_mut()
            .append(VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

fn add_cors_headers(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

/// Trusted origins, plus the emulator's own origin as the browser reached
/// it (the `Host` header).
fn origin_allowed(state: &AppState, headers: &HeaderMap, origin: &str) -> bool {
    if state.shared.allowed.allows(origin, state.port()) {
        return true;
    }
    headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| origin == format!("http://{host}"))
}

/// Value of cookie `name` from the request, if present.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// The session named by the request's session cookie, if it is live.
pub(crate) fn current_session(state: &AppState, headers: &HeaderMap) -> Option<Session> {
    let id = cookie(headers, &state.session_cookie())?;
    state.lock().session(&id).cloned()
}

/// The attributes of every cookie the pod sets. The pod is embedded by pages of other
/// sites, so its cookies live in a cross-site frame: a browser keeps and sends such a cookie
/// only when it is `SameSite=None` (which needs `Secure`; browsers accept `Secure` cookies
/// from `http://localhost` and `http://127.0.0.1`), and a browser that blocks third-party
/// cookies keeps it only when it is also `Partitioned` (CHIPS), in a jar of its own for each
/// top-level site. The embedding page's own credentialed `fetch` to the pod (the HTTP
/// logout) carries the partitioned cookie of its site.
const COOKIE_ATTRIBUTES: &str = "Path=/; HttpOnly; SameSite=None; Secure; Partitioned";

/// How long the browser-id cookie lives (one year).
const BROWSER_COOKIE_MAX_AGE: u32 = 31_536_000;

pub(crate) fn set_session_cookie(state: &AppState, headers: &mut HeaderMap, session_id: &str) {
    let value = format!("{}={session_id}; {COOKIE_ATTRIBUTES}", state.session_cookie());
    append_set_cookie(headers, &value);
}

/// Clears the session cookie. The attributes are repeated: a partitioned cookie is only
/// replaced by one with the same name, path and partition.
pub(crate) fn clear_session_cookie(state: &AppState, headers: &mut HeaderMap) {
    let value = format!("{}=; {COOKIE_ATTRIBUTES}; Max-Age=0", state.session_cookie());
    append_set_cookie(headers, &value);
}

pub(crate) fn set_browser_cookie(state: &AppState, headers: &mut HeaderMap, browser_id: &str) {
    let value = format!(
        "{}={browser_id}; {COOKIE_ATTRIBUTES}; Max-Age={BROWSER_COOKIE_MAX_AGE}",
        state.browser_cookie()
    );
    append_set_cookie(headers, &value);
}

fn append_set_cookie(headers: &mut HeaderMap, value: &str) {
    // Ids are hex and names are ASCII, so this always converts.
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.append(SET_COOKIE, v);
    }
}

/// Makes sure the browser carries a browser-id cookie the emulator knows.
/// Returns the id, and whether a cookie must be set.
pub(crate) fn ensure_known_browser(state: &AppState, headers: &HeaderMap) -> (String, bool) {
    let existing = cookie(headers, &state.browser_cookie()).filter(|id| is_plain_id(id));
    let (id, must_set) = match existing {
        Some(id) => (id, false),
        None => (crate::state::new_id(), true),
    };
    state.lock().known_browsers.insert(id.clone());
    (id, must_set)
}

/// Ids the emulator hands out are short ASCII alphanumerics; anything else in
/// a cookie is treated as absent.
pub(crate) fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}
