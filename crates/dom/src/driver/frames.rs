//! Frames and hiding: the iframes in the document, their loads (only the element we
//! created counts), hiding them through CSSOM, removing them together, noticing the page
//! taking them out, and the thread's live counts.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use symphony_session::{Event, FrameId, FrameKind};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlIFrameElement, MutationObserver, MutationObserverInit, MutationRecord, Window};

use super::{feed, when_free, Driver, Shared};

/// Attribute carried by every frame this library creates, with the instance number.
pub(crate) const INSTANCE_ATTRIBUTE: &str = "data-symphony-instance";
/// Attribute carrying the frame's id within its instance.
pub(crate) const FRAME_ATTRIBUTE: &str = "data-symphony-frame";

thread_local! {
    static LIVE: std::cell::Cell<LiveCounts> = const { std::cell::Cell::new(LiveCounts { instances: 0, frames: 0, message_listeners: 0 }) };
}

/// What every [`Symphony`](crate::Symphony) of this thread holds now, together. After the
/// last handle is dropped, all three are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveCounts {
    /// Sessions whose driver is alive.
    pub instances: usize,
    /// Iframes in the document.
    pub frames: usize,
    /// Window `message` listeners attached.
    pub message_listeners: usize,
}

/// The thread's [`LiveCounts`].
pub fn live_counts() -> LiveCounts {
    LIVE.with(std::cell::Cell::get)
}

pub(super) fn count(change: impl FnOnce(&mut LiveCounts)) {
    LIVE.with(|live| {
        let mut counts = live.get();
        change(&mut counts);
        live.set(counts);
    });
}

/// A frame in the document. Its `load` events reach the driver's one capture listener on the
/// document ([`Driver::listen_for_loads`]), so that removing a frame is one DOM call: touching
/// an iframe right after its removal (to take a listener off it) costs the browser tens of
/// microseconds per frame.
pub(super) struct MountedFrame {
    element: HtmlIFrameElement,
    kind: FrameKind,
    /// Already taken out of the document (by [`remove_together`]).
    removed: bool,
}

impl MountedFrame {
    fn new(element: HtmlIFrameElement, kind: FrameKind) -> Self {
        count(|c| c.frames += 1);
        Self {
            element,
            kind,
            removed: false,
        }
    }
}

/// Takes every frame out of the document in one call into the browser:
/// `Array.prototype.forEach.call(frames, Function.prototype.call, Element.prototype.remove)`,
/// the loop a page's own script would run. Calling `remove()` from wasm once per frame costs
/// more: the browser's deferred work of tearing a frame down lands on the next call that
/// crosses from wasm into JavaScript, about 10 µs per frame on a slow machine.
pub(super) fn remove_together(frames: &mut [MountedFrame]) {
    let Some(first) = frames.first().map(|f| f.element.clone()) else {
        return;
    };
    let removed = (|| {
        let list: js_sys::Array = frames.iter().map(|f| JsValue::from(&f.element)).collect();
        let remove = js_sys::Reflect::get(&first, &JsValue::from_str("remove")).ok()?;
        let call = js_sys::Reflect::get(&remove, &JsValue::from_str("call")).ok()?;
        let for_each: js_sys::Function = js_sys::Reflect::get(&list, &JsValue::from_str("forEach"))
            .ok()?
            .dyn_into()
            .ok()?;
        for_each.call2(&list, &call, &remove).ok()
    })();
    if removed.is_some() {
        for frame in frames {
            frame.removed = true;
        }
    }
    // Otherwise each frame removes itself when dropped.
}

impl Drop for MountedFrame {
    fn drop(&mut self) {
        if !self.removed {
            self.element.remove();
        }
        count(|c| c.frames -= 1);
    }
}

pub(super) type MutationCallback = Closure<dyn FnMut(js_sys::Array, MutationObserver)>;

/// Watches the document for our frames being taken out by someone else (a component
/// unmounting their container, say), and for such a frame put back; disconnected when
/// dropped.
pub(super) struct RemovalWatch {
    observer: MutationObserver,
    _callback: MutationCallback,
}

/// Frames taken out by someone else, blanked and hidden: one the page puts back in the
/// document is taken out again (when the watch sees it come back, at a logout's end, at the
/// next render and when the session goes).
pub(super) type Detached = Rc<RefCell<Vec<HtmlIFrameElement>>>;

impl Drop for RemovalWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// A frame someone else took out: it may be put back (a framework moving a subtree), and an
/// iframe put back loads its `src` again, which would show the pod outside the session.
/// Blanked and hidden now, taken out again if it comes back.
fn neutralise(element: &HtmlIFrameElement) {
    element.set_src("about:blank");
    hide(element);
}

/// Hides an element through CSSOM (a strict CSP allows it), with `visibility`, so that the
/// layout does not move; `!important`, so that no page style shows it again.
pub(super) fn hide(element: &web_sys::HtmlElement) {
    let _ = element
        .style()
        .set_property_with_priority("visibility", "hidden", "important");
}

/// Takes out the detached frames that are back in the document.
pub(super) fn take_out_reattached(detached: &RefCell<Vec<HtmlIFrameElement>>) {
    for element in detached.borrow().iter().filter(|e| e.is_connected()) {
        element.remove();
    }
}

/// A `load` from an element marked as this instance's frame `frame`: fed only when that
/// element is the very iframe created for the frame. The marks are plain `data-`
/// attributes that injected markup (which sanitizers let through) can copy; identity cannot.
fn accept_load(shared: &Shared, frame: Option<FrameId>, target: Element) {
    // Fired while the driver is busy (a load can be synchronous): judged after.
    when_free(&Rc::downgrade(shared), move |shared| {
        let ours = {
            let mut driver = shared.borrow_mut();
            let ours = frame.filter(|frame| {
                driver
                    .frames
                    .get(frame)
                    .is_some_and(|mounted| mounted.element.is_same_node(Some(&target)))
            });
            if ours.is_none() {
                driver.rejected_loads += 1;
            }
            ours
        };
        if let Some(frame) = ours {
            feed(shared, Event::FrameLoaded(frame));
        }
    });
}

impl Driver {
    /// Takes the frames of consecutive [`Work::RemoveFrame`]s out of the document at once.
    pub(super) fn remove_leaving(&mut self) {
        if self.leaving.is_empty() {
            return;
        }
        let mut leaving = std::mem::take(&mut self.leaving);
        remove_together(&mut leaving);
    }

    pub(super) fn main_window(&self) -> Option<Window> {
        self.frames
            .values()
            .find(|f| f.kind == FrameKind::Main)
            .and_then(|f| f.element.content_window())
    }

    pub(super) fn create_frame(
        &mut self,
        frame: FrameId,
        kind: FrameKind,
        container: &str,
        url: &str,
    ) -> Result<(), Event> {
        let missing = || Event::FrameContainerMissing(frame);
        let parent = self.document.get_element_by_id(container).ok_or_else(missing)?;
        let element: HtmlIFrameElement = self
            .document
            .create_element("iframe")
            .map_err(|_| missing())?
            .dyn_into()
            .map_err(|_| missing())?;
        let title = match kind {
            FrameKind::Main => "Symphony Messaging",
            FrameKind::Child => "Symphony Messaging chat",
        };
        element.set_title(title);
        // Attribute writes on a fresh element cannot fail; ignore the Result to stay panic-free.
        let _ = element.set_attribute("allow", &self.frame_allow);
        let _ = element.set_attribute("referrerpolicy", "strict-origin-when-cross-origin");
        let _ = element.set_attribute(INSTANCE_ATTRIBUTE, &self.instance.to_string());
        let _ = element.set_attribute(FRAME_ATTRIBUTE, &frame.0.to_string());
        // CSSOM, not a `style` attribute: a strict CSP (`style-src` without 'unsafe-inline')
        // blocks the attribute but not this.
        let style = element.style();
        for (property, value) in [
            ("width", "100%"),
            ("height", "100%"),
            ("border", "0"),
            ("display", "block"),
        ] {
            let _ = style.set_property(property, value);
        }
        element.set_src(url);
        self.listen_for_loads();
        parent.append_child(&element).map_err(|_| missing())?;
        self.frames.insert(frame, MountedFrame::new(element, kind));
        Ok(())
    }

    /// One `load` listener for every frame of this instance, in the capture phase on the
    /// document (`load` does not bubble, but it is captured), for the life of the driver.
    pub(super) fn listen_for_loads(&mut self) {
        if self.load_listener.is_some() {
            return;
        }
        let weak = self.weak.clone();
        let instance = self.instance.to_string();
        let options = EventListenerOptions::run_in_capture_phase();
        self.load_listener = Some(EventListener::new_with_options(
            &self.document,
            "load",
            options,
            move |event| {
                let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                    return;
                };
                if target.get_attribute(INSTANCE_ATTRIBUTE).as_deref() != Some(instance.as_str()) {
                    return;
                }
                let frame = target
                    .get_attribute(FRAME_ATTRIBUTE)
                    .and_then(|id| id.parse().ok())
                    .map(FrameId);
                if let Some(shared) = weak.upgrade() {
                    accept_load(&shared, frame, target);
                }
            },
        ));
    }

    /// Hides the frames in one style recalculation (the writes land before the next
    /// layout), with `visibility`, so the layout does not move. Written through CSSOM,
    /// which a strict CSP allows. They stay hidden until removed.
    pub(super) fn hide_frames(&mut self, frames: &[FrameId]) {
        for frame in frames {
            if let Some(mounted) = self.frames.get(frame) {
                hide(&mounted.element);
            }
        }
    }

    pub(super) fn watch_removals(&mut self) {
        if self.removal_watch.is_some() {
            return;
        }
        take_out_reattached(&self.detached);
        let weak = self.weak.clone();
        let seen = self.detached.clone();
        let callback: MutationCallback = Closure::new(move |records: js_sys::Array, _: MutationObserver| {
            // The page's own DOM updates (an app re-rendering) land here too: only a removal
            // can take a frame out, and only an addition put one back.
            let (mut removal, mut addition) = (false, false);
            for record in records.iter() {
                let record: MutationRecord = record.unchecked_into();
                removal |= record.removed_nodes().length() > 0;
                addition |= record.added_nodes().length() > 0;
            }
            if addition {
                take_out_reattached(&seen);
            }
            if !removal {
                return;
            }
            let Some(shared) = weak.upgrade() else {
                return;
            };
            let gone: Vec<FrameId> = match shared.try_borrow() {
                Ok(driver) => driver
                    .frames
                    .iter()
                    .filter(|(_, f)| !f.element.is_connected())
                    .map(|(id, _)| *id)
                    .collect(),
                Err(_) => return,
            };
            for frame in gone {
                if let Ok(mut driver) = shared.try_borrow_mut() {
                    // Already out of the document: forget it, blanked, as removed.
                    if let Some(mut mounted) = driver.frames.remove(&frame) {
                        neutralise(&mounted.element);
                        seen.borrow_mut().push(mounted.element.clone());
                        mounted.removed = true;
                    }
                }
                feed(&shared, Event::FrameRemoved(frame));
            }
        });
        let Ok(observer) = MutationObserver::new(callback.as_ref().unchecked_ref()) else {
            return;
        };
        let Some(root) = self.document.document_element() else {
            return;
        };
        let options = MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        if observer.observe_with_options(&root, &options).is_ok() {
            self.removal_watch = Some(RemovalWatch {
                observer,
                _callback: callback,
            });
        }
    }
}
