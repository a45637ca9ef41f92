//! The desk's components. Everything about the session comes from `yew-symphony`'s hooks
//! and `<SymphonyChat>`; these components only lay it out and label it.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_symphony::{
    use_idle, use_logout, use_render, use_session_status, SessionState, SessionStatus, SymphonyChat,
    UseLogoutHandle,
};

use crate::connection::{Backend, Connection};

/// The deal the desk is working on (the page's own content, not Symphony's).
const DEAL: &str = "Project Atlas";

/// The chats: the first is the main frame, the other two Focus child frames.
const MAIN_CHAT: (&str, &str) = ("desk-main", "atlas-deal-room");
const LEGAL_CHAT: (&str, &str) = ("desk-legal", "atlas-legal");
const CREDIT_CHAT: (&str, &str) = ("desk-credit", "atlas-credit");

/// What the header says about the session: "Signed in" once the main frame said so.
fn session_label(status: &SessionStatus) -> &'static str {
    match (status.state, status.signed_in) {
        (SessionState::Rendered, true) => "Signed in",
        (SessionState::Rendered, false) => "Waiting for sign-in",
        (SessionState::Unrendered, _) => "Not rendered",
        (SessionState::LoggingOut, _) => "Logging out…",
        (SessionState::LoggedOut, _) => "Logged out",
    }
}

fn session_tone(status: &SessionStatus) -> &'static str {
    match (status.state, status.signed_in) {
        (SessionState::Rendered, true) => "pill ok",
        (SessionState::LoggingOut, _) => "pill busy",
        (SessionState::LoggedOut, _) => "pill off",
        _ => "pill wait",
    }
}

#[derive(Properties, PartialEq)]
pub struct DeskProps {
    /// The pod's origin, for the footer.
    pub pod: AttrValue,
    /// The backend in use, for the footer.
    pub backend: Backend,
    /// The settings form, rendered in the side panel.
    pub settings: Html,
}

/// The whole page inside the provider.
#[function_component]
pub fn Desk(props: &DeskProps) -> Html {
    // One logout hook for the header's button and the status panel's result: the result
    // shown is the one answered to this button's request.
    let logout = use_logout();
    html! {
        <div class="desk">
            <Header logout={logout.clone()} />
            <IdleWarning />
            <main class="desk-body">
                <section class="column main-column">
                    { deal_ticket() }
                    { main_chat() }
                </section>
                <section class="column side-column">
                    { focus_pair() }
                    <div class="panels">
                        <StatusPanel {logout} />
                        { props.settings.clone() }
                    </div>
                </section>
            </main>
            { footer(&props.pod, props.backend) }
        </div>
    }
}

// The parts below without state of their own are plain functions, not components: a
// component costs the app's download its own copy of Yew's lifecycle code.

/// Shown while no valid pod is configured: the settings form, and why nothing else is.
pub fn unconfigured(settings: Html) -> Html {
    html! {
        <div class="desk">
            <header class="topbar">
                { brand() }
                <div class="session">
                    <span class="pill off" data-testid="signed-in">{ "No pod configured" }</span>
                </div>
            </header>
            <main class="desk-body unconfigured">
                <section class="card notice">
                    <h2>{ "Connect a pod" }</h2>
                    <p>{ "The chats appear once the Connection settings name a valid pod: fix the values there and apply them. The same build works with the local pod emulator and with a real pod." }</p>
                </section>
                <div class="panels">{ settings }</div>
            </main>
        </div>
    }
}

fn brand() -> Html {
    html! {
        <div class="brand">
            <span class="logo" aria-hidden="true">{ "DD" }</span>
            <div>
                <div class="product">{ "Deal Desk" }</div>
                <div class="tagline">{ "Syndication workspace" }</div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct HeaderProps {
    logout: UseLogoutHandle,
}

#[function_component]
fn Header(props: &HeaderProps) -> Html {
    let status = use_session_status();
    html! {
        <header class="topbar">
            { brand() }
            <nav class="tabs" aria-label="Sections">
                <span class="tab active">{ "Deals" }</span>
                <span class="tab">{ "Pipeline" }</span>
                <span class="tab">{ "Approvals" }</span>
            </nav>
            <div class="session">
                <span class={session_tone(&status)} data-testid="signed-in">{ session_label(&status) }</span>
                <button class="button ghost" onclick={props.logout.onclick()} disabled={props.logout.running}>
                    { "Log out" }
                </button>
            </div>
        </header>
    }
}

fn deal_ticket() -> Html {
    html! {
        <section class="card ticket">
            <div>
                <div class="eyebrow">{ "Active deal" }</div>
                <h1>{ DEAL }</h1>
                <div class="muted">{ "Term Loan B · USD 250m · Lead: Northbridge" }</div>
            </div>
            <div class="stage">
                <span class="chip">{ "Credit approval" }</span>
                <span class="muted">{ "Signing 14 Dec" }</span>
            </div>
        </section>
    }
}

fn main_chat() -> Html {
    let (container, stream) = MAIN_CHAT;
    html! {
        <section class="card chat-card main-chat">
            <div class="card-head">
                <h2>{ "Deal room" }</h2>
                <span class="muted">{ format!("{DEAL} · all parties") }</span>
            </div>
            <SymphonyChat container={container} stream_id={stream} class="frame-box" />
        </section>
    }
}

fn focus_pair() -> Html {
    let chats = [("Legal", LEGAL_CHAT), ("Credit", CREDIT_CHAT)];
    html! {
        <section class="focus-pair">
            { for chats.iter().map(|(title, (container, stream))| html! {
                <section class="card chat-card" key={*container}>
                    <div class="card-head">
                        <h2>{ *title }</h2>
                        <span class="muted">{ "Focus chat" }</span>
                    </div>
                    <SymphonyChat container={*container} stream_id={*stream} class="frame-box" />
                </section>
            }) }
        </section>
    }
}

/// While the idle logout approaches (`?idle=SECONDS`): the countdown and a way to stay.
#[function_component]
fn IdleWarning() -> Html {
    let idle = use_idle();
    let Some(left) = idle.remaining else {
        return html! {};
    };
    // Whole seconds, rounded up: "1 s" until the very end.
    let seconds = u64::try_from(left.as_millis()).unwrap_or(u64::MAX).div_ceil(1000);
    html! {
        <div class="idle-warning" role="alertdialog" aria-live="assertive" data-testid="idle-warning">
            <span>
                { "No activity: signing out of Symphony in " }
                <span class="countdown" data-testid="idle-countdown">{ seconds }</span>
                { " s" }
            </span>
            <button class="button primary" onclick={idle.onclick()} data-testid="stay-signed-in">
                { "Stay signed in" }
            </button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct StatusPanelProps {
    logout: UseLogoutHandle,
}

#[function_component]
fn StatusPanel(props: &StatusPanelProps) -> Html {
    let status = use_session_status();
    let render = use_render();
    let last = props.logout.last_json().unwrap_or_default();
    let last_class = match &props.logout.last {
        Some(Err(_)) => "json failed",
        _ => "json",
    };
    html! {
        <section class="card status" aria-label="Session">
            <div class="card-head">
                <h2>{ "Session" }</h2>
                <button class="button primary" onclick={render.onclick()} disabled={render.running}>{ "Render" }</button>
            </div>
            <dl class="rows">
                <div><dt>{ "State" }</dt><dd><code data-testid="session-state">{ status.state.as_str() }</code></dd></div>
                <div><dt>{ "Signed in" }</dt><dd>{ if status.signed_in { "yes" } else { "no" } }</dd></div>
                <div class="wide">
                    <dt>{ "Last logout" }</dt>
                    <dd><code class={last_class} data-testid="logout-result">{ last }</code></dd>
                </div>
                if let Some(error) = &status.chat_error {
                    <div class="wide"><dt>{ "Chat error" }</dt><dd><code class="json failed" data-testid="chat-error">{ error.to_string() }</code></dd></div>
                }
                if let Some(reason) = status.logout_reason {
                    <div><dt>{ "Why" }</dt><dd><code data-testid="logout-reason">{ reason.as_str() }</code></dd></div>
                }
            </dl>
            if status.state == SessionState::LoggedOut && status.server_session_may_be_alive {
                <p class="notice" role="status" data-testid="sign-out-unconfirmed">
                    { "Sign-out may not have completed: the pod did not confirm it. Log out again to retry." }
                </p>
            }
            if status.interaction_required {
                <p class="notice" role="status" data-testid="interaction-required">
                    { "The chat is waiting for you: sign in (or accept the terms) in it." }
                </p>
            }
            if let (false, Some(Err(error))) = (render.running, &render.last) {
                <p class="error" role="alert">{ format!("Render failed: {error}") }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct SettingsFormProps {
    /// The values last applied.
    pub current: Connection,
    /// Why they were refused, if they were.
    pub error: Option<AttrValue>,
    /// The page's origin, sent to the pod as `sdkOrigin`.
    pub page_origin: AttrValue,
    /// Called with the edited values.
    pub on_apply: Callback<Connection>,
}

/// Pod URL, partner id, idle logout and backend. Applying valid values starts a new
/// session; another backend reloads the page with them.
#[function_component]
pub fn SettingsForm(props: &SettingsFormProps) -> Html {
    let draft = use_state(|| props.current.clone());
    let on_pod = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let pod_url = e.target_unchecked_into::<HtmlInputElement>().value();
            draft.set(Connection {
                pod_url,
                ..(*draft).clone()
            });
        })
    };
    let on_partner = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let partner_id = e.target_unchecked_into::<HtmlInputElement>().value();
            draft.set(Connection {
                partner_id,
                ..(*draft).clone()
            });
        })
    };
    let on_idle = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let idle_seconds = e.target_unchecked_into::<HtmlInputElement>().value();
            draft.set(Connection {
                idle_seconds,
                ..(*draft).clone()
            });
        })
    };
    let on_backend = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            draft.set(Connection {
                backend: Backend::parse(&value).unwrap_or_default(),
                ..(*draft).clone()
            });
        })
    };
    let on_submit = {
        let (draft, on_apply) = (draft.clone(), props.on_apply.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_apply.emit((*draft).clone());
        })
    };
    html! {
        <form class="card settings" onsubmit={on_submit} aria-label="Connection">
            <div class="card-head"><h2>{ "Connection" }</h2></div>
            <label for="pod-url">{ "Pod URL" }</label>
            <input id="pod-url" type="text" inputmode="url" value={draft.pod_url.clone()} oninput={on_pod}
                placeholder="https://acme.symphony.com" spellcheck="false" />
            <label for="partner-id">{ "Partner id" }</label>
            <input id="partner-id" value={draft.partner_id.clone()} oninput={on_partner}
                placeholder="none" spellcheck="false" />
            <label for="idle-seconds">{ "Idle logout (seconds)" }</label>
            <input id="idle-seconds" inputmode="numeric" value={draft.idle_seconds.clone()} oninput={on_idle}
                placeholder="off" spellcheck="false" />
            <label for="backend">{ "Backend (changing it reloads the page)" }</label>
            <select id="backend" onchange={on_backend}>
                { for [Backend::Protocol, Backend::Sdk].into_iter().map(|backend| html! {
                    <option value={backend.as_str()} selected={draft.backend == backend}>
                        { match backend {
                            Backend::Protocol => "Built-in protocol",
                            Backend::Sdk => "Symphony's sdk.js",
                        } }
                    </option>
                }) }
            </select>
            if let Some(error) = &props.error {
                <p class="error" role="alert" data-testid="config-error">{ error.clone() }</p>
            }
            <div class="form-foot">
                <span class="muted">{ format!("sdkOrigin {}", props.page_origin) }</span>
                <button class="button" type="submit">{ "Apply" }</button>
            </div>
        </form>
    }
}

fn footer(pod: &str, backend: Backend) -> Html {
    let over = match backend {
        Backend::Protocol => "the built-in protocol",
        Backend::Sdk => "Symphony's sdk.js",
    };
    html! {
        <footer class="footer">
            <span>{ "Chats by Symphony Messaging, embedded with yew-symphony (Focus mode) over " }{ over }</span>
            <span>{ "Backend " }<code data-testid="backend">{ backend.as_str() }</code></span>
            <span>{ format!("Pod {pod}") }</span>
        </footer>
    }
}
