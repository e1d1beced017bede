//! Numbers pass through the engine unchanged: doubles keep every bit and longs every digit,
//! from JSON to JSON, JSON to CSV and CSV to JSON.

mod support;
use fastscore::json::python_float;
use support::Env;

const COUNT: usize = 100_000;

/// xorshift64: a small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Doubles of every kind (any bit pattern, subnormals, ordinary magnitudes) and longs up to
/// the extremes, skipping NaN and infinities, which JSON cannot carry.
fn numbers() -> Vec<(f64, i64)> {
    let mut out = vec![
        (0.0, 0),
        (-0.0, i64::MAX),
        (5e-324, i64::MIN),
        (f64::MIN_POSITIVE, (1 << 53) + 1),
        (f64::MAX, -(1 << 53) - 1),
        (-f64::MAX, 1),
        (0.1 + 0.2, -1),
        (1e16, 1 << 62),
        (9007199254740993.0, i64::MAX - 1),
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    const MANTISSA: u64 = (1 << 52) - 1;
    while out.len() < COUNT {
        let bits = rng.next();
        let x = match out.len() % 3 {
            0 => f64::from_bits(bits),
            1 => f64::from_bits(bits & (MANTISSA | 1 << 63)), // subnormal
            _ => {
                // ordinary magnitudes: 1e-6 to 1e6 or so
                let exp = 1023 - 20 + rng.next() % 40;
                f64::from_bits((bits & (MANTISSA | 1 << 63)) | exp << 52)
            }
        };
        if !x.is_finite() {
            continue;
        }
        let n = match rng.next() % 3 {
            0 => rng.next() as i64,
            1 => (rng.next() >> 1) as i64,
            _ => (rng.next() % 2001) as i64 - 1000,
        };
        out.push((x, n));
    }
    out
}

/// (x, n) of a `{"x": X, "n": N}` line.
fn from_json(line: &str) -> Option<(f64, i64)> {
    let rest = line.strip_prefix("{\"x\": ")?.strip_suffix('}')?;
    let (x, n) = rest.split_once(", \"n\": ")?;
    Some((x.parse().ok()?, n.parse().ok()?))
}

/// (x, n) of an `X,N` line.
fn from_csv(line: &str) -> Option<(f64, i64)> {
    let (x, n) = line.split_once(',')?;
    Some((x.parse().ok()?, n.parse().ok()?))
}

/// An engine with the `echo` model between `num` records, and the numbers to send.
fn setup() -> (Env, Vec<(f64, i64)>) {
    let env = Env::new();
    env.run_with_input(
        &["schema", "add", "num"],
        r#"{"type": "record", "name": "r", "fields": [{"name": "x", "type": "double"}, {"name": "n", "type": "long"}]}"#,
    )
    .ok();
    env.write(
        "echo.py3",
        "# fastscore.schema.0: num\n# fastscore.schema.1: num\ndef action(r):\n    yield r\n",
    );
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    env.run(&["engine", "reset"]).ok();
    (env, numbers())
}

/// Python's JSON text of each record.
fn json_lines(sent: &[(f64, i64)]) -> Vec<String> {
    sent.iter()
        .map(|(x, n)| format!("{{\"x\": {}, \"n\": {n}}}", python_float(*x)))
        .collect()
}

/// A file stream: `file:` for JSON lines, a named CSV stream for `.csv`.
fn stream(env: &Env, file: &str) -> String {
    let path = env.work().join(file);
    if !file.ends_with(".csv") {
        return format!("file:{}", path.display());
    }
    let desc = format!(
        r#"{{"Transport": {{"Type": "file", "Path": "{}"}}, "Encoding": "csv"}}"#,
        path.display()
    );
    env.write(&format!("{file}.json"), desc);
    env.run(&["stream", "add", file, &format!("{file}.json")])
        .ok();
    file.to_string()
}

/// Runs `echo` from the file `input` to the file `output` and returns the output's lines.
fn run(env: &Env, input: &str, output: &str) -> Vec<String> {
    env.run(&[
        "run",
        "echo",
        &stream(env, input),
        &stream(env, output),
        "-wait",
    ])
    .ok();
    std::fs::read_to_string(env.work().join(output))
        .expect("output file")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The records whose numbers came out different, as "sent → received" (at most 5).
fn changed(
    sent: &[(f64, i64)],
    received: &[String],
    parse: fn(&str) -> Option<(f64, i64)>,
) -> Vec<String> {
    assert_eq!(received.len(), sent.len(), "every record comes out");
    sent.iter()
        .zip(received)
        .filter(|((x, n), line)| {
            parse(line).is_none_or(|(y, m)| y.to_bits() != x.to_bits() || m != *n)
        })
        .take(5)
        .map(|((x, n), line)| format!("{x:e},{n} → {line}"))
        .collect()
}

/// The lines that differ from the expected text, as "expected → received" (at most 5).
fn other_text(expected: &[String], received: &[String]) -> Vec<String> {
    expected
        .iter()
        .zip(received)
        .filter(|(a, b)| a != b)
        .take(5)
        .map(|(a, b)| format!("{a} → {b}"))
        .collect()
}

#[test]
fn json_to_json_keeps_the_numbers_and_their_text() {
    let (env, sent) = setup();
    let json = json_lines(&sent);
    env.write("in.jsons", json.join("\n") + "\n");
    let out = run(&env, "in.jsons", "out.jsons");
    assert_eq!(changed(&sent, &out, from_json), Vec::<String>::new());
    // Python wrote what it read, so the text is unchanged too
    assert_eq!(other_text(&json, &out), Vec::<String>::new());
}

#[test]
fn json_to_csv_keeps_the_numbers() {
    let (env, sent) = setup();
    env.write("in.jsons", json_lines(&sent).join("\n") + "\n");
    let out = run(&env, "in.jsons", "out.csv");
    assert_eq!(changed(&sent, &out, from_csv), Vec::<String>::new());
}

#[test]
fn csv_to_json_keeps_the_numbers() {
    let (env, sent) = setup();
    let csv: String = sent
        .iter()
        .map(|(x, n)| format!("{},{n}\n", python_float(*x)))
        .collect();
    env.write("in.csv", format!("x,n\n{csv}"));
    let out = run(&env, "in.csv", "out.jsons");
    assert_eq!(changed(&sent, &out, from_json), Vec::<String>::new());
    // the engine handed Python the numbers in Python's own text
    assert_eq!(other_text(&json_lines(&sent), &out), Vec::<String>::new());
}
