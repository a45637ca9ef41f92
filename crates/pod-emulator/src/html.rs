//! HTML pages of the frames. Every value that comes from a request is
//! either HTML-escaped into markup or passed to the inline script as a JSON
//! blob with `<`, `>` and `&` escaped, so that nothing can break out.

use serde_json::Value;

const CSS: &str = include_str!("../assets/frame.css");
const FRAME_JS: &str = include_str!("../assets/frame.js");
const VIEW_JS: &str = include_str!("../assets/view.js");
const FORGE_JS: &str = include_str!("../assets/forge.js");

/// Escapes text for element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Serializes `value` for a `<script type="application/json">` element:
/// valid JSON that cannot contain `</script>` or `<!--`.
pub(crate) fn script_json(value: &Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// What a page runs. Each variant's data goes into a
/// `<script type="application/json">` element that its script reads.
pub(crate) enum Behaviour {
    /// Static markup, no script.
    None,
    /// The frame script (`assets/frame.js`) with this boot data (`#boot`).
    Frame(Value),
    /// Only reports this view (`#view`) to the pod (`assets/view.js`):
    /// pages with no other behaviour, such as the sign-in form.
    ReportView(Value),
    /// Posts each element of this array (`#forge`) to the parent with
    /// target origin `*`, then `"forge-done"` (`assets/forge.js`).
    Forge(Value),
}

/// One page: the stylesheet, `body` markup, and its behaviour.
pub(crate) struct Page<'a> {
    pub title: &'a str,
    pub dark: bool,
    pub body: String,
    pub behaviour: Behaviour,
}

impl Page<'_> {
    pub(crate) fn render(&self) -> String {
        let (data, script) = match &self.behaviour {
            Behaviour::None => (None, ""),
            Behaviour::Frame(boot) => (Some(("boot", boot)), FRAME_JS),
            Behaviour::ReportView(view) => (Some(("view", view)), VIEW_JS),
            Behaviour::Forge(messages) => (Some(("forge", messages)), FORGE_JS),
        };
        let mut html = String::with_capacity(CSS.len() + script.len() + self.body.len() + 1024);
        html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.push_str("<title>");
        html.push_str(&escape(self.title));
        html.push_str("</title>\n<style>\n");
        html.push_str(CSS);
        html.push_str("</style>\n</head>\n<body class=\"");
        html.push_str(if self.dark { "theme-dark" } else { "theme-light" });
        html.push_str("\">\n");
        html.push_str(&self.body);
        if let Some((id, value)) = data {
            html.push_str("\n<script type=\"application/json\" id=\"");
            html.push_str(id);
            html.push_str("\">");
            html.push_str(&script_json(value));
            html.push_str("</script>\n<script>\n");
            html.push_str(script);
            html.push_str("</script>\n");
        }
        html.push_str("\n</body>\n</html>\n");
        html
    }
}

/// The "Symphony (emulator)" mark.
pub(crate) fn brand() -> &'static str {
    "<div class=\"brand\"><span class=\"logo\" aria-hidden=\"true\">S</span><span class=\"brand-name\">Symphony (emulator)</span></div>"
}

/// Two-letter initials for an avatar.
pub(crate) fn initials(name: &str) -> String {
    let mut out: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if out.chars().count() < 2 {
        out = name.chars().filter(|c| !c.is_whitespace()).take(2).collect();
    }
    out.to_uppercase()
}

/// The conversation pane: stream header, settings line, message list and
/// composer. The inline script fills the message list.
pub(crate) fn conversation(stream_id: &str, settings_line: &str) -> String {
    let title = if stream_id.is_empty() {
        "No stream selected".to_string()
    } else {
        format!("# {stream_id}")
    };
    format!(
        concat!(
            "<section class=\"conversation\">",
            "<div class=\"conv-header\">",
            "<div class=\"conv-title\" id=\"stream-title\">{title}</div>",
            "<div class=\"conv-meta\">Stream <code id=\"stream\">{stream}</code>",
            " <span id=\"room\" class=\"room\" hidden></span></div>",
            "<div class=\"settings\" id=\"settings\">settings: {settings}</div>",
            "</div>",
            "<ol class=\"messages\" id=\"messages\" aria-live=\"polite\"></ol>",
            "<form class=\"composer\" id=\"composer\" autocomplete=\"off\">",
            "<input id=\"composer-input\" name=\"message\" placeholder=\"Send a message\" aria-label=\"Message\">",
            "<button type=\"submit\">Send</button>",
            "</form>",
            "</section>"
        ),
        title = escape(&title),
        stream = escape(stream_id),
        settings = escape(settings_line),
    )
}

/// The top bar with the brand and the signed-in user.
pub(crate) fn app_bar(user: &str) -> String {
    format!(
        concat!(
            "<header class=\"appbar\">{brand}",
            "<div class=\"me\"><span class=\"avatar\" id=\"avatar\">{initials}</span>",
            "<span id=\"user\">{user}</span></div></header>"
        ),
        brand = brand(),
        initials = escape(&initials(user)),
        user = escape(user),
    )
}

/// The sign-in card posting to `/login` and coming back to `return_to`.
pub(crate) fn sign_in_card(return_to: &str, note: &str) -> String {
    format!(
        concat!(
            "<main class=\"center\"><div class=\"card\" id=\"signin\">{brand}",
            "<h1>Sign in</h1><p class=\"muted\">{note}</p>",
            "<form method=\"post\" action=\"/login\">",
            "<label for=\"signin-user\">User name</label>",
            "<input id=\"signin-user\" name=\"user\" autocomplete=\"username\" required>",
            "<input type=\"hidden\" name=\"return\" value=\"{ret}\">",
            "<button type=\"submit\">Sign in</button>",
            "</form></div></main>"
        ),
        brand = brand(),
        note = escape(note),
        ret = escape(return_to),
    )
}

/// An error card; no script, so the page never posts anything.
pub(crate) fn error_card(title: &str, message: &str) -> String {
    format!(
        "<main class=\"center\"><div class=\"card error\" id=\"error\">{brand}<h1>{title}</h1><p>{message}</p></div></main>",
        brand = brand(),
        title = escape(title),
        message = escape(message),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("\"><script>alert('x')</script>&"),
            "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }

    #[test]
    fn script_json_cannot_close_the_element() {
        let v = json!({"s": "</script><!-- & \u{2028}"});
        let out = script_json(&v);
        assert!(!out.contains('<'));
        assert!(!out.contains('>'));
        let back: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("alice"), "AL");
        assert_eq!(initials(""), "");
    }
}
