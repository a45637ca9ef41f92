//! Helpers shared by the integration tests: start a pod on port 0, build
//! clients, read state, and pick apart frame pages.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use symphony_pod_emulator::{start, EmulatorConfig, RunningEmulator};

pub const HOST_ORIGIN: &str = "http://127.0.0.1:8080";

pub async fn pod() -> RunningEmulator {
    pod_with(|_| {}).await
}

pub async fn pod_with(configure: impl FnOnce(&mut EmulatorConfig)) -> RunningEmulator {
    let mut config = EmulatorConfig::default();
    configure(&mut config);
    start(config).await.expect("emulator starts")
}

/// A browser-like client: cookie store, no automatic redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// A client without cookies.
pub fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

pub async fn state(pod: &RunningEmulator) -> Value {
    plain()
        .get(format!("{}/__emulator/state", pod.url()))
        .send()
        .await
        .expect("state request")
        .json()
        .await
        .expect("state JSON")
}

/// Signs `client` in as `user` with the form endpoint.
pub async fn sign_in(pod: &RunningEmulator, client: &reqwest::Client, user: &str) {
    let resp = client
        .post(format!("{}/login", pod.url()))
        .form(&[("user", user)])
        .send()
        .await
        .expect("login request");
    assert_eq!(resp.status(), 200, "login answered {}", resp.status());
}

pub async fn put_faults(pod: &RunningEmulator, body: Value) -> reqwest::Response {
    plain()
        .put(format!("{}/__emulator/faults", pod.url()))
        .json(&body)
        .send()
        .await
        .expect("faults request")
}

/// URL of a frame with the given query pairs (properly encoded).
pub fn frame_url(pod: &RunningEmulator, path: &str, query: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}{}", pod.url(), path)).expect("url");
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    url.to_string()
}

/// GETs a Focus main frame for stream `s1` embedded by [`HOST_ORIGIN`].
pub async fn focus_frame(pod: &RunningEmulator, client: &reqwest::Client) -> (u16, String) {
    let url = frame_url(
        pod,
        "/apps/embed/default",
        &[("embed", "true"), ("streamId", "s1"), ("sdkOrigin", HOST_ORIGIN)],
    );
    let resp = client.get(url).send().await.expect("frame request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("frame body"))
}

/// The JSON in `<script type="application/json" id="boot">`.
pub fn boot_json(html: &str) -> Option<Value> {
    data_json(html, "boot")
}

/// The JSON in `<script type="application/json" id="{id}">`.
pub fn data_json(html: &str, id: &str) -> Option<Value> {
    let start_tag = format!("<script type=\"application/json\" id=\"{id}\">");
    let start = html.find(&start_tag)? + start_tag.len();
    let end = html[start..].find("</script>")? + start;
    serde_json::from_str(&html[start..end]).ok()
}

/// POSTs a view report (any body) the way a frame does; no cookies needed.
pub async fn post_view(pod: &RunningEmulator, body: &str) -> reqwest::Response {
    plain()
        .post(format!("{}/apps/embed/views", pod.url()))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("view request")
}

/// Text content of the element with `id` (no nested markup expected).
pub fn element_text<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let open_end = html[at..].find('>')? + at + 1;
    let close = html[open_end..].find('<')? + open_end;
    Some(&html[open_end..close])
}

pub fn is_sign_in_page(html: &str) -> bool {
    html.contains("id=\"signin\"") && html.contains("Sign in") && !html.contains("id=\"chat\"")
}

pub fn is_chat_page(html: &str) -> bool {
    html.contains("id=\"chat\"") && !html.contains("id=\"signin\"")
}

/// The attributes an embeddable pod's cookies carry: a cross-site frame can only keep a
/// cookie that is `SameSite=None; Secure`, and browsers that block third-party cookies keep
/// it only when it is `Partitioned` (CHIPS).
pub const EMBEDDABLE: [&str; 5] = ["HttpOnly", "Partitioned", "Path=/", "SameSite=None", "Secure"];

/// The attributes of a `Set-Cookie` value (everything after `name=value`), trimmed and
/// sorted, to compare as a set.
pub fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    let mut attributes: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    attributes.sort();
    attributes
}

/// [`EMBEDDABLE`] plus `extra`, sorted as [`cookie_attributes`] sorts.
pub fn embeddable_with(extra: &[&str]) -> Vec<String> {
    let mut attributes: Vec<String> = EMBEDDABLE.iter().chain(extra).map(|a| (*a).to_owned()).collect();
    attributes.sort();
    attributes
}

/// The `Set-Cookie` value of the response that sets cookie `name`; panics when there is none.
pub fn set_cookie_named(cookies: &[String], name: &str) -> String {
    let prefix = format!("{name}=");
    cookies
        .iter()
        .find(|c| c.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no Set-Cookie for {name} in {cookies:?}"))
        .clone()
}

/// Checks that a sign-in set both cookies as an embeddable pod must (the session cookie
/// [`EMBEDDABLE`], the browser id's with a year's `Max-Age` too); answers the session
/// cookie's `Set-Cookie` value.
pub fn assert_sign_in_cookies(cookies: &[String], port: u16) -> String {
    let session_cookie = set_cookie_named(cookies, &format!("symphony_session_{port}"));
    assert_eq!(
        cookie_attributes(&session_cookie),
        embeddable_with(&[]),
        "{session_cookie}"
    );
    let browser_cookie = set_cookie_named(cookies, &format!("symphony_browser_{port}"));
    assert_eq!(
        cookie_attributes(&browser_cookie),
        embeddable_with(&["Max-Age=31536000"]),
        "{browser_cookie}"
    );
    session_cookie
}

/// The user of each live session, in creation order.
pub fn session_users(state: &Value) -> Vec<String> {
    state["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["user"].as_str().map(str::to_owned))
        .collect()
}

pub fn set_cookies(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

/// Sends `request`; panics with `what` when it gets no answer.
pub async fn send(request: reqwest::RequestBuilder, what: &str) -> reqwest::Response {
    request.send().await.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// A response header as text ("" when absent).
pub fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// GETs `url` with `client` and answers the body text; panics with `what` on failure.
pub async fn page(client: &reqwest::Client, url: impl reqwest::IntoUrl, what: &str) -> String {
    send(client.get(url), what)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("{what}: no body: {e}"))
}
