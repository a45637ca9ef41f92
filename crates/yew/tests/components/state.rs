//! The session state shared by every component, and only the components that read it re-render.

use super::*;

#[wasm_bindgen_test]
async fn the_state_is_shared_by_every_component() {
    fresh().await;
    let app = mounted_and_ready("shared").await;
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
async fn the_status_says_when_a_sign_out_may_not_have_completed() {
    fresh().await;
    let app = Mounted::provider_app(config(Mode::Focus), vec![("status-chat".into(), "s1".into())]);
    app.until_ready("signed in").await;
    let server_session =
        |app: &Mounted<support::app::ProviderApp>| app.all(".probe")[0].get_attribute("data-server-session");
    assert_eq!(server_session(&app).as_deref(), Some("true"), "signed in: alive");
    faults(json!({"logout": {"status": 500}})).await;
    assert!(app.agent().logout().await.is_err());
    app.until("LoggedOut", |app| {
        app.text(".probe").as_deref() == Some("LoggedOut")
    })
    .await;
    assert_eq!(
        server_session(&app).as_deref(),
        Some("true"),
        "the pod refused: the sign-out may not have completed"
    );
    faults(json!({"logout": "ok"})).await;
    assert_eq!(app.agent().logout().await, Ok(()), "tried again");
    app.until("the server session ended", |app| {
        server_session(app).as_deref() == Some("false")
    })
    .await;
    app.unmount();
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
