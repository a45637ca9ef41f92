//! `GET /apps/embed/events`: Server-Sent Events telling signed-in main
//! frames about new messages (injected or sent), and about the activity, system
//! messages and connection events the admin API makes them report.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{current_session, json_error};
use crate::state::{AppState, MessageEvent, Signal};

/// Interval of SSE keep-alive comments.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Streams `ready` once, then one `chat` event per message with an id
/// greater than the cursor (`?since=N` or `Last-Event-ID`), live, and from then on one
/// `activity`, `maestro` or `connection` event per `POST /__emulator/activity`,
/// `/__emulator/maestro` or `/__emulator/connections`.
pub(super) async fn events(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    if current_session(&state, &headers).is_none() {
        return json_error(StatusCode::UNAUTHORIZED, "not signed in");
    }
    let since_query = uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()))
        .and_then(|mut pairs| pairs.find(|(k, _)| k == "since"))
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    let since_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let since = since_query.max(since_header);

    // Subscribe before reading the backlog so nothing falls in between;
    // duplicates are filtered by id.
    let live = BroadcastStream::new(state.shared.events.subscribe());
    let signals = BroadcastStream::new(state.shared.signals.subscribe())
        .filter_map(|item| async move { item.ok().map(signal_event) });
    let backlog = state.messages_since(since);
    let cursor = backlog.last().map_or(since, |e| e.message.id);

    let ready = stream::once(async { Event::default().event("ready").data("{}") });
    let backlog = stream::iter(backlog).map(chat_event);
    let live = live.filter_map(move |item| async move {
        match item {
            Ok(event) if event.message.id > cursor => Some(chat_event(event)),
            // Old duplicates, or a lagging receiver: skip.
            _ => None,
        }
    });
    let shutdown = state.shared.shutdown.clone().cancelled_owned();
    let stream = ready
        .chain(backlog)
        .chain(stream::select(live, signals))
        .map(Ok::<Event, Infallible>)
        .take_until(shutdown);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

fn chat_event(event: MessageEvent) -> Event {
    let id = event.message.id.to_string();
    match Event::default().event("chat").id(id).json_data(&event) {
        Ok(e) => e,
        // Serializing plain strings and numbers cannot fail; keep the stream
        // alive regardless.
        Err(_) => Event::default().comment("unserializable message"),
    }
}

fn signal_event(signal: Signal) -> Event {
    match Event::default()
        .event(signal.event_name())
        .json_data(signal.data())
    {
        Ok(e) => e,
        Err(_) => Event::default().comment("unserializable event"),
    }
}
