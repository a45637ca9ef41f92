//! The Yew integration in headless Chromium, against the pod emulator on another origin.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;
use yew_symphony::{
    use_logout, use_session_state, use_session_status, use_symphony, Config, Mode, SymphonyAgent,
    SymphonyChat, SymphonyError, SymphonyProvider,
};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Properties, PartialEq)]
struct RequesterProps {
    name: AttrValue,
}

/// A component with a logout button, its result and the state it sees.
#[function_component]
fn Requester(props: &RequesterProps) -> Html {
    let logout = use_logout();
    let state = use_session_state();
    html! {
        <div class="requester" data-name={props.name.clone()}>
            <button onclick={logout.onclick()}>{ "Log out" }</button>
            <span class="state">{ state.as_str() }</span>
            <span class="result">{ logout.last_json().unwrap_or_default() }</span>
        </div>
    }
}

/// Shows readiness, and hands the agent to the test.
#[derive(Properties)]
struct ProbeProps {
    agent: Rc<RefCell<Option<SymphonyAgent>>>,
}

impl PartialEq for ProbeProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.agent, &other.agent)
    }
}

#[function_component]
fn Probe(props: &ProbeProps) -> Html {
    let agent = use_symphony();
    *props.agent.borrow_mut() = Some(agent);
    let status = use_session_status();
    html! { <span class="probe" data-ready={status.ready.to_string()}>{ status.state.as_str() }</span> }
}

/// Mounted on demand, after the fact: it renders again from a component.
#[function_component]
fn Latecomer() -> Html {
    let state = use_session_state();
    let agent = use_symphony();
    let render = Callback::from(move |_| {
        let agent = agent.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = agent.render().await;
        });
    });
    html! {
        <div class="late">
            <span class="state">{ state.as_str() }</span>
            <button class="render" onclick={render}>{ "Render" }</button>
        </div>
    }
}

#[derive(Properties)]
struct AppProps {
    config: Config,
    agent: Rc<RefCell<Option<SymphonyAgent>>>,
    prefix: AttrValue,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && Rc::ptr_eq(&self.agent, &other.agent) && self.prefix == other.prefix
    }
}

#[function_component]
fn App(props: &AppProps) -> Html {
    let late = use_state(|| false);
    let mount_late = {
        let late = late.clone();
        Callback::from(move |_| late.set(true))
    };
    let p = &props.prefix;
    html! {
        <SymphonyProvider config={props.config.clone()}>
            <Probe agent={props.agent.clone()} />
            <SymphonyChat container={format!("{p}-main")} stream_id="stream-main" />
            <SymphonyChat container={format!("{p}-side")} stream_id="stream-side" />
            <Requester name="a" />
            <Requester name="b" />
            <Requester name="c" />
            <button class="mount-late" onclick={mount_late}>{ "Mount" }</button>
            if *late { <Latecomer /> }
        </SymphonyProvider>
    }
}

struct Mounted {
    root: Element,
    handle: Option<yew::AppHandle<App>>,
    agent: Rc<RefCell<Option<SymphonyAgent>>>,
}

impl Mounted {
    /// Waits until the probe shows the session ready (the main frame said `clientReady`).
    async fn until_ready(&self, what: &str) {
        self.until(what, |app| {
            app.all(".probe")
                .first()
                .is_some_and(|p| p.get_attribute("data-ready").as_deref() == Some("true"))
        })
        .await;
    }

    fn all(&self, selector: &str) -> Vec<HtmlElement> {
        let list = self.root.query_selector_all(selector).expect("selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into().ok())
            .collect()
    }

    fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }

    fn agent(&self) -> SymphonyAgent {
        self.agent.borrow().clone().expect("the probe captured the agent")
    }

    /// Waits for the rendered page to say `what`.
    async fn until(&self, what: &str, condition: impl Fn(&Mounted) -> bool) {
        eventually(8000, what, || {
            let ok = condition(self);
            async move { ok }
        })
        .await;
    }

    fn unmount(&mut self) {
        // The test's own copy of the agent would keep the session alive.
        self.agent.borrow_mut().take();
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

/// A new `<div>` at the end of the body, for an app to mount in.
fn new_root() -> Element {
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    root
}

fn mount(prefix: &str, config: Config) -> Mounted {
    let root = new_root();
    let agent = Rc::new(RefCell::new(None));
    let handle = yew::Renderer::<App>::with_root_and_props(
        root.clone(),
        AppProps {
            config,
            agent: agent.clone(),
            prefix: AttrValue::from(prefix.to_owned()),
        },
    )
    .render();
    Mounted {
        root,
        handle: Some(handle),
        agent,
    }
}

async fn mounted_and_ready(prefix: &str) -> Mounted {
    let app = mount(prefix, config(Mode::Focus));
    app.until_ready("the main chat ready").await;
    app.until("the side chat's frame", |_| our_frames().len() == 2)
        .await;
    app
}

#[wasm_bindgen_test]
async fn three_components_log_out_at_the_same_moment() {
    fresh().await;
    let mut app = mounted_and_ready("three").await;
    // Three clicks in one task: the three requests reach the agent together.
    for button in app.all(".requester button") {
        button.click();
    }
    app.until("three results", |app| {
        app.texts(".requester .result").iter().all(|t| !t.is_empty())
    })
    .await;
    let results = app.texts(".requester .result");
    assert_eq!(results, vec!["{}", "{}", "{}"]);
    app.until("LoggedOut everywhere", |app| {
        app.texts(".requester .state").iter().all(|t| t == "LoggedOut")
    })
    .await;
    assert!(our_frames().is_empty());
    let (frame, http) = logout_requests(&state().await);
    assert_eq!(frame + http, 1, "one server request for three components");
    app.unmount();
}

#[wasm_bindgen_test]
async fn a_component_mounted_after_logout_sees_it_and_can_render_again() {
    fresh().await;
    let mut app = mounted_and_ready("late").await;
    assert_eq!(app.agent().logout().await, Ok(()));
    app.all(".mount-late")[0].click();
    app.until("the latecomer showing LoggedOut", |app| {
        app.texts(".late .state") == vec!["LoggedOut".to_owned()]
    })
    .await;
    assert!(
        our_frames().is_empty(),
        "nothing renders by itself after a logout"
    );
    app.all(".late .render")[0].click();
    app.until("Rendered again, from the latecomer", |app| {
        app.texts(".late .state") == vec!["Rendered".to_owned()]
    })
    .await;
    app.until("both chats back", |_| our_frames().len() == 2).await;
    app.unmount();
}

#[wasm_bindgen_test]
async fn unmounting_the_provider_leaves_nothing() {
    fresh().await;
    let mut app = mounted_and_ready("gone").await;
    let before = yew_symphony::live_counts();
    assert!(before.frames == 2 && before.message_listeners == 1, "{before:?}");
    app.unmount();
    // The agent's loop and the listener release on the next tasks.
    let probe = app.agent.clone();
    eventually(2000, "every frame, listener and session released", || async {
        web_sys::console::log_1(
            &format!("{:?} {}", yew_symphony::live_counts(), probe.borrow().is_some()).into(),
        );
        let live = yew_symphony::live_counts();
        live.frames == 0 && live.message_listeners == 0 && live.instances == 0
    })
    .await;
    assert!(our_frames().is_empty());
}

#[wasm_bindgen_test]
async fn a_logout_in_one_app_reaches_the_other() {
    fresh().await;
    let mut first = mounted_and_ready("one").await;
    let mut second = mount("two", config(Mode::Focus));
    second.until_ready("the second app ready").await;
    first.until("four frames", |_| our_frames().len() == 4).await;
    assert_eq!(first.agent().logout().await, Ok(()));
    second
        .until("the other app LoggedOut", |app| {
            app.texts(".requester .state").iter().all(|t| t == "LoggedOut")
        })
        .await;
    assert!(our_frames().is_empty(), "the other app removed its frames");
    let (frame, http) = logout_requests(&state().await);
    assert_eq!(frame + http, 1, "without a second server request");
    first.unmount();
    second.unmount();
}

#[wasm_bindgen_test]
async fn the_state_is_shared_by_every_component() {
    fresh().await;
    let mut app = mounted_and_ready("shared").await;
    assert_eq!(app.texts(".requester .state"), vec!["Rendered"; 3]);
    faults(json!({"logout": {"status": 500}})).await;
    app.all(".requester button")[1].click();
    app.until("the error in the requester that asked", |app| {
        !app.texts(".requester .result")[1].is_empty()
    })
    .await;
    let result: serde_json::Value = serde_json::from_str(&app.texts(".requester .result")[1]).expect("json");
    assert_eq!(result["error"]["type"], "ERROR");
    assert_eq!(result["error"]["data"]["status"], 500);
    assert_eq!(
        app.texts(".requester .result")[0],
        "",
        "only the asking component shows a result"
    );
    assert_eq!(app.texts(".requester .state"), vec!["LoggedOut"; 3]);
    assert!(our_frames().is_empty(), "fail closed");
    app.unmount();
}

#[wasm_bindgen_test]
async fn a_logout_in_another_document_reaches_the_app() {
    fresh().await;
    let mut tab = OtherTab::open().await;
    let mut app = mounted_and_ready("doc").await;
    tab.announce_logout();
    app.until("LoggedOut after the other tab's logout", |app| {
        app.texts(".requester .state").iter().all(|t| t == "LoggedOut")
    })
    .await;
    assert!(our_frames().is_empty());
    assert_eq!(
        logout_requests(&state().await),
        (0, 0),
        "no request from this document"
    );
    // And the other way: this app's logout reaches that document.
    app.all(".late, .mount-late")[0].click();
    app.until("the latecomer", |app| !app.all(".late .render").is_empty())
        .await;
    app.all(".late .render")[0].click();
    app.until("both chats back", |_| our_frames().len() == 2).await;
    app.until_ready("ready again").await;
    app.all(".requester button")[0].click();
    assert!(matches!(
        tab.heard().await,
        symphony_session::protocol::TabMessage::LoggedOut { ok: true, .. }
    ));
    app.unmount();
}

/// A provider whose config a button changes (another partner id: another session).
#[function_component]
fn Reconfigurable() -> Html {
    let second = use_state(|| false);
    let switch = {
        let second = second.clone();
        Callback::from(move |_| second.set(true))
    };
    let partner = if *second { "second-partner" } else { "test-partner" };
    let config = Config::builder(emulator(), page_origin())
        .partner_id(partner)
        .build()
        .expect("valid test config");
    html! {
        <SymphonyProvider {config}>
            <Requester name="r" />
            <SymphonyChat container="reconf-main" stream_id="stream-main" />
            <SymphonyChat container="reconf-side" stream_id="stream-side" />
            <button class="switch" onclick={switch}>{ "Switch" }</button>
        </SymphonyProvider>
    }
}

fn main_frame_src() -> Option<String> {
    document()
        .query_selector("#reconf-main iframe")
        .ok()
        .flatten()
        .and_then(|f| f.get_attribute("src"))
}

#[wasm_bindgen_test]
async fn a_new_config_restarts_the_session_with_the_mounted_chats() {
    fresh().await;
    let root = new_root();
    let handle = yew::Renderer::<Reconfigurable>::with_root(root.clone()).render();
    eventually(8000, "both chats with the first config", || async {
        our_frames().len() == 2 && main_frame_src().is_some_and(|src| src.contains("partnerId=test-partner"))
    })
    .await;
    let first_instance = our_frames()[0].get_attribute(symphony_dom::FRAME_MARKER_ATTRIBUTE);
    let button: HtmlElement = root
        .query_selector(".switch")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into().ok())
        .expect("the switch button");
    button.click();
    eventually(
        8000,
        "both chats again, in a new session with the new config",
        || async {
            let frames = our_frames();
            frames.len() == 2
                && frames
                    .iter()
                    .all(|f| f.get_attribute(symphony_dom::FRAME_MARKER_ATTRIBUTE) != first_instance)
                && main_frame_src().is_some_and(|src| src.contains("partnerId=second-partner"))
        },
    )
    .await;
    assert_eq!(
        document()
            .query_selector_all("#reconf-side iframe")
            .expect("selector")
            .length(),
        1,
        "the side chat is a child frame of the new session"
    );
    handle.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_logout_does_not_wait_for_a_render_stuck_on_the_sign_in_page() {
    fresh().await;
    let mut app = mounted_and_ready("stuck").await;
    assert_eq!(app.agent().logout().await, Ok(()));
    // The pod knows this browser and has no session for it: the main frame shows the
    // sign-in page and never becomes ready, so the side chat's open-stream waits for it.
    let render = Rc::new(RefCell::new(None));
    {
        let (agent, render) = (app.agent(), render.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let result = agent.render().await;
            *render.borrow_mut() = Some(result);
        });
    }
    app.until("both chats' frames, on the sign-in page", |_| {
        our_frames().len() == 2
    })
    .await;
    eventually(8000, "the pod showing the sign-in page", || async {
        state().await["views"].as_array().is_some_and(|views| {
            views
                .iter()
                .any(|v| v["frame"] == "main" && v["page"] == "signin")
        })
    })
    .await;
    assert!(
        render.borrow().is_none(),
        "the render still waits for the main frame"
    );
    // The config's request timeout is 5 s; the logout must not wait for it.
    let logout = within(2500, app.agent().logout()).await;
    assert_eq!(logout, Some(Ok(())), "the logout answered at once");
    assert!(our_frames().is_empty());
    app.until("the interrupted render answered", |_| render.borrow().is_some())
        .await;
    assert!(
        matches!(&*render.borrow(), Some(Err(_))),
        "the render was cut short by the logout: {:?}",
        render.borrow()
    );
    app.unmount();
}

/// A render that waits for the user (the pod's sign-in page: no timeout) does not keep the
/// session alive: a new config for the provider drops the old session, whose frames leave
/// the page at once (the chats' containers stay: only the session changes), as they do
/// when no render waits. Found by the chaos run (`SYMPHONY_CHAOS_SEED=0x18eeea3aa13299aa`).
#[wasm_bindgen_test]
async fn a_new_config_while_the_render_waits_for_sign_in_leaves_only_the_new_frames() {
    fresh().await;
    faults(serde_json::json!({"mainFrame": "neverReady"})).await;
    let mut app = mount("waiting", config(Mode::Focus));
    app.until("both chats' frames, the main one waiting", |_| {
        our_frames().len() == 2
    })
    .await;
    let old: Vec<_> = our_frames();
    assert!(!app.agent().is_ready(), "the render still waits for the user");
    let other = Config::builder(emulator(), page_origin())
        .partner_id("another-partner")
        .build()
        .expect("config");
    let props = AppProps {
        config: other,
        agent: app.agent.clone(),
        prefix: AttrValue::from("waiting"),
    };
    app.handle.as_mut().expect("mounted").update(props);
    eventually(3000, "the old session's frames gone", || {
        let gone = old.iter().all(|frame| !frame.is_connected());
        async move { gone }
    })
    .await;
    app.until("the new session's two frames", |_| our_frames().len() == 2)
        .await;
    app.unmount();
    eventually(3000, "every session, frame and listener released", || async {
        yew_symphony::live_counts() == yew_symphony::LiveCounts::default()
    })
    .await;
}

/// An app that leaves the page when the idle logout begins (it redirects to a sign-in page,
/// say) unmounts the provider mid-logout: the logout still ends the pod session, and then
/// nothing of the session lives on.
#[wasm_bindgen_test]
async fn unmounting_the_provider_mid_logout_still_ends_the_pod_session() {
    fresh().await;
    faults(serde_json::json!({"logout": {"delayMs": 600}})).await;
    let mut app = mount("idle-gone", idle_config(1500, 500));
    app.until_ready("the main chat ready").await;
    let agent = app.agent();
    reaches(agent.symphony(), yew_symphony::SessionState::LoggingOut).await;
    assert_eq!(agent.logout_reason(), Some(yew_symphony::LogoutReason::Idle));
    drop(agent);
    app.unmount();
    eventually(5000, "the pod session ended", || async {
        sessions(&state().await) == 0
    })
    .await;
    eventually(3000, "every session, frame and listener released", || async {
        yew_symphony::live_counts() == yew_symphony::LiveCounts::default()
    })
    .await;
    assert!(our_frames().is_empty());
}

#[derive(Properties, PartialEq)]
struct CyclerProps {
    config: Config,
    unmounted: Callback<()>,
}

/// A provider that its own session's state callback unmounts.
#[function_component]
fn Cycler(props: &CyclerProps) -> Html {
    let mounted = use_state(|| true);
    let unmount = {
        let (mounted, unmounted) = (mounted.setter(), props.unmounted.clone());
        Callback::from(move |()| {
            mounted.set(false);
            unmounted.emit(());
        })
    };
    html! {
        if *mounted {
            <SymphonyProvider config={props.config.clone()}>
                <Trigger {unmount} />
            </SymphonyProvider>
        }
    }
}

#[derive(Properties, PartialEq)]
struct TriggerProps {
    unmount: Callback<()>,
}

#[function_component]
fn Trigger(props: &TriggerProps) -> Html {
    let agent = use_symphony();
    let unmount = props.unmount.clone();
    use_effect_with(agent, move |agent| {
        // The provider goes from inside the session's own state callback.
        let listener = agent.symphony().on_state_change(move |_| unmount.emit(()));
        let agent = agent.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = agent
                .render_into("no-such-container", yew_symphony::RenderOptions::default())
                .await;
        });
        move || drop(listener)
    });
    html! {}
}

#[wasm_bindgen_test]
async fn providers_unmounted_from_their_own_callbacks_leave_nothing() {
    fresh().await;
    eventually(2000, "nothing live before", || async {
        yew_symphony::live_counts() == yew_symphony::LiveCounts::default()
    })
    .await;
    for round in 0..200 {
        let root = new_root();
        let (sender, unmounted) = futures::channel::oneshot::channel::<()>();
        let sender = RefCell::new(Some(sender));
        let handle = yew::Renderer::<Cycler>::with_root_and_props(
            root.clone(),
            CyclerProps {
                config: config(Mode::Focus),
                unmounted: Callback::from(move |()| {
                    if let Some(sender) = sender.borrow_mut().take() {
                        let _ = sender.send(());
                    }
                }),
            },
        )
        .render();
        assert!(
            within(5000, unmounted).await.is_some(),
            "round {round}: the state callback unmounted the provider"
        );
        handle.destroy();
        root.remove();
    }
    eventually(3000, "every session, frame and listener released", || async {
        yew_symphony::live_counts() == yew_symphony::LiveCounts::default()
    })
    .await;
}

/// The callbacks the hooks gave on one render: logout's onclick, render's onclick, logout's runner.
type HookCallbacks = (Callback<MouseEvent>, Callback<MouseEvent>, Callback<()>);

/// What the render-counting app saw, shared with the test.
#[derive(Default)]
struct Seen {
    agent_only_renders: std::cell::Cell<u32>,
    status_renders: std::cell::Cell<u32>,
    callbacks: RefCell<Vec<HookCallbacks>>,
    logout: RefCell<Option<yew_symphony::UseLogoutHandle>>,
    render: RefCell<Option<yew_symphony::UseRenderHandle>>,
}

#[derive(Properties)]
struct SeenProps {
    seen: Rc<Seen>,
    #[prop_or_default]
    config: Option<Config>,
}

impl PartialEq for SeenProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.seen, &other.seen) && self.config == other.config
    }
}

/// Uses the agent only: must not re-render when the session changes.
#[function_component]
fn AgentOnly(props: &SeenProps) -> Html {
    let _agent = use_symphony();
    let renders = &props.seen.agent_only_renders;
    renders.set(renders.get() + 1);
    html! {}
}

/// Uses the state and both action hooks: re-renders on every change, and records the
/// callbacks it was given each time.
#[function_component]
fn StatusUser(props: &SeenProps) -> Html {
    let state = use_session_state();
    let logout = use_logout();
    let render = yew_symphony::use_render();
    let seen = &props.seen;
    seen.status_renders.set(seen.status_renders.get() + 1);
    seen.callbacks
        .borrow_mut()
        .push((logout.onclick(), render.onclick(), logout.run_callback()));
    *seen.logout.borrow_mut() = Some(logout);
    *seen.render.borrow_mut() = Some(render);
    html! { <span class="counted-state">{ state.as_str() }</span> }
}

#[function_component]
fn CountingApp(props: &SeenProps) -> Html {
    let config = props.config.clone().expect("a config");
    html! {
        <SymphonyProvider {config} options={yew_symphony::Options::new().sync_tabs(false)}>
            <AgentOnly seen={props.seen.clone()} />
            <StatusUser seen={props.seen.clone()} />
            <SymphonyChat container="counted-main" stream_id="stream-main" />
        </SymphonyProvider>
    }
}

#[wasm_bindgen_test]
async fn only_components_that_read_the_state_re_render_and_hook_callbacks_keep_their_identity() {
    fresh().await;
    let seen = Rc::new(Seen::default());
    let root = new_root();
    let handle = yew::Renderer::<CountingApp>::with_root_and_props(
        root.clone(),
        SeenProps {
            seen: seen.clone(),
            config: Some(config(Mode::Focus)),
        },
    )
    .render();
    let state_is = |want: &'static str| {
        let root = root.clone();
        move || {
            let now = root
                .query_selector(".counted-state")
                .ok()
                .flatten()
                .and_then(|e| e.text_content());
            async move { now.as_deref() == Some(want) }
        }
    };
    eventually(8000, "the chat rendered", state_is("Rendered")).await;
    // Log out through use_logout's callback, then render again through use_render's.
    let logout = seen.logout.borrow().clone().expect("use_logout");
    logout.run();
    eventually(8000, "logged out", state_is("LoggedOut")).await;
    eventually(2000, "the logout's result", || {
        let last = seen.logout.borrow().as_ref().and_then(|l| l.last.clone());
        async move { last == Some(Ok(())) }
    })
    .await;
    let render = seen.render.borrow().clone().expect("use_render");
    render.run();
    eventually(8000, "rendered again", state_is("Rendered")).await;
    // The pod session ended, so the chat shows the pod's sign-in page: the render waits for
    // the user (Symphony's render resolves when the chat is ready).
    eventually(2000, "the render running, waiting for the sign-in", || {
        let render = seen.render.borrow().clone();
        async move { render.is_some_and(|r| r.running && r.last.is_none()) }
    })
    .await;
    logout.run();
    eventually(2000, "the render answered by the logout", || {
        let render = seen.render.borrow().clone();
        async move {
            render.is_some_and(|r| {
                !r.running
                    && r.last
                        == Some(Err(SymphonyError::Interrupted {
                            operation: "render",
                            by: "logout",
                        }))
            })
        }
    })
    .await;

    assert!(
        seen.status_renders.get() >= 4,
        "the state reader re-rendered on each change: {}",
        seen.status_renders.get()
    );
    assert_eq!(
        seen.agent_only_renders.get(),
        1,
        "a component that only uses the agent never re-rendered"
    );
    let callbacks = seen.callbacks.borrow();
    assert!(
        callbacks.iter().all(|c| *c == callbacks[0]),
        "the hooks' callbacks are the same on every render"
    );
    handle.destroy();
    root.remove();
}

/// The streams the child frames report showing, as the emulator saw them.
async fn child_streams() -> Vec<String> {
    state().await["views"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["frame"] == "child")
        .filter_map(|v| v["streamId"].as_str().map(str::to_owned))
        .collect()
}

/// The user signs in more slowly than the request timeout: the side chat's first
/// set-stream times out while the main frame waits for sign-in, and it must be sent again
/// once the session is ready, or the side chat stays blank.
#[wasm_bindgen_test]
async fn side_chats_show_their_streams_after_a_sign_in_slower_than_the_request_timeout() {
    fresh().await;
    faults(json!({"mainFrame": {"readyAfterMs": 1500}})).await;
    let config = Config::builder(emulator(), page_origin())
        .partner_id("test-partner")
        .request_timeout(std::time::Duration::from_millis(400))
        .build()
        .expect("valid test config");
    let mut app = mount("slow", config);
    app.until_ready("signed in, slowly").await;
    eventually(4000, "the side chat showing its stream", || async {
        child_streams().await.contains(&"stream-side".to_owned())
    })
    .await;
    app.unmount();
}

#[derive(Properties, PartialEq)]
struct SwitchingProps {
    config: Config,
    agent: Rc<RefCell<Option<SymphonyAgent>>>,
}

/// Two chats; a button changes the first chat's stream.
#[function_component]
fn SwitchingStreams(props: &SwitchingProps) -> Html {
    let stream = use_state(|| "stream-first".to_owned());
    let switch = {
        let stream = stream.clone();
        Callback::from(move |_| stream.set("stream-first-b".to_owned()))
    };
    html! {
        <SymphonyProvider config={props.config.clone()} options={yew_symphony::Options::new().sync_tabs(false)}>
            <Probe agent={props.agent.clone()} />
            <SymphonyChat container="switch-first" stream_id={AttrValue::from((*stream).clone())} />
            <SymphonyChat container="switch-second" stream_id="stream-second" />
            <button class="switch-stream" onclick={switch}>{ "Switch" }</button>
        </SymphonyProvider>
    }
}

/// The first chat mounted keeps the main frame when its props change: a later render
/// puts the main frame in its container again, with its new stream.
#[wasm_bindgen_test]
async fn the_first_chat_stays_the_main_frame_when_its_stream_changes() {
    fresh().await;
    let root = new_root();
    let agent = Rc::new(RefCell::new(None));
    let handle = yew::Renderer::<SwitchingStreams>::with_root_and_props(
        root.clone(),
        SwitchingProps {
            config: config(Mode::Focus),
            agent: agent.clone(),
        },
    )
    .render();
    let main_src = |container: &str| {
        document()
            .query_selector(&format!("#{container} iframe"))
            .ok()
            .flatten()
            .and_then(|f| f.get_attribute("src"))
            .filter(|src| src.contains("/apps/embed/default?"))
    };
    eventually(8000, "the first chat holding the main frame", || {
        let ok = main_src("switch-first").is_some() && our_frames().len() == 2;
        async move { ok }
    })
    .await;
    let button: HtmlElement = root
        .query_selector(".switch-stream")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into().ok())
        .expect("the switch button");
    button.click();
    eventually(4000, "the first chat's new stream shown", || async {
        state().await["views"].as_array().is_some_and(|views| {
            views
                .iter()
                .any(|v| v["frame"] == "main" && v["streamId"] == "stream-first-b")
        })
    })
    .await;
    let agent = agent.borrow().clone().expect("the agent");
    agent.logout().await.expect("logout");
    // Render again (the pod shows its sign-in page now, so the render's children wait for
    // a sign-in: only where the main frame goes matters here).
    wasm_bindgen_futures::spawn_local(async move {
        let _ = agent.render().await;
    });
    eventually(4000, "a main frame again", || {
        let ok = main_src("switch-first").is_some() || main_src("switch-second").is_some();
        async move { ok }
    })
    .await;
    let src = main_src("switch-first").unwrap_or_default();
    assert!(
        src.contains("streamId=stream-first-b"),
        "the first chat is still the main frame, with its new stream: {src:?}, second: {:?}",
        main_src("switch-second")
    );
    handle.destroy();
    root.remove();
}

/// The most set-streams a frame (`"main"` or `"child"`) reported being shown.
async fn frame_shows(frame: &str) -> u64 {
    state().await["views"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["frame"] == frame)
        .filter_map(|v| v["shows"].as_u64())
        .max()
        .unwrap_or(0)
}

/// Chats mounted together are shown once: no chat gets a second set-stream when its own
/// show request comes after the render that already showed it (the main chat's stream is
/// in its frame's URL; the side chat gets one set-stream).
#[wasm_bindgen_test]
async fn chats_mounted_together_are_shown_once() {
    fresh().await;
    let mut app = mounted_and_ready("once").await;
    // Later set-streams to both frames: by the time they are reported, every earlier one is.
    let agent = app.agent();
    let side = agent
        .open_stream("stream-later", Some("once-side"))
        .await
        .expect("open stream");
    let main = agent
        .open_stream("stream-main-later", None)
        .await
        .expect("open stream");
    // The agent hands on what the pod answered.
    assert_eq!(
        (side.stream_id.as_deref(), main.stream_id.as_deref()),
        (Some("stream-later"), Some("stream-main-later"))
    );
    eventually(4000, "the later streams reported", || async {
        frame_shows("child").await > 0 && frame_shows("main").await > 0
    })
    .await;
    assert_eq!(
        frame_shows("child").await,
        2,
        "the side frame: its stream once, then the later one"
    );
    assert_eq!(
        frame_shows("main").await,
        1,
        "the main frame: only the later stream"
    );
    app.unmount();
}

/// What the idle prompt saw on each render.
#[derive(Default)]
struct IdleSeen {
    remaining: RefCell<Vec<Option<std::time::Duration>>>,
    callbacks: RefCell<Vec<(Callback<()>, Callback<MouseEvent>)>>,
}

#[derive(Properties)]
struct IdleProps {
    seen: Rc<IdleSeen>,
    timeout: std::time::Duration,
    warning: std::time::Duration,
}

impl PartialEq for IdleProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.seen, &other.seen) && self.timeout == other.timeout && self.warning == other.warning
    }
}

/// A "you will be signed out" prompt and the logout reason, as an app would show them.
#[function_component]
fn IdlePrompt(props: &IdleProps) -> Html {
    let idle = yew_symphony::use_idle();
    let status = use_session_status();
    props.seen.remaining.borrow_mut().push(idle.remaining);
    props
        .seen
        .callbacks
        .borrow_mut()
        .push((idle.stay_signed_in.clone(), idle.onclick()));
    html! {
        <div>
            if let Some(left) = idle.remaining {
                <div class="idle-warning">
                    { left.as_secs() }
                    <button class="stay" onclick={idle.onclick()}>{ "Stay signed in" }</button>
                </div>
            }
            <span class="reason">{ status.logout_reason.map(|r| r.as_str()).unwrap_or_default() }</span>
        </div>
    }
}

#[function_component]
fn IdleApp(props: &IdleProps) -> Html {
    html! {
        <SymphonyProvider
            config={config(Mode::Focus)}
            idle_timeout={Some(props.timeout)}
            idle_warning={Some(props.warning)}
        >
            <IdlePrompt seen={props.seen.clone()} timeout={props.timeout} warning={props.warning} />
            <SymphonyChat container="idle-main" stream_id="stream-main" />
        </SymphonyProvider>
    }
}

fn mount_idle(timeout_ms: u64, warning_ms: u64) -> (Rc<IdleSeen>, Element, AppHandle<IdleApp>) {
    let seen = Rc::new(IdleSeen::default());
    let root = new_root();
    let handle = yew::Renderer::<IdleApp>::with_root_and_props(
        root.clone(),
        IdleProps {
            seen: seen.clone(),
            timeout: std::time::Duration::from_millis(timeout_ms),
            warning: std::time::Duration::from_millis(warning_ms),
        },
    )
    .render();
    (seen, root, handle)
}

fn text_of(root: &Element, selector: &str) -> Option<String> {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
}

#[wasm_bindgen_test]
async fn the_idle_prompt_counts_down_stays_signed_in_and_shows_the_reason() {
    fresh().await;
    let (seen, root, handle) = mount_idle(3500, 3000);
    eventually(8000, "the idle warning", || {
        let shown = root.query_selector(".idle-warning").ok().flatten().is_some();
        async move { shown }
    })
    .await;
    eventually(2500, "the countdown ticking", || {
        let left: Vec<_> = seen.remaining.borrow().iter().flatten().copied().collect();
        async move { left.len() >= 2 && left[left.len() - 1] < left[0] }
    })
    .await;
    let stay: HtmlElement = root
        .query_selector(".stay")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into().ok())
        .expect("the Stay signed in button");
    stay.click();
    eventually(2000, "the warning gone", || {
        let shown = root.query_selector(".idle-warning").ok().flatten().is_some();
        async move { !shown }
    })
    .await;
    assert_eq!(text_of(&root, ".reason").as_deref(), Some(""), "still signed in");
    eventually(8000, "the idle logout", || {
        let reason = text_of(&root, ".reason");
        async move { reason.as_deref() == Some("idle") }
    })
    .await;
    // The reason shows when the logout starts; the pod's answer comes after.
    eventually(3000, "the pod session ended", || async {
        sessions(&state().await) == 0
    })
    .await;
    let callbacks = seen.callbacks.borrow();
    assert!(
        callbacks.iter().all(|c| *c == callbacks[0]),
        "use_idle's callbacks are the same on every render"
    );
    drop(callbacks);
    handle.destroy();
    root.remove();
}

/// An idle timeout out of range is not dropped (that would mean no idle logout at all):
/// the nearest valid one is used.
#[wasm_bindgen_test]
async fn an_idle_timeout_out_of_range_fails_closed() {
    fresh().await;
    let (_seen, root, handle) = mount_idle(0, 0);
    eventually(8000, "an idle logout at once", || {
        let reason = text_of(&root, ".reason");
        async move { reason.as_deref() == Some("idle") }
    })
    .await;
    handle.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_logout_asked_once_is_carried_out_even_if_the_caller_stops_waiting() {
    use futures::FutureExt;
    fresh().await;
    let _main = container("drop-main");
    let _side = container("drop-side");
    let agent = SymphonyAgent::new(config(Mode::Focus), yew_symphony::Options::default());
    agent
        .render_into("drop-main", yew_symphony::RenderOptions::stream("s-1"))
        .await
        .expect("rendered");
    // Inside the session's own work (the side frame going in), a caller asks for a logout,
    // looks once, and drops its future: the session is busy, so nothing is sent yet.
    let asked = Rc::new(std::cell::Cell::new(false));
    let hook = {
        let (agent, asked) = (agent.clone(), asked.clone());
        PageHook::install(move |what| {
            if what == "append" && !asked.replace(true) {
                assert!(agent.logout().now_or_never().is_none(), "not answered at once");
            }
        })
    };
    let _ = agent.open_stream("s-2", Some("drop-side")).await;
    assert!(asked.get(), "the hook ran inside our work");
    drop(hook);
    eventually(3000, "the logout carried out", || {
        let state = agent.state();
        async move { state == yew_symphony::SessionState::LoggedOut }
    })
    .await;
    assert!(our_frames().is_empty());
}
