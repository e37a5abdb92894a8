//! Every screen against every event, and any order of events.

use super::*;
use Command as C;
use proptest::prelude::*;

#[test]
fn every_screen_meets_every_event() {
    for s in screens() {
        for e in events() {
            let (n, c) = next(&s, e.clone());
            let err = emits(&c)
                .iter()
                .filter(|e| matches!(e, RecorderEvent::Error { .. }))
                .count();
            // A failure is always told to the page, exactly once, and only a failure is.
            assert_eq!(
                err,
                usize::from(matches!(n, Screen::Failed { .. }) && n != s)
            );
            // Recording starts only from the preview or a countdown that ran out.
            if c.contains(&C::BeginRecording) {
                assert!(
                    matches!(s, Screen::Preview | Screen::Countdown(_)),
                    "{s:?} {e:?}"
                );
            }
            // Only a running recording is stopped, and stopping never leaves its screen early.
            if c.iter().any(|c| matches!(c, C::StopRecorder(_))) {
                assert!(s.is_recording() && n == s, "{s:?} {e:?}");
            }
            // Nothing but a failure or a screen's own way out leaves a sent video or a bad link.
            if matches!(s, Screen::Sent | Screen::BadLink(_)) && n != s {
                assert!(
                    matches!(
                        e,
                        Event::OpenCamera
                            | Event::CameraReady
                            | Event::Failed { .. }
                            | Event::RecordingStarted { .. }
                            | Event::Stopped { .. }
                            | Event::FileChosen
                            | Event::Discard { .. }
                            | Event::Sent { .. }
                            | Event::SendFailed { .. }
                    ),
                    "{s:?} {e:?}"
                );
            }
            // The camera is released with a word to the person, never silently.
            if c.contains(&C::ReleaseCamera) && !matches!(e, Event::FileChosen) {
                assert!(
                    c.contains(&C::Notice(Notice::CameraReleased)),
                    "{s:?} {e:?}"
                );
            }
        }
    }
}

proptest! {
    /// Whatever happens in whatever order, the recorder never records from a screen
    /// that does not show the camera, and `recordingstop` follows only a stop.
    #[test]
    fn any_sequence_keeps_the_invariants(picks in prop::collection::vec(0usize..64, 0..80)) {
        let all = events();
        let mut s = Screen::Intro;
        for i in picks {
            let e = all[i % all.len()].clone();
            let (n, c) = next(&s, e.clone());
            if c.contains(&C::StartRecordTimer) {
                prop_assert_eq!(&n, &Screen::Recording);
            }
            for ev in emits(&c) {
                if matches!(ev, RecorderEvent::RecordingStop { .. }) {
                    prop_assert!(matches!(e, Event::Stopped { .. }), "{:?}", e);
                }
            }
            if n.is_recording() && !s.is_recording() {
                prop_assert!(matches!(e, Event::RecordingStarted { .. }), "{:?} -> {:?} by {:?}", s, n, e);
            }
            prop_assert!(!matches!(n, Screen::Countdown(0)));
            s = n;
        }
    }
}
