//! A live microphone level for the meter beside the preview, shaped like
//! leptos-use: `use_audio_level(stream)` → [`UseAudioLevelReturn`]; the audio
//! graph and its timer are released when the stream changes or on cleanup.

use std::time::Duration;

use leptos::prelude::*;
use web_sys::{AnalyserNode, AudioContext, MediaStream};

/// How often the level is read.
pub const METER_INTERVAL: Duration = Duration::from_millis(100);

pub struct UseAudioLevelReturn {
    /// 0.0 (silence) to 1.0 (loud).
    pub level: ReadSignal<f64>,
}

struct Graph {
    ctx: AudioContext,
    timer: IntervalHandle,
}

impl Graph {
    fn close(self) {
        self.timer.clear();
        let _ = self.ctx.close();
    }
}

/// RMS of a block of samples, scaled so speech reads as about half.
fn level_of(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|s| f64::from(*s).powi(2)).sum();
    ((sum / samples.len() as f64).sqrt() * 4.0).min(1.0)
}

fn start(stream: &MediaStream, set: WriteSignal<f64>) -> Option<Graph> {
    if stream.get_audio_tracks().length() == 0 {
        return None;
    }
    let ctx = AudioContext::new().ok()?;
    let _ = ctx.resume();
    let source = ctx.create_media_stream_source(stream).ok()?;
    let analyser: AnalyserNode = ctx.create_analyser().ok()?;
    analyser.set_fft_size(1024);
    source.connect_with_audio_node(&analyser).ok()?;
    let buf = std::cell::RefCell::new(vec![0f32; analyser.fft_size() as usize]);
    let timer = set_interval_with_handle(
        move || {
            let mut buf = buf.borrow_mut();
            analyser.get_float_time_domain_data(&mut buf);
            set.set(level_of(&buf));
        },
        METER_INTERVAL,
    )
    .ok()?;
    Some(Graph { ctx, timer })
}

pub fn use_audio_level(stream: Signal<Option<MediaStream>, LocalStorage>) -> UseAudioLevelReturn {
    let (level, set_level) = signal(0.0);
    let graph = StoredValue::new_local(None::<Graph>);
    let stop = move || {
        if let Some(old) = graph.try_update_value(Option::take).flatten() {
            old.close();
        }
    };
    Effect::new(move |_| {
        stop();
        set_level.set(0.0);
        if let Some(s) = stream.get() {
            graph.set_value(start(&s, set_level));
        }
    });
    on_cleanup(stop);
    UseAudioLevelReturn { level }
}

#[cfg(test)]
mod tests {
    use super::level_of;

    #[test]
    fn silence_is_zero_and_loud_is_capped() {
        assert_eq!(level_of(&[]), 0.0);
        assert_eq!(level_of(&[0.0; 8]), 0.0);
        assert!((level_of(&[0.1, -0.1, 0.1, -0.1]) - 0.4).abs() < 1e-6);
        assert_eq!(level_of(&[1.0, -1.0]), 1.0);
    }
}
