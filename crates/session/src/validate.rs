//! Argument checks, done before anything is sent, so that bad input is a typed error.

use serde_json::Value;

use crate::config::Mode;
use crate::error::SymphonyError;
use crate::protocol::Settings;

/// Query parameters the SDK sets itself; a setting may not override them.
pub(crate) const RESERVED_PARAMS: [&str; 4] = ["embed", "partnerId", "streamId", "sdkOrigin"];

/// Largest JavaScript integer that survives `JSON.parse` unchanged (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn invalid(argument: &'static str, reason: impl Into<String>) -> SymphonyError {
    SymphonyError::InvalidArgument {
        argument,
        reason: reason.into(),
    }
}

/// A DOM id: non-empty, at most 256 characters, no whitespace or control characters.
pub(crate) fn container(id: &str) -> Result<(), SymphonyError> {
    if id.is_empty() {
        return Err(invalid(
            "container",
            "the container id is empty; pass the id of a <div>",
        ));
    }
    if id.chars().count() > 256 {
        return Err(invalid(
            "container",
            "the container id is longer than 256 characters",
        ));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "container",
            format!("{id:?} is not a valid element id: ids contain no whitespace or control characters"),
        ));
    }
    Ok(())
}

/// A stream id: non-empty, at most 512 characters, no control characters. Anything else
/// is allowed; it is percent-encoded in URLs and sent as a JSON string in messages.
pub(crate) fn stream_id(id: &str) -> Result<(), SymphonyError> {
    if id.is_empty() {
        return Err(invalid("stream id", "the stream id is empty"));
    }
    if id.chars().count() > 512 {
        return Err(invalid(
            "stream id",
            "the stream id is longer than 512 characters",
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(invalid("stream id", "the stream id contains control characters"));
    }
    Ok(())
}

/// A message text: non-empty, at most 40 000 characters.
pub(crate) fn message(text: &str) -> Result<(), SymphonyError> {
    if text.trim().is_empty() {
        return Err(invalid("message", "the message is empty"));
    }
    if text.chars().count() > 40_000 {
        return Err(invalid("message", "the message is longer than 40000 characters"));
    }
    Ok(())
}

/// User ids: at least one, each a positive JavaScript-safe integer.
pub(crate) fn user_ids(users: &[String]) -> Result<(), SymphonyError> {
    if users.is_empty() {
        return Err(invalid("user ids", "give at least one user id or email address"));
    }
    for user in users {
        let id = user.bytes().all(|b| b.is_ascii_digit()) && !user.is_empty();
        let valid = if id {
            user.parse::<u64>()
                .is_ok_and(|n| (1..=MAX_SAFE_INTEGER).contains(&n))
        } else {
            is_email(user)
        };
        if !valid {
            return Err(invalid(
                "user ids",
                format!("{user:?} is neither a Symphony user id (1 to 2^53-1) nor an email address"),
            ));
        }
    }
    Ok(())
}

/// `local@domain`: one `@`, both sides non-empty, no whitespace or control characters, at
/// most 254 characters (the longest address SMTP carries). The pod decides the rest.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The one setting Symphony documents with an object value (colour overrides), Focus only.
pub(crate) const THEME: &str = "theme";

/// Settings: keys of letters, digits, `_`, `-`, `.` (at most 64), not reserved; scalar
/// values, but for [`THEME`], an object, in Focus mode only.
pub(crate) fn settings(settings: &Settings, mode: Mode) -> Result<(), SymphonyError> {
    for (key, value) in settings.iter() {
        if key.is_empty()
            || key.len() > 64
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(invalid(
                "settings",
                format!("{key:?} is not a setting name (letters, digits, '_', '-', '.'; at most 64)"),
            ));
        }
        if RESERVED_PARAMS.contains(&key) {
            return Err(invalid(
                "settings",
                format!("{key:?} is set by the SDK itself and cannot be a setting"),
            ));
        }
        match value {
            Value::String(s) if s.chars().any(char::is_control) => {
                return Err(invalid(
                    "settings",
                    format!("the value of {key:?} contains control characters"),
                ));
            }
            Value::String(_) | Value::Bool(_) | Value::Number(_) => {}
            Value::Object(_) if key == THEME && mode == Mode::Collaboration => {
                return Err(invalid(
                    "settings",
                    "theme is a Focus-mode setting (Symphony documents it for Focus only)",
                ))
            }
            Value::Object(_) if key == THEME => {}
            _ => {
                return Err(invalid(
                    "settings",
                    format!("the value of {key:?} must be a string, a boolean or a number (only theme takes an object)"),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers() {
        assert!(container("chat-1").is_ok());
        assert!(
            container("a\"b<c>").is_ok(),
            "looked up by id, never as a selector"
        );
        assert!(container("").is_err());
        assert!(container("a b").is_err());
        assert!(container(&"x".repeat(257)).is_err());
    }

    #[test]
    fn stream_ids_and_messages() {
        assert!(stream_id("\"><script>alert(1)</script>").is_ok());
        assert!(stream_id("").is_err());
        assert!(stream_id("a\nb").is_err());
        assert!(stream_id(&"s".repeat(513)).is_err());
        assert!(message("hello").is_ok());
        assert!(message("  ").is_err());
        assert!(message(&"m".repeat(40_001)).is_err());
    }

    #[test]
    fn user_id_range() {
        let users = |list: &[&str]| list.iter().map(|u| (*u).to_owned()).collect::<Vec<_>>();
        assert!(user_ids(&users(&["1", &MAX_SAFE_INTEGER.to_string(), "ada@example.com"])).is_ok());
        for bad in [
            &[][..],
            &["0"][..],
            &[""],
            &["12a"],
            &["@example.com"],
            &["ada@"],
            &["ada@b@c"],
            &["ada lovelace@example.com"],
            &["ada@exa\u{0}mple.com"],
            &["-1"],
        ] {
            let err = user_ids(&users(bad)).unwrap_err();
            assert!(
                matches!(
                    err,
                    SymphonyError::InvalidArgument {
                        argument: "user ids",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(242));
        assert_eq!(long.len(), 254);
        assert!(user_ids(std::slice::from_ref(&long)).is_ok());
        assert!(user_ids(&[format!("a{long}")]).is_err());
    }

    #[test]
    fn settings_rules() {
        assert!(settings(
            &Settings::new()
                .with("mode", "dark")
                .with("sound", false)
                .with("n", 3),
            Mode::Focus
        )
        .is_ok());
        let theme = Settings::new().with("theme", serde_json::json!({"primary": "#123"}));
        assert!(settings(&theme, Mode::Focus).is_ok());
        let err = settings(&theme, Mode::Collaboration).unwrap_err();
        assert!(err.to_string().contains("Focus"), "{err}");
        for bad in [
            Settings::new().with("streamId", "x"),
            Settings::new().with("a b", "x"),
            Settings::new().with("", "x"),
            Settings::new().with("obj", serde_json::json!({"a": 1})),
            Settings::new().with("theme", serde_json::json!(["#123"])),
            Settings::new().with("nul", Value::Null),
            Settings::new().with("ctl", "a\u{0}b"),
        ] {
            let err = settings(&bad, Mode::Focus).unwrap_err();
            assert!(
                matches!(
                    err,
                    SymphonyError::InvalidArgument {
                        argument: "settings",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn lengths_at_the_limit_are_accepted_and_one_more_refused() {
        assert!(container(&"x".repeat(256)).is_ok());
        assert!(stream_id(&"s".repeat(512)).is_ok());
        assert!(message(&"m".repeat(40_000)).is_ok());
        assert!(settings(&Settings::new().with("k".repeat(64), "v"), Mode::Focus).is_ok());
        assert!(settings(&Settings::new().with("k".repeat(65), "v"), Mode::Focus).is_err());
    }

    #[test]
    fn the_largest_user_id_is_two_to_the_53_minus_one() {
        assert!(user_ids(&["9007199254740991".to_owned()]).is_ok());
        assert!(user_ids(&["9007199254740992".to_owned()]).is_err());
    }
}
