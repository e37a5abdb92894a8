use super::*;
use Command as C;

fn failed_screen(retry_camera: bool) -> Screen {
    Screen::Failed {
        message: "m".into(),
        retry_camera,
    }
}

/// One of every screen.
fn screens() -> Vec<Screen> {
    vec![
        Screen::Intro,
        Screen::Opening,
        Screen::Preview,
        Screen::Countdown(3),
        Screen::Countdown(1),
        Screen::Recording,
        Screen::Paused,
        Screen::Review,
        Screen::Interrupted,
        Screen::Resume,
        Screen::Sending(Progress::default()),
        Screen::Sending(Progress {
            sent: 10,
            total: 10,
            eta_ms: None,
        }),
        Screen::Sent,
        failed_screen(true),
        failed_screen(false),
        Screen::BadLink("b".into()),
    ]
}

/// One of every event.
fn events() -> Vec<Event> {
    let causes = [
        StopCause::Pressed,
        StopCause::Limit,
        StopCause::Interrupted,
        StopCause::PageHidden,
    ];
    let mut all = vec![
        Event::OpenCamera,
        Event::CameraReady,
        Event::Failed {
            code: "camera_denied".into(),
            message: "no".into(),
            retry_camera: true,
        },
        Event::Start { countdown_s: 0 },
        Event::Start { countdown_s: 3 },
        Event::CountdownShows(2),
        Event::CountdownOver,
        Event::CancelCountdown,
        Event::RecordingStarted {
            mime_type: "video/webm".into(),
        },
        Event::Pause,
        Event::Resume,
        Event::Tick {
            elapsed_ms: 1_000.0,
            limit_ms: 60_000,
        },
        Event::Tick {
            elapsed_ms: 60_000.0,
            limit_ms: 60_000,
        },
        Event::PageHidden { camera_on: true },
        Event::PageHidden { camera_on: false },
        Event::FoundUnsent,
        Event::FileChosen,
        Event::Send,
        Event::Discard { camera_on: true },
        Event::Discard { camera_on: false },
        Event::Progress(Progress {
            sent: 5,
            total: 10,
            eta_ms: Some(3_000),
        }),
        Event::Sent {
            video_id: "v".into(),
            share_url: "https://x/v/1".into(),
            size: 10,
        },
        Event::SendFailed {
            message: "gone".into(),
        },
    ];
    for cause in causes {
        all.push(Event::Stop(cause));
        all.push(Event::Stopped {
            duration_ms: 1_500.0,
            cause,
        });
    }
    all
}

fn emits(commands: &[Command]) -> Vec<&RecorderEvent> {
    commands
        .iter()
        .filter_map(|c| match c {
            C::Emit(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn step(s: &mut Screen, e: Event) -> Vec<Command> {
    let (n, c) = next(s, e);
    *s = n;
    c
}

#[test]
fn a_recording_goes_from_intro_to_sent() {
    let mut s = Screen::Intro;
    assert_eq!(step(&mut s, Event::OpenCamera), vec![C::OpenCamera]);
    assert_eq!(step(&mut s, Event::CameraReady), vec![C::WarnIfLowSpace]);
    assert_eq!(
        step(&mut s, Event::Start { countdown_s: 3 }),
        vec![C::StartCountdown(3)]
    );
    assert_eq!(s, Screen::Countdown(3));
    assert!(step(&mut s, Event::CountdownShows(2)).is_empty());
    assert_eq!(s, Screen::Countdown(2));
    assert_eq!(step(&mut s, Event::CountdownOver), vec![C::BeginRecording]);
    let c = step(
        &mut s,
        Event::RecordingStarted {
            mime_type: "video/mp4".into(),
        },
    );
    assert_eq!(s, Screen::Recording);
    assert_eq!(c[1..], [C::StartRecordTimer, C::TakePoster]);
    assert_eq!(step(&mut s, Event::Pause), vec![C::PauseRecorder]);
    assert_eq!(s, Screen::Paused);
    assert_eq!(step(&mut s, Event::Resume), vec![C::ResumeRecorder]);
    assert_eq!(
        step(&mut s, Event::Stop(StopCause::Pressed)),
        vec![C::StopRecorder(StopCause::Pressed)]
    );
    assert_eq!(s, Screen::Recording, "until the last chunk is in");
    let c = step(
        &mut s,
        Event::Stopped {
            duration_ms: 2_000.0,
            cause: StopCause::Pressed,
        },
    );
    assert_eq!(s, Screen::Review);
    assert_eq!(
        emits(&c),
        [&RecorderEvent::RecordingStop {
            duration_ms: 2_000.0
        }]
    );
    assert_eq!(step(&mut s, Event::Send), vec![C::SendRecording]);
    assert_eq!(s, Screen::Sending(Progress::default()));
    let half = Progress {
        sent: 5,
        total: 10,
        eta_ms: None,
    };
    step(&mut s, Event::Progress(half));
    assert_eq!(s, Screen::Sending(half));
    let c = step(
        &mut s,
        Event::Sent {
            video_id: "v".into(),
            share_url: "u".into(),
            size: 10,
        },
    );
    assert_eq!(s, Screen::Sent);
    assert_eq!(
        emits(&c),
        [
            &RecorderEvent::UploadProgress {
                sent: 10,
                total: 10,
                percent: 100
            },
            &RecorderEvent::Sent {
                video_id: "v".into(),
                share_url: "u".into()
            }
        ]
    );
}

#[test]
fn no_countdown_begins_at_once_and_cancel_goes_back_to_the_preview() {
    assert_eq!(
        next(&Screen::Preview, Event::Start { countdown_s: 0 }),
        (Screen::Preview, vec![C::BeginRecording])
    );
    assert_eq!(
        next(&Screen::Countdown(2), Event::CancelCountdown),
        (Screen::Preview, vec![C::StopCountdown])
    );
    // A countdown that was cancelled (or hidden) no longer begins anything.
    assert_eq!(
        next(&Screen::Preview, Event::CountdownOver),
        (Screen::Preview, vec![])
    );
    assert_eq!(
        next(&Screen::Intro, Event::CountdownShows(1)),
        (Screen::Intro, vec![])
    );
}

#[test]
fn the_limit_stops_the_recording_with_a_notice() {
    let tick = |elapsed_ms| Event::Tick {
        elapsed_ms,
        limit_ms: 3_000,
    };
    assert_eq!(next(&Screen::Recording, tick(2_999.0)).1, vec![]);
    assert_eq!(
        next(&Screen::Paused, tick(3_000.0)).1,
        vec![
            C::Notice(Notice::LimitReached { limit_ms: 3_000 }),
            C::StopRecorder(StopCause::Limit)
        ]
    );
    assert_eq!(next(&Screen::Review, tick(9_000.0)).1, vec![]);
}

#[test]
fn hiding_the_page_keeps_the_recording_and_turns_the_camera_off() {
    let (s, c) = next(&Screen::Paused, Event::PageHidden { camera_on: true });
    assert_eq!(s, Screen::Paused);
    assert_eq!(
        c,
        vec![C::FlushRecorder, C::StopRecorder(StopCause::PageHidden)]
    );
    let (s, c) = next(
        &Screen::Paused,
        Event::Stopped {
            duration_ms: 1.0,
            cause: StopCause::PageHidden,
        },
    );
    assert_eq!(s, Screen::Review);
    assert_eq!(
        c[1..],
        [C::ReleaseCamera, C::Notice(Notice::CameraReleased)]
    );
    for before in [Screen::Opening, Screen::Preview, Screen::Countdown(2)] {
        let (s, c) = next(&before, Event::PageHidden { camera_on: true });
        assert_eq!(s, Screen::Intro, "{before:?}");
        assert_eq!(
            c,
            vec![
                C::FlushRecorder,
                C::StopCountdown,
                C::ReleaseCamera,
                C::Notice(Notice::CameraReleased)
            ]
        );
    }
    let (s, c) = next(&Screen::Review, Event::PageHidden { camera_on: false });
    assert_eq!((s, c), (Screen::Review, vec![C::FlushRecorder]));
}

#[test]
fn an_interruption_is_kept_for_review_apart() {
    let (s, c) = next(&Screen::Recording, Event::Stop(StopCause::Interrupted));
    assert_eq!(s, Screen::Recording);
    assert_eq!(c, vec![C::StopRecorder(StopCause::Interrupted)]);
    let stopped = Event::Stopped {
        duration_ms: 1.0,
        cause: StopCause::Interrupted,
    };
    assert_eq!(next(&Screen::Recording, stopped).0, Screen::Interrupted);
}

#[test]
fn a_failed_send_keeps_the_recording_and_offers_send_again() {
    let (s, c) = next(
        &Screen::Recording,
        Event::SendFailed {
            message: "kept".into(),
        },
    );
    assert_eq!(s, failed_with("kept", false));
    assert_eq!(c[0], C::DropRecorder);
    assert_eq!(
        emits(&c),
        [&RecorderEvent::Error {
            code: "send_failed".into(),
            message: "kept".into()
        }]
    );
    assert!(s.offers_send() && !s.offers_file());
    assert_eq!(next(&s, Event::Send).1, vec![C::SendRecording]);
}

fn failed_with(message: &str, retry_camera: bool) -> Screen {
    Screen::Failed {
        message: message.into(),
        retry_camera,
    }
}

#[test]
fn an_unsent_recording_is_offered_only_on_the_intro() {
    assert_eq!(
        next(&Screen::Intro, Event::FoundUnsent),
        (Screen::Resume, vec![C::ShowUnsent])
    );
    for s in screens().into_iter().filter(|s| *s != Screen::Intro) {
        assert_eq!(next(&s, Event::FoundUnsent), (s.clone(), vec![]), "{s:?}");
    }
}

#[test]
fn discard_goes_back_to_the_camera_if_it_is_on() {
    assert_eq!(
        next(&Screen::Review, Event::Discard { camera_on: true }).0,
        Screen::Preview
    );
    assert_eq!(
        next(&Screen::Resume, Event::Discard { camera_on: false }).0,
        Screen::Intro
    );
}

#[test]
fn progress_shows_only_while_sending_and_100_is_told_once() {
    let full = Progress {
        sent: 10,
        total: 10,
        eta_ms: None,
    };
    assert_eq!(
        next(&Screen::Review, Event::Progress(full)),
        (Screen::Review, vec![])
    );
    let sent = Event::Sent {
        video_id: "v".into(),
        share_url: "u".into(),
        size: 10,
    };
    let (_, c) = next(&Screen::Sending(full), sent);
    assert!(matches!(c[..], [C::Emit(RecorderEvent::Sent { .. })]));
}

#[test]
fn names_are_stable() {
    let names: Vec<_> = screens().iter().map(Screen::name).collect();
    assert_eq!(
        names,
        [
            "intro",
            "opening",
            "preview",
            "countdown",
            "countdown",
            "recording",
            "paused",
            "review",
            "interrupted",
            "resume",
            "sending",
            "sending",
            "sent",
            "failed",
            "failed",
            "bad-link"
        ]
    );
}

#[test]
fn percent_is_whole_and_capped() {
    let p = |sent, total| Progress {
        sent,
        total,
        eta_ms: None,
    };
    assert_eq!(p(0, 0).percent(), 0);
    assert_eq!(p(1, 3).percent(), 33);
    assert_eq!(p(12, 10).percent(), 100);
}

#[path = "recorder_props.rs"]
mod props;
