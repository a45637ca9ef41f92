//! Deal Desk, the demo app: a small deal dashboard that embeds three Symphony chats with
//! `yew-symphony` only (a main chat and two Focus chats side by side), with a header that
//! shows who is signed in and logs out, a status panel (session state, Render, the last
//! logout's JSON) and a settings form that points the same build at any pod. It owns the
//! page's layout and wording, not the session: every frame, message and logout goes through
//! `yew-symphony`. Build it for wasm32 with `./x demo`; the end-to-end test in `tests/`
//! drives it through a real browser.
#![forbid(unsafe_code)]
// The components only run in a browser; natively the crate is built for its unit tests and
// lints, where nothing mounts them.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod connection;
mod desk;

use yew::prelude::*;
use yew_symphony::{Config, SymphonyProvider};

use crate::connection::Connection;
use crate::desk::{unconfigured, Desk, SettingsForm};

/// The value of a query parameter of the page's URL.
fn page_query(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

/// What the settings form last applied, and what came of it.
#[derive(Clone, PartialEq)]
struct Applied {
    /// The values as typed (shown in the form).
    connection: Connection,
    /// The config the provider runs: the last valid one, `None` until one is valid.
    config: Option<Config>,
    /// Why the last values were refused, if they were.
    error: Option<AttrValue>,
}

impl Applied {
    fn first(connection: Connection, origin: &str) -> Self {
        match connection.to_config(origin) {
            Ok(config) => Self {
                connection,
                config: Some(config),
                error: None,
            },
            Err(error) => Self {
                connection,
                config: None,
                error: Some(error.to_string().into()),
            },
        }
    }

    /// A valid config replaces the running one (the provider starts a new session); an
    /// invalid one leaves the session alone and says why.
    fn apply(&self, connection: Connection, origin: &str) -> Self {
        match connection.to_config(origin) {
            Ok(config) => Self {
                connection,
                config: Some(config),
                error: None,
            },
            Err(error) => Self {
                connection,
                config: self.config.clone(),
                error: Some(error.to_string().into()),
            },
        }
    }
}

/// Loads the page again with these values in its query; false if it could not.
fn reload_with(connection: &Connection) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return false;
    };
    for (name, value) in connection.query_pairs() {
        if !value.is_empty() {
            params.append(name, value);
        }
    }
    let query = String::from(params.to_string());
    window.location().set_search(&query).is_ok()
}

#[function_component]
fn App() -> Html {
    let origin = use_memo((), |()| yew_symphony::page_origin().unwrap_or_default());
    let applied = use_state(|| Applied::first(Connection::from_query(page_query), &origin));
    let on_apply = {
        let (applied, origin) = (applied.clone(), origin.clone());
        Callback::from(move |connection: Connection| {
            // `window.symphony` is one per page: another backend is another page.
            if connection.backend != applied.connection.backend && reload_with(&connection) {
                return;
            }
            applied.set(applied.apply(connection, &origin));
        })
    };
    let settings = html! {
        <SettingsForm
            current={applied.connection.clone()}
            error={applied.error.clone()}
            page_origin={AttrValue::from((*origin).clone())}
            {on_apply}
        />
    };
    match applied.config.clone() {
        Some(config) => {
            let pod = AttrValue::from(config.pod_origin().to_owned());
            let backend = applied.connection.backend;
            html! {
                <SymphonyProvider {config}>
                    <Desk {pod} {backend} {settings} />
                </SymphonyProvider>
            }
        }
        None => unconfigured(settings),
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    yew::Renderer::<App>::new().render();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("symphony-demo runs in a browser: build and serve it with `./x demo`");
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8080";

    fn connection(pod_url: &str) -> Connection {
        Connection {
            pod_url: pod_url.into(),
            partner_id: "desk".into(),
            idle_seconds: String::new(),
            backend: connection::Backend::Protocol,
        }
    }

    #[test]
    fn a_refused_connection_keeps_the_running_config_and_says_why() {
        let first = Applied::first(connection("http://127.0.0.1:9090"), ORIGIN);
        assert!(first.config.is_some() && first.error.is_none());
        let refused = first.apply(connection("http://pod.example.com"), ORIGIN);
        assert_eq!(refused.config, first.config, "the session is left alone");
        assert_eq!(
            refused.connection,
            connection("http://pod.example.com"),
            "the form keeps the input"
        );
        assert!(refused.error.as_deref().is_some_and(|e| e.contains("https")));
        let fixed = refused.apply(connection("https://acme.symphony.com"), ORIGIN);
        assert!(fixed.error.is_none());
        assert_eq!(
            fixed.config.as_ref().map(|c| c.pod_origin().to_owned()),
            Some("https://acme.symphony.com".to_owned())
        );
    }

    #[test]
    fn an_invalid_first_connection_runs_no_session() {
        let first = Applied::first(connection("not a url"), ORIGIN);
        assert!(first.config.is_none());
        assert!(first.error.is_some());
    }
}
