//! The idle prompt: the countdown, staying signed in, the reason, a timeout out of range.

use super::*;

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
