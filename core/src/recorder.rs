//! The recorder's screens as a pure reducer: [`next`] takes the screen on show and
//! what happened, and returns the screen to show next and what the browser must do.
//! No I/O and no clock: the browser's one dispatch function feeds it events and
//! carries out the commands, so every path through the recorder is tested here.

pub use crate::recorder_types::{Progress, RecorderEvent, Screen};

/// What ended a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// The Stop button.
    Pressed,
    /// The recording reached its limit.
    Limit,
    /// A track ended by itself (a phone call, a revoked permission, an unplugged camera).
    Interrupted,
    /// The page (or the Genesys frame) was hidden: stop, keep, and turn the camera off.
    PageHidden,
}

impl StopCause {
    /// The screen once the last chunk is in.
    pub fn after(self) -> Screen {
        match self {
            StopCause::Interrupted => Screen::Interrupted,
            _ => Screen::Review,
        }
    }
}

/// Something that happened: a button, a browser answer, a timer.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Allow camera or Try again, a device chosen in the preview, or Start with the camera gone.
    OpenCamera,
    CameraReady,
    /// Something failed (the camera, the journal, a file): shown, and told to the page.
    Failed {
        code: String,
        message: String,
        retry_camera: bool,
    },
    /// Start recording, after a countdown of this many seconds (0: at once).
    Start {
        countdown_s: u32,
    },
    CountdownShows(u32),
    CountdownOver,
    CancelCountdown,
    /// MediaRecorder runs and the journal has the recording's entry.
    RecordingStarted {
        mime_type: String,
    },
    Pause,
    Resume,
    /// The record timer: recorded time so far and the limit in force.
    Tick {
        elapsed_ms: f64,
        limit_ms: u64,
    },
    Stop(StopCause),
    /// The recorder handed over its last chunk.
    Stopped {
        duration_ms: f64,
        cause: StopCause,
    },
    /// The page was hidden (not merely closing); `camera_on` if a stream is open.
    PageHidden {
        camera_on: bool,
    },
    /// The journal kept an unsent recording of this conversation from an earlier visit.
    FoundUnsent,
    /// A video file was chosen instead of recording.
    FileChosen,
    Send,
    /// Retake or Discard.
    Discard {
        camera_on: bool,
    },
    Progress(Progress),
    Sent {
        video_id: String,
        share_url: String,
        size: u64,
    },
    /// Sending stopped for good; the recording is kept on the device.
    SendFailed {
        message: String,
    },
}

/// Something worth knowing that is not the current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    CameraReleased,
    LimitReached { limit_ms: u64 },
    FileChosen,
}

/// What the browser must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Tell the page (the widget's DOM events).
    Emit(RecorderEvent),
    Notice(Notice),
    /// Ask for the camera as chosen (the old stream is released first).
    OpenCamera,
    ReleaseCamera,
    /// Say whether the device is short of space for a recording.
    WarnIfLowSpace,
    StartCountdown(u32),
    StopCountdown,
    /// Journal first, then MediaRecorder, uploading as it goes.
    BeginRecording,
    PauseRecorder,
    ResumeRecorder,
    /// Hand the journal the chunk in progress.
    FlushRecorder,
    /// Stop the record timer and the recorder; [`Event::Stopped`] follows.
    StopRecorder(StopCause),
    /// Stop a recorder nobody will feed any more, without a word to the page.
    DropRecorder,
    StartRecordTimer,
    TakePoster,
    /// Show the unsent recording found in the journal, ready to send.
    ShowUnsent,
    SendRecording,
    DiscardRecording,
}

/// The screen to show after `event`, and what the browser must do.
pub fn next(screen: &Screen, event: Event) -> (Screen, Vec<Command>) {
    use Command as C;
    let stay = |commands: Vec<Command>| (screen.clone(), commands);
    match event {
        Event::OpenCamera => (Screen::Opening, vec![C::OpenCamera]),
        Event::CameraReady => (Screen::Preview, vec![C::WarnIfLowSpace]),
        Event::Failed {
            code,
            message,
            retry_camera,
        } => failed(code, message, retry_camera, vec![]),
        Event::Start { countdown_s } if *screen == Screen::Preview => match countdown_s {
            0 => stay(vec![C::BeginRecording]),
            s => (Screen::Countdown(s), vec![C::StartCountdown(s)]),
        },
        Event::CountdownShows(n) if matches!(screen, Screen::Countdown(_)) => {
            (Screen::Countdown(n), vec![])
        }
        Event::CountdownOver if matches!(screen, Screen::Countdown(_)) => {
            stay(vec![C::BeginRecording])
        }
        Event::CancelCountdown if matches!(screen, Screen::Countdown(_)) => {
            (Screen::Preview, vec![C::StopCountdown])
        }
        Event::RecordingStarted { mime_type } => (
            Screen::Recording,
            vec![
                C::Emit(RecorderEvent::RecordingStart { mime_type }),
                C::StartRecordTimer,
                C::TakePoster,
            ],
        ),
        Event::Pause if *screen == Screen::Recording => (Screen::Paused, vec![C::PauseRecorder]),
        Event::Resume if *screen == Screen::Paused => (Screen::Recording, vec![C::ResumeRecorder]),
        Event::Tick {
            elapsed_ms,
            limit_ms,
        } if screen.is_recording() && elapsed_ms >= limit_ms as f64 => stay(vec![
            C::Notice(Notice::LimitReached { limit_ms }),
            C::StopRecorder(StopCause::Limit),
        ]),
        Event::Stop(cause) if screen.is_recording() => stay(vec![C::StopRecorder(cause)]),
        Event::Stopped { duration_ms, cause } => {
            let mut commands = vec![C::Emit(RecorderEvent::RecordingStop { duration_ms })];
            if cause == StopCause::PageHidden {
                commands.extend([C::ReleaseCamera, C::Notice(Notice::CameraReleased)]);
            }
            (cause.after(), commands)
        }
        Event::PageHidden { camera_on } => page_hidden(screen, camera_on),
        Event::FoundUnsent if *screen == Screen::Intro => (Screen::Resume, vec![C::ShowUnsent]),
        Event::FileChosen => (
            Screen::Sending(Progress::default()),
            vec![C::ReleaseCamera, C::Notice(Notice::FileChosen)],
        ),
        Event::Send if screen.offers_send() => {
            (Screen::Sending(Progress::default()), vec![C::SendRecording])
        }
        Event::Discard { camera_on } => (
            if camera_on {
                Screen::Preview
            } else {
                Screen::Intro
            },
            vec![C::DiscardRecording],
        ),
        Event::Progress(p) if matches!(screen, Screen::Sending(_)) => (
            Screen::Sending(p),
            vec![C::Emit(RecorderEvent::progress(&p))],
        ),
        Event::Sent {
            video_id,
            share_url,
            size,
        } => {
            let mut commands = vec![];
            // The page hears of 100 % once, whether or not the last progress said so.
            if !matches!(screen, Screen::Sending(p) if p.percent() == 100) {
                commands.push(C::Emit(RecorderEvent::progress(&Progress {
                    sent: size,
                    total: size,
                    eta_ms: None,
                })));
            }
            commands.push(C::Emit(RecorderEvent::Sent {
                video_id,
                share_url,
            }));
            (Screen::Sent, commands)
        }
        // The session ended: a recorder still running would feed nobody.
        Event::SendFailed { message } => {
            failed("send_failed".into(), message, false, vec![C::DropRecorder])
        }
        _ => stay(vec![]),
    }
}

fn failed(
    code: String,
    message: String,
    retry_camera: bool,
    mut commands: Vec<Command>,
) -> (Screen, Vec<Command>) {
    commands.push(Command::Emit(RecorderEvent::Error {
        code,
        message: message.clone(),
    }));
    (
        Screen::Failed {
            message,
            retry_camera,
        },
        commands,
    )
}

/// Hidden (a Genesys frame in the background, a phone switching apps): keep what was
/// recorded, stop any countdown, and turn the camera off.
fn page_hidden(screen: &Screen, camera_on: bool) -> (Screen, Vec<Command>) {
    use Command as C;
    let mut commands = vec![C::FlushRecorder];
    if screen.is_recording() {
        // The camera goes off once the last chunk is in (see `Event::Stopped`).
        commands.push(C::StopRecorder(StopCause::PageHidden));
        return (screen.clone(), commands);
    }
    let next = match screen {
        Screen::Opening | Screen::Preview | Screen::Countdown(_) => {
            commands.push(C::StopCountdown);
            Screen::Intro
        }
        other => other.clone(),
    };
    if camera_on {
        commands.extend([C::ReleaseCamera, C::Notice(Notice::CameraReleased)]);
    }
    (next, commands)
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
