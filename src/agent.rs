//! Agent mode, after "Sent": the share link with a Copy button, and sending the
//! link to the customer on a channel (the server emits `agent.video.send`).

use leptos::prelude::*;
use vidreply_core::protocol::SendVideoRequest;
use vidreply_core::{Verdict, classify};
use wasm_bindgen_futures::{JsFuture, spawn_local};

use crate::ctl::Ctl;

const CHANNELS: [(&str, &str); 4] = [
    ("sms", "channel-sms"),
    ("email", "channel-email"),
    ("whatsapp", "channel-whatsapp"),
    ("webmessaging", "channel-webmessaging"),
];

/// Copy text to the clipboard; `false` if the browser refused.
async fn copy(text: &str) -> bool {
    let clipboard = window().navigator().clipboard();
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

#[component]
pub fn AgentShare(ctl: Ctl) -> impl IntoView {
    let link = move || ctl.sent.get().map(|v| v.media_url).unwrap_or_default();
    let copied = RwSignal::new(false);
    let channel = RwSignal::new("sms".to_string());
    let address = RwSignal::new(String::new());
    let result = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let link_input = NodeRef::<leptos::html::Input>::new();

    let on_copy = move |_| {
        let text = link();
        spawn_local(async move {
            let ok = copy(&text).await;
            if !ok && let Some(i) = link_input.get_untracked() {
                // Clipboard refused (permissions policy): select it for Ctrl+C.
                i.select();
            }
            copied.set(ok);
        });
    };
    let on_send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(video) = ctl.sent.get_untracked() else {
            return;
        };
        let req = SendVideoRequest {
            target_channel: channel.get_untracked(),
            target_address: address.get_untracked().trim().to_string(),
            subject: Some(ctl.t("agent-subject")),
            body: None,
        };
        busy.set(true);
        let api = ctl.api.get_value();
        spawn_local(async move {
            let r = api.send_video(&video.video_id, &req).await;
            busy.set(false);
            let label = CHANNELS
                .iter()
                .find(|(c, _)| *c == req.target_channel)
                .map(|(_, k)| ctl.t(k))
                .unwrap_or_default();
            result.set(Some(match r {
                Ok(_) => ctl.tr("agent-sent", &[("channel", label.into())]),
                Err(f) => {
                    let message = match classify(&f) {
                        Verdict::Fatal { message, .. } => message,
                        _ => ctl.t("agent-unreachable"),
                    };
                    ctl.tr("agent-send-failed", &[("message", message.into())])
                }
            }));
        });
    };

    view! {
        <section class="vr-agent" aria-labelledby="vr-share-label">
            <p>{move || ctl.t("sent-agent")}</p>
            <label id="vr-share-label" for="vr-share-link">{move || ctl.t("label-share")}</label>
            <div class="vr-row">
                <input id="vr-share-link" node_ref=link_input readonly=true prop:value=link />
                <button type="button" class="vr-secondary" on:click=on_copy>
                    {move || if copied.get() { ctl.t("btn-copied") } else { ctl.t("btn-copy") }}
                </button>
            </div>
            <form class="vr-send-form" on:submit=on_send>
                <label for="vr-channel">{move || ctl.t("label-channel")}</label>
                <select id="vr-channel" on:change=move |e| channel.set(event_target_value(&e))>
                    {CHANNELS.iter().map(|(value, key)| view! {
                        <option value=*value selected=move || channel.get() == *value>{ctl.t(key)}</option>
                    }).collect_view()}
                </select>
                <label for="vr-address">{move || ctl.t("label-address")}</label>
                <input id="vr-address" required=true autocomplete="off"
                    prop:value=move || address.get()
                    on:input=move |e| address.set(event_target_value(&e)) />
                <button type="submit" disabled=move || busy.get()>{move || ctl.t("btn-send-customer")}</button>
            </form>
            <p class="vr-result" aria-live="polite">{move || result.get().unwrap_or_default()}</p>
        </section>
    }
}
