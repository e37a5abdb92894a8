//! Running ffmpeg/ffprobe: confined (see `sandbox`), a deadline, no stdin, the
//! child killed when we give up, stdout streamed line by line up to a budget, and
//! only a short, bounded tail of stderr kept.
//!
//! stderr is read line by line instead of buffered because a damaged file can make
//! ffmpeg print one error per frame; a bounded tail keeps memory flat and error
//! messages short. No line is kept longer than [`LINE_CAP`], however long the
//! tool makes it.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::time::Instant;

use super::sandbox::{self, Sandbox};
use super::{MediaError, MediaSettings, SETTING_FFMPEG, SETTING_FFPROBE};

/// Which binary, where, which setting points at it (for error messages), how it
/// is confined and the folder it works in.
#[derive(Clone, Copy)]
pub(crate) struct Tool<'a> {
    pub name: &'static str,
    pub path: &'a Path,
    pub setting: &'static str,
    pub sandbox: &'a Sandbox,
    pub dir: &'a Path,
}

impl<'a> Tool<'a> {
    pub fn ffprobe(settings: &'a MediaSettings, dir: &'a Path) -> Self {
        Tool {
            name: "ffprobe",
            path: &settings.ffprobe,
            setting: SETTING_FFPROBE,
            sandbox: &settings.sandbox,
            dir,
        }
    }

    pub fn ffmpeg(settings: &'a MediaSettings, dir: &'a Path) -> Self {
        Tool {
            name: "ffmpeg",
            path: &settings.ffmpeg,
            setting: SETTING_FFMPEG,
            sandbox: &settings.sandbox,
            dir,
        }
    }
}

/// Longest line kept from a tool's output, in bytes.
const LINE_CAP: usize = 64 * 1024;

/// Lines ffmpeg's demuxers print when a file ends before the data it announces:
/// the signature of a cut-off upload. Checked on every stderr line.
///
/// - matroska/webm: `File ended prematurely` (EOF inside an element of known size;
///   a cut exactly between blocks of an unknown-size cluster, as Chromium writes
///   them, is silent because the file is then simply a shorter valid recording).
/// - mov/mp4: `stream N, offset 0x…: partial file` (a sample lies past EOF).
const TRUNCATION_MARKERS: &[&str] = &[
    "File ended prematurely",
    ": partial file",
    "Truncating packet",
];

const TAIL_LINES: usize = 6;
const LINE_MAX: usize = 200;

/// What a tool said on stderr: the last few lines, the first truncation sign and
/// the first codec refused by `-codec_whitelist`.
#[derive(Debug, Default)]
pub(crate) struct Stderr {
    tail: VecDeque<String>,
    pub lines: usize,
    pub truncation: Option<String>,
    pub refused_codec: Option<String>,
}

impl Stderr {
    fn push(&mut self, raw: &str) {
        let line = clean(raw);
        if line.is_empty() {
            return;
        }
        self.lines += 1;
        if self.truncation.is_none() && TRUNCATION_MARKERS.iter().any(|m| line.contains(m)) {
            self.truncation = Some(line.clone());
        }
        // `Codec (mpeg4) not on whitelist '…'`
        if self.refused_codec.is_none()
            && let Some(rest) = line.strip_prefix("Codec (")
            && let Some((codec, tail)) = rest.split_once(')')
            && tail.starts_with(" not on whitelist")
        {
            self.refused_codec = Some(codec.chars().take(32).collect());
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line);
    }

    /// The kept lines joined with ` | `, with `paths` shortened to their file name
    /// so messages for people do not reveal server folders.
    pub fn summary(&self, paths: &[&Path]) -> String {
        let mut s = self.tail.iter().cloned().collect::<Vec<_>>().join(" | ");
        if self.lines > self.tail.len() {
            s = format!("… {s}");
        }
        shorten_paths(&s, paths)
    }
}

pub(crate) fn shorten_paths(s: &str, paths: &[&Path]) -> String {
    let mut s = s.to_string();
    for p in paths {
        let full = p.display().to_string();
        if let Some(name) = p.file_name() {
            s = s.replace(&format!("file:{full}"), &name.to_string_lossy());
            s = s.replace(&full, &name.to_string_lossy());
        }
    }
    s
}

/// Drop ffmpeg's `[demuxer @ 0x55…] ` prefix (a pointer, useless to anyone) and
/// cap the length.
fn clean(raw: &str) -> String {
    let mut line = raw.trim();
    if line.starts_with('[')
        && let Some(end) = line.find("] ")
        && line[..end].contains(" @ 0x")
    {
        line = &line[end + 2..];
    }
    let mut out: String = line.chars().take(LINE_MAX).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

pub(crate) struct Finished {
    pub status: ExitStatus,
    pub stderr: Stderr,
    /// stdout went past its budget (or a line past [`LINE_CAP`]); the rest was
    /// read and dropped.
    pub stdout_overflow: bool,
}

impl Finished {
    /// How the process ended, for messages: `exit code 1` or `killed by signal 9`.
    pub fn status_text(&self) -> String {
        describe_status(self.status)
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "unknown exit status".into(),
    }
}

/// Run `tool` with `args` until `deadline`, handing each stdout line to `on_line`
/// until `stdout_max` bytes were read.
///
/// A spawn failure or an I/O error on the pipes is a [`MediaError::Tool`]; running
/// out of time, or being stopped at the CPU-time limit, is [`MediaError::TimedOut`].
/// The exit status is returned for the caller to judge, because only the caller
/// knows whether a failure means "bad file" or "broken tool".
pub(crate) async fn run(
    tool: Tool<'_>,
    args: Vec<OsString>,
    deadline: Instant,
    stdout_max: u64,
    mut on_line: impl FnMut(&str),
) -> Result<Finished, MediaError> {
    let program = sandbox::resolve(tool.path)
        .ok_or_else(|| spawn_error(tool, &std::io::Error::from(std::io::ErrorKind::NotFound)))?;
    let mut cmd = tool
        .sandbox
        .command(&program, &args, tool.dir)
        .map_err(|why| tool_error(tool, why))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| spawn_error(tool, &e))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(tool_error(
            tool,
            "its output pipes could not be opened".into(),
        ));
    };
    let work = async {
        let read_out = read_lines(stdout, stdout_max, true, |l| on_line(l));
        let mut log = Stderr::default();
        let read_err = read_lines(stderr, u64::MAX, false, |l| log.push(l));
        let (out, err) = tokio::join!(read_out, read_err);
        let within = out?;
        err?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, log, !within))
    };
    // On timeout `work` is dropped with the child inside it; kill_on_drop ends it.
    let (status, stderr, stdout_overflow) = match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return Err(tool_error(tool, format!("reading its output failed: {e}"))),
        Err(_) => {
            return Err(MediaError::TimedOut(format!(
                "Processing this video took too long: {} was stopped at the time limit for \
                 one video ({}).",
                tool.name,
                super::SETTING_TIMEOUT
            )));
        }
    };
    use std::os::unix::process::ExitStatusExt;
    if sandbox::stopped_by_limit(tool.sandbox, status.signal()) {
        return Err(MediaError::TimedOut(format!(
            "Processing this video took too long: {} was stopped at its CPU-time limit ({}) \
             or for lack of memory ({}).",
            tool.name,
            sandbox::SETTING_CPU,
            sandbox::SETTING_MEMORY
        )));
    }
    if tool.sandbox.wrapped() && matches!(status.code(), Some(126 | 127)) && stderr.lines > 0 {
        // The wrapper could not start the tool (as the other user, say).
        return Err(tool_error(
            tool,
            format!(
                "it could not be started confined ({}): {}",
                describe_status(status),
                stderr.summary(&[])
            ),
        ));
    }
    Ok(Finished {
        status,
        stderr,
        stdout_overflow,
    })
}

/// Read `pipe` line by line into `f`. Returns false when more than `budget` bytes
/// came, or (`strict`) a line longer than [`LINE_CAP`]; the rest is read and
/// dropped, so the tool never blocks on a full pipe. Lenient readers get long
/// lines cut at the cap.
async fn read_lines(
    pipe: impl AsyncRead + Unpin,
    mut budget: u64,
    strict: bool,
    mut f: impl FnMut(&str),
) -> std::io::Result<bool> {
    let mut reader = BufReader::new(pipe);
    let mut line: Vec<u8> = Vec::new();
    let (mut within, mut cut) = (true, false);
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            if within && !line.is_empty() && !(cut && strict) {
                emit(&line, &mut f);
            }
            return Ok(within);
        }
        let end = buf.iter().position(|&b| b == b'\n').map(|i| i + 1);
        let chunk = &buf[..end.unwrap_or(buf.len())];
        let n = chunk.len();
        if within && n as u64 > budget {
            within = false;
        }
        budget = budget.saturating_sub(n as u64);
        if within {
            let room = LINE_CAP.saturating_sub(line.len());
            if n > room {
                cut = true;
                if strict {
                    within = false;
                }
            }
            line.extend_from_slice(&chunk[..n.min(room)]);
        }
        reader.consume(n);
        if end.is_some() {
            if within {
                emit(&line, &mut f);
            }
            line.clear();
            cut = false;
        }
    }
}

/// ffmpeg prints carriage returns in progress lines and may echo non-UTF-8
/// metadata; neither may stop us.
fn emit(line: &[u8], f: &mut impl FnMut(&str)) {
    for part in String::from_utf8_lossy(line).split('\r') {
        let part = part.trim_end_matches('\n');
        if !part.is_empty() {
            f(part);
        }
    }
}

pub(crate) fn tool_error(tool: Tool<'_>, reason: String) -> MediaError {
    MediaError::Tool {
        tool: tool.name,
        reason,
    }
}

/// A failed run as a [`MediaError::Tool`] with the exit status and stderr tail.
pub(crate) fn failed(tool: Tool<'_>, what: &str, done: &Finished, paths: &[&Path]) -> MediaError {
    tool_error(
        tool,
        format!(
            "{what} failed ({}): {}",
            done.status_text(),
            done.stderr.summary(paths)
        ),
    )
}

fn spawn_error(tool: Tool<'_>, e: &std::io::Error) -> MediaError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "not found at '{}'; install ffmpeg (Debian package `ffmpeg`) or set {} to the binary",
            tool.path.display(),
            tool.setting
        ),
        _ => format!(
            "cannot start '{}' ({e}); check {}",
            tool.path.display(),
            tool.setting
        ),
    };
    tool_error(tool, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_keeps_a_clean_bounded_tail_and_spots_truncation() {
        let mut s = Stderr::default();
        for i in 0..20 {
            s.push(&format!("[h264 @ 0x55d0c0ffee00] error {i}"));
        }
        s.push("[matroska,webm @ 0x5600aa] File ended prematurely");
        assert_eq!(s.lines, 21);
        assert_eq!(s.truncation.as_deref(), Some("File ended prematurely"));
        let sum = s.summary(&[]);
        assert!(sum.starts_with("… error 15 | "), "{sum}");
        assert!(sum.ends_with("| File ended prematurely"), "{sum}");
        assert!(!sum.contains("0x"), "{sum}");
    }

    #[test]
    fn paths_shrink_to_file_names() {
        let p = Path::new("/srv/data/tmp/abc/input.webm");
        let s = shorten_paths("file:/srv/data/tmp/abc/input.webm: Invalid data", &[p]);
        assert_eq!(s, "input.webm: Invalid data");
    }

    #[tokio::test]
    async fn output_is_read_within_its_budget_and_line_cap() {
        let mut got = Vec::new();
        let r = read_lines(&b"a\nbb\nccc\n"[..], 5, true, |l| got.push(l.to_string()));
        assert!(!r.await.unwrap(), "past the budget");
        assert_eq!(got, ["a", "bb"]);
        let long = vec![b'x'; LINE_CAP + 10];
        let mut lens = Vec::new();
        assert!(
            !read_lines(&long[..], u64::MAX, true, |l| lens.push(l.len()))
                .await
                .unwrap()
        );
        assert!(
            read_lines(&long[..], u64::MAX, false, |l| lens.push(l.len()))
                .await
                .unwrap()
        );
        assert_eq!(lens, [LINE_CAP], "strict drops it, lenient cuts it");
    }

    #[test]
    fn long_lines_are_capped() {
        let long = "x".repeat(1000);
        assert!(clean(&long).chars().count() <= LINE_MAX + 1);
    }
}
