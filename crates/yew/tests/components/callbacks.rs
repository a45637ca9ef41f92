//! Nothing silent: a chat that cannot be shown calls its own `on_error`, else the
//! provider's; every logout reaches the provider's `on_logout`, with why and Symphony's JSON.

use super::*;

/// What the callbacks heard, in order.
type Heard = Rc<RefCell<Vec<String>>>;

#[derive(Properties)]
struct CallbacksAppProps {
    config: Config,
    slot: AgentSlot,
    heard: Heard,
}

impl PartialEq for CallbacksAppProps {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && Rc::ptr_eq(&self.slot, &other.slot)
    }
}

/// A Collaboration provider (one chat only) with three chats: the two beyond the first
/// cannot be shown; one has its own `on_error`, the other leaves it to the provider.
#[function_component]
fn CallbacksApp(props: &CallbacksAppProps) -> Html {
    let tell = |who: &'static str| {
        let heard = props.heard.clone();
        Callback::from(move |error: SymphonyError| {
            heard.borrow_mut().push(format!("{who}: {}", error.code()))
        })
    };
    let on_logout = {
        let heard = props.heard.clone();
        Callback::from(
            move |(reason, result): (yew_symphony::LogoutReason, Result<(), SymphonyError>)| {
                let json = yew_symphony::SdkResult::from(&result).to_json();
                heard
                    .borrow_mut()
                    .push(format!("logout {}: {json}", reason.as_str()))
            },
        )
    };
    html! {
        <SymphonyProvider config={props.config.clone()} on_error={tell("provider")} {on_logout}>
            <Probe slot={props.slot.clone()} />
            <SymphonyChat container="cb-main" stream_id="s1" />
            <SymphonyChat container="cb-own" stream_id="s2" on_error={tell("own")} />
            <SymphonyChat container="cb-other" stream_id="s3" />
        </SymphonyProvider>
    }
}

#[wasm_bindgen_test]
async fn failures_nobody_awaits_and_every_logout_reach_the_app() {
    fresh().await;
    let heard: Heard = Rc::default();
    let app = Mounted::<CallbacksApp>::mount(|slot| CallbacksAppProps {
        config: config(Mode::Collaboration),
        slot,
        heard: heard.clone(),
    });
    app.until_ready("the main chat ready").await;
    app.until("both failures heard", |_| heard.borrow().len() == 2)
        .await;
    let mut failures = heard.borrow().clone();
    failures.sort();
    assert_eq!(
        failures,
        ["own: INVALID_ARGUMENT", "provider: INVALID_ARGUMENT"],
        "each failure once, to the chat's own callback or else the provider's"
    );
    assert_eq!(
        chat_error(&app).as_deref(),
        Some("INVALID_ARGUMENT"),
        "the status hook shows the chat's failure"
    );
    heard.borrow_mut().clear();
    faults(json!({"logout": {"status": 500}})).await;
    assert!(app.agent().logout().await.is_err());
    app.until("the logout heard", |_| !heard.borrow().is_empty())
        .await;
    let told = heard.borrow()[0].clone();
    assert!(
        told.starts_with("logout requested: {\"error\":") && told.contains("500"),
        "{told}"
    );
    heard.borrow_mut().clear();
    faults(json!({"logout": "ok"})).await;
    let again = app.agent().render();
    app.until("a new render clears the chat's failure", |app| {
        chat_error(app).is_none()
    })
    .await;
    again.await.expect("rendered again");
    let tab = OtherTab::open().await;
    tab.announce_logout();
    app.until("another tab's logout heard", |_| !heard.borrow().is_empty())
        .await;
    assert_eq!(heard.borrow()[0], "logout another-tab: {}");
    app.unmount();
}

/// The code the status hook shows for the last chat failure (the probe's `data-chat-error`).
fn chat_error<C: BaseComponent>(app: &Mounted<C>) -> Option<String> {
    app.all(".probe")
        .first()
        .and_then(|probe| probe.get_attribute("data-chat-error"))
}
