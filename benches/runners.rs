//! Each language's echo model against the Python echo model in the same run (`make bench`):
//! records/s file to file, model start included, every record checked against its schema.
//! PFA runs in `$FASTSCORE_PFA_PYTHON` (the Makefile's .venv-pfa).

mod common;

use common::Bench;

const RECORDS: usize = 200_000;

/// Echo models: (language, file name, source).
const ECHOES: &[(&str, &str, &str)] = &[
    (
        "Python",
        "echo.py3",
        "# fastscore.schema.0: rec\n# fastscore.schema.1: rec\ndef action(r):\n    yield r\n",
    ),
    (
        "R",
        "echo.R",
        "# fastscore.schema.0: rec\n# fastscore.schema.1: rec\naction <- function(r) emit(r)\n",
    ),
    (
        "Java",
        "EchoJava.java",
        "// fastscore.schema.0: rec\n// fastscore.schema.1: rec\nimport fastscore.IJavaModel;\n\
         public class EchoJava implements IJavaModel {\n    public void begin() {}\n    \
         public String action(String datum) { return datum; }\n    public void end() {}\n}\n",
    ),
    (
        "C",
        "echo.c",
        "// fastscore.schema.0: rec\n// fastscore.schema.1: rec\n#include \"fastscore.h\"\n\
         void action(fastscore_value_t v, int slot, int seqno) {\n    json_incref(v.js);\n    fastscore_emit(v, 1);\n}\n",
    ),
    (
        "PFA",
        "echo.pfa",
        r#"{"input": {"type": "record", "name": "r", "fields": [{"name": "x", "type": "int"}, {"name": "name", "type": "string"}]}, "output": "r", "action": ["input"]}"#,
    ),
];

fn main() {
    let b = Bench::new();
    let input = b.records("in.jsons", RECORDS);
    std::fs::write(
        b.path("rec.avsc"),
        r#"{"type": "record", "name": "r", "fields": [{"name": "x", "type": "int"}, {"name": "name", "type": "string"}]}"#,
    )
    .expect("schema");
    b.ok(&["schema", "add", "rec", "rec.avsc"]);
    println!(
        "echo models, {RECORDS} JSON records file→file, schema checks on, model start included"
    );
    let mut python = None;
    for (language, file, source) in ECHOES {
        std::fs::write(b.path(file), source).expect("model");
        let name = format!("echo-{}", language.to_lowercase());
        b.ok(&["model", "add", &name, file]);
        b.ok(&["engine", "reset"]);
        let out = b.path(&format!("{name}.out"));
        let secs = b.file_to_file(&name, &input, &out);
        let lines = std::fs::read_to_string(&out)
            .expect("output")
            .lines()
            .count();
        assert_eq!(lines, RECORDS, "every record comes out");
        let rate = RECORDS as f64 / secs;
        let base = *python.get_or_insert(rate);
        println!(
            "    {language:<8} {secs:>7.2} s {rate:>10.0} records/s  {:>5.1}% of Python's",
            100.0 * rate / base
        );
    }
}
