//! The ways the driver talks: `postMessage` to the main frame and the window `message`
//! listener that accepts only trusted events from the pod origin and the main frame's window, the tab channel
//! to the app's other documents, and the HTTP logout.

use std::rc::Rc;

use gloo::events::EventListener;
use gloo_utils::format::JsValueSerdeExt;
use serde_json::Value;
use symphony_session::protocol::{HostMessage, TabMessage};
use symphony_session::{Event, LogoutAttemptId};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    AbortController, BroadcastChannel, MessageEvent, SecurityPolicyViolationEvent,
    SecurityPolicyViolationEventDisposition,
};

use super::frames::count;
use super::{feed, Driver, Shared};

/// The window `message` listener, counted while it lives.
pub(super) struct MessageListener(#[allow(dead_code)] EventListener);

impl MessageListener {
    fn new(listener: EventListener) -> Self {
        count(|c| c.message_listeners += 1);
        Self(listener)
    }
}

impl Drop for MessageListener {
    fn drop(&mut self) {
        count(|c| c.message_listeners -= 1);
    }
}

/// The cross-tab channel and its listener; closed when dropped.
pub(super) struct TabChannel {
    channel: BroadcastChannel,
    _listener: EventListener,
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.close();
    }
}

impl Driver {
    /// Hears the other documents of this origin that embed the same pod; what they say is
    /// the session's to judge ([`Event::TabMessage`]).
    pub(super) fn open_tab_channel(shared: &Shared) -> Option<TabChannel> {
        let pod = shared.borrow().session.config().pod_origin().to_owned();
        let channel = BroadcastChannel::new(&TabMessage::channel_name(&pod)).ok()?;
        let weak = Rc::downgrade(shared);
        let listener = EventListener::new(&channel, "message", move |event| {
            let Some(event) = event.dyn_ref::<MessageEvent>() else {
                return;
            };
            // Data with no JSON value becomes null: counted as malformed.
            let value = crate::json::from_js(&event.data()).unwrap_or(Value::Null);
            let heard_at = symphony_session::Timestamp::from_millis_f64(js_sys::Date::now());
            if let Some(shared) = weak.upgrade() {
                feed(
                    &shared,
                    Event::TabMessage {
                        message: value,
                        heard_at,
                    },
                );
            }
        });
        Some(TabChannel {
            channel,
            _listener: listener,
        })
    }

    /// Posts a message to the other documents, when tabs are synchronised.
    pub(super) fn broadcast(&self, message: &TabMessage) {
        let Some(tab) = &self.tab_channel else {
            return;
        };
        if let Ok(value) = <JsValue as JsValueSerdeExt>::from_serde(message) {
            // Fails only when the channel is closed, i.e. while we are being dropped.
            let _ = tab.channel.post_message(&value);
        }
    }

    pub(super) fn post(&self, message: &HostMessage) {
        let Some(target) = self.main_window() else {
            return;
        };
        let Ok(value) = <JsValue as JsValueSerdeExt>::from_serde(message) else {
            return;
        };
        // A failure here means the frame is gone; the request's timeout answers the caller.
        let _ = target.post_message(&value, self.session.config().pod_origin());
    }

    pub(super) fn send_logout(&mut self, attempt: LogoutAttemptId, method: String, url: String) {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        if let Some(controller) = controller {
            self.logouts.insert(attempt, controller);
        }
        let weak = self.weak.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let event = match logout_request(&method, &url, signal.as_ref()) {
                Ok(request) => match request.send().await {
                    Ok(response) => Event::LogoutAnswered {
                        attempt,
                        status: response.status(),
                    },
                    Err(err) => Event::LogoutFailed {
                        attempt,
                        message: failure_message(err),
                    },
                },
                Err(message) => Event::LogoutFailed { attempt, message },
            };
            if let Some(shared) = weak.upgrade() {
                if let Ok(mut driver) = shared.try_borrow_mut() {
                    driver.logouts.remove(&attempt);
                }
                feed(&shared, event);
            }
        });
    }

    pub(super) fn attach_message_listener(&mut self) {
        if self.message_listener.is_some() {
            return;
        }
        let weak = self.weak.clone();
        let pod_origin = self.session.config().pod_origin().to_owned();
        self.message_listener = Some(MessageListener::new(EventListener::new(
            &self.window,
            "message",
            move |event| {
                let Some(shared) = weak.upgrade() else {
                    return;
                };
                let Some(event) = event.dyn_ref::<MessageEvent>() else {
                    return;
                };
                let accepted = {
                    let Ok(mut driver) = shared.try_borrow_mut() else {
                        return;
                    };
                    // A script's `dispatchEvent` can set any origin and source: only the
                    // browser's own events count, and the others' data is never read.
                    if !event.is_trusted() {
                        driver.untrusted_messages += 1;
                        return;
                    }
                    let from_main = match (event.source(), driver.main_window()) {
                        (Some(source), Some(main)) => JsValue::from(source) == JsValue::from(main),
                        _ => false,
                    };
                    if event.origin() != pod_origin || !from_main {
                        driver.rejected_messages += 1;
                        false
                    } else {
                        true
                    }
                };
                if accepted {
                    // Data with no JSON value becomes null: counted as malformed.
                    let value = crate::json::from_js(&event.data()).unwrap_or(Value::Null);
                    feed(&shared, Event::Message(value));
                }
            },
        )));
    }
}

impl Driver {
    /// Reports the main frame blocked by the page's Content-Security-Policy: a trusted
    /// `securitypolicyviolation` for a frame directive whose blocked URL is the pod's.
    pub(super) fn attach_policy_listener(&mut self) {
        if self.policy_listener.is_some() {
            return;
        }
        let weak = self.weak.clone();
        let pod_origin = self.session.config().pod_origin().to_owned();
        self.policy_listener = Some(EventListener::new(
            &self.document,
            "securitypolicyviolation",
            move |event| {
                let Some(event) = event.dyn_ref::<SecurityPolicyViolationEvent>() else {
                    return;
                };
                let directive = event.effective_directive();
                let frames = ["frame-src", "child-src", "default-src"].contains(&directive.as_str());
                let blocked = event.blocked_uri();
                let ours = blocked == pod_origin || blocked.starts_with(&format!("{pod_origin}/"));
                // A report-only policy blocks nothing.
                let enforced = event.disposition() == SecurityPolicyViolationEventDisposition::Enforce;
                if !event.is_trusted() || !frames || !ours || !enforced {
                    return;
                }
                // The main frame of the moment the driver is free: the report names no frame.
                super::when_free(&weak, move |shared| {
                    let main = shared.borrow().session.main_frame();
                    if let Some(frame) = main {
                        shared
                            .borrow_mut()
                            .session
                            .handle_event(Event::FrameBlockedByCsp { frame, directive });
                        super::pump(shared);
                    }
                });
            },
        ));
    }
}

/// The logout `POST`, with the pod's cookies, abortable. Built as a `web_sys::Request`
/// and sent by gloo-net: its builder would parse the URL again to merge query parameters
/// this request does not have.
fn logout_request(
    method: &str,
    url: &str,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<gloo::net::http::Request, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::Include);
    init.set_signal(signal);
    web_sys::Request::new_with_str_and_init(url, &init)
        .map(gloo::net::http::Request::from)
        .map_err(|error| match gloo::utils::errors::JsError::try_from(error) {
            Ok(error) => error.to_string(),
            Err(_) => String::from("the logout request could not be made"),
        })
}

/// What a failed `fetch` says. Only the JavaScript error can come from sending a request;
/// the rest is matched so that gloo-net's JSON error messages stay out of the build.
fn failure_message(error: gloo::net::Error) -> String {
    match error {
        gloo::net::Error::JsError(error) => error.to_string(),
        gloo::net::Error::GlooError(message) => message,
        #[allow(unreachable_patterns)]
        _ => String::from("the request failed"),
    }
}
