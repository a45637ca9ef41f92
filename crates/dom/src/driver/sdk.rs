//! The sdk.js backend ([`Transport::SdkJs`](symphony_session::Transport::SdkJs)): loads the
//! pod's `sdk.js` as Symphony documents it (a script element this module creates, no
//! inline script), calls `window.symphony` when the session asks, and reports how each
//! call settled, what its callbacks receive and how the load went. It decides nothing: the
//! session bounds every wait, says what to hide and remove and when.
//!
//! `sdk.js` is one per page: `window.symphony`, its pod, partner id and mode are fixed by
//! its script element. So the link to it ([`PageSdk`]) is the page's, shared by every
//! session of the page for the page's life: a second session with the same script reuses
//! it; one with another gets [`SdkLoadFailure::Conflict`]. The callbacks given to
//! `window.symphony` stay with the page too (it has no way to remove one); once their
//! session is gone they do nothing.

use std::cell::RefCell;
use std::rc::Weak;

use gloo::events::EventListener;
use js_sys::{Function, Promise, Reflect};
use serde_json::Value;
use symphony_session::{Event, Mode, SdkCall, SdkCallId, SdkLoadFailure, SdkOutcome};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Document, Element, SecurityPolicyViolationEvent, SecurityPolicyViolationEventDisposition, Window,
};

use super::{feed, Driver};

/// The script element's id, as Symphony documents it.
pub(crate) const SCRIPT_ID: &str = "symphony-ecm-sdk";

/// The global function named by the script's `data-onload`.
const ONLOAD: &str = "symphonyEcmSdkOnload";

/// What a script element of `sdk.js` says: it fixes `window.symphony` for the page.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Script {
    url: String,
    partner_id: Option<String>,
    full: bool,
}

impl Script {
    fn describe(&self) -> String {
        format!(
            "{} (partner id {}, mode {})",
            self.url,
            self.partner_id.as_deref().unwrap_or("none"),
            if self.full { "full" } else { "focus" }
        )
    }

    /// What the element on the page says (its `src` as the browser resolved it).
    fn read(element: &Element) -> Self {
        let url = Reflect::get(element, &"src".into())
            .ok()
            .and_then(|src| src.as_string())
            .unwrap_or_default();
        Self {
            url,
            partner_id: element.get_attribute("data-partner-id").filter(|p| !p.is_empty()),
            full: element.get_attribute("data-mode").as_deref() == Some("full"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Load {
    Loading,
    Ready,
}

/// The page's link to `sdk.js` (see the module docs).
struct PageSdk {
    script: Script,
    load: Load,
    /// The sessions waiting for `window.symphony`.
    waiters: Vec<Weak<RefCell<Driver>>>,
    /// Our script element, while it loads (taken out again if it fails).
    element: Option<Element>,
    /// The `load`, `error` and `securitypolicyviolation` listeners, while it loads.
    listeners: Vec<EventListener>,
    /// `window[ONLOAD]`, while it loads.
    onload: Option<Closure<dyn Fn()>>,
    /// The callbacks given to `window.symphony`, for the page's life.
    callbacks: Vec<Closure<dyn Fn(JsValue)>>,
}

thread_local! {
    static PAGE: RefCell<Option<PageSdk>> = const { RefCell::new(None) };
}

/// `window.symphony`, when it is an object.
fn symphony(window: &Window) -> Option<JsValue> {
    Reflect::get(window, &"symphony".into())
        .ok()
        .filter(JsValue::is_object)
}

impl Driver {
    /// [`Work::LoadSdk`](symphony_session::Work::LoadSdk).
    pub(super) fn load_sdk(&mut self, url: String, partner_id: Option<String>, mode: Mode) {
        let wanted = Script {
            url,
            partner_id,
            full: mode == Mode::Collaboration,
        };
        let answer = PAGE.with(|page| {
            let mut page = page.borrow_mut();
            if let Some(linked) = page.as_mut() {
                if linked.script != wanted {
                    return Some(SdkAnswer::Failed(SdkLoadFailure::Conflict {
                        found: linked.script.describe(),
                    }));
                }
                return match linked.load {
                    Load::Ready => Some(SdkAnswer::Loaded),
                    Load::Loading => {
                        linked.waiters.push(self.weak.clone());
                        None
                    }
                };
            }
            // A script element the app put there itself, or one an earlier page state left.
            if let Some(element) = self.document.get_element_by_id(SCRIPT_ID) {
                let found = Script::read(&element);
                if found != wanted {
                    return Some(SdkAnswer::Failed(SdkLoadFailure::Conflict {
                        found: found.describe(),
                    }));
                }
                if symphony(&self.window).is_some() {
                    *page = Some(PageSdk::ready(found));
                    return Some(SdkAnswer::Loaded);
                }
                // Still loading (or failed before we came: the session's timeout answers).
                let mut linked = PageSdk::loading(found, None, self.weak.clone());
                linked.listeners = script_listeners(&element, &self.document, &wanted.url);
                *page = Some(linked);
                return None;
            }
            if symphony(&self.window).is_some() {
                return Some(SdkAnswer::Failed(SdkLoadFailure::Conflict {
                    found: format!("a window.symphony from a script without id=\"{SCRIPT_ID}\""),
                }));
            }
            match create_script(&self.window, &self.document, &wanted) {
                Some((element, onload)) => {
                    let mut linked =
                        PageSdk::loading(wanted.clone(), Some(element.clone()), self.weak.clone());
                    linked.listeners = script_listeners(&element, &self.document, &wanted.url);
                    linked.onload = Some(onload);
                    *page = Some(linked);
                    None
                }
                None => Some(SdkAnswer::Failed(SdkLoadFailure::Failed)),
            }
        });
        match answer {
            Some(SdkAnswer::Loaded) => self.session.handle_event(Event::SdkLoaded),
            Some(SdkAnswer::Failed(failure)) => self.session.handle_event(Event::SdkLoadFailed(failure)),
            None => {}
        }
    }

    /// [`Work::CallSdk`](symphony_session::Work::CallSdk): calls `window.symphony` and
    /// reports how the call settled (at once when it cannot be made).
    pub(super) fn call_sdk(&mut self, call: SdkCallId, request: SdkCall) {
        if let Err(outcome) = self.start_call(call, request) {
            self.session.handle_event(Event::SdkSettled { call, outcome });
        }
    }

    fn start_call(&mut self, call: SdkCallId, request: SdkCall) -> Result<(), SdkOutcome> {
        let symphony = symphony(&self.window).ok_or(SdkOutcome::Missing)?;
        let function: Function = Reflect::get(&symphony, &request.function.name().into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or(SdkOutcome::Missing)?;
        if let Some(container) = &request.container {
            let element = self
                .document
                .get_element_by_id(container)
                .ok_or(SdkOutcome::ContainerMissing)?;
            if let Some(class) = request.arguments.first().and_then(Value::as_str) {
                let _ = element.class_list().add_1(class);
                // sdk.js renders into the first element of that class.
                let first = self.document.get_elements_by_class_name(class).item(0);
                if first.as_ref() != Some(&element) {
                    return Err(SdkOutcome::Rejected(Value::String(format!(
                        "another element carries the class {class} before #{container}: sdk.js renders into the first; remove the class from it"
                    ))));
                }
            }
        }
        let arguments = js_sys::Array::new();
        for argument in &request.arguments {
            let value =
                <JsValue as gloo_utils::format::JsValueSerdeExt>::from_serde(argument).map_err(|_| {
                    SdkOutcome::Rejected(Value::String("an argument could not be given to sdk.js".into()))
                })?;
            arguments.push(&value);
        }
        if request.function.takes_callback() {
            let weak = self.weak.clone();
            let callback = Closure::<dyn Fn(JsValue)>::new(move |data: JsValue| {
                if let Some(shared) = weak.upgrade() {
                    let data = crate::json::from_js(&data).unwrap_or(Value::Null);
                    feed(&shared, Event::SdkCallback { call, data });
                }
            });
            let options = arguments.get(0);
            if options.is_object() {
                let _ = Reflect::set(&options, &"callback".into(), callback.as_ref());
            }
            PAGE.with(|page| {
                if let Some(linked) = page.borrow_mut().as_mut() {
                    linked.callbacks.push(callback);
                }
            });
        }
        let returned = function
            .apply(&symphony, &arguments)
            .map_err(|thrown| SdkOutcome::Rejected(reason(&thrown)))?;
        let promise = Promise::resolve(&returned);
        let weak = self.weak.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(value) => SdkOutcome::Resolved(crate::json::from_js(&value).unwrap_or(Value::Null)),
                Err(thrown) => SdkOutcome::Rejected(reason(&thrown)),
            };
            if let Some(shared) = weak.upgrade() {
                feed(&shared, Event::SdkSettled { call, outcome });
            }
        });
        Ok(())
    }

    /// [`Work::HideContainedFrames`](symphony_session::Work::HideContainedFrames): through
    /// CSSOM, as the built-in frames are hidden.
    pub(super) fn hide_contained_frames(&self, containers: &[String]) {
        for frame in self.contained_frames(containers) {
            if let Some(frame) = frame.dyn_ref::<web_sys::HtmlElement>() {
                super::frames::hide(frame);
            }
        }
    }

    /// [`Work::RemoveContainedFrames`](symphony_session::Work::RemoveContainedFrames).
    pub(super) fn remove_contained_frames(&self, containers: &[String]) {
        for frame in self.contained_frames(containers) {
            frame.remove();
        }
    }

    fn contained_frames(&self, containers: &[String]) -> Vec<Element> {
        let mut frames = Vec::new();
        for container in containers {
            let Some(element) = self.document.get_element_by_id(container) else {
                continue;
            };
            let Ok(list) = element.query_selector_all("iframe") else {
                continue;
            };
            frames.extend((0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()));
        }
        frames
    }
}

enum SdkAnswer {
    Loaded,
    Failed(SdkLoadFailure),
}

impl PageSdk {
    fn ready(script: Script) -> Self {
        Self {
            script,
            load: Load::Ready,
            waiters: Vec::new(),
            element: None,
            listeners: Vec::new(),
            onload: None,
            callbacks: Vec::new(),
        }
    }

    fn loading(script: Script, element: Option<Element>, waiter: Weak<RefCell<Driver>>) -> Self {
        Self {
            load: Load::Loading,
            waiters: vec![waiter],
            element,
            ..Self::ready(script)
        }
    }
}

/// Creates the script element as Symphony documents it and puts it in the document's
/// head; `window[ONLOAD]` is its `data-onload`.
fn create_script(
    window: &Window,
    document: &Document,
    script: &Script,
) -> Option<(Element, Closure<dyn Fn()>)> {
    let element = document.create_element("script").ok()?;
    let onload = Closure::<dyn Fn()>::new(|| settle_load(None));
    Reflect::set(window, &ONLOAD.into(), onload.as_ref()).ok()?;
    let _ = element.set_attribute("id", SCRIPT_ID);
    let _ = element.set_attribute("render", "explicit");
    if let Some(partner_id) = &script.partner_id {
        let _ = element.set_attribute("data-partner-id", partner_id);
    }
    let _ = element.set_attribute("data-onload", ONLOAD);
    if script.full {
        let _ = element.set_attribute("data-mode", "full");
    }
    let _ = element.set_attribute("src", &script.url);
    let parent = document
        .head()
        .map(Element::from)
        .or_else(|| document.document_element())?;
    parent.append_child(&element).ok()?;
    Some((element, onload))
}

/// The script's `load` (then `window.symphony` is there, or `data-onload` is still to
/// come), its `error`, and a policy that blocks it.
fn script_listeners(element: &Element, document: &Document, url: &str) -> Vec<EventListener> {
    let load = EventListener::new(element, "load", |_| {
        let present = web_sys::window().and_then(|w| symphony(&w)).is_some();
        if present {
            settle_load(None);
        }
    });
    let error = EventListener::new(element, "error", |event| {
        if event.is_trusted() {
            // A policy that blocked the script reports first in every browser we test; a
            // report coming after this one finds the load settled and changes nothing.
            settle_load(Some(SdkLoadFailure::Failed));
        }
    });
    let url = url.to_owned();
    let policy = EventListener::new(document, "securitypolicyviolation", move |event| {
        let Some(event) = event.dyn_ref::<SecurityPolicyViolationEvent>() else {
            return;
        };
        let enforced = event.disposition() == SecurityPolicyViolationEventDisposition::Enforce;
        if event.is_trusted() && enforced && event.blocked_uri() == url {
            settle_load(Some(SdkLoadFailure::BlockedByCsp {
                directive: event.effective_directive(),
            }));
        }
    });
    vec![load, error, policy]
}

/// The load is over: every waiting session hears it. A failure forgets the link (and
/// takes our script element out) so that the next attempt loads afresh.
fn settle_load(failure: Option<SdkLoadFailure>) {
    let (waiters, leftovers) = PAGE.with(|page| {
        let mut page = page.borrow_mut();
        let Some(linked) = page.as_mut() else {
            return (Vec::new(), None);
        };
        if linked.load != Load::Loading {
            return (Vec::new(), None);
        }
        let waiters = std::mem::take(&mut linked.waiters);
        let listeners = std::mem::take(&mut linked.listeners);
        let onload = linked.onload.take();
        if failure.is_some() {
            let gone = page.take();
            if let Some(element) = gone.as_ref().and_then(|g| g.element.as_ref()) {
                element.remove();
            }
            (waiters, Some((listeners, onload, gone)))
        } else {
            linked.load = Load::Ready;
            linked.element = None;
            (waiters, Some((listeners, onload, None)))
        }
    });
    // We may be inside one of these listeners: they go after it returns, `window[ONLOAD]`
    // with its closure.
    if let Some(leftovers) = leftovers {
        if leftovers.1.is_some() {
            if let Some(window) = web_sys::window() {
                let _ = Reflect::delete_property(&window, &ONLOAD.into());
            }
        }
        wasm_bindgen_futures::spawn_local(async move { drop(leftovers) });
    }
    for waiter in waiters {
        if let Some(shared) = waiter.upgrade() {
            let event = match &failure {
                None => Event::SdkLoaded,
                Some(failure) => Event::SdkLoadFailed(failure.clone()),
            };
            feed(&shared, event);
        }
    }
}

/// What a rejection or a throw carries: an `Error`'s message, else the value as JSON.
fn reason(thrown: &JsValue) -> Value {
    match thrown.dyn_ref::<js_sys::Error>() {
        Some(error) => Value::String(String::from(error.message())),
        None => crate::json::from_js(thrown).unwrap_or(Value::Null),
    }
}
