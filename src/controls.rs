//! The recorder's controls: the camera stage (mirrored preview, countdown, timer,
//! level meter), the device pickers, and each screen's buttons.

use leptos::prelude::*;

use vidreply_core::recorder::{Event, Screen, StopCause};

use crate::ctl::Ctl;
use crate::devices::Facing;
use crate::meter::use_audio_level;
use crate::screen::timer_texts;

#[component]
pub fn Stage(ctl: Ctl) -> impl IntoView {
    let level = use_audio_level(ctl.stream.into()).level;
    let shows = move || ctl.screen.with(Screen::shows_preview);
    // Mirrored like a mirror when the camera faces the person; the recording never is.
    let mirrored = move || ctl.devices.choice.with(|c| c.facing == Facing::User);
    let countdown = move || match ctl.screen.get() {
        Screen::Countdown(n) => Some(n),
        _ => None,
    };
    let timer = move || timer_texts(ctl.timer.elapsed.get(), ctl.limit_ms());
    view! {
        <div class="vr-stage" hidden=move || !shows()>
            <video node_ref=ctl.preview class="vr-preview" class:vr-mirrored=mirrored
                muted=true autoplay=true playsinline=true prop:muted=true
                aria-label=move || ctl.t("label-preview")></video>
            <Show when=move || countdown().is_some()>
                <div class="vr-countdown" aria-hidden="true">{move || countdown().unwrap_or(0)}</div>
            </Show>
            <Show when=move || ctl.screen.with(Screen::is_recording)>
                <p class="vr-timer" class:vr-paused=move || ctl.screen.with(|s| *s == Screen::Paused)>
                    <span class="vr-rec-dot" aria-hidden="true"></span>
                    <span>{move || ctl.t("label-elapsed")}" "</span>
                    <time class="vr-elapsed">{move || timer().0}</time>
                    <span>" · "{move || ctl.t("label-remaining")}" "</span>
                    <time class="vr-remaining">{move || timer().1}</time>
                </p>
            </Show>
            <meter class="vr-meter" min="0" max="1" low="0.05" high="0.9" optimum="0.5"
                aria-label=move || ctl.t("label-level") value=move || level.get()></meter>
        </div>
    }
}

#[component]
pub fn Devices(ctl: Ctl) -> impl IntoView {
    let shows = move || ctl.screen.with(|s| *s == Screen::Preview);
    let flip_label = move || {
        ctl.t(match ctl.devices.choice.with(|c| c.facing) {
            Facing::User => "btn-switch-back",
            Facing::Environment => "btn-switch-front",
        })
    };
    let picker = move |label: &'static str, id: &'static str, camera: bool| {
        let list = if camera {
            ctl.devices.cams
        } else {
            ctl.devices.mics
        };
        let selected = move || {
            ctl.devices.choice.with(|c| {
                if camera {
                    c.camera.clone()
                } else {
                    c.microphone.clone()
                }
            })
        };
        view! {
            <div class="vr-field" hidden=move || list.with(|l| l.len() < 2)>
                <label for=id>{move || ctl.t(label)}</label>
                <select id=id on:change=move |e| {
                    let v = Some(event_target_value(&e));
                    ctl.choose(|c| if camera { c.camera = v } else { c.microphone = v });
                }>
                    <For each=move || list.get() key=|d| d.id.clone() let:d>
                        <option value=d.id.clone() selected={let id = d.id.clone(); move || selected().as_deref() == Some(&id)}>
                            {d.label.clone()}
                        </option>
                    </For>
                </select>
            </div>
        }
    };
    view! {
        <div class="vr-devices" hidden=move || !shows()>
            {picker("label-camera", "vr-camera", true)}
            {picker("label-microphone", "vr-microphone", false)}
            <Show when=crate::devices::can_flip>
                <button type="button" class="vr-secondary vr-flip" on:click=move |_| ctl.choose(|c| {
                    c.facing = c.facing.flipped();
                    c.camera = None;
                })>{flip_label}</button>
            </Show>
        </div>
    }
}

#[component]
pub fn Actions(ctl: Ctl) -> impl IntoView {
    let is = move |f: fn(&Screen) -> bool| move || ctl.screen.with(f);
    let start = move |_| {
        let countdown_s = ctl.opts.with_value(|o| o.countdown_s);
        ctl.dispatch(Event::Start { countdown_s });
    };
    let stop = move |_| ctl.dispatch(Event::Stop(StopCause::Pressed));
    let discard = move |_| {
        let camera_on = ctl.camera_on();
        ctl.dispatch(Event::Discard { camera_on });
    };
    view! {
        <div class="vr-actions">
            <Show when=is(|s| matches!(s, Screen::Intro | Screen::Failed { retry_camera: true, .. }))>
                <button data-primary on:click=move |_| ctl.dispatch(Event::OpenCamera)>
                    {move || ctl.t("btn-allow")}
                </button>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Preview))>
                <button data-primary on:click=start>{move || ctl.t("btn-start")}</button>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Countdown(_)))>
                <button data-primary class="vr-secondary" on:click=move |_| ctl.dispatch(Event::CancelCountdown)>{move || ctl.t("btn-cancel")}</button>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Recording))>
                <button data-primary class="vr-stop" on:click=stop>{move || ctl.t("btn-stop")}</button>
                <button class="vr-secondary" on:click=move |_| ctl.dispatch(Event::Pause)>{move || ctl.t("btn-pause")}</button>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Paused))>
                <button data-primary on:click=move |_| ctl.dispatch(Event::Resume)>{move || ctl.t("btn-resume")}</button>
                <button class="vr-stop" on:click=stop>{move || ctl.t("btn-stop")}</button>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Resume))>
                <button data-primary on:click=move |_| ctl.dispatch(Event::Send)>{move || ctl.t("btn-resume-send")}</button>
                <button class="vr-secondary" on:click=discard>{move || ctl.t("btn-discard")}</button>
            </Show>
            <Show when=is(|s| matches!(s, Screen::Review | Screen::Interrupted | Screen::Failed { retry_camera: false, .. }))>
                <button data-primary on:click=move |_| ctl.dispatch(Event::Send)>{move || ctl.t("btn-send")}</button>
                <button class="vr-secondary" on:click=discard>{move || ctl.t("btn-retake")}</button>
            </Show>
        </div>
    }
}
