// Starts the app: a file, not an inline script, so that the page runs under a strict
// Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval'). Trunk writes the script
// element that loads this file (Trunk.toml) with the names of the app's files.
const script = document.querySelector("script[data-wasm]");
const { default: init } = await import(script.dataset.js);
await init({ module_or_path: script.dataset.wasm });
