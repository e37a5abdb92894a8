//! Every string the recorder shows, through Project Fluent (`fluent-bundle`), with the
//! language negotiated by `fluent-langneg`: the page's `lang` (or Genesys
//! `pcLangTag`), else the browser's languages, else English.
//!
//! A key missing from a language shows as `⟦key⟧` and is logged, and a native test
//! checks that every language has exactly English's keys.

use std::rc::Rc;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;

/// The shipped languages and their Fluent sources, English first (the fallback).
pub const LOCALES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en.ftl")),
    ("es", include_str!("../locales/es.ftl")),
    ("fr", include_str!("../locales/fr.ftl")),
    ("de", include_str!("../locales/de.ftl")),
    ("pt", include_str!("../locales/pt.ftl")),
];

/// Pick a shipped language for the requested tags, in order of preference.
pub fn negotiate<S: AsRef<str>>(requested: &[S]) -> &'static str {
    let requested: Vec<LanguageIdentifier> = requested
        .iter()
        .filter_map(|r| r.as_ref().replace('_', "-").parse().ok())
        .collect();
    let available: Vec<LanguageIdentifier> = LOCALES
        .iter()
        .map(|(tag, _)| tag.parse().expect("shipped tags parse"))
        .collect();
    let default: LanguageIdentifier = "en".parse().expect("en parses");
    let chosen = negotiate_languages(
        &requested,
        &available,
        Some(&default),
        NegotiationStrategy::Lookup,
    );
    let tag = chosen.first().map(|l| l.to_string()).unwrap_or_default();
    LOCALES
        .iter()
        .map(|(t, _)| *t)
        .find(|t| *t == tag)
        .unwrap_or("en")
}

/// One language's messages; cheap to clone.
#[derive(Clone)]
pub struct I18n {
    lang: &'static str,
    bundle: Rc<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n").field("lang", &self.lang).finish()
    }
}

impl I18n {
    /// The messages of a shipped language (`en` for anything else).
    pub fn new(lang: &str) -> Self {
        let (lang, source) = LOCALES
            .iter()
            .find(|(t, _)| *t == lang)
            .copied()
            .unwrap_or(LOCALES[0]);
        let res = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, _)| res);
        let id: LanguageIdentifier = lang.parse().expect("shipped tags parse");
        let mut bundle = FluentBundle::new(vec![id]);
        // No bidi isolation marks: our placeables are numbers and plain text.
        bundle.set_use_isolating(false);
        let _ = bundle.add_resource(res);
        Self {
            lang,
            bundle: Rc::new(bundle),
        }
    }

    /// The language for a page: its own tag if given, else the browser's languages.
    pub fn for_page(requested: Option<&str>) -> Self {
        let mut wanted: Vec<String> = requested.into_iter().map(str::to_string).collect();
        if let Some(w) = web_sys::window() {
            let nav = w.navigator();
            wanted.extend(nav.languages().iter().filter_map(|l| l.as_string()));
            wanted.extend(nav.language());
        }
        Self::new(negotiate(&wanted))
    }

    pub fn lang(&self) -> &'static str {
        self.lang
    }

    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    /// A message without arguments.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// A message with named arguments (numbers or text).
    pub fn tr(&self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            let v = match value {
                Arg::Num(n) => FluentValue::from(*n),
                Arg::Text(s) => FluentValue::from(s.clone()),
            };
            fa.set(*name, v);
        }
        self.format(key, Some(&fa))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            missing(self.lang, key);
            return format!("⟦{key}⟧");
        };
        let mut errors = vec![];
        let s = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            missing(self.lang, key);
        }
        s.into_owned()
    }
}

/// A message argument.
#[derive(Debug, Clone)]
pub enum Arg {
    Num(f64),
    Text(String),
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Num(n as f64)
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_string())
    }
}

fn missing(lang: &str, key: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::error_1(&format!("vidreply: missing translation {lang}:{key}").into());
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (lang, key);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<String> {
        let res = FluentResource::try_new(source.to_string()).expect("every locale parses");
        let mut k: Vec<String> = res
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect();
        k.sort();
        k
    }

    #[test]
    fn every_language_has_exactly_the_english_keys() {
        let en = keys(LOCALES[0].1);
        assert!(en.len() > 40, "English has the recorder's strings");
        for (tag, source) in LOCALES {
            let k = keys(source);
            let missing: Vec<_> = en.iter().filter(|x| !k.contains(x)).collect();
            let extra: Vec<_> = k.iter().filter(|x| !en.contains(x)).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
            assert!(extra.is_empty(), "{tag} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn every_message_formats_without_errors_and_is_translated() {
        let args: &[(&str, Arg)] = &[
            ("seconds", 3u64.into()),
            ("percent", 40u64.into()),
            ("limit", "5:00".into()),
            ("detail", "x".into()),
            ("message", "m".into()),
            ("mb", 100u64.into()),
            ("minutes", 2u64.into()),
            ("when", "today".into()),
            ("channel", "SMS".into()),
        ];
        let en = I18n::new("en");
        for (tag, source) in LOCALES {
            let i = I18n::new(tag);
            assert_eq!(i.lang(), *tag);
            for key in keys(source) {
                let s = i.tr(&key, args);
                assert!(!s.contains('⟦') && !s.trim().is_empty(), "{tag}:{key}");
                assert!(!s.contains("{ $"), "{tag}:{key} left a placeable: {s}");
                // Brand-like words may match English; sentences must not.
                if *tag != "en" && s.split_whitespace().count() > 3 {
                    assert_ne!(s, en.tr(&key, args), "{tag}:{key} is still English");
                }
            }
        }
    }

    #[test]
    fn negotiation_matches_regions_and_falls_back_to_english() {
        assert_eq!(negotiate(&["es-MX"]), "es");
        assert_eq!(negotiate(&["pt_BR"]), "pt");
        assert_eq!(negotiate(&["de-CH", "en"]), "de");
        assert_eq!(negotiate(&["ja", "fr-CA"]), "fr");
        assert_eq!(negotiate(&["ja"]), "en");
        assert_eq!(negotiate::<&str>(&[]), "en");
        assert_eq!(negotiate(&["not a tag!"]), "en");
    }

    #[test]
    fn a_missing_key_is_visible_not_blank() {
        assert_eq!(I18n::new("fr").t("no-such-key"), "⟦no-such-key⟧");
        assert_eq!(I18n::new("xx").lang(), "en");
    }
}
