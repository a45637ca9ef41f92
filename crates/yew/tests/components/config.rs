//! A new config restarts the session with the chats that stay mounted.

use super::*;

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
    app.update(|slot| AppProps {
        config: other,
        slot,
        prefix: AttrValue::from("waiting"),
    });
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
