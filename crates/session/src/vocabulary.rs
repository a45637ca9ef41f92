//! The public vocabulary of the machine: ids, states, the commands and events it takes and
//! the effects it returns. The table in the [crate documentation](crate) says what a driver
//! does with each effect.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::error::{SdkResult, SymphonyError};
pub use crate::protocol::LogoutReason;
use crate::protocol::{HostMessage, NotificationKind, Settings, TabMessage};
use crate::resolved::Resolved;
use crate::sdk::{SdkCall, SdkLoadFailure, SdkOutcome};
use crate::time::Timestamp;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies one command; its [`News::Answer`] carries the same id, exactly once.
    RequestId
);
id_type!(
    /// Identifies one iframe for the life of the session (never reused).
    FrameId
);
id_type!(
    /// Identifies one timer started with [`Work::StartTimer`].
    TimerId
);
id_type!(
    /// Identifies one HTTP logout request started with [`Work::SendLogoutRequest`].
    LogoutAttemptId
);
id_type!(
    /// Identifies one notification subscription; equal to the subscribing request's id.
    SubscriptionId
);
id_type!(
    /// Identifies one call of `window.symphony` started with [`Work::CallSdk`].
    SdkCallId
);

impl FrameId {
    /// What [`FrameId::dom_id`] puts before the number.
    pub const DOM_ID_PREFIX: &'static str = "symphony-frame-";

    /// The id this frame carries in the DOM and in the protocol (`sdk-register`, `#container`).
    pub fn dom_id(self) -> String {
        format!("{}{}", Self::DOM_ID_PREFIX, self.0)
    }
}

/// The session's state, as Symphony's SDK would describe it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// `render` has never been called, or its main frame is gone (removed by someone else,
    /// or its container was missing).
    Unrendered,
    /// Frames are on the page.
    Rendered,
    /// A logout is running: frames are hidden, the server is being asked.
    LoggingOut,
    /// Logged out: no frame left; `render` must be called again.
    LoggedOut,
}

impl SessionState {
    /// The state's name: `Unrendered`, `Rendered`, `LoggingOut` or `LoggedOut`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unrendered => "Unrendered",
            Self::Rendered => "Rendered",
            Self::LoggingOut => "LoggingOut",
            Self::LoggedOut => "LoggedOut",
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`Work::ReadSessionMark`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoredMark {
    /// The mark is there: an earlier page of this browser rendered the pod.
    Present,
    /// No mark.
    Absent,
    /// The storage could not be read (blocked, or not there): counted as present.
    Unreadable,
}

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// The main frame: the one the host talks to.
    Main,
    /// A Focus-mode child frame, driven through the main frame.
    Child,
}

/// A request from the application.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Render the main frame into the element with id `container` (replacing an earlier
    /// render's frames). Answered when the chat is ready (`clientReady`), as Symphony's
    /// `render` resolves. The request timeout bounds loading only: if the main frame does
    /// not load within it, the timeout is answered but the frame stays, in state `Rendered`;
    /// once loaded, the render waits for the user (sign-in, EULA) without a timeout, and
    /// [`News::InteractionRequiredChanged`] tells when that takes long. A logout or a new
    /// render answers it. Refused with [`SymphonyError::LogoutInProgress`] during a logout.
    Render {
        /// DOM id of the container element.
        container: String,
        /// The chat to show first, if any.
        stream_id: Option<String>,
        /// Settings sent as query parameters.
        settings: Settings,
    },
    /// Show a stream: in the main frame (no container, or the render container), or in
    /// Focus mode in a child frame of another container (created on first use).
    OpenStream {
        /// The stream to show.
        stream_id: String,
        /// Where; `None` for the main frame.
        container: Option<String>,
    },
    /// Start a room with these users, in the main frame or an existing child frame.
    StartRoom {
        /// Who: Symphony user ids (digits) or email addresses.
        user_ids: Vec<String>,
        /// Where; `None` for the main frame.
        container: Option<String>,
    },
    /// Open the send-message dialog pre-filled for these streams.
    SendMessage {
        /// The message text.
        message: String,
        /// Target streams.
        stream_ids: Vec<String>,
        /// Where; `None` for the main frame.
        container: Option<String>,
    },
    /// Change the settings of every frame.
    UpdateSettings(Settings),
    /// Be notified; answered at once (over sdk.js: when `listen` resolves), notifications
    /// follow as [`News::Notify`] with the [`SubscriptionId`] equal to this command's
    /// [`RequestId`].
    Subscribe {
        /// The notification type.
        kind: NotificationKind,
        /// Only this stream (required for unread counts of one stream).
        stream_id: Option<String>,
    },
    /// Stop a subscription.
    Unsubscribe(SubscriptionId),
    /// Log out of the pod, then remove every frame.
    Logout,
    /// Create a room (Symphony's `createRoom`). Not available over the built-in protocol:
    /// answered at once with [`SymphonyError::NotAvailable`]; over sdk.js, Symphony's call.
    CreateRoom {
        /// The room's name.
        name: String,
        /// Its members: user ids or emails.
        users: Vec<String>,
        /// Symphony's room options (`public`, `external`, ...), a JSON object.
        options: Value,
    },
    /// Whether the user is already authenticated (Symphony's `checkAuth`). Not available
    /// over the built-in protocol: answered at once with [`SymphonyError::NotAvailable`];
    /// over sdk.js, Symphony's call.
    CheckAuth,
    /// Change the theme's colours (Symphony's `updateTheme`, Focus mode). Not available
    /// over the built-in protocol: answered at once with [`SymphonyError::NotAvailable`];
    /// over sdk.js, Symphony's call.
    UpdateTheme(Value),
}

impl Command {
    /// A short name for errors.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Render { .. } => "render",
            Self::OpenStream { .. } => "open stream",
            Self::StartRoom { .. } => "start room",
            Self::SendMessage { .. } => "send message",
            Self::UpdateSettings(_) => "update settings",
            Self::Subscribe { .. } => "subscribe",
            Self::Unsubscribe(_) => "unsubscribe",
            Self::Logout => "logout",
            Self::CreateRoom { .. } => "create room",
            Self::CheckAuth => "check auth",
            Self::UpdateTheme(_) => "update theme",
        }
    }
}

/// Something that happened outside the machine. See the [crate documentation](crate) for
/// which effect each event answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The frame's `load` event fired (every time it fires: a sign-in reloads the frame).
    FrameLoaded(FrameId),
    /// The frame could not be inserted: its container is not in the document.
    FrameContainerMissing(FrameId),
    /// The frame was removed from the document by someone else.
    FrameRemoved(FrameId),
    /// The page's Content-Security-Policy blocked the frame (a trusted
    /// `securitypolicyviolation` event whose blocked URL is the pod's).
    FrameBlockedByCsp {
        /// The frame (a driver reports the main frame).
        frame: FrameId,
        /// The violated directive (`effectiveDirective`).
        directive: String,
    },
    /// A message from the main frame. The driver has already checked that `origin` is the
    /// pod origin and `source` the current main frame's window; the machine checks the rest.
    Message(Value),
    /// The HTTP logout got an answer.
    LogoutAnswered {
        /// Which request.
        attempt: LogoutAttemptId,
        /// The HTTP status (0 when the browser hides it, as for an opaque answer).
        status: u16,
    },
    /// The HTTP logout failed without an answer.
    LogoutFailed {
        /// Which request.
        attempt: LogoutAttemptId,
        /// The transport's description.
        message: String,
    },
    /// A timer started with [`Work::StartTimer`] elapsed.
    TimerFired(TimerId),
    /// A message heard from another document of this app (another tab) on the tab channel
    /// ([`TabMessage::channel_name`]), as JSON. The machine parses it and checks its pod.
    ///
    /// What it can do is bounded: another tab can only make this one close more. A
    /// [`TabMessage::LoggedOut`] for our pod removes the frames here without a server
    /// request of ours, but it never counts as proof that the server session ended (any
    /// script of the app's origin can post on the channel), so the next [`Command::Logout`]
    /// still asks the pod.
    TabMessage {
        /// The message.
        message: Value,
        /// The driver's clock when it was heard: another tab's report of activity counts
        /// no later than this.
        heard_at: Timestamp,
    },
    /// The user did something, seen by this driver: in the host page (pointer, keys, wheel,
    /// touch), in a chat (an `ActivityNotifications` notification), or "stay signed in".
    /// `at` is the driver's clock now. Ignored unless the idle policy is on and the session
    /// is `Rendered`. Other tabs learn of it through an [`Work::Broadcast`].
    Activity {
        /// When.
        at: Timestamp,
    },
    /// The check asked for with [`Work::ScheduleIdleCheck`] is due, or the driver wants
    /// the clock looked at now (say, when the page is shown again): feed it any time.
    IdleCheck {
        /// The driver's clock now.
        now: Timestamp,
    },
    /// The answer to [`Work::ReadSessionMark`].
    SessionMarkRead(StoredMark),
    /// `sdk.js` loaded and `window.symphony` is there (the answer to [`Work::LoadSdk`]).
    SdkLoaded,
    /// `sdk.js` could not be used (the answer to [`Work::LoadSdk`]).
    SdkLoadFailed(SdkLoadFailure),
    /// A call of `window.symphony` settled (the answer to [`Work::CallSdk`]).
    SdkSettled {
        /// Which call.
        call: SdkCallId,
        /// How.
        outcome: SdkOutcome,
    },
    /// The callback given to a call that [takes one](crate::SdkFunction::takes_callback)
    /// was called, with this argument (`Null` for none).
    SdkCallback {
        /// Which call.
        call: SdkCallId,
        /// The callback's argument, as JSON.
        data: Value,
    },
    /// The answer to [`Work::IdleLogoutDue`].
    IdleLogoutClaimed {
        /// The deadline of the claim.
        deadline: Timestamp,
        /// True: this tab performs the logout. False: another tab of the app holds the
        /// claim and performs it; this one follows.
        granted: bool,
    },
}

impl Event {
    /// An event of the built-in protocol: about a frame the session made, a message from
    /// the pod's frames, or the HTTP step of its logout.
    pub(crate) fn is_built_in_protocol(&self) -> bool {
        matches!(
            self,
            Event::FrameLoaded(_)
                | Event::FrameContainerMissing(_)
                | Event::FrameRemoved(_)
                | Event::FrameBlockedByCsp { .. }
                | Event::Message(_)
                | Event::LogoutAnswered { .. }
                | Event::LogoutFailed { .. }
        )
    }
}

/// Something the machine asks for or reports, in order: the order of removals, state news
/// and answers is a promise, so work and news share one queue, each item typed as one or
/// the other. The table in the [crate documentation](crate) says what a driver does with
/// each.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Work for the driver: carry it out.
    Work(Work),
    /// News for the application: pass it on.
    News(News),
}

impl From<Work> for Effect {
    fn from(work: Work) -> Self {
        Self::Work(work)
    }
}

impl From<News> for Effect {
    fn from(news: News) -> Self {
        Self::News(news)
    }
}

impl Effect {
    /// The answer in Symphony's JSON shape, when this effect is an answer.
    pub fn sdk_result(&self) -> Option<(RequestId, SdkResult)> {
        match self {
            Self::News(News::Answer { request, result }) => Some((*request, SdkResult::from(result))),
            _ => None,
        }
    }
}

/// Work the driver carries out ([`Effect::Work`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    /// Insert an iframe with this id and URL into the container element; report
    /// [`Event::FrameLoaded`] on each `load`, or [`Event::FrameContainerMissing`] at once
    /// when the container is not there.
    CreateFrame {
        /// The new frame.
        frame: FrameId,
        /// Main or child.
        kind: FrameKind,
        /// DOM id of the container element.
        container: String,
        /// The frame's `src`.
        url: String,
    },
    /// Hide these frames at once, in one style change that does not move the layout
    /// (`visibility: hidden`). A hidden frame stays hidden until it leaves the document (by
    /// an [`Work::RemoveFrame`] that follows, or by the page): there is no "show" effect.
    /// May name a frame the driver has already reported gone (see the driving rules): skip it.
    HideFrames {
        /// Every frame of the session in the document.
        frames: Vec<FrameId>,
    },
    /// Remove the iframe from the document (consecutive removals may be done together).
    /// May name a frame the driver has already reported gone (see the driving rules): skip it.
    RemoveFrame {
        /// The frame.
        frame: FrameId,
    },
    /// `postMessage` this to the main frame, with the pod origin as target origin.
    Post(HostMessage),
    /// Send this HTTP request (no body) with credentials; report
    /// [`Event::LogoutAnswered`] or [`Event::LogoutFailed`].
    SendLogoutRequest {
        /// The request.
        attempt: LogoutAttemptId,
        /// The HTTP method ([`Config::logout_method`](crate::Config::logout_method)).
        method: String,
        /// The pod's logout URL.
        url: String,
    },
    /// Read the mark stored under `key` (`localStorage`, shared by the app's pages)
    /// and feed [`Event::SessionMarkRead`] with what was found; at once or later.
    ReadSessionMark {
        /// The storage key ([`protocol::session_mark_key`](crate::protocol::session_mark_key)).
        key: String,
    },
    /// Store the mark under `key`: this browser may now hold a session of the pod.
    SetSessionMark {
        /// The storage key.
        key: String,
    },
    /// Remove the mark under `key`: a server logout succeeded.
    ClearSessionMark {
        /// The storage key.
        key: String,
    },
    /// The HTTP logout is no longer wanted (abort it if possible; its answer is ignored).
    AbortLogoutRequest {
        /// The request.
        attempt: LogoutAttemptId,
    },
    /// Report [`Event::TimerFired`] after this long, unless cancelled first.
    StartTimer {
        /// The timer.
        timer: TimerId,
        /// Delay.
        after: Duration,
    },
    /// The timer is no longer needed (a late [`Event::TimerFired`] is ignored).
    CancelTimer {
        /// The timer.
        timer: TimerId,
    },
    /// Feed [`Event::IdleCheck`] once `after` has passed. Replaces the check
    /// scheduled before, if any: there is at most one.
    ScheduleIdleCheck {
        /// Delay.
        after: Duration,
    },
    /// Drop the scheduled idle check (a late [`Event::IdleCheck`] is harmless).
    CancelIdleCheck,
    /// The idle logout for this deadline is due. Claim it for this tab among the
    /// app's tabs (at most one tab may hold the claim for a deadline, for as long as the
    /// tab lives; a driver whose tabs do not share a channel grants it at once) and feed
    /// [`Event::IdleLogoutClaimed`].
    IdleLogoutDue {
        /// The deadline, the same in every tab that heard the same activity.
        deadline: Timestamp,
    },
    /// The user did something in a chat (the machine's own `ActivityNotifications`
    /// subscription, made while an idle policy is on, was notified): feed
    /// [`Event::Activity`] with the wall clock, as for activity in the page (sampled alike).
    ChatActivity,
    /// Load the pod's `sdk.js` ([`Transport::SdkJs`](crate::Transport::SdkJs)) as Symphony
    /// documents it (a script element, `id="symphony-ecm-sdk"`, `render="explicit"`,
    /// `data-partner-id`, `data-onload`; `data-mode="full"` for Collaboration), or reuse
    /// the same script already on the page; feed [`Event::SdkLoaded`] once
    /// `window.symphony` is there, or [`Event::SdkLoadFailed`]. The machine bounds the wait.
    LoadSdk {
        /// The script's URL ([`Config::sdk_url`](crate::Config::sdk_url)).
        url: String,
        /// `data-partner-id`, when the config has one.
        partner_id: Option<String>,
        /// Focus, or Collaboration (`data-mode="full"`).
        mode: crate::Mode,
    },
    /// Call `window.symphony` (see [`SdkCall`]); feed [`Event::SdkSettled`] when its promise
    /// settles, and [`Event::SdkCallback`] each time its callback is called.
    CallSdk {
        /// The call's id.
        call: SdkCallId,
        /// What to call.
        request: SdkCall,
    },
    /// Hide, at once, every iframe inside these elements (by id), as [`Work::HideFrames`]
    /// does: the frames `sdk.js` made there.
    HideContainedFrames {
        /// The containers rendered into.
        containers: Vec<String>,
    },
    /// Remove every iframe inside these elements (by id), also those `sdk.js` left behind.
    RemoveContainedFrames {
        /// The containers rendered into.
        containers: Vec<String>,
    },
    /// Listen for the main frame's messages (the window's `message` events) and feed each
    /// that comes from the pod's origin and the main frame's window as [`Event::Message`];
    /// until [`Work::StopListeningForMessages`].
    ListenForMessages,
    /// Stop listening for the main frame's messages.
    StopListeningForMessages,
    /// Post this to the app's other documents on the tab channel
    /// ([`TabMessage::channel_name`]); a driver without a channel drops it.
    Broadcast(TabMessage),
}

impl Work {
    /// Work only the built-in protocol asks for: its frames, its messages and the HTTP step
    /// of its logout. A build without that protocol
    /// ([`BUILT_IN_PROTOCOL`](crate::BUILT_IN_PROTOCOL) false) never asks for it, and a
    /// driver can leave it out of that build.
    pub fn is_built_in_protocol(&self) -> bool {
        matches!(
            self,
            Work::CreateFrame { .. }
                | Work::HideFrames { .. }
                | Work::RemoveFrame { .. }
                | Work::Post(_)
                | Work::SendLogoutRequest { .. }
                | Work::AbortLogoutRequest { .. }
                | Work::ListenForMessages
                | Work::StopListeningForMessages
        )
    }
}

/// News the driver passes on to the application ([`Effect::News`]).
#[derive(Clone, Debug, PartialEq)]
pub enum News {
    /// Whether the current render's main frame has loaded
    /// ([`Session::is_loaded`](crate::Session::is_loaded)).
    LoadedChanged(bool),
    /// Whether user interaction may be required in the main frame
    /// ([`Session::interaction_required`](crate::Session::interaction_required)).
    InteractionRequiredChanged(bool),
    /// The request's one and only answer.
    Answer {
        /// The request.
        request: RequestId,
        /// Its result: the pod's success object (`{}` for most calls), or the error;
        /// [`SdkResult::from`] gives Symphony's JSON shape.
        result: Result<Resolved, SymphonyError>,
    },
    /// The state changed.
    StateChanged(SessionState),
    /// A logout ended, whatever started it: the frames are gone (it comes right after
    /// [`News::StateChanged`] to `LoggedOut`). For this session's own logout (asked for, or
    /// the idle logout this tab performed) the result is what its callers were answered;
    /// when this tab followed another tab's logout, `Ok` if the pod confirmed it there,
    /// else [`SymphonyError::LogoutUnconfirmed`].
    LoggedOut {
        /// Why: requested, idle, another tab.
        reason: LogoutReason,
        /// How it ended; [`SdkResult::from`] gives Symphony's JSON shape.
        result: Result<(), SymphonyError>,
    },
    /// Readiness changed: `true` once the main frame said `clientReady` (user signed
    /// in), `false` when that main frame goes (logout, new render, removal).
    ReadyChanged(bool),
    /// A notification for a subscription.
    Notify {
        /// The subscription.
        subscription: SubscriptionId,
        /// The notification object from the pod.
        data: Value,
    },
    /// Without activity, the session logs out at `deadline` (idle policy on).
    IdleWarningStarted {
        /// When the idle logout will be due.
        deadline: Timestamp,
    },
    /// The warning no longer stands (activity, or the session left `Rendered`).
    IdleWarningCleared,
}

/// Counters of what the machine ignored, for diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// Messages (from the main frame or another tab) that were not understood.
    pub malformed_messages: u64,
    /// Events that referred to a frame, action, timer or request no longer current.
    pub stale_events: u64,
}
