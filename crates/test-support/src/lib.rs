//! `symphony-test-support` owns the helpers the browser suites of `symphony-dom` and
//! `yew-symphony` share: the pod emulator's admin API (state, faults, injected messages),
//! containers and frames in the page, waiting for a condition or an event, another tab on
//! the channel, forged and synthetic messages, prototype stubs, and (module [`app`]) Yew apps
//! mounted by the tests, with the probe that hands the provider's agent to them. Not published; wasm32 only.
#![cfg(target_arch = "wasm32")]

pub mod app;
pub mod sdk;

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use gloo::net::http::Request;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use symphony_dom::{Config, Mode, SessionState, Symphony};
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
    builder(mode).build().expect("valid test config")
}

/// The test config over Symphony's own `sdk.js` (the emulator's stand-in).
pub fn sdk_config(mode: Mode) -> Config {
    over_sdk(builder(mode)).build().expect("valid sdk.js test config")
}

/// [`idle_config`] over Symphony's own `sdk.js`.
pub fn sdk_idle_config(timeout_ms: u64, warning_ms: u64) -> Config {
    over_sdk(idle_builder(timeout_ms, warning_ms))
        .build()
        .expect("valid idle config")
}

/// The sdk.js transport, with a load timeout short enough for the fault tests.
fn over_sdk(builder: symphony_dom::ConfigBuilder) -> symphony_dom::ConfigBuilder {
    builder
        .transport(symphony_dom::Transport::SdkJs)
        .sdk_load_timeout(Duration::from_millis(3000))
}

fn builder(mode: Mode) -> symphony_dom::ConfigBuilder {
    Config::builder(emulator(), page_origin())
        .partner_id("test-partner")
        .mode(mode)
        .logout_timeout(Duration::from_millis(2000))
        .frame_logout_timeout(Duration::from_millis(700))
        .request_timeout(Duration::from_millis(5000))
}

/// The test config with inactivity logout: `timeout_ms` without activity, warned
/// `warning_ms` before, the clock checked at least every 250 ms.
pub fn idle_config(timeout_ms: u64, warning_ms: u64) -> Config {
    idle_builder(timeout_ms, warning_ms)
        .build()
        .expect("valid idle config")
}

fn idle_builder(timeout_ms: u64, warning_ms: u64) -> symphony_dom::ConfigBuilder {
    let policy = symphony_dom::IdlePolicy::new(Duration::from_millis(timeout_ms))
        .with_warning_lead(Duration::from_millis(warning_ms))
        .with_check_interval(Duration::from_millis(250));
    builder(Mode::Focus).idle(policy)
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

/// Waits until the main frame said `clientReady` (the adapter's readiness event).
pub async fn ready(symphony: &Symphony) {
    let (sender, mut receiver) = futures::channel::mpsc::unbounded();
    let _watch = symphony.on_ready_change(move |ready| {
        let _ = sender.unbounded_send(ready);
    });
    if symphony.is_ready() {
        return;
    }
    let became_ready = within(8000, async {
        use futures::StreamExt;
        while let Some(ready) = receiver.next().await {
            if ready {
                return true;
            }
        }
        false
    })
    .await;
    if became_ready != Some(true) {
        panic!(
            "no clientReady from the main frame within 8 s; adapter: {:?}; page {}; pod: {}",
            symphony.diagnostics(),
            page_origin(),
            state().await
        );
    }
}

/// Starts a render in a task of its own and resolves once its main frame has loaded (the
/// render itself answers at `clientReady`, which a frame waiting for sign-in never says);
/// the render's answer comes on the returned channel.
pub async fn render_loaded(
    symphony: &Symphony,
    container: &str,
    options: symphony_dom::RenderOptions,
) -> futures::channel::oneshot::Receiver<Result<(), symphony_dom::SymphonyError>> {
    let (sender, answer) = futures::channel::oneshot::channel();
    let (s, container) = (symphony.clone(), container.to_owned());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = sender.send(s.render(&container, options).await);
    });
    let probe = symphony.clone();
    eventually(8000, "the main frame loaded", move || {
        let loaded = probe.is_loaded();
        async move { loaded }
    })
    .await;
    answer
}

/// Resolves when the handle reaches `state`.
pub async fn reaches(symphony: &Symphony, state: SessionState) {
    let (sender, mut receiver) = futures::channel::mpsc::unbounded();
    let _watch = symphony.on_state_change(move |s| {
        let _ = sender.unbounded_send(s);
    });
    if symphony.state() == state {
        return;
    }
    let reached = within(5000, async {
        while let Some(s) = futures::StreamExt::next(&mut receiver).await {
            if s == state {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(reached, Some(true), "never reached {state}");
}

/// Clears the emulator and the page between tests, and forgets what earlier tests left in
/// the page's storage (the session marks of a pod): each test starts as a new page would.
pub async fn fresh() {
    reset().await;
    for frame in our_frames() {
        frame.remove();
    }
    forget_earlier_pages();
}

/// Removes the session marks that earlier renders left in `localStorage`.
pub fn forget_earlier_pages() {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage");
    storage.clear().expect("localStorage can be cleared");
}

/// Whether `localStorage` holds the session mark of `pod` (an origin).
pub fn session_marked(pod: &str) -> bool {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage");
    let key = symphony_session::protocol::session_mark_key(pod);
    storage.get_item(&key).expect("readable").is_some()
}

/// A second document of this origin (a same-origin `srcdoc` frame), standing for another
/// tab of the app: it relays the app's cross-tab channel in both directions.
pub struct OtherTab {
    frame: web_sys::HtmlIFrameElement,
    inbox: futures::channel::mpsc::UnboundedReceiver<Value>,
    _listener: gloo::events::EventListener,
}

impl OtherTab {
    pub async fn open() -> Self {
        use futures::StreamExt;
        use symphony_session::protocol::TabMessage;
        let channel = TabMessage::channel_name(emulator());
        let script = format!(
            "const ch = new BroadcastChannel({channel:?});\
             ch.onmessage = e => parent.postMessage({{heard: e.data}}, '*');\
             addEventListener('message', e => {{ if (e.data && e.data.send) ch.postMessage(e.data.send); }});\
             parent.postMessage({{tabReady: true}}, '*');"
        );
        let (sender, mut inbox) = futures::channel::mpsc::unbounded::<Value>();
        let listener =
            gloo::events::EventListener::new(&web_sys::window().expect("window"), "message", move |event| {
                let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                if let Ok(value) = gloo_utils::format::JsValueSerdeExt::into_serde::<Value>(&event.data()) {
                    if value.get("heard").is_some() || value.get("tabReady").is_some() {
                        let _ = sender.unbounded_send(value);
                    }
                }
            });
        let frame: web_sys::HtmlIFrameElement = document()
            .create_element("iframe")
            .expect("iframe")
            .dyn_into()
            .expect("an iframe");
        frame.set_srcdoc(&format!("<script>{script}</script>"));
        document()
            .body()
            .expect("body")
            .append_child(&frame)
            .expect("append");
        let first = within(5000, inbox.next()).await.flatten();
        assert_eq!(
            first,
            Some(json!({"tabReady": true})),
            "the other document started"
        );
        Self {
            frame,
            inbox,
            _listener: listener,
        }
    }

    /// That tab says it finished a logout from our pod.
    pub fn announce_logout(&self) {
        self.say(&symphony_session::protocol::TabMessage::LoggedOut {
            pod: emulator().to_owned(),
            ok: true,
            reason: None,
        });
    }

    /// That tab says its user did something just now.
    pub fn announce_activity(&self) {
        self.say(&symphony_session::protocol::TabMessage::Activity {
            pod: emulator().to_owned(),
            at: js_sys::Date::now() as u64,
        });
    }

    /// That tab posts `said` on the app's tab channel.
    pub fn say(&self, said: &symphony_session::protocol::TabMessage) {
        let send = <wasm_bindgen::JsValue as gloo_utils::format::JsValueSerdeExt>::from_serde(
            &json!({"send": said}),
        )
        .expect("a JS value");
        self.frame
            .content_window()
            .expect("the other document's window")
            .post_message(&send, "*")
            .expect("posted");
    }

    /// The next message that tab heard on the channel.
    pub async fn heard(&mut self) -> symphony_session::protocol::TabMessage {
        use futures::StreamExt;
        let heard = within(5000, self.inbox.next())
            .await
            .flatten()
            .expect("the other tab heard something");
        serde_json::from_value(heard["heard"].clone()).expect("a tab message")
    }
}

impl Drop for OtherTab {
    fn drop(&mut self) {
        self.frame.remove();
    }
}

/// Waits for the page's window to receive the string `marker` in a `message` event.
fn message_received(
    marker: &'static str,
) -> (
    gloo::events::EventListener,
    futures::channel::oneshot::Receiver<()>,
) {
    let (sender, received) = futures::channel::oneshot::channel();
    let sender = std::cell::RefCell::new(Some(sender));
    let listener =
        gloo::events::EventListener::new(&web_sys::window().expect("window"), "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else {
                return;
            };
            if event.data().as_string().as_deref() == Some(marker) {
                if let Some(sender) = sender.borrow_mut().take() {
                    let _ = sender.send(());
                }
            }
        });
    (listener, received)
}

/// Has the emulator at `base` post `messages` to this page from a frame of its origin (its
/// forging page), then `"forge-done"`. Answers how many messages reached the page.
pub async fn forge_from(base: &str, messages: &Value) -> u64 {
    let (listener, done) = message_received("forge-done");
    let frame: HtmlIFrameElement = document()
        .create_element("iframe")
        .expect("iframe")
        .dyn_into()
        .expect("an iframe");
    let mut url = url::Url::parse(base).expect("emulator URL");
    url.set_path("/__emulator/forge");
    url.query_pairs_mut()
        .append_pair("messages", &messages.to_string());
    frame.set_src(url.as_str());
    document()
        .body()
        .expect("body")
        .append_child(&frame)
        .expect("append");
    within(5000, done)
        .await
        .expect("the forging page ran")
        .expect("forge-done");
    drop(listener);
    frame.remove();
    messages.as_array().map_or(0, |m| m.len() as u64) + 1
}

/// Forges `messages` from another origin, from the pod's origin but not its main frame, and
/// (with `also_from_the_page`) from the page itself; asserts that every one was refused by
/// origin or source and that none reached the core. Answers how many were sent and how many
/// the adapter counted as refused.
pub async fn forge_and_expect_refusal(
    symphony: &Symphony,
    messages: &Value,
    also_from_the_page: bool,
) -> (u64, u64) {
    let before = symphony.diagnostics();
    let mut sent = forge_from(other_emulator(), messages).await + forge_from(emulator(), messages).await;
    if also_from_the_page {
        sent += forge_from_the_page(messages).await;
    }
    let synthetic = forge_synthetic(messages);
    let after = symphony.diagnostics();
    assert_eq!(
        after.rejected_messages - before.rejected_messages,
        sent,
        "every forged message refused: {before:?} -> {after:?}"
    );
    assert_eq!(
        after.untrusted_messages - before.untrusted_messages,
        synthetic,
        "every synthetic event dropped unread: {before:?} -> {after:?}"
    );
    assert_eq!(
        (after.malformed_messages, after.stale_events),
        (before.malformed_messages, before.stale_events),
        "none reached the core"
    );
    let refused = after.rejected_messages - before.rejected_messages + after.untrusted_messages
        - before.untrusted_messages;
    (sent + synthetic, refused)
}

/// Dispatches `messages` as synthetic `message` events on the window, each imitating the
/// pod perfectly (its origin, the main frame's window as source), as a page script can with
/// `dispatchEvent`. Answers how many were dispatched (synchronously: they are handled when
/// this returns).
pub fn forge_synthetic(messages: &Value) -> u64 {
    let window = web_sys::window().expect("window");
    let main = our_frames()
        .first()
        .and_then(HtmlIFrameElement::content_window)
        .expect("a main frame with a window");
    let origin = url::Url::parse(emulator())
        .expect("emulator URL")
        .origin()
        .ascii_serialization();
    let mut dispatched = 0;
    for message in messages.as_array().into_iter().flatten() {
        let data = <wasm_bindgen::JsValue as gloo_utils::format::JsValueSerdeExt>::from_serde(message)
            .expect("a JS value");
        let init = web_sys::MessageEventInit::new();
        init.set_data(&data);
        init.set_origin(&origin);
        init.set_source(Some(&main));
        let event = web_sys::MessageEvent::new_with_event_init_dict("message", &init).expect("an event");
        window.dispatch_event(&event).expect("dispatched");
        dispatched += 1;
    }
    dispatched
}

/// Posts `messages` from the page to itself, then a marker it waits for (messages arrive in
/// order). Answers how many messages reached the page, the marker included.
pub async fn forge_from_the_page(messages: &Value) -> u64 {
    let window = web_sys::window().expect("window");
    let (listener, done) = message_received("forge-page-done");
    let mut posted = 0;
    for message in messages.as_array().into_iter().flatten() {
        let value = <wasm_bindgen::JsValue as gloo_utils::format::JsValueSerdeExt>::from_serde(message)
            .expect("a JS value");
        window.post_message(&value, "*").expect("posted");
        posted += 1;
    }
    window
        .post_message(&wasm_bindgen::JsValue::from_str("forge-page-done"), "*")
        .expect("posted");
    within(5000, done)
        .await
        .expect("the page's own messages arrived")
        .expect("marker");
    drop(listener);
    posted + 1
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function wrap_frame_methods(hook) {
    const ours = (node) => node instanceof HTMLIFrameElement && node.hasAttribute('data-symphony-instance');
    const append = Node.prototype.appendChild;
    const remove = Element.prototype.remove;
    Node.prototype.appendChild = function (child) {
        const appended = append.call(this, child);
        if (ours(child)) hook('append');
        return appended;
    };
    Element.prototype.remove = function () {
        const was = ours(this);
        remove.call(this);
        if (was) hook('remove');
    };
    return () => {
        Node.prototype.appendChild = append;
        Element.prototype.remove = remove;
    };
}
"#)]
extern "C" {
    fn wrap_frame_methods(hook: &wasm_bindgen::closure::Closure<dyn FnMut(String)>) -> js_sys::Function;
}

/// Page code that wraps `Node.prototype.appendChild` and `Element.prototype.remove`, as
/// instrumentation and zone-style libraries do, and calls `hook("append")` or
/// `hook("remove")` whenever one of our frames goes in or out: synchronously, inside the
/// session's own work. Unwrapped when dropped.
pub struct PageHook {
    unwrap: js_sys::Function,
    _hook: wasm_bindgen::closure::Closure<dyn FnMut(String)>,
}

impl PageHook {
    pub fn install(hook: impl FnMut(String) + 'static) -> Self {
        let hook = wasm_bindgen::closure::Closure::<dyn FnMut(String)>::new(hook);
        let unwrap = wrap_frame_methods(&hook);
        Self { unwrap, _hook: hook }
    }
}

impl Drop for PageHook {
    fn drop(&mut self) {
        let _ = self.unwrap.call0(&wasm_bindgen::JsValue::NULL);
    }
}

/// A method of a built-in prototype (`Storage.prototype.getItem`,
/// `LockManager.prototype.request`) replaced by `body` while this lives, as a browser that
/// blocks site data behaves; restored when dropped.
pub struct PrototypeStub {
    prototype: wasm_bindgen::JsValue,
    method: &'static str,
    original: wasm_bindgen::JsValue,
}

impl PrototypeStub {
    pub fn install(interface: &str, method: &'static str, body: &str) -> Self {
        let class = js_sys::Reflect::get(&js_sys::global(), &interface.into()).expect("the interface");
        let prototype = js_sys::Reflect::get(&class, &"prototype".into()).expect("its prototype");
        let original = js_sys::Reflect::get(&prototype, &method.into()).expect("the method");
        let stub = js_sys::Function::new_no_args(body);
        js_sys::Reflect::set(&prototype, &method.into(), stub.unchecked_ref()).expect("stubbed");
        Self {
            prototype,
            method,
            original,
        }
    }
}

impl Drop for PrototypeStub {
    fn drop(&mut self) {
        let _ = js_sys::Reflect::set(&self.prototype, &self.method.into(), &self.original);
    }
}
