//! How ffmpeg and ffprobe are confined: they parse files strangers made, so a
//! crafted file that took one over must find little to take.
//!
//! - Threads (`-threads`), CPU time and address space are bounded; the limits are
//!   set with util-linux `prlimit`, which sets them on itself and then runs the
//!   tool (our crates forbid the unsafe code a `pre_exec` hook would need).
//! - When the server runs as root, the tool runs as another user (`setpriv`, by
//!   default nobody:nogroup) with no supplementary groups and no way to gain
//!   privileges; only each job's own work folder is handed to that user, so the
//!   server's secrets, its database and other videos stay out of reach.
//! - The tool starts with an empty environment (only `PATH`), so no secret passed
//!   in an environment variable reaches it, and in its own work folder.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tokio::process::Command;

use super::MediaError;

/// Names of the settings behind [`Sandbox`], for messages.
pub const SETTING_CPU: &str = "VIDREPLY_FFMPEG_CPU_SECONDS";
pub const SETTING_MEMORY: &str = "VIDREPLY_FFMPEG_MEMORY_BYTES";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    /// Threads one ffmpeg run may use.
    pub threads: u32,
    /// RLIMIT_CPU of each run, in seconds; 0: none.
    pub cpu_seconds: u64,
    /// RLIMIT_AS of each run, in bytes; 0: none.
    pub memory_bytes: u64,
    /// `(uid, gid)` to run as; `None`: as ourselves.
    pub run_as: Option<(u32, u32)>,
    /// Most bytes of ffprobe's stream report read.
    pub probe_output_max: u64,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self {
            threads: 2,
            cpu_seconds: 3600,
            memory_bytes: 4 * 1024 * 1024 * 1024,
            run_as: None,
            probe_output_max: 1024 * 1024,
        }
    }
}

/// `who` when this process runs as root (the only case where it can switch), else `None`.
pub fn drop_to_if_root(who: (u32, u32)) -> Option<(u32, u32)> {
    rustix::process::geteuid().is_root().then_some(who)
}

/// A program as a path: one with a `/` as it is, a bare name looked up on `PATH`.
pub(crate) fn resolve(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 || program.is_absolute() {
        return program.is_file().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

impl Sandbox {
    /// Whether the tool runs under a wrapper (`prlimit`, `setpriv`).
    pub(crate) fn wrapped(&self) -> bool {
        self.cpu_seconds > 0 || self.memory_bytes > 0 || self.run_as.is_some()
    }

    /// The command that runs `program` (already resolved) with `args` in `dir`,
    /// confined as set. Errors name the missing wrapper.
    pub(crate) fn command(
        &self,
        program: &Path,
        args: &[OsString],
        dir: &Path,
    ) -> Result<Command, String> {
        let mut argv: Vec<OsString> = Vec::new();
        if self.cpu_seconds > 0 || self.memory_bytes > 0 {
            argv.push(wrapper("prlimit")?.into_os_string());
            if self.cpu_seconds > 0 {
                argv.push(format!("--cpu={}", self.cpu_seconds).into());
            }
            if self.memory_bytes > 0 {
                argv.push(format!("--as={}", self.memory_bytes).into());
            }
            argv.push("--".into());
        }
        if let Some((uid, gid)) = self.run_as {
            argv.push(wrapper("setpriv")?.into_os_string());
            argv.extend(
                [
                    format!("--reuid={uid}"),
                    format!("--regid={gid}"),
                    "--clear-groups".into(),
                    "--no-new-privs".into(),
                    "--".into(),
                ]
                .map(OsString::from),
            );
        }
        argv.push(program.as_os_str().to_owned());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LC_ALL", "C")
            .current_dir(dir);
        Ok(cmd)
    }

    /// Create `dir` (and its parents) and hand it to the user the tools run as.
    pub async fn make_dir(&self, dir: &Path) -> Result<(), MediaError> {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| MediaError::io(format!("creating {}", dir.display()), e))?;
        self.give(dir)
            .map_err(|e| MediaError::io(format!("handing over {}", dir.display()), e))
    }

    /// Make `path` the tools' own (when they run as another user); nothing else is.
    pub fn give(&self, path: &Path) -> std::io::Result<()> {
        match self.run_as {
            Some((uid, gid)) => std::os::unix::fs::chown(path, Some(uid), Some(gid)),
            None => Ok(()),
        }
    }

    /// Take `dir` back from the tools' user once they are done: every entry becomes
    /// ours again (without following links) and the folder private, so nothing a
    /// run left behind can change what we then read. Then every output we are about
    /// to store must be a plain file: a link (say, to a secret of ours) is refused.
    pub fn take_back(&self, dir: &Path, outputs: &[&Path]) -> Result<(), MediaError> {
        use std::os::unix::fs::PermissionsExt;
        let io = |what: &Path, e| MediaError::io(format!("taking back {}", what.display()), e);
        if self.run_as.is_some() {
            let me = rustix::process::geteuid().as_raw();
            let mine = rustix::process::getegid().as_raw();
            let mut stack = vec![dir.to_path_buf()];
            while let Some(d) = stack.pop() {
                std::os::unix::fs::lchown(&d, Some(me), Some(mine)).map_err(|e| io(&d, e))?;
                let meta = std::fs::symlink_metadata(&d).map_err(|e| io(&d, e))?;
                if !meta.is_dir() {
                    continue;
                }
                std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))
                    .map_err(|e| io(&d, e))?;
                for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
                    stack.push(entry.map_err(|e| io(&d, e))?.path());
                }
            }
        }
        for path in outputs {
            let meta = std::fs::symlink_metadata(path).map_err(|e| io(path, e))?;
            if !meta.file_type().is_file() {
                return Err(MediaError::NotAVideo(format!(
                    "Processing left {} as something other than a plain file; it is not stored.",
                    path.file_name().unwrap_or_default().to_string_lossy()
                )));
            }
        }
        Ok(())
    }

    /// `-threads N` (an input's decoder, an output's encoder).
    pub(crate) fn threads_arg(&self) -> [OsString; 2] {
        ["-threads".into(), self.threads.max(1).to_string().into()]
    }
}

fn wrapper(name: &str) -> Result<PathBuf, String> {
    resolve(Path::new(name)).ok_or_else(|| {
        format!(
            "util-linux `{name}` is not on PATH; it confines ffmpeg (Debian package \
             util-linux). Without it, set {SETTING_CPU}=0 and {SETTING_MEMORY}=0, and do \
             not run the server as root"
        )
    })
}

/// How a run that a limit stopped ended: killed by SIGKILL (at RLIMIT_CPU's hard
/// limit, or by the kernel for lack of memory) or SIGXCPU.
pub(crate) fn stopped_by_limit(sandbox: &Sandbox, signal: Option<i32>) -> bool {
    const SIGKILL: i32 = 9;
    const SIGXCPU: i32 = 24;
    sandbox.wrapped() && matches!(signal, Some(SIGKILL | SIGXCPU))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_resolve_by_path_or_on_path() {
        assert_eq!(resolve(Path::new("/nonexistent/ffmpeg")), None);
        assert!(resolve(Path::new("sh")).is_some_and(|p| p.is_absolute()));
        assert_eq!(resolve(Path::new("no-such-program-vidreply")), None);
    }
}
