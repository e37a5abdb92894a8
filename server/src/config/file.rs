//! Settings from a TOML file under the flags and environment variables.
//!
//! Precedence: command-line flag > environment variable > `--config` file > default.
//! clap stays the one definition of every setting: a file key is a [`Settings`] field
//! name, its value is checked with that setting's own parser, and a file value is used
//! only where clap reports the setting came from neither the command line nor the
//! environment. `vidreply.example.toml` is generated from the same definition.

use std::any::TypeId;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Command, CommandFactory, FromArgMatches};

use super::Settings;

/// Why settings could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// Bad flags or environment (or `--help`/`--version`): `clap::Error::exit` prints it.
    Cli(clap::Error),
    /// The config file is missing, unreadable or holds a bad setting.
    File(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Cli(e) => write!(f, "{e}"),
            LoadError::File(m) => f.write_str(m),
        }
    }
}

impl From<clap::Error> for LoadError {
    fn from(e: clap::Error) -> Self {
        LoadError::Cli(e)
    }
}

/// Load settings from `args` (program name first), the environment and the config file.
pub fn load_from<I, T>(args: I) -> Result<Settings, LoadError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = resolve(args)?;
    Ok(Settings::from_arg_matches(&matches)?)
}

/// The final matches: the file's values folded in below flags and environment.
pub fn resolve<I, T>(args: I) -> Result<ArgMatches, LoadError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cmd = Settings::command();
    let first = cmd.clone().try_get_matches_from(&args)?;
    let Some(path) = first.get_one::<PathBuf>("config") else {
        return Ok(first);
    };
    let from_file = file_args(&cmd, &first, path)?;
    if from_file.is_empty() {
        return Ok(first);
    }
    // File values go in as flags, only for settings given by neither flag nor environment.
    let mut argv = Vec::with_capacity(args.len() + from_file.len());
    argv.extend(args.first().cloned());
    argv.extend(from_file);
    argv.extend(args.iter().skip(1).cloned());
    Ok(cmd.try_get_matches_from(argv)?)
}

/// The settings a file may hold: every flag but `config` itself, help and version.
pub fn settings_args(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(|a| {
        let id = a.get_id().as_str();
        a.get_long().is_some() && !matches!(id, "config" | "help" | "version")
    })
}

fn file_args(cmd: &Command, matches: &ArgMatches, path: &Path) -> Result<Vec<OsString>, LoadError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::File(format!("cannot read config file {shown}: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| LoadError::File(format!("config file {shown} is not valid TOML: {e}")))?;
    let mut out = Vec::new();
    for (key, value) in &table {
        let arg = settings_args(cmd).find(|a| a.get_id() == key).ok_or_else(|| {
            LoadError::File(format!(
                "config file {shown}: unknown setting `{key}` (vidreply.example.toml lists them all)"
            ))
        })?;
        let raw = arg_value(arg, value).map_err(|why| {
            LoadError::File(format!("config file {shown}: setting `{key}`: {why}"))
        })?;
        let given = matches!(
            matches.value_source(key),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        if raw.is_empty() && is_list(arg) {
            // An empty list is the default of a list without one; clap cannot be told "none".
            if arg.get_default_values().is_empty() {
                continue;
            }
            let why = "must not be an empty list (its default is not empty)";
            return Err(LoadError::File(format!(
                "config file {shown}: setting `{key}` {why}"
            )));
        }
        if !given {
            let long = arg.get_long().expect("settings have long flags");
            let mut flag = OsString::from(format!("--{long}="));
            flag.push(raw);
            out.push(flag);
        }
    }
    Ok(out)
}

/// What kind of TOML value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Boolean,
    String,
}

fn kind_of(arg: &Arg) -> Kind {
    let t = arg.get_value_parser().type_id();
    let ints = [
        TypeId::of::<u64>(),
        TypeId::of::<u32>(),
        TypeId::of::<u16>(),
        TypeId::of::<usize>(),
        TypeId::of::<i64>(),
    ];
    if ints.iter().any(|i| t == *i) {
        Kind::Integer
    } else if t == TypeId::of::<bool>() {
        Kind::Boolean
    } else {
        Kind::String
    }
}

fn is_list(arg: &Arg) -> bool {
    arg.get_value_delimiter().is_some()
}

/// A file value as the flag value clap parses, checked by the setting's own parser.
fn arg_value(arg: &Arg, value: &toml::Value) -> Result<String, String> {
    let items: Vec<&toml::Value> = match value {
        toml::Value::Array(items) if is_list(arg) => items.iter().collect(),
        toml::Value::Array(_) => return Err("takes one value, not a list".into()),
        one => vec![one],
    };
    let kind = kind_of(arg);
    let mut pieces = Vec::with_capacity(items.len());
    for item in items {
        let piece = match (kind, item) {
            (Kind::Integer, toml::Value::Integer(i)) => i.to_string(),
            (Kind::Boolean, toml::Value::Boolean(b)) => b.to_string(),
            (Kind::String, toml::Value::String(s)) => s.clone(),
            (want, got) => {
                let want = match want {
                    Kind::Integer => "an integer",
                    Kind::Boolean => "true or false",
                    Kind::String => "a string",
                };
                let list = if is_list(arg) {
                    " (or a list of them)"
                } else {
                    ""
                };
                return Err(format!("expected {want}{list}, found {}", describe(got)));
            }
        };
        if let Some(d) = arg.get_value_delimiter()
            && piece.contains(d)
            && value.is_array()
        {
            return Err(format!("list items must not contain `{d}`"));
        }
        check_value(arg, &piece)?;
        pieces.push(piece);
    }
    let sep = arg.get_value_delimiter().unwrap_or(',').to_string();
    Ok(pieces.join(&sep))
}

/// Run one value through the setting's own parser (types, ranges, choices).
fn check_value(arg: &Arg, piece: &str) -> Result<(), String> {
    let long = arg.get_long().expect("settings have long flags");
    Command::new("vidreply-server")
        .no_binary_name(true)
        .arg(arg.clone().env(None::<&str>).required(false))
        .try_get_matches_from([format!("--{long}={piece}")])
        .map(|_| ())
        .map_err(|e| reason(&e, piece))
}

fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the string {s:?}"),
        toml::Value::Integer(i) => format!("the integer {i}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

/// The parser's own reason, without clap's flag-shaped framing.
fn reason(e: &clap::Error, piece: &str) -> String {
    use clap::error::{ContextKind, ContextValue};
    let why = std::error::Error::source(e)
        .map(ToString::to_string)
        .or_else(|| match e.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(v)) => Some(format!("expected one of {}", v.join(", "))),
            _ => None,
        })
        .unwrap_or_else(|| e.kind().to_string());
    format!("invalid value {piece:?}: {why}")
}

/// `vidreply.example.toml`: every setting, its help, variable and default, commented out.
pub fn example_toml() -> String {
    let cmd = Settings::command();
    let mut out = String::from(
        "# vidreply-server settings. Every key is optional; the values shown are the defaults.\n\
         # Use with `vidreply-server --config FILE` or VIDREPLY_CONFIG=FILE.\n\
         # Precedence: command-line flag > environment variable > this file > default.\n\
         # Generated from the server's settings (`VIDREPLY_BLESS=1 cargo test -p vidreply-server\n\
         # example_config`); a test fails when it drifts.\n",
    );
    for arg in settings_args(&cmd) {
        let key = arg.get_id().as_str();
        out.push('\n');
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string);
        for line in help.unwrap_or_default().lines() {
            for wrapped in wrap(line, 88) {
                out.push_str(format!("# {wrapped}").trim_end());
                out.push('\n');
            }
        }
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        let mut meta = env
            .map(|e| format!("env {e}"))
            .into_iter()
            .collect::<Vec<_>>();
        if !values.is_empty() && kind_of(arg) != Kind::Boolean {
            meta.push(format!("one of: {}", values.join(", ")));
        }
        if !meta.is_empty() {
            out.push_str(&format!("# ({})\n", meta.join("; ")));
        }
        out.push_str(&format!("#{key} = {}\n", example_value(arg)));
    }
    out
}

/// Split `line` at spaces into lines of at most `width` characters (longer words stay whole).
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out
}

/// The default as TOML, or an empty value of the setting's type when it has none.
fn example_value(arg: &Arg) -> String {
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let kind = kind_of(arg);
    let scalar = |v: &str| match kind {
        Kind::Integer | Kind::Boolean => v.to_string(),
        Kind::String => toml::Value::String(v.to_string()).to_string(),
    };
    if let Some(d) = arg.get_value_delimiter() {
        let items: Vec<String> = defaults
            .iter()
            .flat_map(|v| v.split(d))
            .filter(|v| !v.is_empty())
            .map(scalar)
            .collect();
        return format!("[{}]", items.join(", "));
    }
    match defaults.first() {
        Some(v) => scalar(v),
        None => "\"\"  # not set by default".into(),
    }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
