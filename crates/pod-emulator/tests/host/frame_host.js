// A host page for one main frame of the pod emulator, in Node.js: it loads the frame page
// from the running pod, and runs the page's own inline script (assets/frame.js, as served)
// against a minimal window and document, with the real pod behind `fetch` and the event
// stream. The test drives it over stdin and reads what the frame does on stdout, one JSON
// object a line.
//
//   node frame_host.js POD_URL PATH_AND_QUERY COOKIE
//
// stdin:
//   {"cmd":"post","origin":O,"js":EXPR}   dispatch a `message` event to the frame's window:
//                                         data = structuredClone(EXPR evaluated as JS), so
//                                         keys holding `undefined` stay, as in a browser
//   {"cmd":"dom","type":T}                dispatch a document event (pointerdown, keydown)
//   {"cmd":"channel","js":EXPR}           post EXPR on the frame's BroadcastChannel, as a
//                                         child frame does
// stdout:
//   {"kind":"ack","seq":N}                after each command, in order (N counts from 1)
//   {"kind":"post","targetOrigin":O,"message":M}   window.parent.postMessage(M, O)
//   {"kind":"channel","message":M}        what the frame broadcast to its child frames
//   {"kind":"error","message":S}          an uncaught error in the frame's script
//
// In M, a key whose value is `undefined` is written {"$undefined":true}, so that "absent"
// and "undefined" stay apart.
'use strict';

const vm = require('vm');
const readline = require('readline');

const [podUrl, pathAndQuery, cookie] = process.argv.slice(2);
const pod = new URL(podUrl);
const page = new URL(pathAndQuery, pod);

function out(obj) {
  process.stdout.write(JSON.stringify(obj, (k, v) => (v === undefined && k !== '' ? { $undefined: true } : v)) + '\n');
}

// The browser's fetch for a page of the pod: same-origin, with the page's cookie.
function podFetch(input, init) {
  const options = Object.assign({}, init || {});
  const headers = new Headers(options.headers || {});
  headers.set('cookie', cookie);
  headers.set('origin', pod.origin);
  options.headers = headers;
  delete options.credentials;
  return fetch(new URL(String(input), page), options);
}

// Enough of EventSource for the frame: named events, `onerror`, `close`.
class HostEventSource {
  constructor(url) {
    this.listeners = {};
    this.onerror = null;
    this.closed = false;
    this.abort = new AbortController();
    this.run(url);
  }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  close() { this.closed = true; this.abort.abort(); }
  async run(url) {
    try {
      const resp = await podFetch(url, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal });
      if (!resp.ok) { throw new Error('HTTP ' + resp.status); }
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of resp.body) {
        buf += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          this.dispatch(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    } catch (e) { /* closed or failed */ }
    if (!this.closed && typeof this.onerror === 'function') { this.onerror({}); }
  }
  dispatch(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) { continue; }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) { value = value.slice(1); }
      if (field === 'event') { type = value; } else if (field === 'data') { data.push(value); }
    }
    if (data.length === 0) { return; }
    const event = { type, data: data.join('\n') };
    (this.listeners[type] || []).forEach((fn) => fn(event));
  }
}

function element(tag) {
  return {
    tagName: String(tag).toUpperCase(),
    children: [],
    parentNode: null,
    textContent: '',
    style: {},
    classList: { toggle() {}, add() {}, remove() {} },
    appendChild(child) { this.children.push(child); child.parentNode = this; return child; },
    removeChild(child) { this.children = this.children.filter((c) => c !== child); return child; },
    setAttribute() {},
    addEventListener() {},
  };
}

async function main() {
  const resp = await podFetch(page.href);
  const html = await resp.text();
  const found = /<script type="application\/json" id="boot">([\s\S]*?)<\/script>\n<script>\n([\s\S]*?)<\/script>/.exec(html);
  if (!resp.ok || !found) {
    out({ kind: 'error', message: 'no frame script in the page (HTTP ' + resp.status + ')' });
    process.exit(2);
  }
  const bootText = found[1];
  const script = found[2];

  const windowListeners = {};
  const documentListeners = {};
  const channels = [];
  class HostBroadcastChannel extends BroadcastChannel {
    constructor(name) { super(name); channels.push(this); }
  }
  const parent = {
    postMessage(message, targetOrigin) {
      out({ kind: 'post', targetOrigin, message: structuredClone(message) });
    },
  };
  const body = element('body');
  const document = {
    body,
    getElementById(id) { return id === 'boot' ? { textContent: bootText } : null; },
    createElement: element,
    addEventListener(type, fn) { (documentListeners[type] = documentListeners[type] || []).push(fn); },
  };
  const sandbox = {
    document,
    parent,
    location: { href: page.href, origin: pod.origin, pathname: page.pathname, search: page.search, hash: page.hash },
    fetch: podFetch,
    EventSource: HostEventSource,
    BroadcastChannel: HostBroadcastChannel,
    setTimeout,
    clearTimeout,
    console,
    addEventListener(type, fn) { (windowListeners[type] = windowListeners[type] || []).push(fn); },
  };
  sandbox.window = sandbox;
  sandbox.self = sandbox;
  vm.createContext(sandbox);

  // What the frame broadcasts to its child frames, heard as a child would.
  let channelName = null;
  try { channelName = JSON.parse(bootText).channel; } catch (e) { channelName = null; }
  const child = channelName ? new BroadcastChannel(channelName) : null;
  if (child) {
    child.onmessage = (e) => out({ kind: 'channel', message: e.data });
  }

  process.on('uncaughtException', (e) => out({ kind: 'error', message: String(e && e.stack || e) }));
  process.on('unhandledRejection', (e) => out({ kind: 'error', message: String(e && e.stack || e) }));
  vm.runInContext(script, sandbox, { filename: 'frame.js' });

  let seq = 0;
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    seq += 1;
    const cmd = JSON.parse(line);
    if (cmd.cmd === 'post') {
      const data = structuredClone(vm.runInNewContext('(' + cmd.js + ')'));
      (windowListeners.message || []).forEach((fn) => fn({ type: 'message', origin: cmd.origin, data, source: null }));
    } else if (cmd.cmd === 'dom') {
      (documentListeners[cmd.type] || []).forEach((fn) => fn({ type: cmd.type }));
    } else if (cmd.cmd === 'channel' && child) {
      child.postMessage(vm.runInNewContext('(' + cmd.js + ')'));
    }
    out({ kind: 'ack', seq });
  });
  lines.on('close', () => {
    channels.forEach((c) => c.close());
    if (child) { child.close(); }
    process.exit(0);
  });
}

main().catch((e) => {
  out({ kind: 'error', message: String(e && e.stack || e) });
  process.exit(2);
});
