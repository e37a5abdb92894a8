//! The friendly pages a share link answers when its video cannot be watched:
//! plain HTML (no script, no video: it is its own text fallback) or plain text,
//! in the viewer's language among those the app ships.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::extract::query_param;

/// Why a share link shows no video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No such video (404).
    Missing,
    /// Its share link was withdrawn (410).
    Revoked,
    /// Past its retention, or an expired link (410).
    Expired,
    /// Its processing failed, or it was refused (too long, not a browser's codec):
    /// it can never be played, and its original is never served (410).
    Unplayable,
}

/// Languages the pages are written in; the first is the default.
pub const LANGUAGES: [&str; 5] = ["en", "es", "fr", "de", "pt"];

/// (title, what happened, what to do), per language, per kind.
fn strings(kind: Unavailable, lang: &str) -> [&'static str; 3] {
    use Unavailable::*;
    match (kind, lang) {
        (Missing, "es") => [
            "Vídeo no encontrado",
            "Este vídeo no existe o el enlace está mal escrito.",
            "Comprueba el enlace o pide uno nuevo a quien te lo envió.",
        ],
        (Missing, "fr") => [
            "Vidéo introuvable",
            "Cette vidéo n’existe pas, ou le lien est mal saisi.",
            "Vérifiez le lien ou demandez-en un nouveau à l’expéditeur.",
        ],
        (Missing, "de") => [
            "Video nicht gefunden",
            "Dieses Video gibt es nicht, oder der Link ist falsch.",
            "Prüfen Sie den Link oder bitten Sie den Absender um einen neuen.",
        ],
        (Missing, "pt") => [
            "Vídeo não encontrado",
            "Este vídeo não existe ou o link está incorreto.",
            "Verifique o link ou peça um novo a quem o enviou.",
        ],
        (Missing, _) => [
            "Video not found",
            "This video does not exist, or the link is mistyped.",
            "Check the link, or ask the sender for a new one.",
        ],
        (Revoked, "es") => [
            "Vídeo retirado",
            "Quien lo envió retiró este vídeo; ya no se puede ver.",
            "Pregunta a quien te lo envió si aún lo necesitas.",
        ],
        (Revoked, "fr") => [
            "Vidéo retirée",
            "L’expéditeur a retiré cette vidéo ; elle n’est plus visible.",
            "Demandez à l’expéditeur si vous en avez encore besoin.",
        ],
        (Revoked, "de") => [
            "Video zurückgezogen",
            "Der Absender hat dieses Video zurückgezogen; es kann nicht mehr angesehen werden.",
            "Fragen Sie den Absender, falls Sie es noch brauchen.",
        ],
        (Revoked, "pt") => [
            "Vídeo retirado",
            "Quem enviou retirou este vídeo; ele já não pode ser visto.",
            "Pergunte a quem o enviou se ainda precisar dele.",
        ],
        (Revoked, _) => [
            "Video withdrawn",
            "The sender withdrew this video; it can no longer be watched.",
            "Ask the sender if you still need it.",
        ],
        (Expired, "es") => [
            "Vídeo caducado",
            "Este vídeo ya no está disponible: se guardaba durante un tiempo limitado.",
            "Pide un enlace nuevo a quien te lo envió.",
        ],
        (Expired, "fr") => [
            "Vidéo expirée",
            "Cette vidéo n’est plus disponible : elle était conservée pour une durée limitée.",
            "Demandez un nouveau lien à l’expéditeur.",
        ],
        (Expired, "de") => [
            "Video abgelaufen",
            "Dieses Video ist nicht mehr verfügbar: Es wurde nur begrenzte Zeit aufbewahrt.",
            "Bitten Sie den Absender um einen neuen Link.",
        ],
        (Expired, "pt") => [
            "Vídeo expirado",
            "Este vídeo já não está disponível: era guardado por tempo limitado.",
            "Peça um novo link a quem o enviou.",
        ],
        (Expired, _) => [
            "Video expired",
            "This video is no longer available: it was kept for a limited time.",
            "Ask the sender for a new link.",
        ],
        (Unplayable, "es") => [
            "Vídeo no disponible",
            "Este vídeo no se pudo preparar para verlo.",
            "Pide a quien lo envió que lo grabe de nuevo.",
        ],
        (Unplayable, "fr") => [
            "Vidéo indisponible",
            "Cette vidéo n’a pas pu être préparée pour la lecture.",
            "Demandez à l’expéditeur de l’enregistrer à nouveau.",
        ],
        (Unplayable, "de") => [
            "Video nicht verfügbar",
            "Dieses Video konnte nicht zum Ansehen vorbereitet werden.",
            "Bitten Sie den Absender, es noch einmal aufzunehmen.",
        ],
        (Unplayable, "pt") => [
            "Vídeo indisponível",
            "Não foi possível preparar este vídeo para ser visto.",
            "Peça a quem o enviou que o grave novamente.",
        ],
        (Unplayable, _) => [
            "Video unavailable",
            "This video could not be prepared for viewing.",
            "Ask the sender to record it again.",
        ],
    }
}

/// Marks a response as an unavailable page, so [`localize`] can render it in the
/// viewer's language.
#[derive(Debug, Clone, Copy)]
struct UnavailableMark(Unavailable);

/// A friendly page for a share link that shows no video, in English; [`localize`]
/// (a layer of the app) renders it again in the viewer's language or as text.
pub fn unavailable_page(status: StatusCode, kind: Unavailable) -> Response {
    let mut res = render(status, kind, "en", false);
    res.extensions_mut().insert(UnavailableMark(kind));
    res
}

fn render(status: StatusCode, kind: Unavailable, lang: &str, text: bool) -> Response {
    let [title, what, todo] = strings(kind, lang);
    let (ct, body) = if text {
        (
            "text/plain; charset=utf-8",
            format!("{title}\n\n{what}\n{todo}\n"),
        )
    } else {
        (
            "text/html; charset=utf-8",
            format!(
                "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <meta name=\"color-scheme\" content=\"light dark\"><title>{title}</title>\
                 <style>body{{font:1.0625rem/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;\
                 padding:0 1rem;background:Canvas;color:CanvasText}}h1{{font-size:1.5rem}}</style>\
                 </head><body><main><h1>{title}</h1><p>{what}</p><p>{todo}</p></main></body></html>"
            ),
        )
    };
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_str(lang).expect("a language tag"),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Accept"),
    );
    res
}

/// Middleware: render unavailable pages in the language of `?lang=` or
/// `Accept-Language`, and as plain text for a client that prefers it.
pub async fn localize(req: Request, next: Next) -> Response {
    let lang = pick_language(
        query_param(req.uri().query(), "lang").as_deref(),
        header_str(&req, header::ACCEPT_LANGUAGE),
    );
    let text = wants_text(header_str(&req, header::ACCEPT));
    let res = next.run(req).await;
    match res.extensions().get::<UnavailableMark>() {
        Some(UnavailableMark(kind)) => {
            let mut page = render(res.status(), *kind, lang, text);
            if let Some(retry) = res.headers().get(header::RETRY_AFTER) {
                page.headers_mut()
                    .insert(header::RETRY_AFTER, retry.clone());
            }
            page
        }
        None => res,
    }
}

fn header_str(req: &Request, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `?lang=` if we have it, else the best of `Accept-Language`, else English.
pub fn pick_language(query: Option<&str>, accept: Option<&str>) -> &'static str {
    let ours = |tag: &str| {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        LANGUAGES
            .iter()
            .find(|l| l.eq_ignore_ascii_case(primary))
            .copied()
    };
    if let Some(l) = query.and_then(ours) {
        return l;
    }
    let mut ranked: Vec<(f32, usize, &'static str)> = accept
        .unwrap_or("")
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let lang = ours(parts.next()?)?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (q > 0.0).then_some((q, i, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map_or(LANGUAGES[0], |r| r.2)
}

/// A client that asks for text and not for HTML (a plain HTTP client, a screen
/// reader's fetch) gets the page as plain text.
fn wants_text(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.contains("text/plain") && !a.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_comes_from_the_query_then_the_header_by_weight() {
        assert_eq!(pick_language(None, None), "en");
        assert_eq!(pick_language(Some("de"), Some("fr")), "de");
        assert_eq!(pick_language(Some("xx"), Some("fr-CA,fr;q=0.9")), "fr");
        assert_eq!(pick_language(None, Some("ja,pt-BR;q=0.8,es;q=0.9")), "es");
        assert_eq!(pick_language(None, Some("ja, zh;q=0.5")), "en");
        assert_eq!(pick_language(None, Some("es;q=0, de;q=0.1")), "de");
    }

    #[test]
    fn every_kind_has_every_language() {
        for kind in [
            Unavailable::Missing,
            Unavailable::Revoked,
            Unavailable::Expired,
            Unavailable::Unplayable,
        ] {
            let en = strings(kind, "en");
            for lang in &LANGUAGES[1..] {
                let s = strings(kind, lang);
                assert!(s.iter().zip(en).all(|(a, b)| a != &b), "{kind:?} {lang}");
            }
        }
    }
}
