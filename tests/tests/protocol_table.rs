//! The README's table "What is Symphony's and what is ours" names every element of the wire
//! that the session core defines: each action, message, notification type, frame path, URL
//! parameter, tab message and storage key. The names are taken from the core's own types
//! (serialised, or from its constants), so a new one cannot slip in unlisted; the matches
//! below are exhaustive, so a new variant does not compile until it is sampled here.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use symphony_session::protocol::{
    session_mark_key, Action, ActionKind, HostMessage, LogoutAction, NotificationKind, PodMessage, Register,
    SendMessageOptions, Subscription, SubscriptionParams, TabMessage,
};
use symphony_session::{urls, Command, Config, Effect, SdkResult, Session, Settings, Work};

const POD: &str = "https://acme.symphony.com";

fn readme_table() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("the workspace README");
    let start = readme
        .find("## What is Symphony's and what is ours")
        .expect("the README has the section");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_owned()
}

fn actions() -> Vec<ActionKind> {
    let all = vec![
        ActionKind::SetStream {
            stream_id: "s".into(),
            container: None,
        },
        ActionKind::SetSettings(Settings::new().with("mode", "dark")),
        ActionKind::SendMessage {
            message: "hi".into(),
            options: SendMessageOptions {
                mode: "blast".into(),
                stream_ids: vec!["s".into()],
                container: None,
            },
        },
        ActionKind::StartRoom {
            user_ids: vec!["7".into()],
            container: None,
        },
        ActionKind::Logout(LogoutAction::named(Config::DEFAULT_LOGOUT_ACTION)),
    ];
    for kind in &all {
        // A new action does not compile here until it is sampled above.
        match kind {
            ActionKind::SetStream { .. }
            | ActionKind::SetSettings(_)
            | ActionKind::SendMessage { .. }
            | ActionKind::StartRoom { .. }
            | ActionKind::Logout(_) => {}
        }
    }
    all
}

fn notification_kinds() -> Vec<NotificationKind> {
    let all = vec![
        NotificationKind::MessageNotifications,
        NotificationKind::UnreadCountNotifications,
        NotificationKind::GlobalUnreadCountNotifications,
        NotificationKind::ActivityNotifications,
    ];
    for kind in &all {
        match kind {
            NotificationKind::MessageNotifications
            | NotificationKind::UnreadCountNotifications
            | NotificationKind::GlobalUnreadCountNotifications
            | NotificationKind::ActivityNotifications => {}
        }
    }
    all
}

fn host_messages() -> Vec<HostMessage> {
    let mut all: Vec<HostMessage> = actions()
        .into_iter()
        .map(|kind| {
            HostMessage::Action(Action {
                id: "a-1".into(),
                kind,
            })
        })
        .collect();
    all.push(HostMessage::Register(Register {
        iframe_id: "frame".into(),
    }));
    all.extend(notification_kinds().into_iter().map(|kind| {
        HostMessage::Subscription(Subscription {
            kind,
            id: "sub-1".into(),
            params: SubscriptionParams::default(),
        })
    }));
    for message in &all {
        match message {
            HostMessage::Action(_) | HostMessage::Register(_) | HostMessage::Subscription(_) => {}
        }
    }
    all
}

fn pod_messages() -> Vec<PodMessage> {
    let all = vec![
        PodMessage::ClientReady,
        PodMessage::Resolve {
            id: "a-1".into(),
            data: SdkResult::ok(),
        },
        PodMessage::CallbackData {
            id: "sub-1".into(),
            data: Value::Null,
        },
    ];
    for message in &all {
        match message {
            PodMessage::ClientReady | PodMessage::Resolve { .. } | PodMessage::CallbackData { .. } => {}
        }
    }
    all
}

fn tab_messages() -> Vec<TabMessage> {
    let all = vec![
        TabMessage::LoggedOut {
            pod: POD.into(),
            ok: true,
            reason: Some(symphony_session::LogoutReason::Idle),
        },
        TabMessage::Activity {
            pod: POD.into(),
            at: 1,
        },
    ];
    for message in &all {
        match message {
            TabMessage::LoggedOut { .. } | TabMessage::Activity { .. } => {}
        }
    }
    all
}

/// The query parameter names of the main frame's URL (before the settings) and of a child
/// frame, as the core builds them.
fn frame_url_parts() -> BTreeSet<String> {
    let config = Config::builder(POD, "https://app.example.com")
        .partner_id("p")
        .build()
        .expect("config");
    let mut session = Session::new(config);
    session.handle_command(Command::Render {
        container: "main".into(),
        stream_id: Some("s".into()),
        settings: Settings::new(),
    });
    let mut parts = BTreeSet::new();
    while let Some(effect) = session.poll_effect() {
        if let Effect::Work(Work::CreateFrame { url, .. }) = effect {
            let url = url::Url::parse(&url).expect("a URL");
            parts.extend(url.query_pairs().map(|(key, _)| key.into_owned()));
        }
    }
    parts
}

#[test]
fn every_element_of_the_wire_is_in_the_readme_table() {
    let table = readme_table();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for message in host_messages() {
        let value = serde_json::to_value(&message).expect("serialises");
        names.insert(value["eventType"].as_str().expect("eventType").to_owned());
        for key in ["name", "type"] {
            if let Some(name) = value["payload"][key].as_str() {
                names.insert(name.to_owned());
            }
        }
    }
    for message in pod_messages() {
        let value = serde_json::to_value(&message).expect("serialises");
        names.insert(value["eventType"].as_str().expect("eventType").to_owned());
    }
    for message in tab_messages() {
        let value = serde_json::to_value(&message).expect("serialises");
        names.insert(format!("\"type\":\"{}\"", value["type"].as_str().expect("type")));
    }
    names.extend(frame_url_parts());
    for path in [urls::FOCUS_PATH, urls::COLLABORATION_PATH, urls::CHILD_PATH] {
        names.insert(path.to_owned());
    }
    let pod_origin = "<pod origin>";
    names.insert(TabMessage::channel_name(pod_origin));
    names.insert(session_mark_key(pod_origin));
    names.insert(format!(
        "{} {{pod}}{}",
        Config::DEFAULT_LOGOUT_METHOD,
        Config::DEFAULT_LOGOUT_PATH
    ));
    let missing: Vec<_> = names
        .iter()
        .filter(|name| !table.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the README's protocol table: {missing:?}"
    );
    // Every row says where its element comes from.
    let rows: Vec<&str> = table
        .lines()
        .filter(|line| line.starts_with('|') && !line.starts_with("|---") && !line.starts_with("| element"))
        .collect();
    assert!(rows.len() >= 15, "{} rows", rows.len());
    for row in rows {
        let source = row.split('|').nth(3).unwrap_or_default();
        assert!(
            ["documented", "sample", "assumed", "ours"]
                .iter()
                .any(|word| source.contains(word)),
            "a row without its source: {row}"
        );
    }
    // The sanity of the check itself: a name that is not there is found missing.
    assert!(!table.contains("sdk-teleport"));
}
