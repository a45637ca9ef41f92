// Frame script of the pod emulator. All data comes from the JSON element
// #boot; nothing from the request is ever interpolated into this script.
(function () {
  'use strict';

  var bootEl = document.getElementById('boot');
  if (!bootEl) { return; }
  var boot;
  try { boot = JSON.parse(bootEl.textContent); } catch (e) { return; }

  var SUB_TYPES = ['MessageNotifications', 'UnreadCountNotifications', 'GlobalUnreadCountNotifications', 'ActivityNotifications', 'ConnectionNotifications'];
  var CANNED_STREAMS = [
    { id: 'general-emulator-stream', name: 'General' },
    { id: 'trading-desk-emulator-stream', name: 'Trading desk' },
    { id: 'support-emulator-stream', name: 'Support' }
  ];

  function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function byId(id) { return document.getElementById(id); }
  function setText(id, text) { var el = byId(id); if (el) { el.textContent = text; } }
  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  var channel = null;
  try {
    if (typeof BroadcastChannel === 'function') { channel = new BroadcastChannel(boot.channel); }
  } catch (e) { channel = null; }

  var view = {
    streamId: typeof boot.streamId === 'string' ? boot.streamId : '',
    room: null,
    user: typeof boot.user === 'string' ? boot.user : '',
    settings: isObject(boot.settings) ? boot.settings : {},
    messages: [],
    seen: {},
    unread: {},
    notes: [],
    signedIn: typeof boot.user === 'string' && boot.user !== ''
  };

  function initials(name) {
    var words = String(name || '').split(/\s+/).filter(Boolean);
    var out = words.length > 1 ? words[0].charAt(0) + words[1].charAt(0) : String(name || '').replace(/\s+/g, '').slice(0, 2);
    return out.toUpperCase();
  }

  function clock(date) {
    var h = date.getHours(), m = date.getMinutes();
    return (h < 10 ? '0' : '') + h + ':' + (m < 10 ? '0' : '') + m;
  }

  function settingText(v) { return typeof v === 'string' ? v : JSON.stringify(v); }

  function applyTheme() {
    var dark = view.settings.mode === 'dark';
    document.body.classList.toggle('theme-dark', dark);
    document.body.classList.toggle('theme-light', !dark);
  }

  function renderSettings() {
    var keys = Object.keys(view.settings);
    var text = keys.length ? keys.map(function (k) { return k + '=' + settingText(view.settings[k]); }).join(', ') : '(none)';
    setText('settings', 'settings: ' + text);
  }

  // Records a message event once (by server id). Returns true if new.
  function remember(ev) {
    if (!isObject(ev) || typeof ev.id !== 'number' || view.seen[ev.id]) { return false; }
    view.seen[ev.id] = true;
    ev.receivedAt = ev.receivedAt || Date.now();
    view.messages.push(ev);
    if (typeof ev.unread === 'number') { view.unread[ev.streamId] = ev.unread; }
    return true;
  }

  function cannedFor(streamId, room) {
    var first = room
      ? { fromName: 'Symphony', text: 'Room created with users ' + room.join(', ') + '.', time: '09:00' }
      : { fromName: 'Symphony Bot', text: 'Welcome to ' + streamId + '. This conversation is served by the local pod emulator.', time: '09:00' };
    return [
      first,
      { fromName: 'Ada Lovelace', text: 'Morning! Is the embedded chat loading for you?', time: '09:01' },
      { fromName: 'Grace Hopper', text: 'Loud and clear. Messages sent from the host app show up here.', time: '09:02' }
    ];
  }

  function messageElement(m) {
    var li = document.createElement('li');
    li.className = 'msg' + (m.fromName === view.user && m.source === 'frame' ? ' own' : '') + (m.note ? ' note' : '');
    if (typeof m.id === 'number') { li.setAttribute('data-id', String(m.id)); }
    var avatar = document.createElement('span');
    avatar.className = 'avatar';
    avatar.textContent = initials(m.fromName);
    var body = document.createElement('div');
    body.className = 'msg-body';
    var meta = document.createElement('div');
    meta.className = 'meta';
    var from = document.createElement('b');
    from.className = 'from';
    from.textContent = m.fromName;
    var time = document.createElement('time');
    time.textContent = m.time || clock(new Date(m.receivedAt || Date.now()));
    meta.appendChild(from);
    meta.appendChild(time);
    var text = document.createElement('div');
    text.className = 'text';
    text.textContent = m.text;
    body.appendChild(meta);
    body.appendChild(text);
    li.appendChild(avatar);
    li.appendChild(body);
    return li;
  }

  function renderMessages() {
    var list = byId('messages');
    if (!list) { return; }
    list.textContent = '';
    if (!view.streamId) {
      var empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No stream selected.';
      list.appendChild(empty);
      return;
    }
    var shown = cannedFor(view.streamId, view.room)
      .concat(view.messages.filter(function (m) { return m.streamId === view.streamId; }))
      .concat(view.notes.filter(function (n) { return n.streamId === view.streamId; }));
    shown.forEach(function (m) { list.appendChild(messageElement(m)); });
    list.scrollTop = list.scrollHeight;
  }

  function appendMessage(m) {
    var list = byId('messages');
    if (!list || m.streamId !== view.streamId) { return; }
    list.appendChild(messageElement(m));
    list.scrollTop = list.scrollHeight;
  }

  function renderHeader() {
    setText('stream', view.streamId);
    setText('stream-title', view.room
      ? 'Room with users ' + view.room.join(', ')
      : (view.streamId ? '# ' + view.streamId : 'No stream selected'));
    setText('user', view.user);
    setText('avatar', initials(view.user));
    var room = byId('room');
    if (room) {
      room.hidden = !view.room;
      room.textContent = view.room ? 'room: ' + view.room.join(', ') : '';
    }
  }

  function renderStreamList() {
    var list = byId('stream-list');
    if (!list) { return; }
    list.textContent = '';
    var entries = [];
    var known = {};
    function add(id, name) {
      if (!id || known[id]) { return; }
      known[id] = true;
      entries.push({ id: id, name: name || id });
    }
    add(view.streamId);
    CANNED_STREAMS.forEach(function (s) { add(s.id, s.name); });
    view.messages.forEach(function (m) { add(m.streamId); });
    entries.forEach(function (s) {
      var li = document.createElement('li');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'stream-item' + (s.id === view.streamId ? ' active' : '');
      var name = document.createElement('span');
      name.className = 'stream-name';
      name.textContent = s.name;
      button.appendChild(name);
      var unread = view.unread[s.id];
      if (unread && s.id !== view.streamId) {
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = String(unread);
        button.appendChild(badge);
      }
      button.addEventListener('click', function () { showStream(s.id, null); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function renderAll() {
    applyTheme();
    renderHeader();
    renderSettings();
    renderMessages();
    renderStreamList();
  }

  // View reports (GET /__emulator/state -> views): this frame tells the pod
  // what it shows, on load and whenever that changes. Reports go one after
  // the other, so the pod receives them in order.
  var lastReport = null;
  var reports = Promise.resolve();
  var shows = 0; // set-streams this frame was shown so far (a main frame's own, or a child's)

  function reportView(page) {
    var child = boot.kind === 'child';
    var report = JSON.stringify({
      frame: child ? 'child' : 'main',
      mode: child ? null : (boot.variant === 'collaboration' ? 'collaboration' : 'focus'),
      page: page,
      user: page !== 'signin' && view.signedIn && view.user ? view.user : null,
      streamId: page === 'chat' && view.streamId ? view.streamId : null,
      iFrameId: child && location.hash.length > 1 ? location.hash.slice(1) : null,
      shows: shows
    });
    if (report === lastReport || typeof fetch !== 'function') { return; }
    lastReport = report;
    reports = reports.then(function () {
      return fetch('/apps/embed/views', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: report
      });
    }).then(function () { /* recorded */ }, function () { /* best effort */ });
  }

  function showStream(streamId, room) {
    view.streamId = streamId;
    view.room = room || null;
    renderAll();
    reportView('chat');
  }

  // A message event arrived (event stream, own send, or relayed by the main
  // frame). Returns true if it was new.
  function receive(ev) {
    if (!remember(ev)) { return false; }
    appendMessage(ev);
    renderStreamList();
    return true;
  }

  function postJson(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) {
          var err = new Error(isObject(data) && typeof data.error === 'string' ? data.error : 'HTTP status ' + resp.status);
          err.status = resp.status;
          throw err;
        }
        return data;
      });
    });
  }

  function wireComposer(send) {
    var form = byId('composer');
    var input = byId('composer-input');
    if (!form || !input) { return; }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text || !view.streamId || !view.signedIn) { return; }
      input.value = '';
      send(text);
    });
  }

  function buildSignIn(note) {
    var main = document.createElement('main');
    main.className = 'center';
    var card = document.createElement('div');
    card.className = 'card';
    card.id = 'signin';
    var brandEl = document.createElement('div');
    brandEl.className = 'brand';
    var logo = document.createElement('span');
    logo.className = 'logo';
    logo.textContent = 'S';
    var brandName = document.createElement('span');
    brandName.className = 'brand-name';
    brandName.textContent = 'Symphony (emulator)';
    brandEl.appendChild(logo);
    brandEl.appendChild(brandName);
    var h1 = document.createElement('h1');
    h1.textContent = 'Sign in';
    var p = document.createElement('p');
    p.className = 'muted';
    p.textContent = note;
    var form = document.createElement('form');
    form.method = 'post';
    form.action = '/login';
    var label = document.createElement('label');
    label.htmlFor = 'signin-user';
    label.textContent = 'User name';
    var user = document.createElement('input');
    user.id = 'signin-user';
    user.name = 'user';
    user.required = true;
    user.autocomplete = 'username';
    var ret = document.createElement('input');
    ret.type = 'hidden';
    ret.name = 'return';
    ret.value = location.pathname + location.search;
    var button = document.createElement('button');
    button.type = 'submit';
    button.textContent = 'Sign in';
    form.appendChild(label);
    form.appendChild(user);
    form.appendChild(ret);
    form.appendChild(button);
    card.appendChild(brandEl);
    card.appendChild(h1);
    card.appendChild(p);
    card.appendChild(form);
    main.appendChild(card);
    return main;
  }

  // ---------------------------------------------------------------- main --
  function startMain() {
    var children = {};
    var subs = [];
    var answering = boot.fault !== 'noAnswer';
    var source = null;
    var sseOpened;
    var sseOpen = new Promise(function (resolve) { sseOpened = resolve; });

    (Array.isArray(boot.messages) ? boot.messages : []).forEach(remember);

    function post(msg) {
      if (window.parent && window.parent !== window) {
        try { window.parent.postMessage(msg, boot.sdkOrigin); } catch (e) { /* nothing to do */ }
      }
    }
    function resolveAction(id, data) {
      post({ eventType: 'sdk-resolve', payload: { id: id, data: data || {} } });
    }
    function rejectAction(id, message, data) {
      resolveAction(id, { error: { type: 'ERROR', message: message, data: data || {} } });
    }
    function failure(message, data) {
      var err = new Error(message);
      err.emulatorData = data || {};
      return err;
    }
    function broadcast(msg) {
      if (channel) { try { channel.postMessage(msg); } catch (e) { /* closed */ } }
    }

    // One notification for subscription `s`. The objects are the pod's (built on the
    // server, as Symphony documents them); `data` undefined means "no payload": the key
    // is left out.
    function callback(s, data) {
      var payload = { id: s.id };
      if (data !== undefined) { payload.data = data; }
      post({ eventType: 'sdk-callback-data', payload: payload });
    }

    function forStream(s, streamId) { return !s.streamId || s.streamId === streamId; }

    // A new chat message: MessageNotifications (a social message), UnreadCount and
    // GlobalUnreadCount notifications.
    function notify(ev) {
      var objects = isObject(ev.notifications) ? ev.notifications : {};
      subs.forEach(function (s) {
        if ((s.type === 'MessageNotifications' || s.type === 'UnreadCountNotifications') && forStream(s, ev.streamId)) {
          callback(s, objects[s.type]);
        } else if (s.type === 'GlobalUnreadCountNotifications') {
          callback(s, objects[s.type]);
        }
      });
    }

    // A system message: only for the MessageNotifications asked withMaestroMessages.
    function maestro(data) {
      subs.forEach(function (s) {
        if (s.type === 'MessageNotifications' && s.maestro && forStream(s, data.streamId)) { callback(s, data); }
      });
    }

    // A connection event, for the subscriptions whose status filter lets it through.
    function connection(data) {
      subs.forEach(function (s) {
        if (s.type === 'ConnectionNotifications' && (!s.statuses || s.statuses.indexOf(data.status) >= 0)) {
          callback(s, data);
        }
      });
    }

    // The user did something in this frame or one of its child frames: no payload.
    function activity() {
      subs.forEach(function (s) {
        if (s.type === 'ActivityNotifications') { callback(s); }
      });
    }

    function deliver(ev) {
      if (receive(ev)) {
        notify(ev);
        broadcast({ kind: 'message', message: ev });
      }
    }

    function connect() {
      if (typeof EventSource !== 'function') { sseOpened(); return; }
      source = new EventSource('/apps/embed/events?since=' + encodeURIComponent(String(boot.lastMessageId || 0)));
      source.addEventListener('ready', function () { sseOpened(); });
      source.addEventListener('chat', function (e) {
        var ev;
        try { ev = JSON.parse(e.data); } catch (err) { return; }
        deliver(ev);
      });
      source.addEventListener('activity', function () { activity(); });
      source.addEventListener('maestro', function (e) {
        var data;
        try { data = JSON.parse(e.data); } catch (err) { return; }
        if (isObject(data)) { maestro(data); }
      });
      source.addEventListener('connection', function (e) {
        var data;
        try { data = JSON.parse(e.data); } catch (err) { return; }
        if (isObject(data)) { connection(data); }
      });
      source.onerror = function () {
        sseOpened();
        if (!view.signedIn && source) { source.close(); }
      };
    }

    function containerId(c) {
      if (typeof c !== 'string') { return null; }
      var id = c.charAt(0) === '#' ? c.slice(1) : c;
      return id || null;
    }

    function sendShow(cid) {
      var c = children[cid];
      if (!c || !c.streamId) { return; }
      broadcast({
        kind: 'show',
        target: cid,
        streamId: c.streamId,
        room: c.room,
        user: view.user,
        settings: view.settings,
        messages: view.messages.filter(function (m) { return m.streamId === c.streamId; })
      });
    }

    // Shows a stream; resolves as Symphony documents openStream and startRoom:
    // {streamId, userIds?} (a room's members as they were asked for).
    function showIn(container, streamId, room) {
      var shown = { streamId: streamId };
      if (room) { shown.userIds = room.slice(); }
      if (container === undefined || container === null || container === '') {
        shows += 1;
        showStream(streamId, room);
        return shown;
      }
      var cid = containerId(container);
      if (!cid || !has(children, cid)) {
        throw failure('unknown container ' + JSON.stringify(container) + ': register the child frame first', { container: container });
      }
      children[cid] = { streamId: streamId, room: room || null };
      sendShow(cid);
      return shown;
    }

    function sendTo(streams, text) {
      return Promise.all(streams.map(function (s) {
        return postJson('/apps/embed/messages', { streamId: s, text: text });
      })).then(function (events) {
        events.forEach(deliver);
        if (view.streamId && streams.indexOf(view.streamId) < 0) {
          var note = { streamId: view.streamId, fromName: view.user, text: 'You sent "' + text + '" to ' + streams.join(', '), note: true, receivedAt: Date.now() };
          view.notes.push(note);
          appendMessage(note);
        }
        // As Symphony documents sendMessage: {streamId?, messages: [{messageId, streamId}]}.
        var sent = {
          messages: events.map(function (ev) { return { messageId: String(ev.id), streamId: ev.streamId }; })
        };
        if (streams.length === 1) { sent.streamId = streams[0]; }
        return sent;
      }, function (err) {
        throw failure('send-message failed: ' + err.message, err.status ? { status: err.status } : {});
      });
    }

    function signOut() {
      view.signedIn = false;
      if (source) { source.close(); source = null; }
      broadcast({ kind: 'signed-out' });
      var app = byId('chat');
      if (app && app.parentNode) { app.parentNode.removeChild(app); }
      document.body.appendChild(buildSignIn('You have been signed out.'));
      reportView('signin');
    }

    var actions = {
      'set-stream': function (params) {
        if (typeof params.streamId !== 'string' || params.streamId === '') {
          throw failure('set-stream needs a non-empty string streamId', {});
        }
        return showIn(params.container, params.streamId, null);
      },
      'set-settings': function (params, raw) {
        if (!isObject(raw)) { throw failure('set-settings needs a settings object', {}); }
        Object.keys(raw).forEach(function (k) { view.settings[k] = raw[k]; });
        applyTheme();
        renderSettings();
        broadcast({ kind: 'settings', settings: view.settings });
        return {};
      },
      'send-message': function (params) {
        var text = params.message;
        if (typeof text !== 'string' || text.trim() === '') {
          throw failure('send-message needs a non-empty string message', {});
        }
        var options = isObject(params.options) ? params.options : {};
        var streams;
        if (Array.isArray(options.streamIds) && options.streamIds.length > 0) {
          if (!options.streamIds.every(function (s) { return typeof s === 'string' && s !== ''; })) {
            throw failure('send-message options.streamIds must be non-empty strings', {});
          }
          streams = options.streamIds;
        } else if (options.container !== undefined && options.container !== null && options.container !== '') {
          var cid = containerId(options.container);
          if (!cid || !has(children, cid)) {
            throw failure('unknown container ' + JSON.stringify(options.container), { container: options.container });
          }
          if (!children[cid].streamId) { throw failure('the container shows no stream yet', { container: options.container }); }
          streams = [children[cid].streamId];
        } else if (view.streamId) {
          streams = [view.streamId];
        } else {
          throw failure('send-message has no stream to send to', {});
        }
        return sendTo(streams, text);
      },
      'start-room': function (params) {
        // Symphony's startRoom takes user ids or emails, as strings.
        var ids = params.userIds;
        var user = function (u) { return typeof u === 'string' && (/^[0-9]+$/.test(u) || /^[^@\s]+@[^@\s]+$/.test(u)); };
        if (!Array.isArray(ids) || ids.length === 0 || !ids.every(user)) {
          throw failure('start-room needs a non-empty array of userIds: user ids (digits) or emails, as strings', {});
        }
        return showIn(params.container, 'room-' + ids.join('-'), ids.slice());
      },
      'logout': function () {
        return fetch('/apps/embed/logout', { method: 'POST', credentials: 'same-origin' }).then(function (resp) {
          if (!resp.ok) {
            throw failure('pod logout failed with HTTP status ' + resp.status, { status: resp.status });
          }
          signOut();
          return {};
        }, function () {
          throw failure('pod logout failed: network error', { reason: 'network' });
        });
      }
    };

    function handleAction(p) {
      if (!isObject(p) || !answering) { return; }
      var id = p.id;
      var name = p.name;
      var params = isObject(p.params) ? p.params : {};
      if (typeof name !== 'string' || !has(actions, name)) {
        rejectAction(id, 'unknown action ' + JSON.stringify(name === undefined ? null : name), { name: name === undefined ? null : name });
        return;
      }
      if (!view.signedIn && name !== 'logout') {
        rejectAction(id, 'not signed in', {});
        return;
      }
      var result;
      try { result = Promise.resolve(actions[name](params, p.params)); } catch (e) { result = Promise.reject(e); }
      result.then(function (data) {
        resolveAction(id, data || {});
      }, function (err) {
        var message = err && err.message ? err.message : String(err);
        rejectAction(id, message, err && err.emulatorData ? err.emulatorData : {});
      });
    }

    function register(p) {
      if (!isObject(p)) { return; }
      var cid = containerId(p.iFrameId);
      if (!cid) { return; }
      if (!has(children, cid)) { children[cid] = { streamId: null, room: null }; }
      sendShow(cid);
    }

    function subscribe(p) {
      if (!isObject(p) || SUB_TYPES.indexOf(p.type) < 0) { return; }
      var params = isObject(p.params) ? p.params : {};
      var sub = {
        type: p.type,
        id: p.id,
        streamId: typeof params.streamId === 'string' && params.streamId !== '' ? params.streamId : null,
        maestro: params.withMaestroMessages === true,
        statuses: Array.isArray(params.status) ? params.status.filter(function (x) { return typeof x === 'string'; }) : null
      };
      subs.push(sub);
      sseOpen.then(function () {
        return postJson('/apps/embed/subscriptions', { type: sub.type, id: String(sub.id), streamId: sub.streamId });
      }).catch(function () { /* reported best effort */ });
    }

    window.addEventListener('message', function (e) {
      if (e.origin !== boot.sdkOrigin) { return; }
      var msg = e.data;
      if (typeof msg === 'string') {
        try { msg = JSON.parse(msg); } catch (err) { return; }
      }
      if (!isObject(msg)) { return; }
      switch (msg.eventType) {
        case 'sdk-action': handleAction(msg.payload); break;
        case 'sdk-register': register(msg.payload); break;
        case 'sdk-subscription': subscribe(msg.payload); break;
        default: break;
      }
    });

    if (channel) {
      channel.onmessage = function (e) {
        var m = e.data;
        if (isObject(m) && m.kind === 'hello' && typeof m.target === 'string' && has(children, m.target)) {
          sendShow(m.target);
        } else if (isObject(m) && m.kind === 'activity' && typeof m.target === 'string' && has(children, m.target)) {
          activity();
        }
      };
    }
    ['pointerdown', 'keydown'].forEach(function (name) {
      document.addEventListener(name, function () { activity(); }, true);
    });

    wireComposer(function (text) {
      sendTo([view.streamId], text).catch(function () { /* shown nowhere */ });
    });
    renderAll();
    reportView('chat');
    connect();
    if (boot.fault === 'readyAfter') {
      // A slow sign-in: ready only after a while.
      setTimeout(function () { post({ eventType: 'clientReady' }); }, boot.readyAfterMs);
    } else if (boot.fault !== 'neverReady') {
      post({ eventType: 'clientReady' });
    }
  }

  // --------------------------------------------------------------- child --
  function startChild() {
    applyTheme();
    var shown = false;

    function myId() { return location.hash ? location.hash.slice(1) : ''; }

    function showWaiting(text) {
      var app = byId('chat');
      if (app && app.parentNode) { app.parentNode.removeChild(app); }
      shown = false;
      var wrap = byId('waiting-wrap');
      if (wrap) { wrap.hidden = false; }
      setText('waiting-text', text);
      reportView('waiting');
    }

    function show(m) {
      shows += 1;
      if (!shown) {
        var tpl = byId('chat-template');
        if (!tpl || !tpl.content) { return; }
        document.body.appendChild(tpl.content.cloneNode(true));
        wireComposer(function (text) {
          postJson('/apps/embed/messages', { streamId: view.streamId, text: text }).then(receive, function () { /* ignored */ });
        });
        shown = true;
      }
      var wrap = byId('waiting-wrap');
      if (wrap) { wrap.hidden = true; }
      if (typeof m.user === 'string' && m.user !== '') { view.user = m.user; }
      view.signedIn = view.user !== '';
      if (isObject(m.settings)) { view.settings = m.settings; }
      view.messages = [];
      view.seen = {};
      (Array.isArray(m.messages) ? m.messages : []).forEach(remember);
      showStream(String(m.streamId), Array.isArray(m.room) ? m.room : null);
    }

    function hello() {
      if (channel && myId()) { channel.postMessage({ kind: 'hello', target: myId() }); }
    }

    if (channel) {
      channel.onmessage = function (e) {
        var m = e.data;
        if (!isObject(m)) { return; }
        if (m.kind === 'show' && typeof m.target === 'string' && location.hash === '#' + m.target && typeof m.streamId === 'string') {
          show(m);
        } else if (m.kind === 'message' && shown) {
          receive(m.message);
        } else if (m.kind === 'settings' && isObject(m.settings)) {
          view.settings = m.settings;
          applyTheme();
          renderSettings();
        } else if (m.kind === 'signed-out') {
          view.signedIn = false;
          showWaiting('signed out: waiting for stream');
        }
      };
    }
    window.addEventListener('hashchange', function () {
      reportView(shown ? 'chat' : 'waiting');
      hello();
    });
    // Activity here reaches the host through the main frame, its only channel to it.
    ['pointerdown', 'keydown'].forEach(function (name) {
      document.addEventListener(name, function () {
        if (channel && myId()) { channel.postMessage({ kind: 'activity', target: myId() }); }
      }, true);
    });
    reportView('waiting');
    hello();
  }

  if (boot.kind === 'child') { startChild(); } else { startMain(); }
}());
