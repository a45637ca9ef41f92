//! Results and errors: the typed [`SymphonyError`] and the documented JSON shape [`SdkResult`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::ConfigError;
use crate::resolved::Resolved;

/// Everything that can go wrong in a request. Each variant is one cause; each message says
/// what happened and what to do about it.
///
/// Convert to Symphony's documented shape with [`SdkResult::from`]:
///
/// ```
/// use symphony_session::{SdkResult, SymphonyError};
///
/// let err = SymphonyError::ServerStatus { status: 500 };
/// let json = serde_json::to_value(SdkResult::from(&err)).unwrap();
/// assert_eq!(json["error"]["type"], "ERROR");
/// assert_eq!(json["error"]["data"]["status"], 500);
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SymphonyError {
    /// The call needs rendered chats; nothing is rendered (never rendered, or logged out).
    #[error("cannot {operation}: nothing is rendered; call render() first")]
    NotRendered {
        /// The refused operation.
        operation: &'static str,
    },
    /// A render was asked for while a logout is still running.
    #[error("cannot render while a logout is in progress; wait for logout() to finish, then render again")]
    LogoutInProgress,
    /// The pod did not answer in time.
    #[error("{operation} timed out after {} ms; check that the pod is reachable, or raise the timeout in Config", crate::time::millis(*after))]
    Timeout {
        /// The operation that timed out.
        operation: &'static str,
        /// How long it waited.
        after: Duration,
    },
    /// The pod's logout endpoint answered with a non-success HTTP status.
    #[error("the pod answered the logout with HTTP status {status}; the frames were removed, call logout() again to retry the server part")]
    ServerStatus {
        /// The HTTP status.
        status: u16,
    },
    /// The logout request never got an HTTP answer.
    #[error("the logout request failed before the pod answered ({message}); the frames were removed, call logout() again to retry the server part")]
    Network {
        /// The transport's description.
        message: String,
    },
    /// The pod's main frame answered a request with an error.
    #[error("the pod refused {operation}: {message}")]
    Pod {
        /// The refused operation.
        operation: &'static str,
        /// The pod's message.
        message: String,
        /// The pod's additional data, if any, of any JSON type (Symphony documents an
        /// object, but a pod may send anything). It appears as `data.pod` in the JSON shape.
        data: Option<Value>,
    },
    /// The main frame refused the logout, and the HTTP step that followed failed too. Its
    /// code and JSON data are the HTTP step's, with the frame's error under `data.frame`.
    #[error("{http} (the main frame had refused the logout first: see data.frame)")]
    LogoutRefused {
        /// What the main frame answered (typed as when it is the answer).
        frame: Box<SymphonyError>,
        /// The HTTP step's error.
        http: Box<SymphonyError>,
    },
    /// No configured logout step could ask the pod (say, the main frame was not ready and
    /// the HTTP step is off). The frames were removed; the pod session may still be alive.
    #[error("the logout could not be sent: {reason}; the frames were removed, but the pod session may still be alive: render and log out again, or turn the HTTP step on")]
    LogoutNotSent {
        /// Why: which step was missing.
        reason: &'static str,
    },
    /// The SDK configuration is invalid.
    #[error("invalid configuration: {0}")]
    InvalidConfig(#[from] ConfigError),
    /// An argument was refused before anything was sent.
    #[error("invalid {argument}: {reason}")]
    InvalidArgument {
        /// Which argument.
        argument: &'static str,
        /// Why, and what is accepted.
        reason: String,
    },
    /// The DOM has no element with the container id.
    #[error("no element with id {container:?} in the document; add <div id={container:?}> before rendering into it")]
    ContainerNotFound {
        /// The container id.
        container: String,
    },
    /// A call Symphony documents for its SDK whose wire form is not public (`createRoom`,
    /// `checkAuth`, `updateTheme`): the built-in protocol cannot carry it, in any state.
    #[error(
        "{operation} is not available over the built-in protocol: Symphony publishes no wire form for it"
    )]
    NotAvailable {
        /// The operation asked for.
        operation: &'static str,
    },
    /// The page's Content-Security-Policy refused the pod's main frame (a
    /// `securitypolicyviolation` for `frame-src`, or a directive it falls back to): the
    /// chat cannot show. The frame was removed.
    #[error("the page's Content-Security-Policy ({directive}) blocked the pod's frame; add the pod's origin to frame-src (or child-src / default-src, whichever the policy uses)")]
    FrameBlockedByCsp {
        /// The directive that blocked it, as the browser reports it (`frame-src`, ...).
        directive: String,
    },
    /// Symphony's `sdk.js` answered a call with an error ([`Transport::SdkJs`]): its
    /// `{error: {type, message, data?}}` kept whole (its JSON is that object as sdk.js gave
    /// it), or a rejection or an answer of another shape, normalised to type `ERROR` with
    /// the value under `data`.
    ///
    /// [`Transport::SdkJs`]: crate::Transport::SdkJs
    #[error("{function}() answered with an error ({}): {}", error.kind, error.message)]
    Sdk {
        /// The `window.symphony` function called.
        function: &'static str,
        /// Symphony's error object.
        error: ErrorPayload,
    },
    /// The page's Content-Security-Policy blocked the pod's `sdk.js`.
    #[error("the page's Content-Security-Policy ({directive}) blocked the pod's sdk.js; add the pod's origin to script-src (and frame-src)")]
    SdkBlockedByCsp {
        /// The directive that blocked it, as the browser reports it (`script-src-elem`, ...).
        directive: String,
    },
    /// The pod's `sdk.js` did not load: an HTTP error (404, ...) or a network failure (the
    /// browser does not tell a page which).
    #[error("the pod's sdk.js ({url}) did not load: the pod answered with an HTTP error (check the pod URL) or could not be reached (check the network)")]
    SdkLoadFailed {
        /// The script's URL.
        url: String,
    },
    /// `sdk.js` did not define `window.symphony` in time.
    #[error("the pod's sdk.js did not define window.symphony within {} ms; check that the pod serves Symphony's SDK at {url}, or raise the sdk.js load timeout in Config", crate::time::millis(*after))]
    SdkLoadTimeout {
        /// The script's URL.
        url: String,
        /// The timeout.
        after: Duration,
    },
    /// `window.symphony` has no function of this name (an older or newer `sdk.js`).
    #[error("the pod's sdk.js has no window.symphony.{function}(); this pod's SDK does not offer it")]
    SdkApiMissing {
        /// The function's name.
        function: &'static str,
    },
    /// Another `sdk.js` is on the page already: `window.symphony` is one per page, its pod,
    /// partner id and mode fixed by its script tag.
    #[error("another Symphony sdk.js is on this page already ({found}); one window.symphony per page: reload the page to use another pod, partner id or mode")]
    SdkConflict {
        /// What the script on the page says.
        found: String,
    },
    /// The driver running the session cannot carry the sdk.js transport (its backend is
    /// not built in).
    #[error("this build has no sdk.js backend: turn on the `sdk-js` feature of yew-symphony (or symphony-dom), or use Transport::BuiltIn")]
    SdkUnsupported,
    /// Another tab of the app logged out of this pod and the pod did not confirm it there:
    /// the frames here are gone, and the pod session may still be alive.
    #[error("another tab of this app logged out, but the pod did not confirm it there: the pod session may still be alive; log out here to ask the pod again")]
    LogoutUnconfirmed,
    /// The request was cut short before the pod answered: by a later render, a logout, its
    /// frame leaving the document, or the session's owner going away. No answer from the
    /// pod will come for it; an action already posted may or may not have been carried out.
    #[error("{operation} was interrupted by {by} before the pod answered")]
    Interrupted {
        /// The interrupted operation.
        operation: &'static str,
        /// What interrupted it. From the session: `"logout"`, `"a new render"`,
        /// `"removal of the main frame"`, `"removal of its frame"` (a Focus child frame),
        /// `"a logout in another tab"`; drivers add their own (`symphony-dom`: the handle
        /// being dropped; `yew-symphony`: the provider being unmounted).
        by: &'static str,
    },
}

impl SymphonyError {
    /// A stable machine-readable code, also sent as `data.code` in the JSON shape.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRendered { .. } => "NOT_RENDERED",
            Self::LogoutInProgress => "LOGOUT_IN_PROGRESS",
            Self::Timeout { .. } => "TIMEOUT",
            Self::ServerStatus { .. } => "SERVER_STATUS",
            Self::Network { .. } => "NETWORK",
            Self::Pod { .. } => "POD",
            Self::LogoutRefused { http, .. } => http.code(),
            Self::LogoutNotSent { .. } => "LOGOUT_NOT_SENT",
            Self::InvalidConfig(_) => "INVALID_CONFIG",
            Self::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Self::ContainerNotFound { .. } => "CONTAINER_NOT_FOUND",
            Self::FrameBlockedByCsp { .. } => "FRAME_BLOCKED_BY_CSP",
            Self::NotAvailable { .. } => "NOT_AVAILABLE",
            Self::Interrupted { .. } => "INTERRUPTED",
            Self::Sdk { .. } => "SDK",
            Self::SdkBlockedByCsp { .. } => "SDK_BLOCKED_BY_CSP",
            Self::SdkLoadFailed { .. } => "SDK_LOAD_FAILED",
            Self::SdkLoadTimeout { .. } => "SDK_LOAD_TIMEOUT",
            Self::SdkApiMissing { .. } => "SDK_API_MISSING",
            Self::SdkConflict { .. } => "SDK_CONFLICT",
            Self::SdkUnsupported => "SDK_UNSUPPORTED",
            Self::LogoutUnconfirmed => "LOGOUT_UNCONFIRMED",
        }
    }

    /// The `data` object of the JSON shape: the code plus the variant's facts. Always an
    /// object with a string `code`; a pod's own error data is kept under `pod`.
    pub fn data(&self) -> Value {
        if let Self::LogoutRefused { frame, http } = self {
            let mut data = http.data();
            if let Value::Object(data) = &mut data {
                data.insert("frame".into(), frame.payload().into_value());
            }
            return data;
        }
        // Built from values, not with `json!`: the macro converts each field through
        // serde and unwraps, which brings serde_json's error formatting into every app.
        let mut data = Map::new();
        data.insert("code".into(), self.code().into());
        let mut put = |key: &str, value: Value| data.insert(key.into(), value);
        match self {
            Self::NotRendered { operation } | Self::NotAvailable { operation } => {
                put("operation", (*operation).into());
            }
            Self::Timeout { operation, after } => {
                put("operation", (*operation).into());
                put("timeoutMs", crate::time::millis(*after).into());
            }
            Self::ServerStatus { status } => {
                put("status", (*status).into());
            }
            Self::Pod { operation, data, .. } => {
                put("operation", (*operation).into());
                if let Some(pod) = data {
                    put("pod", pod.clone());
                }
            }
            Self::InvalidArgument { argument, .. } => {
                put("argument", (*argument).into());
            }
            Self::ContainerNotFound { container } => {
                put("container", container.as_str().into());
            }
            Self::FrameBlockedByCsp { directive } => {
                put("directive", directive.as_str().into());
            }
            Self::Interrupted { operation, by } => {
                put("operation", (*operation).into());
                put("by", (*by).into());
            }
            Self::LogoutNotSent { reason } => {
                put("reason", (*reason).into());
            }
            Self::Sdk { function, error } => {
                put("function", (*function).into());
                put("type", error.kind.clone().into());
                if let Some(pod) = &error.data {
                    put("pod", pod.clone());
                }
            }
            Self::SdkBlockedByCsp { directive } => {
                put("directive", directive.clone().into());
            }
            Self::SdkLoadFailed { url } => {
                put("url", url.clone().into());
            }
            Self::SdkLoadTimeout { url, after } => {
                put("url", url.clone().into());
                put("timeoutMs", crate::time::millis(*after).into());
            }
            Self::SdkApiMissing { function } => {
                put("function", (*function).into());
            }
            Self::SdkConflict { found } => {
                put("found", found.clone().into());
            }
            Self::LogoutInProgress
            | Self::SdkUnsupported
            | Self::LogoutUnconfirmed
            | Self::Network { .. }
            | Self::InvalidConfig(_)
            | Self::LogoutRefused { .. } => {}
        }
        Value::Object(data)
    }
}

impl SymphonyError {
    /// This error as Symphony's error object (sdk.js's own, kept whole, for [`Self::Sdk`]).
    fn payload(&self) -> ErrorPayload {
        if let Self::Sdk { error, .. } = self {
            return error.clone();
        }
        ErrorPayload {
            kind: "ERROR".to_owned(),
            message: self.to_string(),
            data: Some(self.data()),
        }
    }
}

/// The error object of Symphony's documented result: `{"type":"ERROR","message":..,"data":..}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorPayload {
    /// Always `"ERROR"` for errors made here; the pod may send other types.
    #[serde(rename = "type")]
    pub kind: String,
    /// Description of the error.
    pub message: String,
    /// Additional data, omitted when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorPayload {
    /// The payload as a JSON object, built from values (see [`SymphonyError::data`]).
    fn into_value(self) -> Value {
        let mut object = Map::new();
        object.insert("type".into(), self.kind.into());
        object.insert("message".into(), self.message.into());
        if let Some(data) = self.data {
            object.insert("data".into(), data);
        }
        Value::Object(object)
    }

    /// Reads the error object of an `sdk-resolve` (what serde's derived reader reads from an
    /// object; see the protocol module for why by hand); `None` when it is not one.
    pub(crate) fn read(raw: &Value) -> Option<Self> {
        let object = raw.as_object()?;
        Some(Self {
            kind: object.get("type")?.as_str()?.to_owned(),
            message: object.get("message")?.as_str()?.to_owned(),
            data: object.get("data").filter(|data| !data.is_null()).cloned(),
        })
    }
}

/// The value every SDK call resolves to, exactly as Symphony documents it: on success the
/// call's object (`{}` for most calls, `{"streamId":..}` and kin for some: [`Resolved`]), on
/// failure `{"error":{"type":"ERROR","message":"...","data":...}}`.
///
/// ```
/// use serde_json::json;
/// use symphony_session::{Resolved, SdkResult, SymphonyError};
///
/// assert_eq!(serde_json::to_string(&SdkResult::ok()).unwrap(), "{}");
/// let opened: Result<Resolved, SymphonyError> = Ok(Resolved::from_json(json!({"streamId": "s1"})));
/// assert_eq!(SdkResult::from(&opened).to_json(), r#"{"streamId":"s1"}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "Map<String, Value>", from = "Map<String, Value>")]
pub struct SdkResult {
    /// Present on failure only.
    pub error: Option<ErrorPayload>,
    /// The success object's fields (`{}` when there are none; empty on failure).
    pub value: Resolved,
}

impl SdkResult {
    /// The success value, `{}`.
    pub fn ok() -> Self {
        Self::default()
    }

    /// True when there is no error.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// The JSON text of this result.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and JSON values cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// The result a caller gets: the success object, or the error.
    pub fn into_result(self) -> Result<Resolved, ErrorPayload> {
        match self.error {
            None => Ok(self.value),
            Some(error) => Err(error),
        }
    }
}

/// Reads a result object: anything but an `error` key means success (a `null` error too);
/// a malformed `error` still counts as an error, so that the caller learns of it. (By hand,
/// as the protocol module explains; the pod's answers come through here.)
impl From<Map<String, Value>> for SdkResult {
    fn from(object: Map<String, Value>) -> Self {
        let error = match object.get("error") {
            None | Some(Value::Null) => None,
            Some(raw) => Some(ErrorPayload::read(raw).unwrap_or_else(|| ErrorPayload {
                kind: "ERROR".to_owned(),
                message: "the pod answered with a malformed error".to_owned(),
                data: Some(raw.clone()),
            })),
        };
        match error {
            Some(error) => Self {
                error: Some(error),
                value: Resolved::new(),
            },
            None => Self {
                error: None,
                value: Resolved::from(without_error(object)),
            },
        }
    }
}

/// A result object without its `error` key. Rebuilt rather than removed from (removing from
/// a serde_json map would bring the B-tree's removal code into every app), and by inserting
/// rather than collecting: `FromIterator` sorts first, which brings a stable sort.
pub(crate) fn without_error(object: Map<String, Value>) -> Map<String, Value> {
    let mut rest = Map::new();
    for (key, value) in object {
        if key != "error" {
            rest.insert(key, value);
        }
    }
    rest
}

impl From<SdkResult> for Map<String, Value> {
    fn from(result: SdkResult) -> Self {
        let mut object = result.value.into_object();
        if let Some(error) = result.error {
            object.insert("error".into(), error.into_value());
        }
        object
    }
}

/// Symphony's JSON of any call's result: `Result<(), _>` for the calls that resolve `{}`,
/// `Result<Resolved, _>`, [`ChatOpened`](crate::ChatOpened), [`MessageSent`](crate::MessageSent).
impl<T: Clone + Into<Resolved>> From<&Result<T, SymphonyError>> for SdkResult {
    fn from(result: &Result<T, SymphonyError>) -> Self {
        match result {
            Ok(value) => Self {
                error: None,
                value: value.clone().into(),
            },
            Err(err) => Self::from(err),
        }
    }
}

/// Symphony's JSON of an error: `{"error":{..}}`.
impl From<&SymphonyError> for SdkResult {
    fn from(err: &SymphonyError) -> Self {
        Self {
            error: Some(err.payload()),
            value: Resolved::new(),
        }
    }
}

impl From<SymphonyError> for SdkResult {
    fn from(err: SymphonyError) -> Self {
        Self::from(&err)
    }
}

impl<T: Clone + Into<Resolved>> From<Result<T, SymphonyError>> for SdkResult {
    fn from(result: Result<T, SymphonyError>) -> Self {
        Self::from(&result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_of(err: SymphonyError) -> Value {
        serde_json::to_value(SdkResult::from(err)).unwrap()
    }

    #[test]
    fn success_is_empty_object() {
        assert_eq!(SdkResult::from(Ok::<(), SymphonyError>(())).to_json(), "{}");
    }

    #[test]
    fn timeout_has_error_type_and_data() {
        let json = json_of(SymphonyError::Timeout {
            operation: "logout",
            after: Duration::from_secs(10),
        });
        assert_eq!(json["error"]["type"], "ERROR");
        assert_eq!(json["error"]["data"]["code"], "TIMEOUT");
        assert_eq!(json["error"]["data"]["timeoutMs"], 10_000);
        assert!(json["error"]["message"].as_str().unwrap().contains("10000 ms"));
        assert_eq!(json.as_object().unwrap().len(), 1);
    }

    #[test]
    fn pod_error_keeps_the_pod_data_inside_an_object_with_a_code() {
        let with = json_of(SymphonyError::Pod {
            operation: "logout",
            message: "boom".into(),
            data: Some(json!({"status": 503})),
        });
        assert_eq!(
            with["error"]["data"],
            json!({"code": "POD", "operation": "logout", "pod": {"status": 503}})
        );
        let without = json_of(SymphonyError::Pod {
            operation: "logout",
            message: "boom".into(),
            data: None,
        });
        assert_eq!(
            without["error"]["data"],
            json!({"code": "POD", "operation": "logout"})
        );
        let payload = ErrorPayload {
            kind: "ERROR".into(),
            message: "m".into(),
            data: None,
        };
        assert_eq!(
            serde_json::to_value(payload).unwrap(),
            json!({"type": "ERROR", "message": "m"})
        );
    }

    #[test]
    fn every_error_has_a_distinct_code_and_an_actionable_message() {
        let all = vec![
            SymphonyError::NotRendered {
                operation: "open stream",
            },
            SymphonyError::LogoutInProgress,
            SymphonyError::Timeout {
                operation: "render",
                after: Duration::from_millis(5),
            },
            SymphonyError::ServerStatus { status: 500 },
            SymphonyError::Network {
                message: "connection reset".into(),
            },
            SymphonyError::Pod {
                operation: "send message",
                message: "no".into(),
                data: None,
            },
            SymphonyError::InvalidConfig(ConfigError::LogoutPathInvalid { path: "x".into() }),
            SymphonyError::InvalidArgument {
                argument: "stream id",
                reason: "empty".into(),
            },
            SymphonyError::ContainerNotFound {
                container: "chat".into(),
            },
            SymphonyError::Interrupted {
                operation: "render",
                by: "logout",
            },
            SymphonyError::LogoutNotSent {
                reason: "the main frame is not ready and the HTTP step is off",
            },
            SymphonyError::FrameBlockedByCsp {
                directive: "frame-src".into(),
            },
            SymphonyError::NotAvailable {
                operation: "create room",
            },
            SymphonyError::LogoutUnconfirmed,
        ];
        let mut codes: Vec<_> = all.iter().map(SymphonyError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for err in &all {
            let json = json_of(err.clone());
            assert_eq!(json["error"]["type"], "ERROR", "{err:?}");
            assert_eq!(json["error"]["message"], err.to_string());
            assert!(err.to_string().len() > 20, "{err}");
        }
        assert!(all[0].to_string().contains("call render() first"));
        assert!(all[3].to_string().contains("500"));
    }

    #[test]
    fn a_refused_then_failed_logout_reads_as_the_http_error_with_the_frame_inside() {
        let frame = SymphonyError::Pod {
            operation: "logout",
            message: "unknown action \"logout\"".into(),
            data: Some(json!({"name": "logout"})),
        };
        let err = SymphonyError::LogoutRefused {
            frame: Box::new(frame.clone()),
            http: Box::new(SymphonyError::ServerStatus { status: 404 }),
        };
        assert_eq!(err.code(), "SERVER_STATUS");
        let json = json_of(err.clone());
        assert_eq!(
            json["error"]["data"],
            json!({"code": "SERVER_STATUS", "status": 404, "frame": {
                "type": "ERROR",
                "message": frame.to_string(),
                "data": {"code": "POD", "operation": "logout", "pod": {"name": "logout"}},
            }})
        );
        let message = err.to_string();
        assert!(
            message.starts_with("the pod answered the logout with HTTP status 404"),
            "{message}"
        );
        // The frame's own message stays in data.frame, not repeated here.
        assert!(
            message.contains("main frame had refused the logout first: see data.frame"),
            "{message}"
        );
        assert!(!message.contains("unknown action"), "{message}");
    }

    #[test]
    fn parses_pod_results() {
        let ok: SdkResult = serde_json::from_str("{}").unwrap();
        assert!(ok.is_ok());
        let err: SdkResult =
            serde_json::from_str(r#"{"error":{"type":"ERROR","message":"x","data":{"a":1}},"extra":1}"#)
                .unwrap();
        assert_eq!(err.error.unwrap().data, Some(json!({"a": 1})));
    }

    #[test]
    fn each_error_data_carries_its_facts() {
        let cases = [
            (
                SymphonyError::NotRendered {
                    operation: "start room",
                },
                json!({"code": "NOT_RENDERED", "operation": "start room"}),
            ),
            (
                SymphonyError::ServerStatus { status: 503 },
                json!({"code": "SERVER_STATUS", "status": 503}),
            ),
            (
                SymphonyError::InvalidArgument {
                    argument: "stream id",
                    reason: "empty".into(),
                },
                json!({"code": "INVALID_ARGUMENT", "argument": "stream id"}),
            ),
            (
                SymphonyError::ContainerNotFound {
                    container: "chat".into(),
                },
                json!({"code": "CONTAINER_NOT_FOUND", "container": "chat"}),
            ),
            (
                SymphonyError::Interrupted {
                    operation: "render",
                    by: "logout",
                },
                json!({"code": "INTERRUPTED", "operation": "render", "by": "logout"}),
            ),
            (
                SymphonyError::LogoutInProgress,
                json!({"code": "LOGOUT_IN_PROGRESS"}),
            ),
            (
                SymphonyError::LogoutUnconfirmed,
                json!({"code": "LOGOUT_UNCONFIRMED"}),
            ),
            (
                SymphonyError::LogoutNotSent { reason: "why" },
                json!({"code": "LOGOUT_NOT_SENT", "reason": "why"}),
            ),
        ];
        for (err, data) in cases {
            assert_eq!(err.data(), data, "{err:?}");
        }
    }

    #[test]
    fn an_answers_error_keeps_its_data_and_drops_a_null_one() {
        let read = |raw: Value| SdkResult::from(raw.as_object().cloned().expect("an object"));
        let with = read(json!({"error": {"type": "ERROR", "message": "no", "data": {"code": 7}}}));
        assert_eq!(with.error.and_then(|e| e.data), Some(json!({"code": 7})));
        let null = read(json!({"error": {"type": "ERROR", "message": "no", "data": null}}));
        let error = null.error.expect("an error");
        assert_eq!((error.message.as_str(), error.data), ("no", None));
        // The rest of a successful answer stays, its error key (null) does not.
        let ok = read(json!({"error": null, "streamId": "s1"}));
        assert_eq!(serde_json::to_value(&ok).unwrap(), json!({"streamId": "s1"}));
    }

    #[test]
    fn only_a_result_without_error_is_ok() {
        assert!(SdkResult::ok().is_ok());
        assert!(!SdkResult::from(SymphonyError::LogoutInProgress).is_ok());
        assert!(!SdkResult::from(Err::<(), _>(SymphonyError::LogoutInProgress)).is_ok());
    }

    #[test]
    fn a_success_serialises_its_data_and_an_error_only_the_error() {
        let data = serde_json::json!({"streamId": "s1", "userIds": ["7"]});
        let owned = SdkResult::from(Ok::<_, SymphonyError>(Resolved::from_json(data.clone())));
        assert_eq!(serde_json::to_value(&owned).unwrap(), data);
        assert_eq!(owned.clone().into_result(), Ok(Resolved::from_json(data)));
        let failed = SdkResult::from(&Err::<Resolved, _>(SymphonyError::LogoutInProgress));
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(json.as_object().map(|o| o.len()), Some(1), "{json}");
        assert_eq!(
            failed.into_result().unwrap_err().data.unwrap()["code"],
            "LOGOUT_IN_PROGRESS"
        );
    }
}
