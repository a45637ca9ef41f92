//! `symphony-session` owns the logic of a Symphony Messaging Embedded Mode session: which
//! frames exist, what the pod has been asked, who waits for which answer, and when a logout
//! is done. It is sans-IO: it never touches a clock, the DOM or the network. Callers feed it
//! [`Command`]s and [`Event`]s and carry out the [`Effect`]s it returns; `symphony-dom` does
//! that in a browser, `testing::FakeDriver` (feature `testing`) in plain Rust. It also
//! owns the result and error types ([`SdkResult`], [`SymphonyError`]) and the message types
//! of the iframe protocol and of the tab channel ([`protocol`]). It does not own the DOM,
//! timers, HTTP or framework state: those belong to the driver.
//!
//! Its dependencies: `serde`/`serde_json` for the protocol's message types, `thiserror` for
//! the errors, `litemap` for its few small maps (frames, timers, pending requests), and a
//! WHATWG URL parser, because every URL and origin the machine hands out
//! (frame `src`, the logout URL, the pod and page origins it compares) is parsed and built by
//! a strict parser rather than by string concatenation, so that a stream id or a setting can
//! never change where a frame points. Natively that parser is the `url` crate; compiled for
//! a browser (wasm32) it is the browser's own `URL` (through `web-sys`), so that an app does
//! not download a second parser and its Unicode tables. `tests/url_conformance.rs` runs the
//! same cases against both.
//!
//! # Two transports
//!
//! The config picks how the session reaches the pod ([`Transport`]): the built-in protocol
//! (the library's own frames and `postMessage`, and an HTTP step for the logout), or
//! Symphony's own `sdk.js` (its documented `window.symphony` API; the logout is
//! `window.symphony.logout()`). The machine is the same: it decides what to hide, when a
//! logout is over, what other tabs hear and when the idle logout is due; each transport's
//! work effects carry its calls out, and its events bring the answers back. The rows marked
//! "sdk.js" below are that transport's; the frame, message and HTTP rows the built-in one's.
//!
//! # The driver contract
//!
//! A driver is whatever runs the machine: it executes the *work* effects ([`Effect::Work`])
//! and passes the *news* effects ([`Effect::News`]) on to the application, in the one order
//! the machine gives them. Every decision (what to
//! hide, when to fall back to HTTP, what to tell other tabs, when a logout is over) is the
//! machine's; a driver only executes and reports.
//!
//! Driving rules:
//!
//! 1. After every [`Session::handle_command`] and [`Session::handle_event`], call
//!    [`Session::poll_effect`] until it returns `None`, and carry the effects out in order.
//! 2. Inputs may be fed at any time, also between two polls of a drain (a driver that
//!    learns at once that a container is missing feeds [`Event::FrameContainerMissing`]
//!    while executing [`Work::CreateFrame`]); the effects they cause queue after those
//!    already queued. Keep polling until `None`. Effects queued before such an input may
//!    then name a frame the driver has already reported gone ([`Work::HideFrames`],
//!    [`Work::RemoveFrame`], an [`Work::Post`] after the main frame went): skip those.
//! 3. Events about something the machine no longer knows (a removed frame, a cancelled
//!    timer, an old request) are harmless: they change nothing, and are counted in
//!    [`Diagnostics::stale_events`], so a driver never needs to filter them.
//! 4. The rows of the built-in protocol (frames, messages, the HTTP step:
//!    [`Work::is_built_in_protocol`]) are only asked for in a build with it
//!    ([`BUILT_IN_PROTOCOL`], the `built-in` feature): a driver tests that constant first,
//!    so that an app on sdk.js alone carries none of their code.
//!
//! | output | kind | what the driver does | what it feeds back, and when |
//! |---|---|---|---|
//! | [`Work::CreateFrame`] | work | insert an iframe with `src = url` into the element with id `container`, marked so that its `load` can be told apart | [`Event::FrameLoaded`] on each `load`; [`Event::FrameContainerMissing`] at once if the container is absent; [`Event::FrameRemoved`] if the page later takes it out; [`Event::FrameBlockedByCsp`] for the main frame when a trusted `securitypolicyviolation` names the pod's URL |
//! | [`Work::HideFrames`] | work | hide those frames at once (`visibility: hidden` through CSSOM, so that a strict CSP allows it); they stay hidden until removed | nothing |
//! | [`Work::RemoveFrame`] | work | remove the iframe (consecutive removals may be done together) | nothing |
//! | [`Work::Post`] | work | `postMessage` the JSON of the message to the main frame with the pod origin as target | nothing (the answers come as messages) |
//! | [`Work::ListenForMessages`] | work | listen for the window's `message` events, and watch the frames (removal, a policy that blocks them) | [`Event::Message`] for each trusted message whose `origin` is the pod origin and whose `source` is the main frame's window (drop all others) |
//! | [`Work::StopListeningForMessages`] | work | stop listening and watching | nothing |
//! | [`Work::SendLogoutRequest`] | work | send `method url` (no body) with credentials | [`Event::LogoutAnswered`] with the status, or [`Event::LogoutFailed`] |
//! | [`Work::ReadSessionMark`] | work | read `key` from the app's persistent storage (`localStorage`) | [`Event::SessionMarkRead`]: `Present`, `Absent`, or `Unreadable` when the storage cannot be read |
//! | [`Work::SetSessionMark`], [`Work::ClearSessionMark`] | work | store or remove `key` in that storage (a failure is not reported) | nothing |
//! | [`Work::AbortLogoutRequest`] | work | abort that request if possible | nothing (a late answer is ignored) |
//! | [`Work::StartTimer`] | work | start a timer | [`Event::TimerFired`] when it elapses |
//! | [`Work::CancelTimer`] | work | stop that timer | nothing (a late firing is ignored) |
//! | [`Work::Broadcast`] | work | post the message's JSON on the app's tab channel ([`protocol::TabMessage::channel_name`]), or drop it when tabs are not synchronised | the other tabs feed [`Event::TabMessage`] for what they hear on that channel |
//! | [`Work::ScheduleIdleCheck`] | work | keep one timer for the idle check (a new one replaces it) | [`Event::IdleCheck`] with the wall clock when it elapses; also at any other time the driver likes (a page shown again) |
//! | [`Work::CancelIdleCheck`] | work | stop that timer | nothing |
//! | [`Work::ChatActivity`] | work | the user did something in a chat (the machine's own `ActivityNotifications` subscription was notified) | [`Event::Activity`] with the wall clock (sampled like the page's activity) |
//! | [`Work::LoadSdk`] | work (sdk.js) | load the pod's `sdk.js` as Symphony documents it (a script element the driver creates, never inline; reuse the same script already on the page) | [`Event::SdkLoaded`] once `window.symphony` is there; [`Event::SdkLoadFailed`] for a policy that blocks it, an `error` event, another `sdk.js` already on the page, or no backend in this driver (the machine bounds the wait) |
//! | [`Work::CallSdk`] | work (sdk.js) | `window.symphony[function](...arguments)` ([`SdkCall`]); for `render`, give the container the class first; for a call that takes a callback, add it to the first argument | [`Event::SdkSettled`] when the promise settles (or the call throws, or the function is missing); [`Event::SdkCallback`] each time its callback is called |
//! | [`Work::HideContainedFrames`] | work (sdk.js) | hide every iframe inside those elements at once (CSSOM) | nothing |
//! | [`Work::RemoveContainedFrames`] | work (sdk.js) | remove every iframe inside those elements | nothing |
//! | [`Work::IdleLogoutDue`] | work | claim the idle logout for this deadline among the app's tabs (one holder per deadline, held for the tab's life: the Web Locks API), or grant it at once when tabs are not synchronised | [`Event::IdleLogoutClaimed`] with the answer |
//! | [`News::Answer`] | news | resolve the caller's request with the result ([`SdkResult::from`] gives Symphony's JSON) | nothing |
//! | [`News::StateChanged`] | news | tell the application | nothing |
//! | [`News::LoggedOut`] | news | tell the application how a logout ended, whoever started it | nothing |
//! | [`News::LoadedChanged`] | news | tell the application (the main frame shows the pod's page; child chats may be opened) | nothing |
//! | [`News::ReadyChanged`] | news | tell the application | nothing |
//! | [`News::InteractionRequiredChanged`] | news | tell the application (the chat most likely waits for the user: show it) | nothing |
//! | [`News::Notify`] | news | hand the data to the subscription's listener | nothing |
//! | [`News::IdleWarningStarted`], [`News::IdleWarningCleared`] | news | tell the application (show or hide "stay signed in") | nothing |
//!
//! With an idle policy ([`IdlePolicy`]), the driver also feeds [`Event::Activity`] when the
//! user does something in the page (sampled: once a second is plenty), with its wall clock,
//! and every [`Event::TabMessage`] with the time it was heard. The chats' activity is the
//! machine's to follow: it subscribes to `ActivityNotifications` at every `clientReady` and
//! asks for the time of each notification ([`Work::ChatActivity`]).
//!
//! What the machine promises in return: every request gets exactly one [`News::Answer`]
//! (a render's comes at `clientReady`: once its main frame has loaded it waits for the user
//! without a timeout, until `clientReady`, a logout or a new render);
//! a logout always ends in `LoggedOut` within the logout timeout, with every frame hidden
//! before its first server step and removed at its end, even when the pod fails (the error
//! is in the answer and the next logout retries the server part); concurrent logouts share
//! one server round trip and one result; outside `Rendered`, commands other than render and
//! logout answer [`SymphonyError::NotRendered`] with no other effect. With an idle policy:
//! no idle logout while the last activity from any source is within the timeout, one
//! within the timeout (plus one check interval when the clock jumps) after it, the warning
//! first, and one server request among tabs that share the claims and the channel.
//!
//! # Example: render, then log out
//!
//! ```
//! use symphony_session::{
//!     protocol::PodMessage, Command, Config, Effect, Event, SdkResult, Session, Settings, Work,
//! };
//!
//! let config = Config::builder("https://acme.symphony.com", "https://app.example.com")
//!     .partner_id("acme")
//!     .build()?;
//! let mut session = Session::new(config);
//!
//! // Render: the machine asks for a main frame.
//! let render = session.handle_command(Command::Render {
//!     container: "chat".into(),
//!     stream_id: Some("stream-1".into()),
//!     settings: Settings::new().with("mode", "dark"),
//! });
//! let mut main_frame = None;
//! while let Some(effect) = session.poll_effect() {
//!     println!("{effect:?}");
//!     if let Effect::Work(Work::CreateFrame { frame, .. }) = effect {
//!         main_frame = Some(frame);
//!     }
//! }
//! let main_frame = main_frame.expect("a main frame");
//!
//! // The browser reports the frame's load and the pod's `clientReady`.
//! session.handle_event(Event::FrameLoaded(main_frame));
//! let ready = serde_json::to_value(PodMessage::ClientReady)?;
//! session.handle_event(Event::Message(ready));
//! while let Some(effect) = session.poll_effect() {
//!     if let Some((request, result)) = effect.sdk_result() {
//!         assert_eq!(request, render);
//!         assert_eq!(result.to_json(), "{}");
//!     }
//! }
//!
//! // Logout: frames are hidden at once and the main frame is asked to end the session.
//! let logout = session.handle_command(Command::Logout);
//! let mut action_id = None;
//! while let Some(effect) = session.poll_effect() {
//!     println!("{effect:?}");
//!     if let Effect::Work(Work::Post(symphony_session::protocol::HostMessage::Action(action))) = effect {
//!         action_id = Some(action.id);
//!     }
//! }
//! // The pod answers: the frames are removed and the caller gets `{}`.
//! let resolve = PodMessage::Resolve { id: action_id.expect("a logout action"), data: SdkResult::ok() };
//! session.handle_event(Event::Message(serde_json::to_value(resolve)?));
//! let mut answered = false;
//! while let Some(effect) = session.poll_effect() {
//!     println!("{effect:?}");
//!     if let Some((request, result)) = effect.sdk_result() {
//!         assert_eq!(request, logout);
//!         assert_eq!(result.to_json(), "{}");
//!         answered = true;
//!     }
//! }
//! assert!(answered);
//! assert_eq!(session.state().as_str(), "LoggedOut");
//! assert!(session.frames().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

// The README is the crates.io page; its examples run as doctests so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod config;
mod error;
mod outbox;
pub mod protocol;
mod resolved;
mod sdk;
// The sdk.js transport: the real one, or (feature off) a stub of the same names.
#[cfg(not(any(test, feature = "sdk-js")))]
mod sdk_off;
#[cfg(not(any(test, feature = "sdk-js")))]
use sdk_off as sdk_view;
#[cfg(any(test, feature = "sdk-js"))]
mod sdk_view;
mod session;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod time;
pub mod urls;
mod validate;
mod view;
mod vocabulary;
mod weburl;

pub use config::{Config, ConfigBuilder, ConfigError, IdlePolicy, Mode, Transport};

/// Whether this build has the built-in protocol (the `built-in` feature, on by default).
/// Without it, [`Config::transport`] is always [`Transport::SdkJs`], the session ignores
/// the protocol's events, and never asks for its work ([`Work::is_built_in_protocol`]): a
/// driver tests this constant first, so that the protocol's code is left out of the app.
pub const BUILT_IN_PROTOCOL: bool = config::BUILT_IN;
pub use error::{ErrorPayload, SdkResult, SymphonyError};
pub use protocol::{NotificationKind, Settings};
pub use resolved::{ChatOpened, MessageSent, Resolved, SentMessage};
pub use sdk::{SdkCall, SdkFunction, SdkLoadFailure, SdkOutcome};
pub use sdk_view::SDK_CONTAINER_CLASS;
pub use session::Session;
pub use time::Timestamp;
pub use vocabulary::{
    Command, Diagnostics, Effect, Event, FrameId, FrameKind, LogoutAttemptId, LogoutReason, News, RequestId,
    SdkCallId, SessionState, StoredMark, SubscriptionId, TimerId, Work,
};

#[cfg(test)]
mod tests;
