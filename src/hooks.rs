//! The recorder's clocks, the page's visibility and the journal, shaped like leptos-use:
//! `use_x()` or `use_x_with_options(…)` returns a `UseXReturn`, and each one stops
//! its timers and listeners on cleanup. They decide nothing: they tell their
//! callbacks what happened, and the recorder's reducer decides.

use std::rc::Rc;
use std::time::Duration;

use leptos::ev;
use leptos::prelude::*;
use vidreply_core::capture::countdown_shows;

use crate::browser::now_ms;
use crate::journal::{Journal, JournalError};

/// How often the record timer and the countdown are redrawn.
pub const TICK: Duration = Duration::from_millis(200);

type Timer = StoredValue<Option<IntervalHandle>, LocalStorage>;

fn clear(timer: Timer) {
    if let Some(h) = timer.try_update_value(Option::take).flatten() {
        h.clear();
    }
}

/// Run `step` every [`TICK`] on `timer` (replacing what ran there), until cleared.
fn every_tick(timer: Timer, step: impl Fn() + 'static) {
    clear(timer);
    if let Ok(h) = set_interval_with_handle(step, TICK) {
        timer.set_value(Some(h));
    }
}

/// Options for [`use_countdown_with_options`].
#[derive(Clone)]
pub struct UseCountdownOptions {
    on_tick: Rc<dyn Fn(u32)>,
    on_done: Rc<dyn Fn()>,
}

impl Default for UseCountdownOptions {
    fn default() -> Self {
        Self {
            on_tick: Rc::new(|_| {}),
            on_done: Rc::new(|| {}),
        }
    }
}

impl UseCountdownOptions {
    /// Called with each new number shown (3, then 2, then 1).
    pub fn on_tick(mut self, f: impl Fn(u32) + 'static) -> Self {
        self.on_tick = Rc::new(f);
        self
    }
    /// Called once when the countdown has run out (not when it is stopped).
    pub fn on_done(mut self, f: impl Fn() + 'static) -> Self {
        self.on_done = Rc::new(f);
        self
    }
}

/// A 3-2-1 countdown: [`UseCountdownReturn::start`], [`UseCountdownReturn::stop`].
#[derive(Clone, Copy)]
pub struct UseCountdownReturn {
    /// The number on show while counting; `None` otherwise.
    pub shows: Signal<Option<u32>>,
    set_shows: WriteSignal<Option<u32>>,
    timer: Timer,
    options: StoredValue<UseCountdownOptions, LocalStorage>,
}

impl UseCountdownReturn {
    /// Count down from `seconds` (a running countdown is replaced).
    pub fn start(self, seconds: u32) {
        let began = now_ms();
        self.set_shows.set(Some(seconds));
        every_tick(self.timer, move || {
            let elapsed = now_ms().saturating_sub(began) as f64;
            match countdown_shows(seconds, elapsed) {
                Some(n) if self.shows.get_untracked() == Some(n) => {}
                Some(n) => {
                    self.set_shows.set(Some(n));
                    (self.options.get_value().on_tick)(n);
                }
                None => {
                    self.stop();
                    (self.options.get_value().on_done)();
                }
            }
        });
    }

    /// Stop counting; nothing more is called.
    pub fn stop(self) {
        clear(self.timer);
        if self.shows.try_get_untracked().flatten().is_some() {
            self.set_shows.set(None);
        }
    }
}

pub fn use_countdown() -> UseCountdownReturn {
    use_countdown_with_options(UseCountdownOptions::default())
}

pub fn use_countdown_with_options(options: UseCountdownOptions) -> UseCountdownReturn {
    let (shows, set_shows) = signal(None);
    let timer = StoredValue::new_local(None);
    on_cleanup(move || clear(timer));
    UseCountdownReturn {
        shows: shows.into(),
        set_shows,
        timer,
        options: StoredValue::new_local(options),
    }
}

/// Options for [`use_record_timer_with_options`].
#[derive(Clone)]
pub struct UseRecordTimerOptions {
    on_tick: Rc<dyn Fn(f64)>,
}

impl Default for UseRecordTimerOptions {
    fn default() -> Self {
        Self {
            on_tick: Rc::new(|_| {}),
        }
    }
}

impl UseRecordTimerOptions {
    /// Called each tick with the recorded time (ms), after `elapsed` has it.
    pub fn on_tick(mut self, f: impl Fn(f64) + 'static) -> Self {
        self.on_tick = Rc::new(f);
        self
    }
}

/// The elapsed-time display while recording.
#[derive(Clone, Copy)]
pub struct UseRecordTimerReturn {
    /// Recorded time in ms, pauses excluded: live while running, the final duration after.
    pub elapsed: Signal<f64>,
    set_elapsed: WriteSignal<f64>,
    timer: Timer,
    read: StoredValue<Rc<dyn Fn() -> Option<f64>>, LocalStorage>,
    options: StoredValue<UseRecordTimerOptions, LocalStorage>,
}

impl UseRecordTimerReturn {
    /// Start from 0 and read the recorded time every tick.
    pub fn start(self) {
        self.set_elapsed.set(0.0);
        every_tick(self.timer, move || {
            let Some(ms) = self.read.with_value(|read| read()) else {
                return;
            };
            self.set_elapsed.set(ms);
            (self.options.get_value().on_tick)(ms);
        });
    }

    /// Stop reading; `elapsed` keeps its value.
    pub fn stop(self) {
        clear(self.timer);
    }

    /// Show the final duration.
    pub fn set(self, ms: f64) {
        self.set_elapsed.set(ms);
    }
}

/// `read` says the recorded time, or `None` when nothing is recording.
pub fn use_record_timer(read: impl Fn() -> Option<f64> + 'static) -> UseRecordTimerReturn {
    use_record_timer_with_options(read, UseRecordTimerOptions::default())
}

pub fn use_record_timer_with_options(
    read: impl Fn() -> Option<f64> + 'static,
    options: UseRecordTimerOptions,
) -> UseRecordTimerReturn {
    let (elapsed, set_elapsed) = signal(0.0);
    let timer = StoredValue::new_local(None);
    on_cleanup(move || clear(timer));
    UseRecordTimerReturn {
        elapsed: elapsed.into(),
        set_elapsed,
        timer,
        read: StoredValue::new_local(Rc::new(read) as Rc<dyn Fn() -> Option<f64>>),
        options: StoredValue::new_local(options),
    }
}

/// Options for [`use_page_hidden_with_options`].
#[derive(Clone)]
pub struct UsePageHiddenOptions {
    on_hidden: Rc<dyn Fn()>,
    on_pagehide: Rc<dyn Fn()>,
}

impl Default for UsePageHiddenOptions {
    fn default() -> Self {
        Self {
            on_hidden: Rc::new(|| {}),
            on_pagehide: Rc::new(|| {}),
        }
    }
}

impl UsePageHiddenOptions {
    /// The page became hidden (another tab or app, a Genesys frame in the background).
    pub fn on_hidden(mut self, f: impl Fn() + 'static) -> Self {
        self.on_hidden = Rc::new(f);
        self
    }
    /// The page is being closed or left (`pagehide`).
    pub fn on_pagehide(mut self, f: impl Fn() + 'static) -> Self {
        self.on_pagehide = Rc::new(f);
        self
    }
}

#[derive(Clone, Copy)]
pub struct UsePageHiddenReturn {
    /// Whether the page is hidden now.
    pub hidden: Signal<bool>,
}

pub fn use_page_hidden() -> UsePageHiddenReturn {
    use_page_hidden_with_options(UsePageHiddenOptions::default())
}

pub fn use_page_hidden_with_options(options: UsePageHiddenOptions) -> UsePageHiddenReturn {
    let is_hidden = || document().visibility_state() == web_sys::VisibilityState::Hidden;
    let (hidden, set_hidden) = signal(is_hidden());
    let on_pagehide = options.on_pagehide;
    let on_hide = window_event_listener(ev::pagehide, move |_| on_pagehide());
    let on_hidden = options.on_hidden;
    let on_change = window_event_listener(ev::visibilitychange, move |_| {
        let now = is_hidden();
        set_hidden.set(now);
        if now {
            on_hidden();
        }
    });
    on_cleanup(move || {
        on_hide.remove();
        on_change.remove();
    });
    UsePageHiddenReturn {
        hidden: hidden.into(),
    }
}

/// The device's journal, opened once and shared by whoever needs it first.
#[derive(Clone, Copy)]
pub struct UseJournalReturn {
    journal: StoredValue<Option<Journal>, LocalStorage>,
}

impl UseJournalReturn {
    /// The journal, if it has opened.
    pub fn get(self) -> Option<Journal> {
        self.journal.try_get_value().flatten()
    }

    /// The journal, opened now if its first opening has not finished: a quick Start or a
    /// file chosen at once (a slow disk, a loaded phone) must not be refused for it.
    pub async fn open(self) -> Result<Journal, JournalError> {
        if let Some(j) = self.get() {
            return Ok(j);
        }
        let j = Journal::open().await?;
        self.journal.try_set_value(Some(j.clone()));
        Ok(j)
    }
}

/// Nothing opens until asked; the browser closes IndexedDB with the page.
pub fn use_journal() -> UseJournalReturn {
    UseJournalReturn {
        journal: StoredValue::new_local(None),
    }
}
