//! Model annotations (smart comments, spec/engine.md §3): which slots a model uses, their
//! schemas, record-set flags and action callbacks.

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Slots 0–15 exist; wildcard scopes apply to these.
pub const MAX_SLOT: u32 = 15;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotSpec {
    pub in_use: bool,
    pub schema: Option<String>,
    pub recordsets: bool,
    /// Inputs only: the callback's name; `None` when callbacks are disabled.
    pub action: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotMap {
    pub slots: BTreeMap<u32, SlotSpec>,
    pub module_attached: Vec<String>,
    /// `none` or `eof`.
    pub snapshots: String,
    /// Annotations that were ignored, with the reason.
    pub warnings: Vec<String>,
}

impl SlotMap {
    /// The slots in use, in order.
    pub fn used(&self) -> impl Iterator<Item = (u32, &SlotSpec)> {
        self.slots
            .iter()
            .filter(|(_, s)| s.in_use)
            .map(|(n, s)| (*n, s))
    }

    pub fn inputs(&self) -> impl Iterator<Item = (u32, &SlotSpec)> {
        self.used().filter(|(n, _)| n % 2 == 0)
    }

    pub fn outputs(&self) -> impl Iterator<Item = (u32, &SlotSpec)> {
        self.used().filter(|(n, _)| n % 2 == 1)
    }

    pub fn is_used(&self, slot: u32) -> bool {
        self.slots.get(&slot).is_some_and(|s| s.in_use)
    }

    /// A model drives its own I/O (explicit conformance) when no input has a callback.
    pub fn explicit(&self) -> bool {
        self.inputs().all(|(_, s)| s.action.is_none())
    }

    /// The model reads record sets from input `slot`: all its inputs when it is explicit
    /// (it iterates DataFrames), else those with the record-sets flag.
    pub fn reads_sets(&self, slot: u32) -> bool {
        self.explicit() || self.slots.get(&slot).is_some_and(|s| s.recordsets)
    }
}

static ANNOTATION: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    regex_lite::Regex::new(
        r"^\s*(?:#+|//)\s*(?i:fastscore|odg|modelop)\.([A-Za-z0-9_.$-]+)\s*:\s*(\S+)\s*$",
    )
    .expect("static annotation pattern")
});

#[derive(Clone, Copy)]
enum Scope {
    Slot(u32),
    All,
    In,
    Out,
}

fn parse_scope(text: &str) -> Option<Scope> {
    match text {
        "$all" => Some(Scope::All),
        "$in" | "$input" => Some(Scope::In),
        "$out" | "$output" => Some(Scope::Out),
        n => n.parse().ok().filter(|n| *n <= MAX_SLOT).map(Scope::Slot),
    }
}

fn targets(scope: Scope) -> Vec<u32> {
    match scope {
        Scope::Slot(n) => vec![n],
        Scope::All => (0..=MAX_SLOT).collect(),
        Scope::In => (0..=MAX_SLOT).step_by(2).collect(),
        Scope::Out => (1..=MAX_SLOT).step_by(2).collect(),
    }
}

fn flag(value: &str) -> Result<bool, String> {
    match value {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        other => Err(format!(
            "Value '{other}' not recognized (use 'true', 'false', 'yes', or 'no')"
        )),
    }
}

/// The slot map of a model source.
pub fn slot_map(source: &str) -> Result<SlotMap, String> {
    let mut map = SlotMap {
        snapshots: "none".into(),
        ..SlotMap::default()
    };
    for n in 0..=MAX_SLOT {
        map.slots.insert(
            n,
            SlotSpec {
                in_use: n <= 1,
                action: (n % 2 == 0).then(|| "action".to_string()),
                ..SlotSpec::default()
            },
        );
    }
    for line in source.lines() {
        let Some(caps) = ANNOTATION.captures(line) else {
            continue;
        };
        let (tag, value) = (&caps[1], &caps[2]);
        apply(&mut map, tag, value)?;
    }
    let inputs: Vec<_> = map.inputs().collect();
    let with_action = inputs.iter().filter(|(_, s)| s.action.is_some()).count();
    if with_action != 0 && with_action != inputs.len() {
        return Err(
            "Either all input slots must have action callbacks set or none of them should".into(),
        );
    }
    Ok(map)
}

fn apply(map: &mut SlotMap, tag: &str, value: &str) -> Result<(), String> {
    let (name, scope_text) = match tag.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (tag, None),
    };
    match (name, scope_text) {
        ("module-attached", None) => {
            map.module_attached.push(value.to_string());
            return Ok(());
        }
        ("snapshots", None) => {
            if value != "none" && value != "eof" {
                return Err(format!(
                    "Value '{value}' not recognized (use 'none' or 'eof')"
                ));
            }
            map.snapshots = value.to_string();
            return Ok(());
        }
        ("input", None) => return set_each(map, Scope::Slot(0), |s| s.schema = Some(value.into())),
        ("output", None) => {
            return set_each(map, Scope::Slot(1), |s| s.schema = Some(value.into()))
        }
        ("recordsets", None) if matches!(value, "none" | "input" | "output" | "both") => {
            let (i, o) = match value {
                "input" => (true, false),
                "output" => (false, true),
                "both" => (true, true),
                _ => (false, false),
            };
            map.slots.entry(0).or_default().recordsets = i;
            map.slots.entry(1).or_default().recordsets = o;
            return Ok(());
        }
        _ => {}
    }
    let default_scope = match name {
        "schema" | "recordsets" | "slot" => Scope::All,
        "action" => Scope::In,
        _ => return Ok(()), // unrecognized tags are ignored
    };
    let scope = match scope_text {
        None => default_scope,
        Some(text) => match parse_scope(text) {
            Some(s) => s,
            None => {
                map.warnings.push(format!(
                    "annotation 'fastscore.{tag}' ignored: unknown slot '{text}'"
                ));
                return Ok(());
            }
        },
    };
    match name {
        "schema" => set_each(map, scope, |s| s.schema = Some(value.into())),
        "recordsets" => {
            let on = flag(value)?;
            set_each(map, scope, |s| s.recordsets = on)
        }
        "action" => {
            if let Scope::Slot(n) = scope {
                if n % 2 == 1 {
                    return Err(format!(
                        "An action callback being assigned to an output slot {n}"
                    ));
                }
            }
            let action = match value {
                "none" | "unused" => None,
                name => Some(name.to_string()),
            };
            let inputs = match scope {
                Scope::All => Scope::In,
                other => other,
            };
            set_each(map, inputs, |s| s.action = action.clone())
        }
        _ => match value {
            "in-use" => match scope {
                Scope::Slot(n) => {
                    map.slots.entry(n).or_default().in_use = true;
                    Ok(())
                }
                _ => Err("'in-use' cannot be used with $all, $in or $out".into()),
            },
            "unused" => {
                for n in targets(scope) {
                    map.slots.insert(n, SlotSpec::default());
                }
                Ok(())
            }
            other => Err(format!(
                "Value '{other}' not recognized (use 'in-use' or 'unused')"
            )),
        },
    }
}

/// Set a property on the target slots; an explicit slot number also puts it in use.
fn set_each(map: &mut SlotMap, scope: Scope, set: impl Fn(&mut SlotSpec)) -> Result<(), String> {
    for n in targets(scope) {
        let spec = map.slots.entry(n).or_default();
        set(spec);
        if matches!(scope, Scope::Slot(_)) {
            spec.in_use = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(src: &str) -> Vec<(u32, Option<String>, bool, Option<String>)> {
        slot_map(src)
            .unwrap()
            .used()
            .map(|(n, s)| (n, s.schema.clone(), s.recordsets, s.action.clone()))
            .collect()
    }

    #[test]
    fn xgboost_iris_is_explicit() {
        let src = "#fastscore.action: unused\n#fastscore.schema.0: xgboost_input\n# fastscore.schema.1: xgboost_output \n#fastscore.module-attached: xgboost\n";
        let map = slot_map(src).unwrap();
        assert!(map.explicit());
        assert_eq!(
            used(src),
            [
                (0, Some("xgboost_input".into()), false, None),
                (1, Some("xgboost_output".into()), false, None)
            ]
        );
        assert_eq!(map.module_attached, ["xgboost"]);
    }

    #[test]
    fn spec_examples() {
        // splitter: schemas on 0, 1, 3
        let s = used("# fastscore.schema.0: a\n# fastscore.schema.1: b\n# fastscore.schema.3: c\n");
        assert_eq!(s.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 1, 3]);
        assert_eq!(s[0].3.as_deref(), Some("action"));
        // evaluator: slot 1 unused
        let s = used("# fastscore.schema.0: lr\n# fastscore.slot.1: unused\n");
        assert_eq!(s.iter().map(|x| x.0).collect::<Vec<_>>(), [0]);
        // wildcards set properties without adding slots
        let s = used("# fastscore.action: unused\n# fastscore.slot.1: in-use\n# fastscore.recordsets.$all: true\n");
        assert_eq!(s, [(0, None, true, None), (1, None, true, None)]);
        // deprecated forms and named callbacks
        let s = used("# fastscore.input: in\n# fastscore.output: out\n# fastscore.action.0: score\n# fastscore.recordsets: both\n");
        assert_eq!(
            s,
            [
                (0, Some("in".into()), true, Some("score".into())),
                (1, Some("out".into()), true, None)
            ]
        );
    }

    #[test]
    fn errors() {
        assert!(slot_map("# fastscore.recordsets.0: maybe\n")
            .unwrap_err()
            .contains("'maybe' not recognized"));
        assert_eq!(
            slot_map("# fastscore.action.1: f\n").unwrap_err(),
            "An action callback being assigned to an output slot 1"
        );
        assert!(
            slot_map("# fastscore.action.0: unused\n# fastscore.schema.2: x\n")
                .unwrap_err()
                .starts_with("Either all input slots")
        );
        assert!(slot_map("# fastscore.slot.$all: in-use\n").is_err());
        let m = slot_map("# fastscore.schema.err: x\n").unwrap();
        assert_eq!(m.warnings.len(), 1);
    }
}
