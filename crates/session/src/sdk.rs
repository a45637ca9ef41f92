//! The shapes of the sdk.js transport ([`Transport::SdkJs`](crate::Transport::SdkJs)):
//! the functions of Symphony's documented `window.symphony` API, the calls the session asks
//! a driver to make, how a call settled, how loading `sdk.js` failed, and the one reading of
//! a settled call into Symphony's result shape. Defined once here; the session decides
//! when to call what, the driver only calls and reports.

use serde_json::Value;

#[cfg(any(test, feature = "sdk-js"))]
use crate::error::{without_error, ErrorPayload, SymphonyError};
#[cfg(any(test, feature = "sdk-js"))]
use crate::resolved::Resolved;

/// A function of Symphony's documented `window.symphony` API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SdkFunction {
    /// `render(containerClassName, configuration)`.
    Render,
    /// `openStream(streamId, containerSelector?)`.
    OpenStream,
    /// `startRoom(users, containerSelector?)`.
    StartRoom,
    /// `sendMessage(message, options)`.
    SendMessage,
    /// `createRoom(roomName, userIds, options?, selector?)`.
    CreateRoom,
    /// `updateSettings(partialSettings)`.
    UpdateSettings,
    /// `updateTheme(theme)`.
    UpdateTheme,
    /// `listen({type, params?, callback})`.
    Listen,
    /// `checkAuth()`.
    CheckAuth,
    /// `onUserInteractionRequired({callback})`.
    OnUserInteractionRequired,
    /// `logout()`.
    Logout,
}

impl SdkFunction {
    /// Every function, in the documentation's order.
    pub const ALL: [SdkFunction; 11] = [
        Self::Render,
        Self::OpenStream,
        Self::StartRoom,
        Self::SendMessage,
        Self::CreateRoom,
        Self::UpdateSettings,
        Self::UpdateTheme,
        Self::Listen,
        Self::CheckAuth,
        Self::OnUserInteractionRequired,
        Self::Logout,
    ];

    /// Its name on `window.symphony`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Render => "render",
            Self::OpenStream => "openStream",
            Self::StartRoom => "startRoom",
            Self::SendMessage => "sendMessage",
            Self::CreateRoom => "createRoom",
            Self::UpdateSettings => "updateSettings",
            Self::UpdateTheme => "updateTheme",
            Self::Listen => "listen",
            Self::CheckAuth => "checkAuth",
            Self::OnUserInteractionRequired => "onUserInteractionRequired",
            Self::Logout => "logout",
        }
    }

    /// Whether its single argument object takes a `callback` the driver adds (`listen`,
    /// `onUserInteractionRequired`): what that callback receives comes back as
    /// [`Event::SdkCallback`](crate::Event::SdkCallback).
    pub fn takes_callback(self) -> bool {
        matches!(self, Self::Listen | Self::OnUserInteractionRequired)
    }
}

/// One call of `window.symphony`: `window.symphony[function.name()](...arguments)`.
#[derive(Clone, Debug, PartialEq)]
pub struct SdkCall {
    /// The function.
    pub function: SdkFunction,
    /// Its arguments, as JSON values (`undefined` trailing arguments are left out). For a
    /// function that [takes a callback](SdkFunction::takes_callback), the first argument
    /// is an object the driver adds its `callback` to.
    pub arguments: Vec<Value>,
    /// For `render`: the id of the element that must carry the class `arguments[0]` when
    /// the call is made (the driver adds it if missing; if there is no such element it
    /// reports [`SdkOutcome::ContainerMissing`] without calling).
    pub container: Option<String>,
}

/// How a call of `window.symphony` ended, as the driver saw it.
#[derive(Clone, Debug, PartialEq)]
pub enum SdkOutcome {
    /// The returned promise resolved with this value (Symphony resolves its errors too, as
    /// `{error: {type, message, data?}}`); `Null` for `undefined`.
    Resolved(Value),
    /// The promise rejected, or the call threw, with this value (an `Error` as its message).
    Rejected(Value),
    /// `window.symphony` has no function of that name.
    Missing,
    /// The render's container is not in the document.
    ContainerMissing,
}

/// Why `sdk.js` could not be used, as the driver saw it (the timeout is the session's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkLoadFailure {
    /// The page's Content-Security-Policy blocked the script (a trusted
    /// `securitypolicyviolation` naming its URL), with the directive.
    BlockedByCsp {
        /// The violated directive (`script-src-elem`, ...).
        directive: String,
    },
    /// The script element fired `error`: HTTP 404 or another status, or a network failure
    /// (a script's `error` event cannot tell them apart).
    Failed,
    /// Another `sdk.js` is on the page already (another pod, partner id or mode): one
    /// `window.symphony` per page.
    Conflict {
        /// What the script element on the page says (its `src`, partner id and mode).
        found: String,
    },
    /// The driver has no sdk.js backend (not built in).
    Unsupported,
}

/// Reads how a call settled into Symphony's result shape: a resolved object without
/// `error` is the call's success object; a resolved `{error: {type, message, data?}}` is
/// the pod's error, kept whole; anything else (a rejection, a thrown error, a resolved
/// value that is not one of those) is normalised to an error of type `ERROR`, its message
/// saying what came, the value under `data`.
#[cfg(any(test, feature = "sdk-js"))]
pub(crate) fn settle(call: &SdkCall, outcome: SdkOutcome) -> Result<Resolved, SymphonyError> {
    let name = call.function.name();
    match outcome {
        SdkOutcome::Resolved(Value::Object(object)) => match object.get("error") {
            None | Some(Value::Null) => Ok(Resolved::from_json(Value::Object(without_error(object)))),
            Some(error) => Err(SymphonyError::Sdk {
                function: name,
                error: ErrorPayload::read(error)
                    .unwrap_or_else(|| unexpected(name, "an error object of another shape", error.clone())),
            }),
        },
        SdkOutcome::Resolved(other) => Err(SymphonyError::Sdk {
            function: name,
            error: unexpected(name, "a value that is not an object", other),
        }),
        SdkOutcome::Rejected(value) => Err(SymphonyError::Sdk {
            function: name,
            error: rejected(name, value),
        }),
        SdkOutcome::Missing => Err(SymphonyError::SdkApiMissing { function: name }),
        SdkOutcome::ContainerMissing => Err(SymphonyError::ContainerNotFound {
            container: call.container.clone().unwrap_or_default(),
        }),
    }
}

#[cfg(any(test, feature = "sdk-js"))]
fn unexpected(function: &str, what: &str, value: Value) -> ErrorPayload {
    ErrorPayload {
        kind: "ERROR".to_owned(),
        message: format!("sdk.js resolved {function}() with {what}, not Symphony's documented result"),
        data: Some(value),
    }
}

#[cfg(any(test, feature = "sdk-js"))]
fn rejected(function: &str, value: Value) -> ErrorPayload {
    let message = match &value {
        Value::String(text) => format!("sdk.js rejected {function}(): {text}"),
        _ => format!("sdk.js rejected {function}()"),
    };
    ErrorPayload {
        kind: "ERROR".to_owned(),
        message,
        data: (!value.is_null()).then_some(value),
    }
}
