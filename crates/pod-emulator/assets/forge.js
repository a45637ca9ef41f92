// Forging page for security tests (GET /__emulator/forge): posts each
// element of the JSON array in #forge to the parent window with target
// origin '*', as structured-clone values, then posts 'forge-done'.
(function () {
  'use strict';
  var el = document.getElementById('forge');
  var messages = [];
  try { messages = JSON.parse(el.textContent); } catch (e) { messages = []; }
  if (!Array.isArray(messages)) { messages = []; }
  var target = window.parent;
  for (var i = 0; i < messages.length; i += 1) {
    target.postMessage(messages[i], '*');
  }
  target.postMessage('forge-done', '*');
}());
