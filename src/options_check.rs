//! The one check of a page's options, whether `mount()` was handed them or a link's
//! query string carried them: each bad value is refused with its field named.

use serde::Deserialize;

use super::{
    CaptureContext, DEFAULT_COUNTDOWN_S, Events, MAX_COUNTDOWN_S, Mode, RecorderOptions, Theme,
};

/// Why options were refused: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for OptionsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field.as_str() {
            "" => write!(f, "vidreply: options: {}", self.message),
            field => write!(f, "vidreply: options.{field}: {}", self.message),
        }
    }
}

pub(crate) fn bad(field: &str, message: impl Into<String>) -> OptionsError {
    OptionsError {
        field: field.into(),
        message: message.into(),
    }
}

/// Where the options were written, which names two of the fields differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// `mount(element, options)`: `countdownSeconds`, `maxDurationSeconds`.
    Mount,
    /// A link's query string: `countdown`, `maxDuration`.
    Link,
}

impl Written {
    fn countdown(self) -> &'static str {
        match self {
            Written::Mount => "countdownSeconds",
            Written::Link => "countdown",
        }
    }
    fn max_duration(self) -> &'static str {
        match self {
            Written::Mount => "maxDurationSeconds",
            Written::Link => "maxDuration",
        }
    }
}

/// The options as a page wrote them (camelCase), before [`PageOptions::check`].
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageOptions {
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub conversation_id: Option<String>,
    pub max_duration_seconds: Option<u32>,
    pub countdown_seconds: Option<u32>,
    pub lang: Option<String>,
    pub theme: Option<String>,
    pub mode: Option<String>,
}

impl std::fmt::Debug for PageOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a credential: never printed.
        f.debug_struct("PageOptions")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("conversation_id", &self.conversation_id)
            .field("max_duration_seconds", &self.max_duration_seconds)
            .field("countdown_seconds", &self.countdown_seconds)
            .field("lang", &self.lang)
            .field("theme", &self.theme)
            .field("mode", &self.mode)
            .finish()
    }
}

/// A non-blank string, trimmed.
fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A BCP 47 tag such as "en" or "pt-BR".
pub(crate) fn language(l: &str) -> Result<(), String> {
    match l.parse::<unic_langid::LanguageIdentifier>() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "{l:?} is not a language tag such as \"en\" or \"pt-BR\""
        )),
    }
}

/// A whole number of seconds written in a query string.
fn seconds(field: &str, v: Option<String>) -> Result<Option<u32>, OptionsError> {
    v.map(|v| {
        v.parse()
            .map_err(|_| bad(field, format!("{v:?} is not a whole number of seconds")))
    })
    .transpose()
}

impl PageOptions {
    /// A link's query string as a page's options (the endpoint is the page's own origin).
    pub fn from_link(ctx: &CaptureContext) -> Result<Self, OptionsError> {
        let link = Written::Link;
        Ok(Self {
            endpoint: None,
            token: ctx.token.clone(),
            conversation_id: ctx.conversation_id.clone(),
            max_duration_seconds: seconds(link.max_duration(), ctx.max_duration.clone())?,
            countdown_seconds: seconds(link.countdown(), ctx.countdown.clone())?,
            lang: ctx.lang.clone(),
            theme: ctx.theme.clone(),
            mode: None,
        })
    }

    /// Turn them into what the recorder needs; `endpoint` was checked by the caller
    /// (the page's origin, or `mount()`'s URL check).
    pub fn check(
        self,
        endpoint: String,
        written: Written,
        events: Events,
    ) -> Result<RecorderOptions, OptionsError> {
        let token = text(self.token).ok_or_else(|| {
            bad(
                "token",
                "required: a capture token from POST /api/v1/capture-links",
            )
        })?;
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad(
                "token",
                "is damaged: a capture token is printable ASCII without spaces",
            ));
        }
        let max_duration_ms = match self.max_duration_seconds {
            Some(0) => return Err(bad(written.max_duration(), "must be at least 1")),
            s => s.map(|s| u64::from(s) * 1000),
        };
        let countdown_s = match self.countdown_seconds {
            Some(s) if s > MAX_COUNTDOWN_S => {
                return Err(bad(
                    written.countdown(),
                    format!("must be from 0 to {MAX_COUNTDOWN_S}, not {s}"),
                ));
            }
            s => s.unwrap_or(DEFAULT_COUNTDOWN_S),
        };
        let lang = text(self.lang);
        if let Some(l) = &lang {
            language(l).map_err(|m| bad("lang", m))?;
        }
        let theme = match text(self.theme) {
            None => Theme::Auto,
            Some(t) => Theme::parse(&t).ok_or_else(|| {
                bad(
                    "theme",
                    format!("{t:?} is not one of \"auto\", \"light\", \"dark\""),
                )
            })?,
        };
        // Still checked, so a typo is named; but the screens follow the token's
        // role, never the page's word: a customer's token never shows agent screens.
        if let Some(m) = text(self.mode).map(|m| m.to_ascii_lowercase())
            && !matches!(m.as_str(), "customer" | "agent")
        {
            return Err(bad(
                "mode",
                format!("{m:?} is not one of \"customer\", \"agent\""),
            ));
        }
        let mode = Mode::for_token(Some(&token));
        Ok(RecorderOptions {
            endpoint,
            token: Some(token),
            conversation_id: text(self.conversation_id).unwrap_or_default(),
            max_duration_ms,
            countdown_s,
            lang,
            theme,
            mode,
            events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(query: &[(&str, &str)]) -> Result<RecorderOptions, OptionsError> {
        let mut ctx = CaptureContext {
            token: Some("a.b.c".into()),
            conversation_id: Some("conv".into()),
            ..CaptureContext::default()
        };
        for (k, v) in query {
            let v = Some(v.to_string());
            match *k {
                "token" => ctx.token = v,
                "lang" => ctx.lang = v,
                "theme" => ctx.theme = v,
                "countdown" => ctx.countdown = v,
                "maxDuration" => ctx.max_duration = v,
                other => panic!("{other}"),
            }
        }
        RecorderOptions::from_link(&ctx, "https://v.example".into())
    }

    fn refused(query: &[(&str, &str)]) -> String {
        link(query).expect_err("refused").to_string()
    }

    #[test]
    fn a_good_link_reads_as_before() {
        let o = link(&[
            ("countdown", "10"),
            ("maxDuration", "3"),
            ("theme", "dark"),
            ("lang", "de-DE"),
        ])
        .expect("good link");
        assert_eq!(o.endpoint, "https://v.example");
        assert_eq!(o.token.as_deref(), Some("a.b.c"));
        assert_eq!(o.conversation_id, "conv");
        assert_eq!((o.countdown_s, o.max_duration_ms), (10, Some(3_000)));
        assert_eq!((o.theme, o.lang.as_deref()), (Theme::Dark, Some("de-DE")));
        assert_eq!(o.mode, Mode::Customer);
        let o = link(&[]).expect("defaults");
        assert_eq!(
            (o.countdown_s, o.max_duration_ms),
            (DEFAULT_COUNTDOWN_S, None)
        );
        assert_eq!((o.theme, o.lang), (Theme::Auto, None));
    }

    #[test]
    fn a_bad_link_value_is_refused_as_mount_refuses_it() {
        // These were clamped or dropped in silence before.
        for (query, says) in [
            (
                ("countdown", "11"),
                "options.countdown: must be from 0 to 10, not 11",
            ),
            (
                ("countdown", "soon"),
                "options.countdown: \"soon\" is not a whole number",
            ),
            (("countdown", "-1"), "options.countdown:"),
            (
                ("maxDuration", "0"),
                "options.maxDuration: must be at least 1",
            ),
            (("maxDuration", "1.5"), "options.maxDuration:"),
            (
                ("theme", "purple"),
                "options.theme: \"purple\" is not one of",
            ),
            (
                ("lang", "en US"),
                "options.lang: \"en US\" is not a language tag",
            ),
            (("token", "a b"), "options.token: is damaged"),
        ] {
            let err = refused(&[query]);
            assert!(err.contains(says), "{query:?}: {err}");
        }
        let no_token = CaptureContext {
            countdown: Some("1".into()),
            ..CaptureContext::default()
        };
        let err = RecorderOptions::from_link(&no_token, String::new()).expect_err("no token");
        assert_eq!(err.field, "token");
    }

    #[test]
    fn a_refused_link_keeps_only_its_good_language_and_theme() {
        let ctx = CaptureContext {
            token: Some("a.b.c".into()),
            lang: Some("de".into()),
            theme: Some("dark".into()),
            countdown: Some("99".into()),
            ..CaptureContext::default()
        };
        let o = RecorderOptions::refused_link(&ctx, "o".into());
        assert_eq!(
            (o.token, o.lang.as_deref(), o.theme),
            (None, Some("de"), Theme::Dark)
        );
        let ctx = CaptureContext {
            lang: Some("?!".into()),
            theme: Some("x".into()),
            ..CaptureContext::default()
        };
        let o = RecorderOptions::refused_link(&ctx, "o".into());
        assert_eq!((o.lang, o.theme), (None, Theme::Auto));
    }

    #[test]
    fn the_token_never_prints() {
        let o = PageOptions {
            token: Some("secret.token.value".into()),
            ..PageOptions::default()
        };
        assert!(!format!("{o:?}").contains("secret"));
    }
}
