//! The recorder's stylesheet, shipped inside the wasm so a host page needs no CSS
//! file; it is added to the document once, before any host stylesheet rules that
//! set the `--vr-*` variables.

const CSS: &str = include_str!("style.css");
const ID: &str = "vidreply-style";

/// Add the stylesheet to `<head>` unless it is already there.
pub fn inject() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.get_element_by_id(ID).is_some() {
        return;
    }
    let (Ok(style), Some(head)) = (doc.create_element("style"), doc.head()) else {
        return;
    };
    style.set_id(ID);
    style.set_text_content(Some(CSS));
    // First in <head>: the host page's own rules come later and win.
    let _ = head.insert_before(&style, head.first_child().as_ref());
}
