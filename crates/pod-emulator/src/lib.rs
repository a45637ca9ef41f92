//! A local stand-in for a Symphony Messaging pod in Embedded Mode (ECP).
//!
//! This crate owns the emulated pod that browser tests and the demo run
//! against: the main frames (Focus and Collaboration) and the Focus child
//! frame with their `postMessage` protocol towards the host page, sign-in
//! and logout with per-port session cookies, auto-login, Server-Sent Events
//! for new messages, injectable faults, reports of what each frame shows
//! (`views`), a forging page for security tests, and a JSON admin API under
//! `/__emulator/`. It can also serve a directory of static files on a second
//! origin. It is a real HTTP server (axum on tokio), native only.
//!
//! ```no_run
//! # async fn demo() -> Result<(), symphony_pod_emulator::Error> {
//! use symphony_pod_emulator::{start, EmulatorConfig};
//! let pod = start(EmulatorConfig::default()).await?;
//! println!("pod at {}", pod.url());
//! pod.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The README is the crates.io page; its examples run as doctests so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod config;
mod html;
mod notify;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use config::{AllowedOrigins, EmulatorConfig, OriginPattern, StaticCsp};
pub use server::{start, RunningEmulator};
pub use state::{
    LogoutFault, MainFrameFault, SdkFault, SdkLogoutFault, SdkScriptFault, View, ViewFrame, ViewMode,
    ViewPage, MAX_DELAY_MS, MAX_VIEWS,
};

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An allowed-origin value is not an origin.
    #[error("invalid allowed origin {origin:?}: {reason}")]
    InvalidOrigin {
        /// The value as given.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `serve_dir` is not a directory.
    #[error("serve dir {0:?} is not a directory")]
    ServeDir(PathBuf),
    /// `auto_login` names no user.
    #[error("the auto-login user name must not be empty")]
    InvalidAutoLogin,
}
