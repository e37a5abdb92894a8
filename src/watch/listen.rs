//! DOM event listeners that are removed together, on cleanup.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, EventTarget};

type Entry = (EventTarget, &'static str, Closure<dyn FnMut(Event)>);

/// A set of listeners; a cheap `Copy` handle.
#[derive(Clone, Copy)]
pub struct Listeners(StoredValue<Vec<Entry>, LocalStorage>);

impl Listeners {
    pub fn new() -> Self {
        Self(StoredValue::new_local(Vec::new()))
    }

    /// Listen to `name` on `target` until [`Listeners::remove_all`].
    pub fn add(&self, target: &EventTarget, name: &'static str, f: impl FnMut(Event) + 'static) {
        let cb = Closure::<dyn FnMut(Event)>::new(f);
        if target
            .add_event_listener_with_callback(name, cb.as_ref().unchecked_ref())
            .is_ok()
        {
            let _ = self
                .0
                .try_update_value(|v| v.push((target.clone(), name, cb)));
        }
    }

    pub fn remove_all(&self) {
        let all = self.0.try_update_value(std::mem::take).unwrap_or_default();
        for (target, name, cb) in all {
            let _ = target.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        }
    }
}

impl Default for Listeners {
    fn default() -> Self {
        Self::new()
    }
}
