//! JSON endpoints: sign-in, logout (both transports), the frames' helpers,
//! and the admin API under `/__emulator/`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::{
    clear_session_cookie, cookie, current_session, ensure_known_browser, json_error, set_browser_cookie,
    set_session_cookie,
};
use crate::notify::{self, user_id};
use crate::server::ConnectionKiller;
use crate::state::{
    ActivityEvent, AppState, LogoutFault, MainFrameFault, Message, MessageSource, SdkFault, Signal, View,
    ViewFrame, ViewMode, ViewPage,
};

/// Longest accepted user name, stream id, or sender name.
const MAX_NAME_LEN: usize = 200;
/// Longest accepted message text.
const MAX_TEXT_LEN: usize = 10_000;
/// Longest accepted string in a view report (in bytes).
const MAX_VIEW_FIELD_LEN: usize = 4096;

/// Which endpoint a logout arrived on.
#[derive(Clone, Copy)]
enum LogoutTransport {
    /// `POST /logout`.
    Http,
    /// `POST /apps/embed/logout`, called by the main frame.
    Frame,
}

pub(super) async fn http_logout(
    State(state): State<AppState>,
    killer: Option<Extension<ConnectionKiller>>,
    headers: HeaderMap,
) -> Response {
    logout(state, killer, headers, LogoutTransport::Http).await
}

pub(super) async fn frame_logout(
    State(state): State<AppState>,
    killer: Option<Extension<ConnectionKiller>>,
    headers: HeaderMap,
) -> Response {
    logout(state, killer, headers, LogoutTransport::Frame).await
}

async fn logout(
    state: AppState,
    killer: Option<Extension<ConnectionKiller>>,
    headers: HeaderMap,
    transport: LogoutTransport,
) -> Response {
    let fault = {
        let mut inner = state.lock();
        match transport {
            LogoutTransport::Http => inner.logout_http += 1,
            LogoutTransport::Frame => inner.logout_frame += 1,
        }
        inner.faults.logout
    };
    let shutdown = state.shared.shutdown.clone();
    match fault {
        LogoutFault::Ok => {}
        LogoutFault::Status(status) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return json_error(
                code,
                format!("logout failed (emulator fault: HTTP status {status})"),
            );
        }
        LogoutFault::Hang => {
            shutdown.cancelled().await;
            return drop_connection(killer).await;
        }
        LogoutFault::DelayMs(ms) => {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                _ = shutdown.cancelled() => {
                    return json_error(StatusCode::SERVICE_UNAVAILABLE, "emulator shutting down");
                }
            }
        }
        LogoutFault::Drop => return drop_connection(killer).await,
    }
    if let Some(id) = cookie(&headers, &state.session_cookie()) {
        state.lock().end_session(&id);
    }
    let mut resp = Json(json!({})).into_response();
    clear_session_cookie(&state, resp.headers_mut());
    resp
}

/// Closes the request's connection without an answer. The connection task
/// drops this future as soon as it sees the signal, so it never completes
/// when served by [`crate::start`].
async fn drop_connection(killer: Option<Extension<ConnectionKiller>>) -> Response {
    match killer {
        Some(Extension(k)) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => json_error(StatusCode::SERVICE_UNAVAILABLE, "connection dropped"),
    }
}

/// Form (or JSON) fields of `POST /login`.
struct LoginForm {
    user: Option<String>,
    return_to: Option<String>,
}

fn parse_login_body(headers: &HeaderMap, body: &[u8]) -> Result<LoginForm, String> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    if is_json {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("malformed JSON body: {e}"))?;
        let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        return Ok(LoginForm {
            user: field("user"),
            return_to: field("return"),
        });
    }
    let mut form = LoginForm {
        user: None,
        return_to: None,
    };
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "user" => form.user = Some(value.into_owned()),
            "return" => form.return_to = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(form)
}

/// A redirect target on this emulator: a path (and query), never another
/// host (`//host`, `/\host`) and nothing a header cannot carry.
fn safe_return(target: &str) -> Option<&str> {
    let ok = target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains('\\')
        && target.len() <= 4096
        && target.bytes().all(|b| (0x21..0x7f).contains(&b));
    ok.then_some(target)
}

fn validate_name(value: Option<&str>, what: &str) -> Result<String, String> {
    let name = value.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(format!("field '{what}' is required and must not be empty"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!("field '{what}' is longer than {MAX_NAME_LEN} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("field '{what}' must not contain control characters"));
    }
    Ok(name.to_string())
}

pub(super) async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match parse_login_body(&headers, &body) {
        Ok(f) => f,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let user = match validate_name(form.user.as_deref(), "user") {
        Ok(u) => u,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let redirect = form.return_to.as_deref().and_then(safe_return);
    let mut resp = match redirect.and_then(|r| HeaderValue::from_str(r).ok()) {
        Some(location) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(LOCATION, location);
            r
        }
        None => Json(json!({ "user": user })).into_response(),
    };
    sign_in(&state, &headers, resp.headers_mut(), &user);
    resp
}

/// Creates a session for `user`, sets the session cookie and makes the
/// browser a known one.
fn sign_in(state: &AppState, request: &HeaderMap, response: &mut HeaderMap, user: &str) -> String {
    let session = state.create_session(user);
    set_session_cookie(state, response, &session.id);
    let (browser_id, must_set) = ensure_known_browser(state, request);
    if must_set {
        set_browser_cookie(state, response, &browser_id);
    }
    session.id
}

pub(super) async fn admin_login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let value = match parse_json_object(&body) {
        Ok(v) => v,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let user = match validate_name(value.get("user").and_then(Value::as_str), "user") {
        Ok(u) => u,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let mut cookies = HeaderMap::new();
    let id = sign_in(&state, &headers, &mut cookies, &user);
    (cookies, Json(json!({ "user": user, "id": id }))).into_response()
}

/// Parses a JSON object body; the error is a message for a 400 answer.
fn parse_json_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the body must be a JSON object".to_string()),
        Err(e) => Err(format!("malformed JSON body: {e}")),
    }
}

pub(super) async fn admin_state(State(state): State<AppState>) -> Response {
    Json(state.lock().to_json()).into_response()
}

pub(super) async fn admin_get_faults(State(state): State<AppState>) -> Response {
    Json(state.lock().faults.to_json()).into_response()
}

pub(super) async fn admin_put_faults(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match parse_json_object(&body) {
        Ok(m) => m,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let mut logout = None;
    let mut main_frame = None;
    let mut sdk = None;
    for (key, value) in &map {
        match key.as_str() {
            "logout" => match LogoutFault::from_json(value) {
                Ok(f) => logout = Some(f),
                Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
            },
            "mainFrame" => match MainFrameFault::from_json(value) {
                Ok(f) => main_frame = Some(f),
                Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
            },
            "sdk" => match SdkFault::from_json(value) {
                Ok(f) => sdk = Some(f),
                Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
            },
            other => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown fault key {other:?}; accepted keys: \"logout\", \"mainFrame\", \"sdk\""),
                )
            }
        }
    }
    let mut inner = state.lock();
    if let Some(f) = logout {
        inner.faults.logout = f;
    }
    if let Some(f) = main_frame {
        inner.faults.main_frame = f;
    }
    if let Some(f) = sdk {
        inner.faults.sdk = f;
    }
    Json(inner.faults.to_json()).into_response()
}

pub(super) async fn admin_messages(State(state): State<AppState>) -> Response {
    let json = state.lock().to_json();
    Json(json.get("messages").cloned().unwrap_or(Value::Null)).into_response()
}

pub(super) async fn admin_inject_message(State(state): State<AppState>, body: Bytes) -> Response {
    let message = match parse_message(&body, true) {
        Ok(m) => m,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let from_name = message.from_name.unwrap_or_else(|| "Emulator Bot".to_string());
    let event = state.record_message(Message {
        id: 0,
        stream_id: message.stream_id,
        text: message.text,
        from_whom_id: message.from_whom_id.unwrap_or_else(|| user_id(&from_name)),
        from_name,
        is_mention: message.is_mention,
        source: MessageSource::Admin,
    });
    (StatusCode::CREATED, Json(event)).into_response()
}

/// `POST /__emulator/activity` with `{"frame": "main"}` (the default) or a child
/// frame's container id: the signed-in main frames report user activity in that
/// frame to their `ActivityNotifications` subscribers, as if the user had
/// clicked there. Answers how many main frames were told.
pub(super) async fn admin_activity(State(state): State<AppState>, body: Bytes) -> Response {
    let frame = if body.is_empty() {
        "main".to_owned()
    } else {
        let map = match parse_json_object(&body) {
            Ok(m) => m,
            Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
        };
        match map.get("frame") {
            None => "main".to_owned(),
            Some(Value::String(frame)) if !frame.is_empty() => frame.clone(),
            Some(_) => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    "field 'frame' must be a non-empty string: \"main\" or a child frame's container id",
                )
            }
        }
    };
    let told = state
        .shared
        .signals
        .send(Signal::Activity(ActivityEvent { frame }))
        .unwrap_or(0);
    (StatusCode::ACCEPTED, Json(json!({ "told": told }))).into_response()
}

/// `POST /__emulator/maestro` with `{"streamId", "event", "userId"?, "roomUpdate"?}`: the
/// signed-in main frames post that system message to their `MessageNotifications`
/// subscribers that asked for `withMaestroMessages`. Answers 202 with how many main frames
/// were told and the notification object.
pub(super) async fn admin_maestro(State(state): State<AppState>, body: Bytes) -> Response {
    signal(&state, &body, notify::maestro_payload, Signal::Maestro)
}

/// `POST /__emulator/connections` with `{"status", "userId"}`: the signed-in main frames
/// post it to their `ConnectionNotifications` subscribers. Answers like `maestro`.
pub(super) async fn admin_connections(State(state): State<AppState>, body: Bytes) -> Response {
    signal(&state, &body, notify::connection_payload, Signal::Connection)
}

fn signal(
    state: &AppState,
    body: &[u8],
    read: fn(&Map<String, Value>) -> Result<Value, String>,
    make: fn(Value) -> Signal,
) -> Response {
    let payload = match parse_json_object(body).and_then(|map| read(&map)) {
        Ok(payload) => payload,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let told = state.shared.signals.send(make(payload.clone())).unwrap_or(0);
    (
        StatusCode::ACCEPTED,
        Json(json!({ "told": told, "data": payload })),
    )
        .into_response()
}

/// A chat message posted to the emulator, by the admin API or by a frame.
struct MessageBody {
    stream_id: String,
    text: String,
    /// Only the admin API may name the sender, give its id or make it a mention.
    from_name: Option<String>,
    from_whom_id: Option<u64>,
    is_mention: bool,
}

fn parse_message(body: &[u8], with_sender: bool) -> Result<MessageBody, String> {
    let map = parse_json_object(body)?;
    let stream_id = validate_name(map.get("streamId").and_then(Value::as_str), "streamId")?;
    let text = validate_text(map.get("text"))?;
    let from_name = match map.get("fromName") {
        Some(v) if with_sender && !v.is_null() => Some(validate_name(v.as_str(), "fromName")?),
        _ => None,
    };
    let from_whom_id = match map.get("fromWhomId") {
        Some(v) if with_sender && !v.is_null() => Some(notify::numeric_user_id(v, "fromWhomId")?),
        _ => None,
    };
    let is_mention = match map.get("isMention") {
        Some(Value::Bool(b)) if with_sender => *b,
        Some(Value::Null) | None => false,
        Some(_) if with_sender => return Err("field 'isMention' must be a boolean".to_string()),
        Some(_) => false,
    };
    Ok(MessageBody {
        stream_id,
        text,
        from_name,
        from_whom_id,
        is_mention,
    })
}

fn validate_text(value: Option<&Value>) -> Result<String, String> {
    match value.and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() && t.len() <= MAX_TEXT_LEN => Ok(t.to_string()),
        Some(t) if t.len() > MAX_TEXT_LEN => Err(format!("field 'text' is longer than {MAX_TEXT_LEN} bytes")),
        _ => Err("field 'text' is required and must be a non-empty string".to_string()),
    }
}

pub(super) async fn admin_reset(State(state): State<AppState>) -> Response {
    state.reset();
    Json(json!({})).into_response()
}

/// `POST /apps/embed/subscriptions`: the main frame reports a subscription
/// it accepted from the host.
pub(super) async fn frame_subscription(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match parse_json_object(&body) {
        Ok(m) => m,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    const TYPES: [&str; 5] = [
        "MessageNotifications",
        "UnreadCountNotifications",
        "GlobalUnreadCountNotifications",
        "ActivityNotifications",
        "ConnectionNotifications",
    ];
    match map.get("type").and_then(Value::as_str) {
        Some(t) if TYPES.contains(&t) => {}
        _ => {
            return json_error(
                StatusCode::BAD_REQUEST,
                format!("field 'type' must be one of {}", TYPES.join(", ")),
            )
        }
    }
    let count = {
        let mut inner = state.lock();
        inner.subscriptions += 1;
        inner.subscriptions
    };
    Json(json!({ "subscriptions": count })).into_response()
}

/// `POST /apps/embed/messages`: a signed-in frame sends a message.
pub(super) async fn frame_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(session) = current_session(&state, &headers) else {
        return json_error(StatusCode::UNAUTHORIZED, "not signed in");
    };
    let message = match parse_message(&body, false) {
        Ok(m) => m,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let event = state.record_message(Message {
        id: 0,
        stream_id: message.stream_id,
        text: message.text,
        from_whom_id: user_id(&session.user),
        from_name: session.user,
        is_mention: false,
        source: MessageSource::Frame,
    });
    (StatusCode::CREATED, Json(event)).into_response()
}

/// `POST /apps/embed/views`: a frame reports what it shows. Needs no
/// session. Answers 201 with the recorded view (its `seq` assigned).
pub(super) async fn frame_view(State(state): State<AppState>, body: Bytes) -> Response {
    let map = match parse_json_object(&body) {
        Ok(m) => m,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let view = match parse_view(&map) {
        Ok(v) => v,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let recorded = state.lock().record_view(view);
    (StatusCode::CREATED, Json(recorded)).into_response()
}

/// Validates a view report: `frame`, `mode` (main frames only), `page`,
/// the optional strings `user`, `streamId` and `iFrameId`, and the optional count `shows`.
fn parse_view(map: &Map<String, Value>) -> Result<View, String> {
    const KEYS: [&str; 7] = ["frame", "mode", "page", "user", "streamId", "iFrameId", "shows"];
    if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown view key {key:?}; accepted keys: {}",
            KEYS.join(", ")
        ));
    }
    let frame = match map.get("frame").and_then(Value::as_str) {
        Some("main") => ViewFrame::Main,
        Some("child") => ViewFrame::Child,
        _ => return Err("field 'frame' must be \"main\" or \"child\"".to_string()),
    };
    let mode = match (frame, map.get("mode")) {
        (ViewFrame::Main, Some(Value::String(m))) if m == "focus" => Some(ViewMode::Focus),
        (ViewFrame::Main, Some(Value::String(m))) if m == "collaboration" => Some(ViewMode::Collaboration),
        (ViewFrame::Main, _) => {
            return Err("field 'mode' must be \"focus\" or \"collaboration\" for a main frame".to_string())
        }
        (ViewFrame::Child, None | Some(Value::Null)) => None,
        (ViewFrame::Child, Some(_)) => {
            return Err("field 'mode' must be absent or null for a child frame".to_string())
        }
    };
    let page = match map.get("page").and_then(Value::as_str) {
        Some("chat") => ViewPage::Chat,
        Some("signin") => ViewPage::Signin,
        Some("error") => ViewPage::Error,
        Some("waiting") => ViewPage::Waiting,
        _ => {
            return Err(
                "field 'page' must be one of \"chat\", \"signin\", \"error\", \"waiting\"".to_string(),
            )
        }
    };
    let fits = match frame {
        ViewFrame::Main => matches!(page, ViewPage::Chat | ViewPage::Signin | ViewPage::Error),
        ViewFrame::Child => matches!(page, ViewPage::Chat | ViewPage::Waiting),
    };
    if !fits {
        return Err(format!(
            "a {} frame never shows page {:?}; main frames show chat, signin or error, child frames chat or waiting",
            if frame == ViewFrame::Main { "main" } else { "child" },
            map.get("page").and_then(Value::as_str).unwrap_or_default(),
        ));
    }
    Ok(View {
        frame,
        mode,
        page,
        user: optional_view_string(map, "user")?,
        stream_id: optional_view_string(map, "streamId")?,
        i_frame_id: optional_view_string(map, "iFrameId")?,
        shows: match map.get("shows") {
            None | Some(Value::Null) => None,
            Some(count) => Some(
                count
                    .as_u64()
                    .ok_or_else(|| "field 'shows' must be a count (a non-negative integer)".to_string())?,
            ),
        },
        seq: 0,
    })
}

/// An optional string field of a view report: absent or null is `None`.
fn optional_view_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= MAX_VIEW_FIELD_LEN => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(format!("field '{key}' is longer than {MAX_VIEW_FIELD_LEN} bytes")),
        Some(_) => Err(format!("field '{key}' must be a string or null")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_targets() {
        assert_eq!(
            safe_return("/apps/embed/default?a=b"),
            Some("/apps/embed/default?a=b")
        );
        assert_eq!(safe_return("//evil.example/"), None);
        assert_eq!(safe_return("/\\evil.example/"), None);
        assert_eq!(safe_return("https://evil.example/"), None);
        assert_eq!(safe_return("/a b"), None);
        assert_eq!(safe_return(""), None);
    }

    fn view(value: Value) -> Result<View, String> {
        match value {
            Value::Object(map) => parse_view(&map),
            _ => unreachable!("tests pass objects"),
        }
    }

    #[test]
    fn view_reports() {
        let main = view(json!({"frame": "main", "mode": "collaboration", "page": "chat",
                               "user": "alice", "streamId": "s1", "iFrameId": null}))
        .expect("valid");
        assert_eq!(main.mode, Some(ViewMode::Collaboration));
        assert_eq!(main.stream_id.as_deref(), Some("s1"));
        let child = view(json!({"frame": "child", "page": "waiting", "iFrameId": "c1"})).expect("valid");
        assert_eq!(child.mode, None);
        assert_eq!(child.user, None);
        assert_eq!(child.i_frame_id.as_deref(), Some("c1"));
        for bad in [
            json!({"frame": "main", "page": "chat"}),
            json!({"frame": "main", "mode": "dark", "page": "chat"}),
            json!({"frame": "child", "mode": "focus", "page": "chat"}),
            json!({"frame": "child", "page": "signin"}),
            json!({"frame": "main", "mode": "focus", "page": "waiting"}),
            json!({"frame": "popup", "page": "chat"}),
            json!({"frame": "child", "page": "chat", "streamId": 7}),
            json!({"frame": "child", "page": "chat", "seq": 1}),
            json!({"frame": "child", "page": "chat", "user": "x".repeat(MAX_VIEW_FIELD_LEN + 1)}),
        ] {
            assert!(view(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert!(validate_name(Some("  "), "user").is_err());
        assert!(validate_name(None, "user").is_err());
        assert!(validate_name(Some("a\u{0}b"), "user").is_err());
        assert_eq!(validate_name(Some(" alice "), "user").as_deref(), Ok("alice"));
    }
}
