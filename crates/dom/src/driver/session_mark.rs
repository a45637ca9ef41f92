//! The per-pod mark in `localStorage` that tells a later page of this browser that a
//! session of the pod may be alive (the session core decides when to read, set or clear it).
//! Storage that cannot be reached (blocked by the browser's settings, a sandboxed page)
//! reads as [`StoredMark::Unreadable`], which the core counts as set: fail closed.

use symphony_session::StoredMark;
use web_sys::{Storage, Window};

fn storage(window: &Window) -> Option<Storage> {
    window.local_storage().ok().flatten()
}

pub(super) fn read(window: &Window, key: &str) -> StoredMark {
    match storage(window).map(|storage| storage.get_item(key)) {
        Some(Ok(Some(_))) => StoredMark::Present,
        Some(Ok(None)) => StoredMark::Absent,
        Some(Err(_)) | None => StoredMark::Unreadable,
    }
}

/// Best effort: storage that cannot be reached now cannot be read later either (and reads as
/// set then); a write refused by a full quota leaves no mark, which nothing here can mend.
pub(super) fn set(window: &Window, key: &str) {
    if let Some(storage) = storage(window) {
        let _ = storage.set_item(key, "1");
    }
}

pub(super) fn clear(window: &Window, key: &str) {
    if let Some(storage) = storage(window) {
        let _ = storage.remove_item(key);
    }
}
