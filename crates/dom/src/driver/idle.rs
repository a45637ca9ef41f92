//! Inactivity, when the configuration carries an idle policy: the host page's activity
//! (pointer, keys, wheel, touch; passive listeners, sampled), the time of the chats'
//! activity (the session subscribes to it and asks, [`Work::ChatActivity`]), the one idle
//! check timer, and the claim of an idle logout among the app's tabs through the Web Locks
//! API.
//!
//! [`Work::ChatActivity`]: symphony_session::Work::ChatActivity

use std::time::Duration;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use symphony_session::protocol::TabMessage;
use symphony_session::{Event, Timestamp};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::{feed, when_free, Driver, Shared};

/// Activity is passed to the session at most this often (the latest is passed before each
/// check, so that none is lost where it matters).
const SAMPLE_MS: f64 = 1000.0;

/// What the page counts as the user doing something.
const PAGE_EVENTS: [&str; 5] = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"];

/// The driver's idle machinery; exists only when the policy is on.
pub(super) struct IdleWatch {
    _page: Vec<EventListener>,
    check: Option<Timeout>,
    /// When activity was last passed to the session, and the latest seen since.
    passed_at: f64,
    pending: Option<f64>,
    /// Web Locks callbacks waiting to be called.
    claim_callbacks: Vec<Closure<dyn FnMut(JsValue) -> JsValue>>,
    /// The Web Locks this tab holds; all are released with the driver.
    held: Vec<HeldLock>,
}

/// A Web Lock held until this is dropped (it resolves the promise the lock's callback
/// returned): wherever it is dropped, the lock goes with it.
struct HeldLock(js_sys::Function);

impl Drop for HeldLock {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::UNDEFINED);
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

impl Driver {
    /// Listens for the page's activity and for the page being shown again.
    pub(super) fn start_idle_watch(shared: &Shared) -> IdleWatch {
        let (window, document) = {
            let driver = shared.borrow();
            (driver.window.clone(), driver.document.clone())
        };
        let mut listeners = Vec::new();
        for name in PAGE_EVENTS {
            let weak = std::rc::Rc::downgrade(shared);
            listeners.push(EventListener::new_with_options(
                &window,
                name,
                EventListenerOptions::run_in_capture_phase(),
                move |event| {
                    // Only what the user did: a script's synthetic events do not count.
                    if !event.is_trusted() {
                        return;
                    }
                    if let Some(shared) = weak.upgrade() {
                        page_activity(&shared);
                    }
                },
            ));
        }
        // Timers of hidden pages run late: look at the clock as soon as the page shows.
        let weak = std::rc::Rc::downgrade(shared);
        let shown = document.clone();
        listeners.push(EventListener::new(&document, "visibilitychange", move |_| {
            if shown.visibility_state() == web_sys::VisibilityState::Visible {
                if let Some(shared) = weak.upgrade() {
                    check_now(&shared);
                }
            }
        }));
        IdleWatch {
            _page: listeners,
            check: None,
            passed_at: f64::NEG_INFINITY,
            pending: None,
            claim_callbacks: Vec::new(),
            held: Vec::new(),
        }
    }

    /// True when activity seen at `at` is to be passed to the session now; otherwise it is
    /// kept for the next check.
    fn sample(&mut self, at: f64) -> bool {
        let Some(idle) = self.idle.as_mut() else {
            return false;
        };
        if at - idle.passed_at >= SAMPLE_MS {
            idle.passed_at = at;
            idle.pending = None;
            true
        } else {
            idle.pending = Some(at);
            false
        }
    }

    pub(super) fn schedule_idle_check(&mut self, after: Duration) {
        let Some(idle) = self.idle.as_mut() else {
            return;
        };
        let weak = self.weak.clone();
        let timeout = Timeout::new(super::timer_millis(after), move || {
            if let Some(shared) = weak.upgrade() {
                check_now(&shared);
            }
        });
        // This may run inside the old timer's own callback: drop that one afterwards.
        let old = idle.check.replace(timeout);
        wasm_bindgen_futures::spawn_local(async move { drop(old) });
    }

    pub(super) fn cancel_idle_check(&mut self) {
        if let Some(idle) = self.idle.as_mut() {
            let old = idle.check.take();
            wasm_bindgen_futures::spawn_local(async move { drop(old) });
        }
    }

    /// The user did something in a chat (the session's own subscription was notified):
    /// activity now, sampled as the page's is.
    pub(super) fn chat_activity(&mut self) {
        let at = now();
        if self.sample(at) {
            self.session.handle_event(Event::Activity {
                at: Timestamp::from_millis_f64(at),
            });
        }
    }

    /// Claims the idle logout of `deadline` for this tab with an exclusive Web Lock named
    /// after the pod and the deadline, if it is free (`ifAvailable`), and holds it for the
    /// driver's life, so that a tab reaching the same deadline later is refused too.
    /// Without a tab channel, or without Web Locks, or when the browser refuses the request
    /// (it throws, or its promise rejects), the claim is granted: every tab then performs its
    /// own logout (more requests, never fewer).
    pub(super) fn claim_idle_logout(&mut self, deadline: Timestamp) {
        let granted_here = |driver: &mut Driver| {
            driver.session.handle_event(Event::IdleLogoutClaimed {
                deadline,
                granted: true,
            });
        };
        let locks = match &self.tab_channel {
            Some(_) => web_locks(&self.window),
            None => None,
        };
        let Some((locks, request)) = locks else {
            return granted_here(self);
        };
        let name = TabMessage::idle_lock_name(self.session.config().pod_origin(), deadline);
        let weak = self.weak.clone();
        let callback = Closure::once(move |lock: JsValue| -> JsValue {
            let granted = !lock.is_null() && !lock.is_undefined();
            let Some(shared) = weak.upgrade() else {
                return JsValue::UNDEFINED;
            };
            feed(&shared, Event::IdleLogoutClaimed { deadline, granted });
            if !granted {
                return JsValue::UNDEFINED;
            }
            // Held until this promise resolves: when the driver goes (kept also when the
            // driver is busy now; released at once if it is gone by then).
            let weak = std::rc::Rc::downgrade(&shared);
            js_sys::Promise::new(&mut |resolve, _reject| {
                let lock = HeldLock(resolve);
                when_free(&weak, move |shared| {
                    if let Some(idle) = shared.borrow_mut().idle.as_mut() {
                        idle.held.push(lock);
                    }
                });
            })
            .into()
        });
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
        let asked = request.call3(&locks, &name.into(), &options, callback.as_ref().unchecked_ref());
        match (asked, self.idle.as_mut()) {
            (Ok(promise), Some(idle)) => {
                idle.claim_callbacks.push(callback);
                // A browser may refuse later: the request's promise rejects (Chromium's does
                // when site data is blocked) and the callback is never called. Refused
                // locks count as granted: more tabs log out, never none. (Resolved, the
                // promise says the lock was released; a late answer for a claim already
                // answered is stale to the session.)
                let weak = self.weak.clone();
                let outcome = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise));
                wasm_bindgen_futures::spawn_local(async move {
                    if outcome.await.is_err() {
                        if let Some(shared) = weak.upgrade() {
                            feed(
                                &shared,
                                Event::IdleLogoutClaimed {
                                    deadline,
                                    granted: true,
                                },
                            );
                        }
                    }
                });
            }
            _ => granted_here(self),
        }
    }
}

/// `navigator.locks` and its `request` method, when the browser has them (secure contexts).
fn web_locks(window: &web_sys::Window) -> Option<(JsValue, js_sys::Function)> {
    let locks = js_sys::Reflect::get(&window.navigator(), &"locks".into()).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = js_sys::Reflect::get(&locks, &"request".into()).ok()?;
    Some((locks, request.dyn_into().ok()?))
}

/// The page saw the user do something (kept with the time it happened when the driver is
/// busy: an event we caused may run inside our own work).
fn page_activity(shared: &Shared) {
    let at = now();
    when_free(&std::rc::Rc::downgrade(shared), move |shared| {
        let pass = shared.borrow_mut().sample(at);
        if pass {
            feed(
                shared,
                Event::Activity {
                    at: Timestamp::from_millis_f64(at),
                },
            );
        }
    });
}

/// Passes the activity kept since the last sample, then a check of the clock.
fn check_now(shared: &Shared) {
    let pending = match shared.try_borrow_mut() {
        Ok(mut driver) => driver.idle.as_mut().and_then(|idle| idle.pending.take()),
        Err(_) => None,
    };
    if let Some(at) = pending {
        feed(
            shared,
            Event::Activity {
                at: Timestamp::from_millis_f64(at),
            },
        );
    }
    feed(
        shared,
        Event::IdleCheck {
            now: Timestamp::from_millis_f64(now()),
        },
    );
}

/// "Stay signed in": activity now, passed at once (and to the other tabs by the session).
pub(crate) fn stay_signed_in(shared: &Shared) {
    if let Ok(mut driver) = shared.try_borrow_mut() {
        if let Some(idle) = driver.idle.as_mut() {
            idle.passed_at = now();
            idle.pending = None;
        }
    }
    feed(
        shared,
        Event::Activity {
            at: Timestamp::from_millis_f64(now()),
        },
    );
}
