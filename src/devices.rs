//! Cameras and microphones: open the chosen ones (or the front/back camera on a
//! phone), list what there is once permission is given, and read what a track
//! really delivers.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaDeviceInfo, MediaDeviceKind, MediaStream, MediaStreamConstraints};

use crate::browser::{present, window};
use crate::camera::{CameraError, supported_mime_type, track_of};

/// Which way the camera looks (phones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Facing {
    #[default]
    User,
    Environment,
}

impl Facing {
    pub fn flipped(self) -> Self {
        match self {
            Facing::User => Facing::Environment,
            Facing::Environment => Facing::User,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Facing::User => "user",
            Facing::Environment => "environment",
        }
    }
}

/// What the person chose; `None` means the browser's default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceChoice {
    pub camera: Option<String>,
    pub microphone: Option<String>,
    pub facing: Facing,
}

/// A device the person can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub label: String,
}

pub fn media_devices() -> Option<web_sys::MediaDevices> {
    present(&window().navigator(), "mediaDevices")
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &k.into(), v);
}

/// `{ideal: v}` or `{exact: v}`.
fn constraint(kind: &str, v: &JsValue) -> JsValue {
    let o = js_sys::Object::new();
    set(&o, kind, v);
    o.into()
}

/// Ask for camera and microphone as chosen. A chosen device is required exactly;
/// otherwise the facing mode is only preferred.
pub async fn open_camera(choice: &DeviceChoice) -> Result<MediaStream, CameraError> {
    if !window().is_secure_context() {
        return Err(CameraError::Insecure);
    }
    let devices = media_devices().ok_or(CameraError::Insecure)?;
    if supported_mime_type().is_none() {
        return Err(CameraError::Unsupported);
    }
    let video = js_sys::Object::new();
    match &choice.camera {
        Some(id) => set(&video, "deviceId", &constraint("exact", &id.into())),
        None => set(
            &video,
            "facingMode",
            &constraint("ideal", &choice.facing.as_str().into()),
        ),
    }
    // No size is asked for: the camera's default (640×480 on most) suits a 4G uplink, and
    // WebKitGTK recorded nothing when asked for 720p (engine tests; a probe showed 1 KB in 3 s).
    let audio: JsValue = match &choice.microphone {
        Some(id) => {
            let a = js_sys::Object::new();
            set(&a, "deviceId", &constraint("exact", &id.into()));
            a.into()
        }
        None => JsValue::TRUE,
    };
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&audio);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| CameraError::from_js(&e))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|e| CameraError::from_js(&e))?;
    Ok(stream.unchecked_into())
}

/// Cameras and microphones, with their labels (known once permission is given).
pub async fn list() -> (Vec<Device>, Vec<Device>) {
    let (mut cams, mut mics) = (vec![], vec![]);
    let Some(md) = media_devices() else {
        return (cams, mics);
    };
    let Ok(p) = md.enumerate_devices() else {
        return (cams, mics);
    };
    let Ok(all) = JsFuture::from(p).await else {
        return (cams, mics);
    };
    for d in js_sys::Array::from(&all).iter() {
        let Ok(d) = d.dyn_into::<MediaDeviceInfo>() else {
            continue;
        };
        let list = match d.kind() {
            MediaDeviceKind::Videoinput => &mut cams,
            MediaDeviceKind::Audioinput => &mut mics,
            _ => continue,
        };
        if d.device_id().is_empty() || d.device_id() == "default" {
            continue;
        }
        let n = list.len() + 1;
        list.push(Device {
            id: d.device_id(),
            label: if d.label().is_empty() {
                format!("{n}")
            } else {
                d.label()
            },
        });
    }
    (cams, mics)
}

/// The device ids a stream really uses (camera, microphone).
pub fn in_use(stream: &MediaStream) -> (Option<String>, Option<String>) {
    let id = |video| {
        track_of(stream, video)
            .and_then(|t| t.get_settings().get_device_id())
            .filter(|s| !s.is_empty())
    };
    (id(true), id(false))
}

/// Whether this is a touch device whose browser can choose front or back cameras.
pub fn can_flip() -> bool {
    let coarse = window()
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    let supported = media_devices()
        .and_then(|m| m.get_supported_constraints().get_facing_mode())
        .unwrap_or(false);
    coarse && supported
}
