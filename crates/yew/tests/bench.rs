//! Benchmarks, run by `./x bench` (release build, headless Chromium, against the pod
//! emulator). This test target is declared with `test = false`, so `./x test` only lints
//! it; `./x bench` runs it with `--test bench -- --nocapture` and collects the `BENCH {json}`
//! lines it prints into `target/bench/results.json` and a table. The benchmarks report
//! figures and never fail on them; they do fail when the work itself goes wrong (a logout
//! not answered `{}`, a frame left behind), because a figure measured on broken work would
//! mean nothing.
//!
//! Our library and a plain hand-written JavaScript baseline (the `inline_js` below) do the
//! same work on the same emulator in the same page, in alternating order, so that the ratio
//! and the difference between them are our own cost. See BENCHMARKS.md for what each figure
//! means.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use symphony_test_support::app::Mounted;

use std::cell::RefCell;

use futures::channel::oneshot;
use futures::future::join_all;
use serde_json::{json, Value};
use support::{
    container, emulator, eventually, logout_requests, our_frames, page_origin, ready, reset, state,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::HtmlIFrameElement;
use yew_symphony::{Config, Mode, RenderOptions, SessionState, Symphony};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
// What the pod's main frames said, as seen by a window listener registered before any
// session's own: the split point between the server round trip and the teardown.
const seen = { logoutAt: 0, readyAt: 0, setStreams: [] };
let installed = false;
export function probe_install(podOrigin) {
  if (installed) { return; }
  installed = true;
  addEventListener('message', (e) => {
    if (e.origin !== podOrigin) { return; }
    const m = e.data;
    if (!m || typeof m !== 'object') { return; }
    if (m.eventType === 'clientReady') {
      seen.readyAt = performance.now();
    } else if (m.eventType === 'sdk-resolve' && m.payload && typeof m.payload.id === 'string') {
      if (m.payload.id.startsWith('logout-')) { seen.logoutAt = performance.now(); }
      if (m.payload.id.startsWith('set-stream-')) { seen.setStreams.push(performance.now()); }
    }
  });
}
export function probe_reset() { seen.logoutAt = 0; seen.readyAt = 0; seen.setStreams = []; }
export function probe_logout_at() { return seen.logoutAt; }
export function probe_ready_at() { return seen.readyAt; }
export function probe_set_streams() { return seen.setStreams.length; }
export function probe_set_stream_at(i) { return seen.setStreams[i]; }
export function now() { return performance.now(); }
// Time spent inside Element.remove(): the browser's own work of taking a frame (or a style
// element) out of the document, for both contestants alike. Subtracted from the teardown,
// what is left is script: ours against the baseline's.
const removal = { ms: 0, calls: 0 };
let patched = false;
export function removal_patch() {
  if (patched) { return; }
  patched = true;
  const original = Element.prototype.remove;
  Element.prototype.remove = function () {
    const t = performance.now();
    try { return original.call(this); } finally { removal.ms += performance.now() - t; removal.calls += 1; }
  };
}
export function removal_reset() { removal.ms = 0; removal.calls = 0; }
export function removal_ms() { return removal.ms; }
export function removal_calls() { return removal.calls; }
export function microtasks() { return Promise.resolve(); }
export function visibility(el) { return getComputedStyle(el).visibility; }
export function next_animation_frame() { return new Promise((resolve) => requestAnimationFrame(resolve)); }
export function memory_bytes(memory) { return memory.buffer.byteLength; }
export function user_agent() { return navigator.userAgent; }
export function cross_origin_isolated() { return !!self.crossOriginIsolated; }

const ALLOW = 'clipboard-read; clipboard-write; fullscreen; camera; microphone; display-capture; autoplay';

// The baseline: what a developer would write by hand to embed the same chats with the same
// iframe protocol. Same URLs, same messages, same origin and source checks, one style rule
// to hide, then remove; no state machine, no timers, no fallback.
export class PlainSession {
  constructor(pod, partnerId) {
    this.pod = new URL(pod);
    this.podOrigin = this.pod.origin;
    this.partnerId = partnerId;
    this.frames = [];
    this.main = null;
    this.ready = false;
    this.outbox = [];
    this.pending = new Map();
    this.seq = 0;
    this.listener = null;
    this.style = null;
  }
  send(msg) {
    if (this.ready) { this.main.contentWindow.postMessage(msg, this.podOrigin); } else { this.outbox.push(msg); }
  }
  frame(containerId, src, title) {
    const f = document.createElement('iframe');
    f.title = title;
    f.setAttribute('allow', ALLOW);
    f.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
    f.setAttribute('data-plain-frame', '1');
    f.setAttribute('style', 'width:100%;height:100%;border:0;display:block');
    f.src = src;
    document.getElementById(containerId).appendChild(f);
    this.frames.push(f);
    return f;
  }
  // Main frame in `containerId` showing `streamId`, plus one child frame per
  // [containerId, streamId] of `children`. Resolves when the main frame said clientReady
  // and every child's set-stream was answered.
  render(containerId, streamId, children) {
    return new Promise((resolve) => {
      let waiting = children.length + 1;
      const done = () => { waiting -= 1; if (waiting === 0) { resolve(); } };
      this.listener = (e) => {
        if (e.origin !== this.podOrigin || !this.main || e.source !== this.main.contentWindow) { return; }
        const m = e.data;
        if (!m || typeof m !== 'object') { return; }
        if (m.eventType === 'clientReady' && !this.ready) {
          this.ready = true;
          const out = this.outbox;
          this.outbox = [];
          for (const msg of out) { this.main.contentWindow.postMessage(msg, this.podOrigin); }
          done();
        } else if (m.eventType === 'sdk-resolve' && m.payload) {
          const answer = this.pending.get(m.payload.id);
          if (answer) { this.pending.delete(m.payload.id); answer(m.payload.data || {}); }
        }
      };
      addEventListener('message', this.listener);
      const url = new URL('/apps/embed/default', this.pod);
      url.searchParams.set('embed', 'true');
      url.searchParams.set('partnerId', this.partnerId);
      url.searchParams.set('streamId', streamId);
      url.searchParams.set('sdkOrigin', location.origin);
      this.main = this.frame(containerId, url.href, 'Symphony Messaging');
      children.forEach(([childContainer, childStream], i) => {
        const id = 'plain-frame-' + (i + 1);
        const src = new URL('/apps/embed/default/frame-root.html', this.pod);
        src.hash = id;
        const child = this.frame(childContainer, src.href, 'Symphony Messaging chat');
        child.addEventListener('load', () => {
          this.send({ eventType: 'sdk-register', payload: { iFrameId: id } });
          const action = 'set-stream-' + (++this.seq);
          this.pending.set(action, done);
          this.send({ eventType: 'sdk-action', payload: { name: 'set-stream', id: action, params: { streamId: childStream, container: '#' + id } } });
        }, { once: true });
      });
    });
  }
  // Hides every frame with one style rule, asks the main frame to log out, removes every
  // frame when it answered; resolves to the answer's data ({} on success).
  logout() {
    this.style = document.createElement('style');
    this.style.textContent = 'iframe[data-plain-frame]{visibility:hidden!important}';
    document.head.appendChild(this.style);
    const id = 'logout-' + (++this.seq);
    return new Promise((resolve) => {
      this.pending.set(id, (data) => {
        for (const f of this.frames) { f.remove(); }
        this.frames = [];
        this.style.remove();
        removeEventListener('message', this.listener);
        this.main = null;
        this.ready = false;
        resolve(data);
      });
      this.send({ eventType: 'sdk-action', payload: { name: 'logout', id, params: {} } });
    });
  }
  frameElements() { return this.frames.slice(); }
}
"#)]
extern "C" {
    fn probe_install(pod_origin: &str);
    fn probe_reset();
    fn probe_logout_at() -> f64;
    fn probe_ready_at() -> f64;
    fn probe_set_streams() -> u32;
    fn probe_set_stream_at(i: u32) -> f64;
    fn now() -> f64;
    fn removal_patch();
    fn removal_reset();
    fn removal_ms() -> f64;
    fn removal_calls() -> u32;
    fn microtasks() -> js_sys::Promise;
    fn visibility(element: &HtmlIFrameElement) -> String;
    fn next_animation_frame() -> js_sys::Promise;
    fn memory_bytes(memory: &JsValue) -> f64;
    fn user_agent() -> String;
    fn cross_origin_isolated() -> bool;

    type PlainSession;
    #[wasm_bindgen(constructor)]
    fn new(pod: &str, partner_id: &str) -> PlainSession;
    #[wasm_bindgen(method)]
    fn render(
        this: &PlainSession,
        container: &str,
        stream_id: &str,
        children: &js_sys::Array,
    ) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn logout(this: &PlainSession) -> js_sys::Promise;
    #[wasm_bindgen(method, js_name = frameElements)]
    fn frame_elements(this: &PlainSession) -> Vec<HtmlIFrameElement>;
}

/// Quick mode (`SYMPHONY_BENCH_QUICK=1 ./x bench`): a few repetitions, to try the harness.
fn reps(full: usize) -> usize {
    if option_env!("SYMPHONY_BENCH_QUICK").is_some() {
        full.min(4)
    } else {
        full
    }
}

fn emit(figure: Value) {
    console_log!("BENCH {figure}");
}

fn progress(text: &str) {
    console_log!("bench: {text}");
}

/// Percentiles by nearest rank, plus the raw samples (ms, rounded to µs).
fn stats(samples: &[f64]) -> Value {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let index = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
        round(sorted[index])
    };
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    json!({
        "p50": rank(0.50),
        "p95": rank(0.95),
        "min": round(sorted[0]),
        "max": round(sorted[sorted.len() - 1]),
        "mean": round(mean),
        "count": sorted.len(),
        "samples": samples.iter().map(|s| round(*s)).collect::<Vec<_>>(),
    })
}

fn p50(samples: &[f64]) -> f64 {
    stats(samples)["p50"].as_f64().unwrap_or(f64::NAN)
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// `{ours, plain, ratio, overhead}` of paired samples.
fn compared(ours: &[f64], plain: &[f64]) -> Value {
    let paired: Vec<f64> = ours.iter().zip(plain).map(|(o, p)| o - p).collect();
    json!({
        "ours": stats(ours),
        "plain": stats(plain),
        "ratio_p50": round(p50(ours) / p50(plain)),
        "overhead_p50_ms": round(p50(ours) - p50(plain)),
        "paired_overhead_p50_ms": round(p50(&paired)),
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    base
}

/// The benchmark's config: the library's defaults (10 s logout timeout, 3 s frame answer).
fn bench_config() -> Config {
    Config::builder(emulator(), page_origin())
        .partner_id("bench")
        .mode(Mode::Focus)
        .build()
        .expect("a valid config")
}

fn pod_origin() -> String {
    bench_config().pod_origin().to_owned()
}

async fn sleep(millis: u32) {
    gloo_timers::future::TimeoutFuture::new(millis).await;
}

/// `n` small containers, `bench-c0` .. `bench-c{n-1}`, shared by both contestants.
fn containers(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let id = format!("bench-c{i}");
            container(&id)
                .set_attribute("style", "width:160px;height:120px;display:inline-block")
                .expect("style");
            id
        })
        .collect()
}

fn remove_containers(ids: &[String]) {
    for id in ids {
        if let Some(element) = support::document().get_element_by_id(id) {
            element.remove();
        }
    }
}

/// Waits until the emulator heard every child frame report its chat, then a little longer:
/// the frames' own start-up traffic must not compete with the logout being measured.
async fn settle(children: usize) {
    let started = now();
    loop {
        let pod = state().await;
        let views = pod["views"].as_array().cloned().unwrap_or_default();
        let mut shown: Vec<&str> = views
            .iter()
            .filter(|v| v["frame"] == "child" && v["page"] == "chat")
            .filter_map(|v| v["iFrameId"].as_str())
            .collect();
        shown.sort_unstable();
        shown.dedup();
        if shown.len() >= children {
            break;
        }
        if now() - started > 5000.0 {
            // Quiet enough by now; say so, the figures of this run stand.
            progress(&format!(
                "warning: after 5 s, {} of {children} child frames reported their chat; views: {}",
                shown.len(),
                Value::from(views)
            ));
            break;
        }
        sleep(20).await;
    }
    sleep(40).await;
}

/// A render that did not finish within a minute: what the pod saw, then fail.
async fn stalled(who: &str, frames: usize) -> ! {
    let pod = state().await;
    let views = pod["views"].as_array().map_or(0, Vec::len);
    panic!(
        "{who}: {frames} frames not rendered within 60 s; frames in the page: {}, pod: framesLoaded {}, \
         sessions {}, views {views}, last views {}",
        support::document()
            .query_selector_all("iframe")
            .map_or(0, |l| l.length()),
        pod["framesLoaded"],
        pod["sessions"],
        Value::from(
            pod["views"]
                .as_array()
                .map(|v| v[v.len().saturating_sub(5)..].to_vec())
                .unwrap_or_default()
        ),
    )
}

/// What one logout measured.
struct LogoutRun {
    /// From the call until the caller has the answer.
    total: f64,
    /// From the call until the pod's answer reached the page.
    server: f64,
    /// From the pod's answer until the caller has it: removing the frames.
    teardown: f64,
    /// The part of `teardown` spent inside `Element.remove()` (the browser's frame teardown).
    removal: f64,
    removal_calls: u32,
    /// The call itself, until its microtasks ran (hiding, posting, timers, observers).
    start: f64,
    /// From the call until the frames' computed style is `visibility: hidden`.
    hidden: f64,
    /// Frames still visible (in the document and not hidden) at the next animation frame.
    visible_next_frame: usize,
}

impl LogoutRun {
    /// Main-thread script time of the logout: everything but the browser's frame removal
    /// and the wait for the pod.
    fn script(&self) -> f64 {
        self.start + self.teardown - self.removal
    }
}

fn visible_count(frames: &[HtmlIFrameElement]) -> usize {
    frames
        .iter()
        .filter(|f| f.is_connected() && visibility(f) != "hidden")
        .count()
}

async fn visible_at_next_frame(frames: &[HtmlIFrameElement]) -> usize {
    let _ = JsFuture::from(next_animation_frame()).await;
    visible_count(frames)
}

/// Ours: render main + `n - 1` children (all requests issued at once), then log out.
async fn ours_once(ids: &[String]) -> (f64, LogoutRun) {
    reset().await;
    let symphony = Symphony::new(bench_config());
    let (ready_tx, ready_rx) = oneshot::channel::<()>();
    let ready_tx = RefCell::new(Some(ready_tx));
    let watch = symphony.on_ready_change(move |ready| {
        if ready {
            if let Some(tx) = ready_tx.borrow_mut().take() {
                let _ = tx.send(());
            }
        }
    });
    let t0 = now();
    let main = symphony.render(&ids[0], RenderOptions::stream("stream-0"));
    let sym = &symphony;
    let children = join_all(
        ids.iter()
            .enumerate()
            .skip(1)
            .map(|(i, id)| async move { sym.open_stream(&format!("stream-{i}"), Some(id)).await }),
    );
    let rendered = support::within(60_000, async { futures::join!(main, children, ready_rx) }).await;
    let Some((main, children, _)) = rendered else {
        stalled("ours", ids.len()).await;
    };
    let render = now() - t0;
    drop(watch);
    main.expect("render");
    for child in children {
        child.expect("open stream in a child frame");
    }
    assert_eq!(our_frames().len(), ids.len());
    settle(ids.len() - 1).await;

    let frames = our_frames();
    let last = frames.last().cloned().expect("a frame");
    probe_reset();
    removal_reset();
    let s = symphony.clone();
    let mut logout = Box::pin(async move { s.logout().await });
    let t0 = now();
    assert!(
        futures::poll!(&mut logout).is_pending(),
        "the pod has to answer first"
    );
    let _ = JsFuture::from(microtasks()).await;
    let t_started = now();
    let hidden = visibility(&last) == "hidden";
    let t_hidden = now();
    assert!(hidden, "frames hidden at once");
    let (done_tx, done_rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let result = logout.await;
        let _ = done_tx.send((result, now()));
    });
    let visible_next_frame = visible_at_next_frame(&frames).await;
    let (result, t_end) = done_rx.await.expect("the logout finished");
    assert_eq!(result, Ok(()));
    let t_answer = probe_logout_at();
    assert!(t_answer > t0, "the probe saw the pod's answer");
    let run = LogoutRun {
        total: t_end - t0,
        server: t_answer - t0,
        teardown: t_end - t_answer,
        removal: removal_ms(),
        removal_calls: removal_calls(),
        start: t_started - t0,
        hidden: t_hidden - t0,
        visible_next_frame,
    };
    assert!(our_frames().is_empty());
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    assert_eq!(
        logout_requests(&state().await),
        (1, 0),
        "one logout, through the main frame"
    );
    drop(symphony);
    (render, run)
}

/// `[[container, stream], ..]` of the children (every container but the first), for the
/// baselines.
fn child_pairs(ids: &[String]) -> js_sys::Array {
    ids.iter()
        .enumerate()
        .skip(1)
        .map(|(i, id)| js_sys::Array::of2(&JsValue::from_str(id), &JsValue::from_str(&format!("stream-{i}"))))
        .collect()
}

/// The plain JavaScript baseline doing the same.
async fn plain_once(ids: &[String]) -> (f64, LogoutRun) {
    reset().await;
    let plain = PlainSession::new(emulator(), "bench");
    let children = child_pairs(ids);
    let t0 = now();
    let Some(rendered) = support::within(
        60_000,
        JsFuture::from(plain.render(&ids[0], "stream-0", &children)),
    )
    .await
    else {
        stalled("plain", ids.len()).await;
    };
    rendered.expect("plain render");
    let render = now() - t0;
    let frames = plain.frame_elements();
    assert_eq!(frames.len(), ids.len());
    settle(ids.len() - 1).await;

    let last = frames.last().cloned().expect("a frame");
    probe_reset();
    removal_reset();
    let t0 = now();
    let promise = plain.logout();
    let _ = JsFuture::from(microtasks()).await;
    let t_started = now();
    let hidden = visibility(&last) == "hidden";
    let t_hidden = now();
    assert!(hidden, "plain frames hidden at once");
    let (done_tx, done_rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let data = JsFuture::from(promise).await;
        let _ = done_tx.send((data, now()));
    });
    let visible_next_frame = visible_at_next_frame(&frames).await;
    let (data, t_end) = done_rx.await.expect("the plain logout finished");
    let data = data.expect("plain logout");
    let t_answer = probe_logout_at();
    assert!(t_answer > t0);
    let run = LogoutRun {
        total: t_end - t0,
        server: t_answer - t0,
        teardown: t_end - t_answer,
        removal: removal_ms(),
        removal_calls: removal_calls(),
        start: t_started - t0,
        hidden: t_hidden - t0,
        visible_next_frame,
    };
    assert_eq!(
        js_sys::Object::keys(data.unchecked_ref::<js_sys::Object>()).length(),
        0,
        "the pod answered {{}}"
    );
    assert!(frames.iter().all(|f| !f.is_connected()));
    assert_eq!(logout_requests(&state().await), (1, 0));
    (render, run)
}

fn start(name: &str) -> f64 {
    probe_install(&pod_origin());
    removal_patch();
    progress(&format!(
        "{name} (page cross-origin isolated: {}, {})",
        cross_origin_isolated(),
        user_agent()
    ));
    now()
}

/// `repetitions` runs of ours and of the baseline at `n` frames, alternating which goes
/// first, after one untimed warm-up of each (ours first), so that first-use costs
/// (compilation, caches; over sdk.js, loading it) stay out.
async fn alternating<T, O, P>(
    n: usize,
    repetitions: usize,
    ours_once: impl Fn() -> O,
    plain_once: impl Fn() -> P,
) -> (Vec<T>, Vec<T>)
where
    O: std::future::Future<Output = T>,
    P: std::future::Future<Output = T>,
{
    ours_once().await;
    plain_once().await;
    let mut ours = Vec::new();
    let mut plain = Vec::new();
    for rep in 0..repetitions {
        if rep % 2 == 0 {
            ours.push(ours_once().await);
            plain.push(plain_once().await);
        } else {
            plain.push(plain_once().await);
            ours.push(ours_once().await);
        }
        if rep % 5 == 4 {
            progress(&format!("{n} frames: {}/{repetitions}", rep + 1));
        }
    }
    (ours, plain)
}

/// Render and logout at `n` frames (main + `n - 1` children), ours against the baseline,
/// alternating which goes first.
async fn render_and_logout(n: usize, repetitions: usize) {
    let ids = containers(n);
    let (ours, plain) = alternating(n, repetitions, || ours_once(&ids), || plain_once(&ids)).await;
    remove_containers(&ids);

    let pick =
        |runs: &[(f64, LogoutRun)], f: fn(&(f64, LogoutRun)) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let render = compared(&pick(&ours, |r| r.0), &pick(&plain, |r| r.0));
    let met = render["ratio_p50"].as_f64().is_some_and(|r| r <= 1.10);
    emit(with(
        json!({"bench": "render", "n": n, "unit": "ms", "target": "ratio <= 1.10", "met": met}),
        render,
    ));

    let total = compared(&pick(&ours, |r| r.1.total), &pick(&plain, |r| r.1.total));
    let ratio = total["ratio_p50"].as_f64().unwrap_or(f64::NAN);
    emit(with(
        json!({"bench": "logout", "n": n, "unit": "ms", "target": "ratio <= 1.10", "met": ratio <= 1.10}),
        total,
    ));
    emit(with(
        json!({"bench": "logout_server", "n": n, "unit": "ms"}),
        compared(&pick(&ours, |r| r.1.server), &pick(&plain, |r| r.1.server)),
    ));
    emit(with(
        json!({"bench": "logout_teardown", "n": n, "unit": "ms"}),
        compared(&pick(&ours, |r| r.1.teardown), &pick(&plain, |r| r.1.teardown)),
    ));
    emit(with(
        json!({"bench": "logout_removal", "n": n, "unit": "ms",
               "calls": {"ours": ours[0].1.removal_calls, "plain": plain[0].1.removal_calls}}),
        compared(&pick(&ours, |r| r.1.removal), &pick(&plain, |r| r.1.removal)),
    ));
    let script = compared(&pick(&ours, |r| r.1.script()), &pick(&plain, |r| r.1.script()));
    let overhead = script["overhead_p50_ms"].as_f64().unwrap_or(f64::NAN);
    emit(with(
        json!({"bench": "logout_script", "n": n, "unit": "ms",
               "target": "overhead p50 <= 1 ms", "met": overhead <= 1.0}),
        script,
    ));
    let hidden = compared(&pick(&ours, |r| r.1.hidden), &pick(&plain, |r| r.1.hidden));
    let visible_ours = ours.iter().map(|r| r.1.visible_next_frame).max().unwrap_or(0);
    let visible_plain = plain.iter().map(|r| r.1.visible_next_frame).max().unwrap_or(0);
    let met = hidden["ours"]["p95"].as_f64().is_some_and(|p| p <= 16.0) && visible_ours == 0;
    emit(with(
        json!({
            "bench": "hidden", "n": n, "unit": "ms",
            "visible_next_frame_max": {"ours": visible_ours, "plain": visible_plain},
            "target": "p95 <= 16 ms, nothing visible at the next frame", "met": met,
        }),
        hidden,
    ));
}

#[wasm_bindgen_test]
async fn bench_1_render_and_logout() {
    let started = start("render and logout, ours against the plain JavaScript baseline");
    for (n, full) in [(1, 60), (10, 40), (50, 16), (100, 16)] {
        render_and_logout(n, reps(full)).await;
    }
    progress(&format!("render and logout: {:.0} s", (now() - started) / 1000.0));
}

/// Renders through the Yew provider: `n` mounted `<SymphonyChat>`s, the first the main
/// frame. Ends when the main frame is ready and `n - 1` set-stream actions were answered.
async fn yew_render_once(n: usize) -> f64 {
    reset().await;
    probe_reset();
    let chats: Vec<(String, String)> = (0..n)
        .map(|i| (format!("yew-c{i}"), format!("stream-{i}")))
        .collect();
    let t0 = now();
    let app = Mounted::provider_app(bench_config(), chats);
    eventually(30_000, "the chats rendered through Yew", || async move {
        probe_ready_at() > 0.0 && probe_set_streams() as usize >= n - 1
    })
    .await;
    let end = if n > 1 {
        probe_ready_at().max(probe_set_stream_at(n as u32 - 2))
    } else {
        probe_ready_at()
    };
    let agent = app.rendered_agent().await;
    let _ = agent.logout().await;
    drop(agent);
    app.unmount();
    eventually(5000, "the provider released", || async {
        yew_symphony::live_counts().instances == 0
    })
    .await;
    end - t0
}

async fn plain_render_once(n: usize) -> f64 {
    let ids = containers(n);
    let (render, _) = plain_once(&ids).await;
    remove_containers(&ids);
    render
}

#[wasm_bindgen_test]
async fn bench_2_render_through_yew() {
    start("render through the Yew provider (<SymphonyChat> each), against the baseline");
    // The chats' containers get the same size as the baseline's.
    let style = support::document().create_element("style").expect("style");
    style.set_text_content(Some(
        ".provider-app-chat{width:160px;height:120px;display:inline-block}",
    ));
    support::document()
        .head()
        .expect("head")
        .append_child(&style)
        .expect("append");
    for (n, full) in [(1, 20), (10, 12), (50, 6)] {
        let repetitions = reps(full);
        yew_render_once(n).await;
        let mut ours = Vec::new();
        let mut plain = Vec::new();
        for _ in 0..repetitions {
            ours.push(yew_render_once(n).await);
            plain.push(plain_render_once(n).await);
        }
        let figure = compared(&ours, &plain);
        let met = figure["ratio_p50"].as_f64().is_some_and(|r| r <= 1.10);
        emit(with(
            json!({"bench": "render_yew", "n": n, "unit": "ms", "target": "ratio <= 1.10", "met": met}),
            figure,
        ));
    }
}

#[wasm_bindgen_test]
async fn bench_3_concurrent_logouts_through_the_agent() {
    start("concurrent logout requesters through the Yew agent");
    let app = Mounted::provider_app(bench_config(), Vec::new());
    let agent = app.rendered_agent().await;
    for (k, full) in [(1, 10), (10, 10), (100, 10), (1000, 10)] {
        let mut answered = Vec::new();
        let mut requests = Vec::new();
        let mut same = true;
        for _ in 0..reps(full) {
            reset().await;
            container("bench-agent");
            agent
                .render_into("bench-agent", RenderOptions::stream("stream-0"))
                .await
                .expect("render");
            ready(agent.symphony()).await;
            let t0 = now();
            let results = join_all((0..k).map(|_| agent.logout())).await;
            answered.push(now() - t0);
            same &= results.iter().all(|r| *r == results[0]) && results[0] == Ok(());
            let (frame, http) = logout_requests(&state().await);
            requests.push(frame + http);
        }
        let min = requests.iter().copied().min().unwrap_or(0);
        let max = requests.iter().copied().max().unwrap_or(0);
        emit(json!({
            "bench": "concurrent_logout", "n": k, "unit": "ms",
            "answered": stats(&answered),
            "server_requests": {"min": min, "max": max},
            "all_answered_the_same": same,
            "target": "exactly 1 server request", "met": min == 1 && max == 1 && same,
        }));
    }
    drop(agent);
    app.unmount();
}

#[wasm_bindgen_test]
async fn bench_4_render_logout_cycles() {
    let started = start("render -> logout cycles");
    let cycles = if option_env!("SYMPHONY_BENCH_QUICK").is_some() {
        50
    } else {
        1000
    };
    let memory = wasm_bindgen::memory();
    container("bench-cycle");
    let symphony = Symphony::new(bench_config());
    let before = memory_bytes(&memory);
    let live_before = yew_symphony::live_counts();
    let mut durations = Vec::with_capacity(cycles);
    let mut results_ok = 0;
    for cycle in 0..cycles {
        // Signed in every time (a reset makes the emulator sign the browser in again), so
        // that each logout goes through the main frame.
        reset().await;
        let t0 = now();
        symphony
            .render("bench-cycle", RenderOptions::stream("stream-0"))
            .await
            .expect("render");
        ready(&symphony).await;
        if symphony.logout().await == Ok(()) {
            results_ok += 1;
        }
        durations.push(now() - t0);
        if cycle % 100 == 99 {
            progress(&format!("cycles: {}/{cycles}", cycle + 1));
        }
    }
    // Listener drops are deferred by one task.
    sleep(0).await;
    let live = yew_symphony::live_counts();
    let after = memory_bytes(&memory);
    let diagnostics = symphony.diagnostics();
    let frames_left = our_frames().len().max(live.frames);
    drop(symphony);
    sleep(0).await;
    let released = yew_symphony::live_counts();
    let growth = after - before;
    emit(json!({
        "bench": "cycles", "n": cycles,
        "cycle_ms": stats(&durations),
        "logouts_ok": results_ok,
        "frames_left": frames_left,
        "listeners_left": live.message_listeners,
        "timers_left": diagnostics.timers,
        "http_requests_left": diagnostics.http_requests,
        "live_before": {"instances": live_before.instances, "frames": live_before.frames, "listeners": live_before.message_listeners},
        "live_after_drop": {"instances": released.instances, "frames": released.frames, "listeners": released.message_listeners},
        "memory_before": before, "memory_after": after, "memory_growth": growth,
        "target": "0 frames, 0 listeners, memory growth <= 64 KiB",
        "met": frames_left == 0 && live.message_listeners == 0 && growth <= 65536.0 && results_ok == cycles,
    }));
    progress(&format!("cycles: {:.0} s", (now() - started) / 1000.0));
}

// ---- Over Symphony's sdk.js (feature `sdk-js`): ours drives `window.symphony` through the
// library; the baseline calls the same `window.symphony` itself, as an app without the
// library would. Same page, same (stand-in) sdk.js, alternating order.

#[cfg(feature = "sdk-js")]
#[wasm_bindgen(inline_js = r#"
export async function sdk_plain_render(mainId, children) {
  const s = window.symphony;
  document.getElementById(mainId).classList.add('symphony-ecm');
  const rendered = await s.render('symphony-ecm', { streamId: 'stream-0' });
  if (rendered && rendered.error) { throw new Error(rendered.error.message); }
  const opened = await Promise.all(children.map(([id, stream]) => s.openStream(stream, '#' + id)));
  for (const o of opened) { if (o && o.error) { throw new Error(o.error.message); } }
}
export function sdk_plain_logout() { return window.symphony.logout(); }
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn sdk_plain_render(main_id: &str, children: &js_sys::Array) -> Result<js_sys::Promise, JsValue>;
    fn sdk_plain_logout() -> js_sys::Promise;
}

#[cfg(feature = "sdk-js")]
fn sdk_bench_config() -> Config {
    Config::builder(emulator(), page_origin())
        .partner_id("bench")
        .mode(Mode::Focus)
        .transport(yew_symphony::Transport::SdkJs)
        .build()
        .expect("a valid config")
}

/// The iframes in these containers (sdk.js made them).
#[cfg(feature = "sdk-js")]
fn sdk_frames(ids: &[String]) -> Vec<HtmlIFrameElement> {
    ids.iter()
        .filter_map(|id| support::document().get_element_by_id(id))
        .flat_map(|c| {
            let list = c.query_selector_all("iframe").expect("selector");
            (0..list.length())
                .filter_map(|i| list.item(i)?.dyn_into::<HtmlIFrameElement>().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What one logout over sdk.js measured: until the caller has the answer, and until no
/// frame is visible (hidden, or removed).
#[cfg(feature = "sdk-js")]
struct SdkRun {
    render: f64,
    total: f64,
    hidden: f64,
    visible_next_frame: usize,
}

/// Waits (polling each animation frame) until none of `frames` is visible; the time then.
#[cfg(feature = "sdk-js")]
async fn none_visible(frames: &[HtmlIFrameElement]) -> f64 {
    while visible_count(frames) > 0 {
        let _ = JsFuture::from(next_animation_frame()).await;
    }
    now()
}

#[cfg(feature = "sdk-js")]
async fn sdk_ours_once(ids: &[String]) -> SdkRun {
    reset().await;
    let symphony = Symphony::new(sdk_bench_config());
    let t0 = now();
    let main = symphony.render(&ids[0], RenderOptions::stream("stream-0"));
    let sym = &symphony;
    let children = join_all(
        ids.iter()
            .enumerate()
            .skip(1)
            .map(|(i, id)| async move { sym.open_stream(&format!("stream-{i}"), Some(id)).await }),
    );
    let Some((main, children)) = support::within(60_000, async { futures::join!(main, children) }).await
    else {
        stalled("ours over sdk.js", ids.len()).await;
    };
    let render = now() - t0;
    main.expect("render over sdk.js");
    for child in children {
        child.expect("open stream in a child frame over sdk.js");
    }
    let frames = sdk_frames(ids);
    assert_eq!(frames.len(), ids.len());
    settle(ids.len() - 1).await;

    let s = symphony.clone();
    let mut logout = Box::pin(async move { s.logout().await });
    let t0 = now();
    assert!(
        futures::poll!(&mut logout).is_pending(),
        "sdk.js has to answer first"
    );
    let hidden_at = none_visible(&frames).await;
    let (done_tx, done_rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let result = logout.await;
        let _ = done_tx.send((result, now()));
    });
    let visible_next_frame = visible_at_next_frame(&frames).await;
    let (result, t_end) = done_rx.await.expect("the logout finished");
    assert_eq!(result, Ok(()));
    assert!(sdk_frames(ids).is_empty(), "no frame left");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    assert_eq!(
        logout_requests(&state().await),
        (0, 1),
        "sdk.js's one logout request"
    );
    drop(symphony);
    SdkRun {
        render,
        total: t_end - t0,
        hidden: hidden_at - t0,
        visible_next_frame,
    }
}

#[cfg(feature = "sdk-js")]
async fn sdk_plain_once(ids: &[String]) -> SdkRun {
    reset().await;
    let children = child_pairs(ids);
    let t0 = now();
    let promise = sdk_plain_render(&ids[0], &children).expect("window.symphony is there");
    let Some(rendered) = support::within(60_000, JsFuture::from(promise)).await else {
        stalled("plain over sdk.js", ids.len()).await;
    };
    rendered.expect("plain render over sdk.js");
    let render = now() - t0;
    let frames = sdk_frames(ids);
    assert_eq!(frames.len(), ids.len());
    settle(ids.len() - 1).await;

    let t0 = now();
    let promise = sdk_plain_logout();
    let (done_tx, done_rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let data = JsFuture::from(promise).await;
        let _ = done_tx.send((data, now()));
    });
    let visible_next_frame = visible_at_next_frame(&frames).await;
    let hidden_at = none_visible(&frames).await;
    let (data, t_end) = done_rx.await.expect("the plain logout finished");
    let data = data.expect("plain logout over sdk.js");
    assert_eq!(
        js_sys::Object::keys(data.unchecked_ref::<js_sys::Object>()).length(),
        0,
        "sdk.js answered {{}}"
    );
    assert!(sdk_frames(ids).is_empty());
    assert_eq!(logout_requests(&state().await), (0, 1));
    SdkRun {
        render,
        total: t_end - t0,
        hidden: hidden_at - t0,
        visible_next_frame,
    }
}

/// Render and logout over sdk.js, ours against the page calling `window.symphony` itself,
/// at 1, 10 and 100 frames (a render and `n - 1` `openStream`s into child containers).
#[cfg(feature = "sdk-js")]
#[wasm_bindgen_test]
async fn bench_5_over_sdk_js() {
    let started = start("over sdk.js: render and logout, ours against window.symphony called directly");
    for (n, full) in [(1, 30), (10, 16), (100, 8)] {
        let repetitions = reps(full);
        let ids = containers(n);
        // The warm-up of ours loads sdk.js into the page.
        let (ours, plain) =
            alternating(n, repetitions, || sdk_ours_once(&ids), || sdk_plain_once(&ids)).await;
        remove_containers(&ids);
        let pick = |runs: &[SdkRun], f: fn(&SdkRun) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
        let render = compared(&pick(&ours, |r| r.render), &pick(&plain, |r| r.render));
        let met = render["ratio_p50"].as_f64().is_some_and(|r| r <= 1.10);
        emit(with(
            json!({"bench": "sdk_render", "n": n, "unit": "ms", "target": "ratio <= 1.10", "met": met}),
            render,
        ));
        let total = compared(&pick(&ours, |r| r.total), &pick(&plain, |r| r.total));
        let overhead = total["overhead_p50_ms"].as_f64().unwrap_or(f64::NAN);
        emit(with(
            json!({"bench": "sdk_logout", "n": n, "unit": "ms",
                   "target": "overhead p50 <= 5 ms", "met": overhead <= 5.0}),
            total,
        ));
        let hidden = compared(&pick(&ours, |r| r.hidden), &pick(&plain, |r| r.hidden));
        let visible_ours = ours.iter().map(|r| r.visible_next_frame).max().unwrap_or(0);
        let visible_plain = plain.iter().map(|r| r.visible_next_frame).max().unwrap_or(0);
        let met = hidden["ours"]["p95"].as_f64().is_some_and(|p| p <= 16.0) && visible_ours == 0;
        emit(with(
            json!({
                "bench": "sdk_hidden", "n": n, "unit": "ms",
                "visible_next_frame_max": {"ours": visible_ours, "plain": visible_plain},
                "target": "p95 <= 16 ms, nothing visible at the next frame", "met": met,
            }),
            hidden,
        ));
    }
    progress(&format!("over sdk.js: {:.0} s", (now() - started) / 1000.0));
}
