// View report of a page without other behaviour (the sign-in form and the
// error page of a main frame): tells the pod what the page shows. The JSON
// element #view is fixed by the pod; nothing from the request is in it.
(function () {
  'use strict';
  var el = document.getElementById('view');
  if (!el || typeof fetch !== 'function') { return; }
  try {
    fetch('/apps/embed/views', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: el.textContent
    }).catch(function () { /* best effort */ });
  } catch (e) { /* best effort */ }
}());
