//! The pod emulator's stand-in `sdk.js` (`/embed/sdk.js`), driven the way Symphony documents
//! its SDK: a script element with `render="explicit"`, `data-partner-id` and `data-onload`,
//! then `window.symphony.render`, `listen` and `logout`. The sdk.js backend of this crate
//! runs against it; these tests pin what it does. Its own page: `window.symphony` is one per
//! page.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use futures::channel::oneshot;
use futures::StreamExt;
use js_sys::{Function, Promise, Reflect};
use serde_json::{json, Value};
use support::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `window.symphony`, loading the stand-in first if this page has not yet.
async fn symphony() -> JsValue {
    let window = web_sys::window().expect("a window");
    let loaded = Reflect::get(&window, &"symphony".into()).expect("read");
    if !loaded.is_undefined() {
        return loaded;
    }
    let (sender, onload) = oneshot::channel::<()>();
    let sender = std::cell::RefCell::new(Some(sender));
    let callback = Closure::<dyn Fn()>::new(move || {
        if let Some(sender) = sender.borrow_mut().take() {
            let _ = sender.send(());
        }
    });
    Reflect::set(&window, &"sdkStandInLoaded".into(), callback.as_ref()).expect("set");
    let script = document().create_element("script").expect("script");
    for (name, value) in [
        ("id", "symphony-ecm-sdk"),
        ("render", "explicit"),
        ("data-partner-id", "test-partner"),
        ("data-onload", "sdkStandInLoaded"),
    ] {
        script.set_attribute(name, value).expect("attribute");
    }
    script
        .set_attribute("src", &format!("{}/embed/sdk.js", emulator()))
        .expect("src");
    document()
        .head()
        .expect("head")
        .append_child(&script)
        .expect("append");
    within(5000, onload)
        .await
        .expect("data-onload called")
        .expect("sent");
    drop(callback);
    Reflect::get(&window, &"symphony".into()).expect("read")
}

/// Calls `window.symphony[name](...args)` and awaits its promise, as JSON.
async fn call(name: &str, args: &[JsValue]) -> Result<Value, JsValue> {
    let symphony = symphony().await;
    let function: Function = Reflect::get(&symphony, &name.into())
        .expect("read")
        .dyn_into()
        .unwrap_or_else(|_| panic!("window.symphony.{name} is a function"));
    let array = args.iter().collect::<js_sys::Array>();
    let promise: Promise = function
        .apply(&symphony, &array)
        .expect("called")
        .dyn_into()
        .expect("a promise");
    let value = JsFuture::from(promise).await?;
    let text = js_sys::JSON::stringify(&value)
        .expect("JSON")
        .as_string()
        .unwrap_or_default();
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).expect("JSON")
}

/// The iframes in the element with this id.
fn frames_in(id: &str) -> u32 {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.query_selector_all("iframe").ok())
        .map_or(0, |list| list.length())
}

/// A container that carries the class the SDK renders into, the only one in the page
/// (`render` takes the first element of that class).
fn sdk_container(id: &str) {
    let earlier = document().get_elements_by_class_name("symphony-ecm");
    while let Some(element) = earlier.item(0) {
        element.remove();
    }
    container(id).set_class_name("symphony-ecm");
}

#[wasm_bindgen_test]
async fn render_listen_and_logout_as_symphony_documents_them() {
    fresh().await;
    sdk_container("sdk-main");
    let rendered = within(
        8000,
        call("render", &["symphony-ecm".into(), js(json!({"streamId": "s1"}))]),
    )
    .await
    .expect("render resolves when the chat is ready");
    assert_eq!(rendered.expect("resolved"), json!({}));
    assert_eq!(frames_in("sdk-main"), 1);
    assert_eq!(sessions(&state().await), 1, "signed in (auto-login)");
    let (sender, mut heard) = futures::channel::mpsc::unbounded::<String>();
    let callback = Closure::<dyn Fn(JsValue)>::new(move |data: JsValue| {
        let text = js_sys::JSON::stringify(&data)
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        let _ = sender.unbounded_send(text);
    });
    let subscription = js(json!({"type": "ActivityNotifications"}));
    Reflect::set(&subscription, &"callback".into(), callback.as_ref()).expect("set");
    assert_eq!(
        call("listen", &[subscription]).await.expect("resolved"),
        json!({})
    );
    // The user acts in the chat: the callback hears it. (The pod tells every main frame
    // connected to its events, a frame an earlier test left included: tell until heard.)
    let mut told = 0;
    let mut first = None;
    while first.is_none() && told < 25 {
        admin("POST", "/__emulator/activity", None).await;
        told += 1;
        first = within(200, heard.next()).await;
    }
    assert!(first.flatten().is_some(), "the activity callback called");
    assert_eq!(
        call("openStream", &["s2".into()]).await.expect("resolved")["streamId"],
        "s2"
    );
    assert_eq!(call("logout", &[]).await.expect("resolved"), json!({}));
    assert_eq!(sessions(&state().await), 0, "the pod session ended");
    assert_eq!(frames_in("sdk-main"), 0, "its iframes deleted");
    drop(callback);
}

#[wasm_bindgen_test]
async fn logout_faults_hang_reject_answer_an_error_or_leave_a_frame() {
    fresh().await;
    sdk_container("sdk-faults");
    call("render", &["symphony-ecm".into(), js(json!({}))])
        .await
        .expect("rendered");
    faults(json!({"sdk": {"logout": "error"}})).await;
    let answered = call("logout", &[]).await.expect("resolved");
    assert_eq!(answered["error"]["type"], "ERROR", "{answered}");
    assert_eq!(sessions(&state().await), 1, "not asked");
    faults(json!({"sdk": {"logout": "reject"}})).await;
    assert!(call("logout", &[]).await.is_err(), "rejected");
    faults(json!({"sdk": {"logout": "hang"}})).await;
    assert!(within(1500, call("logout", &[])).await.is_none(), "never settles");
    faults(json!({"sdk": {"leaveFrame": true}})).await;
    assert_eq!(call("logout", &[]).await.expect("resolved"), json!({}));
    assert_eq!(sessions(&state().await), 0);
    assert_eq!(frames_in("sdk-faults"), 1, "one iframe left behind");
    document()
        .get_element_by_id("sdk-faults")
        .expect("there")
        .remove();
}

/// The HTTP status of `GET {pod}/embed/sdk.js`.
async fn script_status() -> u16 {
    gloo::net::http::Request::get(&format!("{}/embed/sdk.js", emulator()))
        .send()
        .await
        .expect("an answer")
        .status()
}

#[wasm_bindgen_test]
async fn the_script_itself_can_be_missing() {
    fresh().await;
    faults(json!({"sdk": {"script": "missing"}})).await;
    assert_eq!(script_status().await, 404);
    faults(json!({"sdk": {"script": "ok"}})).await;
    assert_eq!(script_status().await, 200);
}
