//! `symphony-session` owns the logic of a Symphony Messaging Embedded Mode session: which
//! frames exist, what the pod has been asked, who waits for which answer, and when a logout
//! is done. It is sans-IO: it never touches a clock, the DOM or the network. Callers feed it
//! [`Command`]s and [`Event`]s and carry out the [`Effect`]s it returns; `symphony-dom` does
//! that in a browser, tests do it in plain Rust. It also owns the result and error types
//! ([`SdkResult`], [`SymphonyError`]) and the iframe protocol's message types ([`protocol`]).
//!
//! # Example: render, then log out
//!
//! ```
//! use symphony_session::{
//!     protocol::PodMessage, Command, Config, Effect, Event, SdkResult, Session, Settings,
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
//!     if let Effect::CreateFrame { frame, .. } = effect {
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
//!     if let Effect::Post(symphony_session::protocol::HostMessage::Action(action)) = effect {
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
#![warn(missing_docs)]

mod config;
mod error;
mod machine;
pub mod protocol;
pub mod urls;
mod validate;

pub use config::{Config, ConfigBuilder, ConfigError, Mode};
pub use error::{ErrorPayload, SdkResult, SymphonyError};
pub use machine::{
    Command, Diagnostics, Effect, Event, FrameId, FrameKind, LogoutAttemptId, RequestId, Session,
    SessionState, SubscriptionId, TimerId,
};
pub use protocol::{NotificationKind, Settings};

#[cfg(test)]
mod tests;
