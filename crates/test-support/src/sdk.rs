//! The sdk.js backend's helpers: a spy on `window.symphony`, the iframes of a container, a
//! page cleared of the SDK's containers.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::{container, document, fresh};

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function spy_on_sdk(name, hook) {
  const symphony = window.symphony;
  const original = symphony[name];
  symphony[name] = function () { hook(); return original.apply(this, arguments); };
  return () => { symphony[name] = original; };
}
export function refuse(name) {
  const symphony = window.symphony;
  const original = symphony[name];
  symphony[name] = function () { return Promise.reject(new Error('refused by the test')); };
  return () => { symphony[name] = original; };
}
export function take(name) {
  const symphony = window.symphony;
  const original = symphony[name];
  delete symphony[name];
  return () => { symphony[name] = original; };
}
"#)]
extern "C" {
    fn spy_on_sdk(name: &str, hook: &Closure<dyn Fn()>) -> js_sys::Function;
    /// Deletes `window.symphony[name]`; returns what puts it back.
    pub fn take(name: &str) -> js_sys::Function;
    /// Makes `window.symphony[name]` reject; returns what puts it back.
    pub fn refuse(name: &str) -> js_sys::Function;
}

/// Counts the calls of `window.symphony[name]` while it lives.
pub struct Spy {
    pub calls: Rc<Cell<u32>>,
    restore: js_sys::Function,
    _hook: Closure<dyn Fn()>,
}

impl Spy {
    pub fn on(name: &str) -> Self {
        let calls = Rc::new(Cell::new(0));
        let counted = calls.clone();
        let hook = Closure::<dyn Fn()>::new(move || counted.set(counted.get() + 1));
        let restore = spy_on_sdk(name, &hook);
        Self {
            calls,
            restore,
            _hook: hook,
        }
    }
}

impl Drop for Spy {
    fn drop(&mut self) {
        let _ = self.restore.call0(&JsValue::NULL);
    }
}

/// The iframes inside the element with this id.
pub fn frames_in(id: &str) -> Vec<web_sys::HtmlElement> {
    let Some(list) = document()
        .get_element_by_id(id)
        .and_then(|e| e.query_selector_all("iframe").ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

/// A fresh page state: the emulator reset, and the containers of earlier tests gone (sdk.js
/// renders into the first element of its class).
pub async fn fresh_sdk(containers: &[&str]) {
    fresh().await;
    let earlier = document().get_elements_by_class_name("symphony-ecm");
    while let Some(element) = earlier.item(0) {
        element.remove();
    }
    for id in containers {
        container(id);
    }
}
