//! Mounting and unmounting: a component mounted after a logout, a provider unmounted (also mid-logout and from its own callbacks) leaves nothing.

use super::*;

#[wasm_bindgen_test]
async fn a_component_mounted_after_logout_sees_it_and_can_render_again() {
    fresh().await;
    let app = mounted_and_ready("late").await;
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
    let app = mounted_and_ready("gone").await;
    let before = yew_symphony::live_counts();
    assert!(before.frames == 2 && before.message_listeners == 1, "{before:?}");
    app.unmount();
    // The agent's loop and the listener release on the next tasks.
    eventually(2000, "every frame, listener and session released", || async {
        let live = yew_symphony::live_counts();
        live.frames == 0 && live.message_listeners == 0 && live.instances == 0
    })
    .await;
    assert!(our_frames().is_empty());
}

/// An app that leaves the page when the idle logout begins (it redirects to a sign-in page,
/// say) unmounts the provider mid-logout: the logout still ends the pod session, and then
/// nothing of the session lives on.
#[wasm_bindgen_test]
async fn unmounting_the_provider_mid_logout_still_ends_the_pod_session() {
    fresh().await;
    faults(serde_json::json!({"logout": {"delayMs": 600}})).await;
    let app = mount("idle-gone", idle_config(1500, 500));
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
