//! Logout from the components: concurrent requests share one server request, other apps and documents follow, a stuck render does not hold it up, a caller that stops waiting does not stop it.

use super::*;

#[wasm_bindgen_test]
async fn three_components_log_out_at_the_same_moment() {
    fresh().await;
    let app = mounted_and_ready("three").await;
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
async fn a_logout_in_one_app_reaches_the_other() {
    fresh().await;
    let first = mounted_and_ready("one").await;
    let second = mount("two", config(Mode::Focus));
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
async fn a_logout_in_another_document_reaches_the_app() {
    fresh().await;
    let mut tab = OtherTab::open().await;
    let app = mounted_and_ready("doc").await;
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

#[wasm_bindgen_test]
async fn a_logout_does_not_wait_for_a_render_stuck_on_the_sign_in_page() {
    fresh().await;
    let app = mounted_and_ready("stuck").await;
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
