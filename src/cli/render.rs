//! How output looks: ANSI colours (only on a terminal, never with NO_COLOR) and the
//! tabulate "simple" tables of the original (spec/cli.md §8).

use std::io::IsTerminal;

const FAIL: &str = "\x1b[91m";
const OKGREEN: &str = "\x1b[92m";
const OKBLUE: &str = "\x1b[94m";
const WARNING: &str = "\x1b[93m";
const BOLD: &str = "\x1b[1m";
const ENDC: &str = "\x1b[0m";

/// Colours for one output stream.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    pub enabled: bool,
}

impl Paint {
    pub fn for_stdout() -> Paint {
        Paint {
            enabled: colour_wanted(std::io::stdout().is_terminal()),
        }
    }

    pub fn for_stderr() -> Paint {
        Paint {
            enabled: colour_wanted(std::io::stderr().is_terminal()),
        }
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("{code}{text}{ENDC}")
        } else {
            text.to_string()
        }
    }

    pub fn fail(self, text: &str) -> String {
        self.wrap(FAIL, text)
    }
    pub fn ok(self, text: &str) -> String {
        self.wrap(OKGREEN, text)
    }
    pub fn blue(self, text: &str) -> String {
        self.wrap(OKBLUE, text)
    }
    pub fn warning(self, text: &str) -> String {
        self.wrap(WARNING, text)
    }
    pub fn bold(self, text: &str) -> String {
        self.wrap(BOLD, text)
    }
}

/// NO_COLOR (any non-empty value) always wins; CLICOLOR_FORCE turns colour on off a
/// terminal; CLICOLOR=0 and TERM=dumb turn it off on one.
fn colour_wanted(is_terminal: bool) -> bool {
    colour_wanted_by(is_terminal, |name| std::env::var(name).ok())
}

fn colour_wanted_by(is_terminal: bool, var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty() && v != "0");
    if set("NO_COLOR") {
        return false;
    }
    if set("CLICOLOR_FORCE") {
        return true;
    }
    is_terminal && var("CLICOLOR").as_deref() != Some("0") && var("TERM").as_deref() != Some("dumb")
}

/// A table cell before formatting.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}
impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Int(n as i64)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    None,
    Bool,
    Int,
    Float,
    Text,
}

/// `tabulate(rows, headers)` in the "simple" format, without a trailing newline.
pub fn table(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let ncols = headers.len();
    let mut lines = Vec::with_capacity(rows.len() + 2);
    if rows.is_empty() {
        let widths: Vec<usize> = headers.iter().map(|h| visible_width(h) + 2).collect();
        let cells: Vec<String> = headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| pad_right(h, *w))
            .collect();
        lines.push(cells.join("  ").trim_end().to_string());
        lines.push(rule(&widths));
        return lines.join("\n");
    }

    let mut columns: Vec<Vec<String>> = Vec::with_capacity(ncols);
    let mut numeric = Vec::with_capacity(ncols);
    let mut widths = Vec::with_capacity(ncols);
    for (c, header) in headers.iter().enumerate() {
        let cells: Vec<&Cell> = rows
            .iter()
            .map(|r| r.get(c).unwrap_or(&Cell::Null))
            .collect();
        let kind = cells
            .iter()
            .map(|cell| kind_of(cell))
            .max()
            .unwrap_or(Kind::Text);
        let mut formatted: Vec<String> = cells.iter().map(|cell| format_cell(cell, kind)).collect();
        let is_numeric = matches!(kind, Kind::Int | Kind::Float);
        if is_numeric {
            let points: Vec<i64> = formatted.iter().map(|s| after_point(s)).collect();
            let max = points.iter().copied().max().unwrap_or(-1);
            for (s, d) in formatted.iter_mut().zip(points) {
                s.push_str(&" ".repeat((max - d) as usize));
            }
        } else {
            for s in formatted.iter_mut() {
                *s = s.trim().to_string();
            }
        }
        let width = formatted
            .iter()
            .map(|s| visible_width(s))
            .max()
            .unwrap_or(0)
            .max(visible_width(header) + 2);
        columns.push(formatted);
        numeric.push(is_numeric);
        widths.push(width);
    }

    let pad = |text: &str, c: usize| {
        if numeric[c] {
            pad_left(text, widths[c])
        } else {
            pad_right(text, widths[c])
        }
    };
    let header_cells: Vec<String> = headers.iter().enumerate().map(|(c, h)| pad(h, c)).collect();
    lines.push(header_cells.join("  ").trim_end().to_string());
    lines.push(rule(&widths));
    lines.extend((0..rows.len()).map(|r| {
        let cells: Vec<String> = (0..ncols).map(|c| pad(&columns[c][r], c)).collect();
        cells.join("  ").trim_end().to_string()
    }));
    lines.join("\n")
}

fn rule(widths: &[usize]) -> String {
    let parts: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    parts.join("  ")
}

fn kind_of(cell: &Cell) -> Kind {
    match cell {
        Cell::Null => Kind::None,
        Cell::Int(_) => Kind::Int,
        Cell::Text(s) => {
            let s = strip_ansi(s);
            if s == "True" || s == "False" {
                Kind::Bool
            } else if crate::cli::args::python_int(&s).is_some() {
                Kind::Int
            } else if python_float(&s).is_some() {
                Kind::Float
            } else {
                Kind::Text
            }
        }
    }
}

fn format_cell(cell: &Cell, kind: Kind) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Int(n) => n.to_string(),
        Cell::Text(s) if kind == Kind::Float => {
            let raw = strip_ansi(s);
            match python_float(&raw) {
                Some(x) => s.replace(&raw, &format_g(x)),
                None => s.clone(),
            }
        }
        Cell::Text(s) => s.clone(),
    }
}

/// Python's `float()` on text, except that infinities and NaN only count when spelled
/// `inf`, `-inf` or `nan` (tabulate's rule).
fn python_float(text: &str) -> Option<f64> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if ["inf", "-inf", "nan"].contains(&lower.as_str()) {
        return lower
            .replace("inf", "infinity")
            .parse()
            .ok()
            .or(Some(f64::NAN));
    }
    let valid_chars = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'));
    if !valid_chars || t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    let x: f64 = t.replace('_', "").parse().ok()?;
    x.is_finite().then_some(x)
}

/// `format(x, "g")`: 6 significant digits, exponent form below 1e-4 and from 1e6.
pub fn format_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if (-4..6).contains(&exp) {
        strip(format!("{:.*}", (5 - exp) as usize, x))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mantissa.to_string()), exp.abs())
    }
}

/// Digits after the decimal point (or after `e`), -1 for integers and non-numbers.
fn after_point(s: &str) -> i64 {
    let t = s.trim();
    if crate::cli::args::python_int(t).is_some() || python_float(t).is_none() {
        return -1;
    }
    let pos = t.rfind('.').or_else(|| t.to_ascii_lowercase().rfind('e'));
    pos.map_or(-1, |p| (t.len() - p - 1) as i64)
}

pub fn strip_ansi(s: &str) -> String {
    if !s.contains('\x1b') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(tail.len());
        if tail[end..].starts_with('m') {
            rest = &tail[end + 1..];
        } else {
            out.push_str("\x1b[");
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn visible_width(s: &str) -> usize {
    strip_ansi(s).chars().count()
}

fn pad_right(s: &str, width: usize) -> String {
    let fill = width.saturating_sub(visible_width(s));
    format!("{s}{}", " ".repeat(fill))
}

fn pad_left(s: &str, width: usize) -> String {
    let fill = width.saturating_sub(visible_width(s));
    format!("{}{s}", " ".repeat(fill))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_usual_variables() {
        let with = |vars: &[(&str, &str)], tty: bool| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            colour_wanted_by(tty, |n| {
                vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
            })
        };
        assert!(with(&[], true));
        assert!(!with(&[], false));
        assert!(!with(&[("CLICOLOR", "0")], true));
        assert!(!with(&[("TERM", "dumb")], true));
        assert!(with(&[("TERM", "xterm"), ("CLICOLOR", "1")], true));
        assert!(with(&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")], false));
        assert!(!with(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], true));
    }

    fn row(cells: &[&str]) -> Vec<Cell> {
        cells.iter().map(|c| Cell::from(*c)).collect()
    }

    #[test]
    fn model_inspect_example() {
        let t = table(
            &["Name", "Type", "SLOC", "Snapshots"],
            &[vec![
                "cube".into(),
                "python3".into(),
                Cell::Int(2),
                "none".into(),
            ]],
        );
        assert_eq!(
            t,
            "Name    Type       SLOC  Snapshots\n------  -------  ------  -----------\ncube    python3       2  none"
        );
    }

    #[test]
    fn floats_line_up_on_the_point() {
        let t = table(
            &["Operation", "Time, s", "Count"],
            &[
                row(&["Unwrap envelope", "0.023", "1200"]),
                row(&["Wrap envelope", "0.002", "15"]),
                row(&["Validate input records", "1.000", "600"]),
                row(&["Validate output records", "0.316", "15229"]),
            ],
        );
        assert_eq!(
            t,
            "Operation                  Time, s    Count\n\
             -----------------------  ---------  -------\n\
             Unwrap envelope              0.023     1200\n\
             Wrap envelope                0.002       15\n\
             Validate input records       1          600\n\
             Validate output records      0.316    15229"
        );
    }

    #[test]
    fn ansi_codes_take_no_width() {
        let ok = format!("{OKGREEN}ok{ENDC}");
        let fail = format!("{FAIL}fail{ENDC}");
        let t = table(
            &["Name", "API", "Health"],
            &[
                vec![
                    "model-manage-1".into(),
                    "model-manage".into(),
                    ok.clone().into(),
                ],
                vec!["engine-2".into(), "engine".into(), fail.clone().into()],
            ],
        );
        assert_eq!(
            t,
            format!(
                "Name            API           Health\n--------------  ------------  --------\nmodel-manage-1  model-manage  {ok}\nengine-2        engine        {fail}"
            )
        );
    }

    #[test]
    fn empty_table_and_empty_header() {
        assert_eq!(
            table(&["Name", "Type"], &[]),
            "Name    Type\n------  ------"
        );
        let t = table(
            &["Slot", "", "Slot"],
            &[vec![Cell::Int(0), "".into(), Cell::Int(1)]],
        );
        assert_eq!(
            t,
            "  Slot        Slot\n------  --  ------\n     0           1"
        );
    }

    #[test]
    fn g_format() {
        for (x, s) in [
            (1.0, "1"),
            (0.316, "0.316"),
            (12.5, "12.5"),
            (1234567.0, "1.23457e+06"),
            (1e5, "100000"),
            (0.00001, "1e-05"),
            (999999.5, "1e+06"),
        ] {
            assert_eq!(format_g(x), s, "{x}");
        }
    }
}
