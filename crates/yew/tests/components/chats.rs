//! The chats: streams shown after a slow sign-in, the first chat stays the main frame, chats mounted together are shown once.

use super::*;

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
    let app = mount("slow", config);
    app.until_ready("signed in, slowly").await;
    eventually(4000, "the side chat showing its stream", || async {
        child_streams().await.contains(&"stream-side".to_owned())
    })
    .await;
    app.unmount();
}

#[derive(Properties)]
struct SwitchingProps {
    config: Config,
    slot: AgentSlot,
}

impl PartialEq for SwitchingProps {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && Rc::ptr_eq(&self.slot, &other.slot)
    }
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
            <Probe slot={props.slot.clone()} />
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
    let app = Mounted::<SwitchingStreams>::mount(|slot| SwitchingProps {
        config: config(Mode::Focus),
        slot,
    });
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
    app.all(".switch-stream")[0].click();
    eventually(4000, "the first chat's new stream shown", || async {
        state().await["views"].as_array().is_some_and(|views| {
            views
                .iter()
                .any(|v| v["frame"] == "main" && v["streamId"] == "stream-first-b")
        })
    })
    .await;
    let agent = app.agent();
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
    app.unmount();
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
    let app = mounted_and_ready("once").await;
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
