//! Shared helpers of the browser suites: the emulator's admin API, containers, waiting.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use gloo::net::http::Request;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use symphony_dom::{Config, Mode, Symphony};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlIFrameElement};

/// The emulator the suite runs against, started by `./x test` on a free port.
pub fn emulator() -> &'static str {
    match option_env!("SYMPHONY_EMULATOR_URL") {
        Some(url) => url,
        None => panic!("SYMPHONY_EMULATOR_URL is not set: run the browser suites through `./x test`"),
    }
}

/// A second emulator on another port: another origin, for forged messages.
pub fn other_emulator() -> &'static str {
    match option_env!("SYMPHONY_EMULATOR2_URL") {
        Some(url) => url,
        None => panic!("SYMPHONY_EMULATOR2_URL is not set: run the browser suites through `./x test`"),
    }
}

pub fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

pub fn page_origin() -> String {
    symphony_dom::page_origin().expect("a page origin")
}

/// Short timeouts, so that fault tests stay quick.
pub fn config(mode: Mode) -> Config {
    Config::builder(emulator(), page_origin())
        .partner_id("test-partner")
        .mode(mode)
        .logout_timeout(Duration::from_millis(2000))
        .frame_logout_timeout(Duration::from_millis(700))
        .request_timeout(Duration::from_millis(5000))
        .build()
        .expect("valid test config")
}

pub async fn admin(method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}{path}", emulator());
    let request = match method {
        "GET" => Request::get(&url),
        "PUT" => Request::put(&url),
        _ => Request::post(&url),
    };
    let response = match body {
        Some(body) => request.json(&body).expect("json body").send().await,
        None => request.send().await,
    }
    .expect("the emulator answers");
    assert!(response.ok(), "{method} {path}: HTTP {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

pub async fn state() -> Value {
    admin("GET", "/__emulator/state", None).await
}

pub async fn reset() {
    admin("POST", "/__emulator/reset", None).await;
}

pub async fn faults(faults: Value) {
    admin("PUT", "/__emulator/faults", Some(faults)).await;
}

pub async fn inject(stream_id: &str, text: &str) {
    admin(
        "POST",
        "/__emulator/messages",
        Some(json!({"streamId": stream_id, "text": text})),
    )
    .await;
}

pub fn logout_requests(state: &Value) -> (u64, u64) {
    let counts = &state["logoutRequests"];
    (
        counts["frame"].as_u64().unwrap_or(0),
        counts["http"].as_u64().unwrap_or(0),
    )
}

pub fn sessions(state: &Value) -> usize {
    state["sessions"].as_array().map_or(0, Vec::len)
}

/// A fresh `<div id=..>` of a visible size, replacing any earlier one.
pub fn container(id: &str) -> HtmlElement {
    if let Some(old) = document().get_element_by_id(id) {
        old.remove();
    }
    let div: HtmlElement = document()
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("an HtmlElement");
    div.set_id(id);
    div.set_attribute("style", "width:400px;height:300px;display:inline-block")
        .expect("style");
    document()
        .body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div
}

/// Iframes created by this library, in the whole document.
pub fn our_frames() -> Vec<HtmlIFrameElement> {
    let list = document()
        .query_selector_all(&format!("iframe[{}]", symphony_dom::FRAME_MARKER_ATTRIBUTE))
        .expect("selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into().ok())
        .collect()
}

/// Resolves to `Some(output)`, or `None` after `millis`.
pub async fn within<T>(millis: u32, future: impl Future<Output = T>) -> Option<T> {
    let future = Box::pin(future);
    match select(future, TimeoutFuture::new(millis)).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// Polls `condition` every 20 ms for at most `millis`; for facts that only a server or a
/// cross-origin frame knows, where there is no event to await.
pub async fn eventually<F, Fut>(millis: u32, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = js_sys::Date::now();
    loop {
        if condition().await {
            return;
        }
        if js_sys::Date::now() - start > f64::from(millis) {
            panic!("timed out after {millis} ms waiting for: {what}");
        }
        TimeoutFuture::new(20).await;
    }
}

/// Waits until the main frame said `clientReady`.
pub async fn ready(symphony: &Symphony) {
    let start = js_sys::Date::now();
    while !symphony.is_ready() {
        if js_sys::Date::now() - start > 8000.0 {
            panic!(
                "no clientReady from the main frame within 8 s; adapter: {:?}; page {}; pod: {}",
                symphony.diagnostics(),
                page_origin(),
                state().await
            );
        }
        TimeoutFuture::new(20).await;
    }
}

/// Clears the emulator and the page between tests.
pub async fn fresh() {
    reset().await;
    for frame in our_frames() {
        frame.remove();
    }
}
