//! The HTML frames: main frames (Focus and Collaboration), the Focus child
//! frame, the stand-alone sign-in page, the index page, and the forging page
//! for security tests.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::{cookie, current_session, is_plain_id, json_error, set_browser_cookie, set_session_cookie};
use crate::config::canonical_origin;
use crate::html::{app_bar, brand, conversation, error_card, sign_in_card, Behaviour, Page};
use crate::state::{new_id, AppState, SdkScriptFault, Session};

/// Which main frame.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// `/apps/embed/default`: a single conversation.
    Focus,
    /// `/apps/client2/default`: the full client, with a stream list.
    Collaboration,
}

impl Variant {
    fn as_str(self) -> &'static str {
        match self {
            Self::Focus => "focus",
            Self::Collaboration => "collaboration",
        }
    }

    /// The view a main frame of this variant reports for a page that shows
    /// no user and no stream (sign-in form, error page).
    fn static_view(self, page: &str) -> Value {
        json!({
            "frame": "main",
            "mode": self.as_str(),
            "page": page,
            "user": null,
            "streamId": null,
            "iFrameId": null,
        })
    }
}

/// Query of a frame URL: the known parameters, and every other parameter as
/// a setting (last value wins, first position kept).
#[derive(Default)]
struct FrameQuery {
    embed: Option<String>,
    partner_id: Option<String>,
    stream_id: Option<String>,
    sdk_origin: Option<String>,
    settings: Vec<(String, String)>,
}

impl FrameQuery {
    fn parse(query: Option<&str>) -> Self {
        let mut out = Self::default();
        let Some(query) = query else {
            return out;
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "embed" => out.embed = Some(value),
                "partnerId" => out.partner_id = Some(value),
                "streamId" => out.stream_id = Some(value),
                "sdkOrigin" => out.sdk_origin = Some(value),
                other => {
                    if let Some(slot) = out.settings.iter_mut().find(|(k, _)| k == other) {
                        slot.1 = value;
                    } else {
                        out.settings.push((other.to_string(), value));
                    }
                }
            }
        }
        out
    }

    fn dark(&self) -> bool {
        self.settings.iter().any(|(k, v)| k == "mode" && v == "dark")
    }

    fn settings_json(&self) -> Value {
        let map: Map<String, Value> = self
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Value::Object(map)
    }

    fn settings_line(&self) -> String {
        if self.settings.is_empty() {
            return "(none)".to_string();
        }
        self.settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(super) async fn focus_frame(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    main_frame(&state, &headers, &uri, Variant::Focus)
}

pub(super) async fn collaboration_frame(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    main_frame(&state, &headers, &uri, Variant::Collaboration)
}

fn main_frame(state: &AppState, headers: &HeaderMap, uri: &Uri, variant: Variant) -> Response {
    state.lock().frames_loaded += 1;
    let query = FrameQuery::parse(uri.query());
    let dark = query.dark();

    let sdk_origin = match query.sdk_origin.as_deref() {
        None | Some("") => {
            return error_page(
                state,
                dark,
                variant,
                "Cannot start the embedded client",
                "The sdkOrigin query parameter is missing.",
            )
        }
        Some(raw) => match canonical_origin(raw) {
            Some(origin) => origin,
            None => {
                return error_page(
                    state,
                    dark,
                    variant,
                    "Cannot start the embedded client",
                    &format!("sdkOrigin {raw:?} is not an origin (scheme://host[:port])."),
                )
            }
        },
    };
    if !state.shared.allowed.allows(&sdk_origin, state.port()) {
        return error_page(
            state,
            dark,
            variant,
            "Embedding not allowed",
            &format!("Origin {sdk_origin} is not allowed to embed this pod."),
        );
    }

    let mut cookies = HeaderMap::new();
    let session = current_session(state, headers).or_else(|| auto_login(state, headers, &mut cookies));
    let Some(session) = session else {
        let return_to = path_and_query(uri);
        let page = Page {
            title: "Sign in - Symphony (emulator)",
            dark,
            body: sign_in_card(
                &return_to,
                &format!(
                    "Your session on this pod (port {}) has ended or never started.",
                    state.port()
                ),
            ),
            behaviour: Behaviour::ReportView(variant.static_view("signin")),
        };
        return html_response(state, StatusCode::OK, cookies, page.render());
    };

    let stream_id = query.stream_id.clone().unwrap_or_default();
    let (messages, last_id) = recorded_messages(state);
    let boot = json!({
        "kind": "main",
        "variant": variant.as_str(),
        "port": state.port(),
        "sdkOrigin": sdk_origin,
        "user": session.user,
        "streamId": stream_id,
        "partnerId": query.partner_id,
        "embed": query.embed,
        "settings": query.settings_json(),
        "fault": state.lock().faults.main_frame.as_str(),
        "readyAfterMs": state.lock().faults.main_frame.ready_after_ms(),
        "channel": state.channel_name(),
        "messages": messages,
        "lastMessageId": last_id,
    });
    let sidebar = match variant {
        Variant::Focus => String::new(),
        Variant::Collaboration => concat!(
            "<aside class=\"sidebar\" id=\"sidebar\"><h2>Chats</h2>",
            "<ul class=\"stream-list\" id=\"stream-list\"></ul></aside>"
        )
        .to_string(),
    };
    let body = format!(
        "<div class=\"app variant-{variant}\" id=\"chat\">{bar}<div class=\"app-body\">{sidebar}{conv}</div></div>",
        variant = variant.as_str(),
        bar = app_bar(&session.user),
        conv = conversation(&stream_id, &query.settings_line()),
    );
    let page = Page {
        title: "Symphony (emulator)",
        dark,
        body,
        behaviour: Behaviour::Frame(boot),
    };
    html_response(state, StatusCode::OK, cookies, page.render())
}

/// Signs in a browser the emulator has never seen, when `--auto-login` is
/// set. Known browsers (signed in before, then signed out) are not.
fn auto_login(state: &AppState, headers: &HeaderMap, cookies: &mut HeaderMap) -> Option<Session> {
    let user = state.shared.auto_login.clone()?;
    let presented = cookie(headers, &state.browser_cookie()).filter(|id| is_plain_id(id));
    let browser_id = {
        let mut inner = state.lock();
        if presented
            .as_ref()
            .is_some_and(|id| inner.known_browsers.contains(id))
        {
            return None;
        }
        let id = presented.unwrap_or_else(new_id);
        inner.known_browsers.insert(id.clone());
        id
    };
    set_browser_cookie(state, cookies, &browser_id);
    let session = state.create_session(&user);
    set_session_cookie(state, cookies, &session.id);
    Some(session)
}

fn recorded_messages(state: &AppState) -> (Value, u64) {
    let events = state.messages_since(0);
    let last = events.last().map_or(0, |e| e.message.id);
    (serde_json::to_value(events).unwrap_or(Value::Null), last)
}

pub(super) async fn child_frame(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    state.lock().frames_loaded += 1;
    let query = FrameQuery::parse(uri.query());
    let dark = query.dark();
    let user = current_session(&state, &headers).map(|s| s.user);
    let boot = json!({
        "kind": "child",
        "port": state.port(),
        "user": user,
        "streamId": "",
        "settings": query.settings_json(),
        "channel": state.channel_name(),
        "messages": [],
        "lastMessageId": 0,
    });
    let template = format!(
        "<div class=\"app variant-child\" id=\"chat\">{bar}<div class=\"app-body\">{conv}</div></div>",
        bar = app_bar(user.as_deref().unwrap_or_default()),
        conv = conversation("", &query.settings_line()),
    );
    let body = format!(
        concat!(
            "<main class=\"center\" id=\"waiting-wrap\"><div class=\"card waiting\" id=\"waiting\">{brand}",
            "<p class=\"spinner\" aria-hidden=\"true\"></p>",
            "<p id=\"waiting-text\">waiting for stream</p></div></main>",
            "<template id=\"chat-template\">{template}</template>"
        ),
        brand = brand(),
        template = template,
    );
    let page = Page {
        title: "Symphony (emulator) - frame",
        dark,
        body,
        behaviour: Behaviour::Frame(boot),
    };
    html_response(&state, StatusCode::OK, HeaderMap::new(), page.render())
}

/// `GET /embed/sdk.js`: the stand-in for Symphony's `sdk.js` (`assets/sdk.js`). Its
/// `logout()` reads the emulator's sdk faults from the admin API when it is called.
pub(super) async fn sdk_script(State(state): State<AppState>) -> Response {
    let fault = state.lock().faults.sdk;
    match fault.script {
        SdkScriptFault::Missing => return StatusCode::NOT_FOUND.into_response(),
        SdkScriptFault::DelayMs(ms) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
        SdkScriptFault::Ok => {}
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Loadable by cross-origin-isolated pages (COEP: require-corp), such as the test page.
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    (StatusCode::OK, headers, SDK_JS).into_response()
}

/// The stand-in `sdk.js`.
const SDK_JS: &str = include_str!("../../assets/sdk.js");

/// `GET /login?return=/path`: a stand-alone sign-in page.
pub(super) async fn login_page(State(state): State<AppState>, uri: Uri) -> Response {
    let return_to = uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()))
        .and_then(|mut pairs| pairs.find(|(k, _)| k == "return"))
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let page = Page {
        title: "Sign in - Symphony (emulator)",
        dark: false,
        body: sign_in_card(&return_to, "Sign in to the emulated pod."),
        behaviour: Behaviour::None,
    };
    html_response(&state, StatusCode::OK, HeaderMap::new(), page.render())
}

/// `GET /`: what this is and where things are.
pub(super) async fn index(State(state): State<AppState>) -> Response {
    let port = state.port();
    let body = format!(
        concat!(
            "<main class=\"center\"><div class=\"card wide\">{brand}",
            "<h1>Local pod emulator</h1>",
            "<p>Embedded Mode stand-in on port {port}.</p><ul>",
            "<li><code>GET /apps/embed/default?sdkOrigin=…&amp;streamId=…</code> Focus main frame</li>",
            "<li><code>GET /apps/client2/default?sdkOrigin=…</code> Collaboration main frame</li>",
            "<li><code>GET /apps/embed/default/frame-root.html#childId</code> child frame</li>",
            "<li><code>POST /login</code>, <code>POST /logout</code></li>",
            "<li><code>GET /__emulator/state</code>, <code>PUT /__emulator/faults</code>, ",
            "<code>POST /__emulator/messages</code>, <code>POST /__emulator/reset</code></li>",
            "<li><code>GET /__emulator/forge?messages=[…]</code> forging page for security tests</li>",
            "</ul><p><a href=\"/__emulator/state\">current state</a></p></div></main>"
        ),
        brand = brand(),
        port = port,
    );
    let page = Page {
        title: "Symphony (emulator)",
        dark: false,
        body,
        behaviour: Behaviour::None,
    };
    html_response(&state, StatusCode::OK, HeaderMap::new(), page.render())
}

/// The error page of a main frame. Its only script reports the "error"
/// view to the pod; it never posts to the host.
fn error_page(state: &AppState, dark: bool, variant: Variant, title: &str, message: &str) -> Response {
    let page = Page {
        title: "Error - Symphony (emulator)",
        dark,
        body: error_card(title, message),
        behaviour: Behaviour::ReportView(variant.static_view("error")),
    };
    html_response(state, StatusCode::BAD_REQUEST, HeaderMap::new(), page.render())
}

/// `GET /__emulator/forge?messages=<JSON array>`: a page that posts each
/// element of the array to `window.parent` with target origin `*`, then
/// `"forge-done"`. Security tests embed it to forge messages that come from
/// the pod's origin but not from its main frame. Counts nothing.
pub(super) async fn forge_page(State(state): State<AppState>, uri: Uri) -> Response {
    let raw = uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "messages")
                .last()
        })
        .map(|(_, v)| v.into_owned());
    let Some(raw) = raw else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "query parameter 'messages' (a JSON array) is required",
        );
    };
    let messages = match serde_json::from_str::<Value>(&raw) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "query parameter 'messages' must be a JSON array",
            )
        }
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                format!("query parameter 'messages' is not JSON: {e}"),
            )
        }
    };
    let body = format!(
        concat!(
            "<main class=\"center\"><div class=\"card\" id=\"forge-card\">{brand}",
            "<h1>Forging page</h1><p class=\"muted\">Posts {count} message(s) and ",
            "<code>forge-done</code> to the parent window (target origin <code>*</code>).</p>",
            "</div></main>"
        ),
        brand = brand(),
        count = messages.len(),
    );
    let page = Page {
        title: "Forge - Symphony (emulator)",
        dark: false,
        body,
        behaviour: Behaviour::Forge(Value::Array(messages)),
    };
    html_response(&state, StatusCode::OK, HeaderMap::new(), page.render())
}

fn path_and_query(uri: &Uri) -> String {
    match uri.query() {
        Some(q) => format!("{}?{}", uri.path(), q),
        None => uri.path().to_string(),
    }
}

fn html_response(state: &AppState, status: StatusCode, extra: HeaderMap, html: String) -> Response {
    let mut resp = (status, extra, html).into_response();
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Embeddable by cross-origin-isolated hosts (COEP: require-corp), such as the
    // wasm-bindgen test runner's page: the frame must opt in with CORP and its own COEP.
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-embedder-policy"),
        HeaderValue::from_static("require-corp"),
    );
    let csp = format!("frame-ancestors {}", state.shared.allowed.frame_ancestors());
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(HeaderName::from_static("content-security-policy"), v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_split() {
        let q = FrameQuery::parse(Some(
            "embed=true&streamId=s%201&sdkOrigin=http%3A%2F%2F127.0.0.1%3A8080&mode=dark&x=1&x=2",
        ));
        assert_eq!(q.stream_id.as_deref(), Some("s 1"));
        assert_eq!(q.sdk_origin.as_deref(), Some("http://127.0.0.1:8080"));
        assert!(q.dark());
        assert_eq!(q.settings_line(), "mode=dark, x=2");
        assert_eq!(q.embed.as_deref(), Some("true"));
    }

    #[test]
    fn bad_percent_encoding_is_tolerated() {
        let q = FrameQuery::parse(Some("streamId=%ZZ%ff&sdkOrigin"));
        assert!(q.stream_id.is_some());
        assert_eq!(q.sdk_origin.as_deref(), Some(""));
    }
}
