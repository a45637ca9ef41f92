//! The sdk.js transport when it is not built in (feature `sdk-js` off): the same names as
//! the real module, none of its code. A view over sdk.js cannot exist (its type has no
//! values, so every branch that handles one compiles to nothing), the link never loads
//! anything, and a session configured for sdk.js answers `SdkUnsupported`.

use crate::config::Config;
use crate::error::SymphonyError;
use crate::outbox::Outbox;
use crate::resolved::Resolved;
use crate::sdk::{SdkFunction, SdkLoadFailure, SdkOutcome};
use crate::view::ViewAction;
use crate::vocabulary::{FrameId, RequestId, SdkCallId, SubscriptionId};

/// The class `render` is given: the element it renders into carries it. It is the one
/// Symphony's documentation uses as the default (`symphony-ecm`).
pub const SDK_CONTAINER_CLASS: &str = "symphony-ecm";

/// The sdk.js transport is not built in.
pub(crate) const BUILT: bool = false;

/// What a callback registered on `window.symphony` is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum Listener {
    Subscription(SubscriptionId),
    ChatActivity,
    InteractionRequired,
}

/// Nothing loads: no link to sdk.js.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SdkLink {}

impl SdkLink {
    pub(crate) fn listener(&self, _call: SdkCallId) -> Option<Listener> {
        None
    }

    pub(crate) fn call(
        &mut self,
        out: &mut Outbox,
        _function: SdkFunction,
        _arguments: Vec<serde_json::Value>,
        _container: Option<String>,
    ) -> SdkCallId {
        out.new_sdk_call()
    }

    pub(crate) fn settled(
        &mut self,
        _call: SdkCallId,
        _outcome: SdkOutcome,
    ) -> Option<(SdkFunction, Result<Resolved, SymphonyError>)> {
        None
    }

    pub(crate) fn ensure_loaded(&mut self, _out: &mut Outbox, _config: &Config) -> bool {
        false
    }

    pub(crate) fn loaded(&mut self, _out: &mut Outbox) -> bool {
        false
    }

    pub(crate) fn load_failed(
        &mut self,
        _failure: Option<SdkLoadFailure>,
        _out: &mut Outbox,
        _config: &Config,
    ) -> Option<SymphonyError> {
        None
    }

    pub(crate) fn forget_subscriptions(&mut self) {}
}

/// A view over sdk.js: none can exist.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SdkView {}

impl SdkView {
    pub(crate) fn is_ready(&self) -> bool {
        match *self {}
    }

    pub(crate) fn needs_interaction(&self) -> bool {
        match *self {}
    }

    pub(crate) fn render_id(&self) -> FrameId {
        match *self {}
    }

    pub(crate) fn containers(&self) -> &[String] {
        match *self {}
    }

    pub(crate) fn take_containers(&mut self) -> Vec<String> {
        match *self {}
    }

    pub(crate) fn server_session_before(&self) -> bool {
        match *self {}
    }

    pub(crate) fn call_render(&mut self, _out: &mut Outbox, _link: &mut SdkLink, _config: &Config) {
        match *self {}
    }

    pub(crate) fn interaction_required(&mut self, _out: &mut Outbox) {
        match *self {}
    }

    pub(crate) fn render_timed_out(&mut self, _out: &mut Outbox, _config: &Config) {
        match *self {}
    }

    pub(crate) fn render_settled(
        &mut self,
        _call: SdkCallId,
        _result: Result<Resolved, SymphonyError>,
        _out: &mut Outbox,
        _link: &mut SdkLink,
        _config: &Config,
    ) -> bool {
        match *self {}
    }

    pub(crate) fn act(
        &mut self,
        _out: &mut Outbox,
        _link: &mut SdkLink,
        _config: &Config,
        _request: RequestId,
        _operation: &'static str,
        _action: ViewAction,
    ) -> Result<(), SymphonyError> {
        match *self {}
    }

    pub(crate) fn action_settled(
        &mut self,
        _call: SdkCallId,
        _result: Result<Resolved, SymphonyError>,
        _out: &mut Outbox,
        _link: &mut SdkLink,
    ) -> bool {
        match *self {}
    }

    pub(crate) fn action_timed_out(&mut self, _request: RequestId, _out: &mut Outbox, _config: &Config) {
        match *self {}
    }

    pub(crate) fn interrupt(&mut self, _out: &mut Outbox, _error: impl Fn(&'static str) -> SymphonyError) {
        match *self {}
    }
}
