//! Ten frames over sdk.js (a render and nine `openStream` calls into child containers), five
//! times, alternating with the page calling `window.symphony` itself, as the sdk.js
//! benchmark does at 10 frames: the library and the page share the one `window.symphony`
//! without either leaving anything behind (every frame gone after each logout). (The
//! benchmark's stall at 10 frames, BENCHMARKS.md, does not show here: 20 rounds in debug
//! builds passed in Chromium.)
#![cfg(target_arch = "wasm32")]
use support::sdk::*;
use support::*;
use symphony_dom::{Mode, RenderOptions, SessionState, Symphony};
use symphony_test_support as support;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export async function plain_render(mainId, children) {
  const s = window.symphony;
  document.getElementById(mainId).classList.add('symphony-ecm');
  const rendered = await s.render('symphony-ecm', { streamId: 'stream-0' });
  if (rendered && rendered.error) { throw new Error(rendered.error.message); }
  const opened = await Promise.all(children.map(([id, stream]) => s.openStream(stream, '#' + id)));
  for (const o of opened) { if (o && o.error) { throw new Error(o.error.message); } }
}
export function plain_logout() { return window.symphony.logout(); }
"#)]
extern "C" {
    fn plain_render(main_id: &str, children: &js_sys::Array) -> js_sys::Promise;
    fn plain_logout() -> js_sys::Promise;
}

fn ids() -> Vec<String> {
    (0..10).map(|i| format!("many-{i}")).collect()
}

fn fresh_containers(ids: &[String]) {
    for id in ids {
        container(id);
    }
}

async fn ours(ids: &[String]) {
    reset().await;
    fresh_containers(ids);
    let symphony = Symphony::new(sdk_config(Mode::Focus));
    within(
        20_000,
        symphony.render(&ids[0], RenderOptions::stream("stream-0")),
    )
    .await
    .expect("render answered")
    .expect("rendered");
    let opened = futures::future::join_all(
        ids.iter()
            .enumerate()
            .skip(1)
            .map(|(i, id)| symphony.open_stream(&format!("stream-{i}"), Some(id))),
    );
    for result in within(20_000, opened).await.expect("opened in time") {
        result.expect("opened");
    }
    symphony.logout().await.expect("logged out");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    for id in ids {
        assert!(frames_in(id).is_empty(), "{id} emptied");
    }
}

async fn plain(ids: &[String]) {
    reset().await;
    fresh_containers(ids);
    let children: js_sys::Array = ids
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, id)| js_sys::Array::of2(&JsValue::from_str(id), &JsValue::from_str(&format!("stream-{i}"))))
        .collect();
    within(20_000, JsFuture::from(plain_render(&ids[0], &children)))
        .await
        .expect("plain render in time")
        .expect("plain render");
    JsFuture::from(plain_logout()).await.expect("plain logout");
}

#[wasm_bindgen_test]
async fn ten_frames_five_times_alternating_with_the_page_itself() {
    fresh_sdk(&[]).await;
    let ids = ids();
    for round in 0..5 {
        web_sys::console::log_1(&format!("round {round}").into());
        ours(&ids).await;
        plain(&ids).await;
    }
}
