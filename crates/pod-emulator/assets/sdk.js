// Stand-in for Symphony's sdk.js, served by the pod emulator at /embed/sdk.js.
//
// Written from Symphony's public documentation of Embedded Mode only (the window.symphony
// API, its settings, its result shapes); where the documentation is silent, the choices are
// the emulator's and its README lists them. It drives the emulator's own frames with the
// messages of Symphony's public Open SDK sample. The emulator's sdk faults are read from its
// admin API when logout() is called, so that a test can change them while the page lives.
(function () {
  'use strict';

  var script = document.currentScript || document.getElementById('symphony-ecm-sdk');
  if (!script || typeof script.src !== 'string') { return; }
  var POD = new URL(script.src).origin;
  var partnerId = script.getAttribute('data-partner-id') || '';
  var full = script.getAttribute('data-mode') === 'full';

  var frames = [];          // every iframe this SDK made
  var main = null;          // the main frame
  var ready = false;        // the main frame said clientReady
  var readyWaiters = [];
  var pending = {};         // sdk-action id -> resolve
  var callbacks = {};       // subscription id -> callback
  var interaction = [];     // onUserInteractionRequired callbacks
  var children = {};        // container element id -> child frame
  var nextId = 0;

  function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }

  function failure(message, data) {
    var error = { type: 'ERROR', message: message };
    if (data !== undefined) { error.data = data; }
    return { error: error };
  }

  function ours(source) {
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) { return true; }
    }
    return false;
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== POD || !ours(event.source)) { return; }
    var msg = event.data;
    if (!isObject(msg)) { return; }
    var payload = isObject(msg.payload) ? msg.payload : {};
    if (msg.eventType === 'clientReady' && main && event.source === main.contentWindow) {
      ready = true;
      var waiters = readyWaiters;
      readyWaiters = [];
      waiters.forEach(function (resolve) { resolve(); });
    } else if (msg.eventType === 'sdk-resolve' && typeof payload.id === 'string' && pending[payload.id]) {
      var resolve = pending[payload.id];
      delete pending[payload.id];
      resolve(isObject(payload.data) ? payload.data : {});
    } else if (msg.eventType === 'sdk-callback-data' && typeof payload.id === 'string' && callbacks[payload.id]) {
      try { callbacks[payload.id](payload.data); } catch (e) { /* the app's callback */ }
    }
  });

  function post(frame, message) {
    if (frame && frame.contentWindow) { frame.contentWindow.postMessage(message, POD); }
  }

  function whenReady() {
    return new Promise(function (resolve) {
      if (ready) { resolve(); } else { readyWaiters.push(resolve); }
    });
  }

  function action(name, params, frame) {
    nextId += 1;
    var id = 'sdk-action-' + nextId;
    return new Promise(function (resolve) {
      pending[id] = resolve;
      post(frame || main, { eventType: 'sdk-action', payload: { id: id, name: name, params: params } });
    });
  }

  function frameUrl(configuration) {
    var url = new URL(full ? '/apps/client2/default' : '/apps/embed/default', POD);
    url.searchParams.set('embed', 'true');
    if (partnerId) { url.searchParams.set('partnerId', partnerId); }
    url.searchParams.set('sdkOrigin', window.location.origin);
    Object.keys(configuration).forEach(function (key) {
      var value = configuration[key];
      if (value !== null && typeof value !== 'object') { url.searchParams.set(key, String(value)); }
    });
    return url.href;
  }

  function makeFrame(container, src) {
    var frame = document.createElement('iframe');
    frame.src = src;
    frame.setAttribute('allow', 'clipboard-write');
    frame.className = 'symphony-ecm-frame';
    container.appendChild(frame);
    frames.push(frame);
    return frame;
  }

  // Removes every frame this SDK made, but `keep` (the emulator's fault `leaveFrame`).
  function removeFrames(keep) {
    frames.forEach(function (frame) { if (frame !== keep) { frame.remove(); } });
    frames = [];
    main = null;
    ready = false;
    readyWaiters = [];
    pending = {};
    callbacks = {};
    children = {};
  }

  function needsRender() {
    return main ? null : Promise.resolve(failure('render() first: nothing is rendered'));
  }

  // The element a selector names (`#id`), for the chats shown beside the main one.
  function container(selector) {
    if (typeof selector !== 'string' || selector === '') { return null; }
    try { return document.querySelector(selector); } catch (e) { return null; }
  }

  // The frame of a container: the main frame's, or a child frame made there (Focus mode).
  function frameIn(element) {
    if (!element || full || (main && element.contains(main))) { return { frame: main, param: undefined }; }
    if (!element.id) { element.id = 'symphony-ecm-container-' + (nextId += 1); }
    var child = children[element.id];
    if (!child) {
      var childId = 'symphony-ecm-child-' + (nextId += 1);
      var src = new URL((full ? '/apps/client2/default' : '/apps/embed/default') + '/frame-root.html', POD);
      src.hash = childId;
      var frame = makeFrame(element, src.href);
      child = { frame: frame, id: childId, loaded: new Promise(function (resolve) {
        frame.addEventListener('load', function () {
          post(main, { eventType: 'sdk-register', payload: { iFrameId: childId } });
          resolve();
        });
      }) };
      children[element.id] = child;
    }
    return { frame: main, param: '#' + child.id, loaded: child.loaded };
  }

  function routed(name, params, selector) {
    var target = frameIn(container(selector));
    if (target.param) { params.container = target.param; }
    return (target.loaded || Promise.resolve()).then(function () { return action(name, params, target.frame); });
  }

  var symphony = {
    render: function (containerClassName, configuration, fromLogin) {
      void fromLogin;
      var className = typeof containerClassName === 'string' && containerClassName ? containerClassName : 'symphony-ecm';
      var element = document.getElementsByClassName(className)[0];
      if (!element) { return Promise.resolve(failure('no element with class ' + className)); }
      var config = isObject(configuration) ? configuration : {};
      if (main) { main.remove(); frames = frames.filter(function (f) { return f !== main; }); }
      ready = false;
      main = makeFrame(element, frameUrl(config));
      var frame = main;
      frame.addEventListener('load', function () {
        // The emulator's choice: a frame not ready a second after it loaded waits for the
        // user (its sign-in form).
        setTimeout(function () {
          if (!ready && main === frame) {
            interaction.forEach(function (callback) {
              try { callback({ reason: 'login' }); } catch (e) { /* the app's callback */ }
            });
          }
        }, 1000);
      });
      return whenReady().then(function () {
        return isObject(config.theme) ? action('set-settings', { theme: config.theme }) : {};
      }).then(function (data) { return isObject(data) && data.error ? data : {}; });
    },
    openStream: function (streamId, containerSelector) {
      return needsRender() || routed('set-stream', { streamId: String(streamId) }, containerSelector);
    },
    startRoom: function (users, containerSelector) {
      return needsRender() || routed('start-room', { userIds: Array.isArray(users) ? users.map(String) : [] }, containerSelector);
    },
    sendMessage: function (message, options) {
      var opts = isObject(options) ? options : {};
      return needsRender() || routed('send-message', { message: message, options: opts }, opts.container);
    },
    createRoom: function (roomName, userIds, options, selector) {
      // The emulator's choice: a room is the conversation of its members.
      void roomName; void options;
      return needsRender() || routed('start-room', { userIds: Array.isArray(userIds) ? userIds.map(String) : [] }, selector);
    },
    updateSettings: function (settings) {
      return needsRender() || action('set-settings', isObject(settings) ? settings : {});
    },
    updateTheme: function (theme) {
      return needsRender() || action('set-settings', { theme: isObject(theme) ? theme : {} });
    },
    listen: function (subscription) {
      var sub = isObject(subscription) ? subscription : {};
      if (!main) { return Promise.resolve(failure('render() first: nothing is rendered')); }
      if (typeof sub.callback !== 'function') { return Promise.resolve(failure('listen() needs a callback')); }
      nextId += 1;
      var id = 'sdk-subscription-' + nextId;
      callbacks[id] = sub.callback;
      var payload = { type: sub.type, id: id };
      if (isObject(sub.params)) { payload.params = sub.params; }
      return whenReady().then(function () {
        post(main, { eventType: 'sdk-subscription', payload: payload });
        return {};
      });
    },
    checkAuth: function () {
      // The emulator's choice: authenticated once a main frame said it is ready.
      return Promise.resolve({ authenticated: ready });
    },
    onUserInteractionRequired: function (options) {
      if (isObject(options) && typeof options.callback === 'function') { interaction.push(options.callback); }
      return Promise.resolve({});
    },
    logout: function () {
      return fetch(POD + '/__emulator/faults').then(function (r) { return r.json(); }).then(function (faults) {
        var sdk = isObject(faults) && isObject(faults.sdk) ? faults.sdk : {};
        if (sdk.logout === 'hang') { return new Promise(function () {}); }
        if (sdk.logout === 'reject') { throw new Error('the emulator rejects logout()'); }
        if (sdk.logout === 'error') { return failure('the emulator answers logout() with an error'); }
        return fetch(POD + '/logout', { method: 'POST', credentials: 'include', mode: 'cors' }).then(function (response) {
          if (!response.ok) { return failure('the pod answered the logout with HTTP ' + response.status, { status: response.status }); }
          removeFrames(sdk.leaveFrame === true ? main : null);
          return {};
        }, function (e) {
          return failure('the logout request failed: ' + String(e && e.message ? e.message : e));
        });
      });
    }
  };

  window.symphony = symphony;
  var onload = script.getAttribute('data-onload');
  if (onload && typeof window[onload] === 'function') {
    try { window[onload](); } catch (e) { /* the app's callback */ }
  }
})();
