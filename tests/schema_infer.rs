//! `schema infer`: no fleet and no connection needed; deterministic output.

mod support;
use support::{fixture, Env};

#[test]
fn iris_gives_four_doubles_in_input_order_with_a_stable_name() {
    let env = Env::new();
    let data = fixture("guide/xgboost_iris_inputs.jsons");
    let first = env.run(&["schema", "infer", data.to_str().unwrap()]).ok();
    insta::assert_snapshot!(first.stdout, @r#"
    {
      "type": "record",
      "name": "rec7b892dd9",
      "fields": [
        {
          "name": "sepal_length",
          "type": "double"
        },
        {
          "name": "sepal_width",
          "type": "double"
        },
        {
          "name": "petal_length",
          "type": "double"
        },
        {
          "name": "petal_width",
          "type": "double"
        }
      ]
    }
    "#);
    let again = env
        .run(&["schema", "infer", data.to_str().unwrap(), "-v"])
        .ok();
    assert_eq!(first.stdout, again.stdout);
    // the inferred schema is accepted as is and matches every record
    env.write("inferred.avsc", &first.stdout);
    env.run(&["schema", "add", "inferred", "inferred.avsc"])
        .ok();
    env.run(&["schema", "verify", "inferred", data.to_str().unwrap()])
        .ok();
}

#[test]
fn blank_lines_and_csv() {
    let env = Env::new();
    env.write(
        "gaps.jsons",
        "\n{\"a\": 1, \"b\": \"x\"}\n\n{\"a\": 2, \"b\": \"y\"}\n\n",
    );
    let run = env.run(&["schema", "infer", "gaps.jsons"]).ok();
    assert!(
        run.stdout
            .contains("\"name\": \"a\",\n      \"type\": \"int\""),
        "{}",
        run.stdout
    );
    env.write(
        "iris.csv",
        "sepal_length,sepal_width,species\n5.1,3.5,setosa\n7,3.2,versicolor\n",
    );
    let csv = env
        .run(&["schema", "infer", "iris.csv", "-format:csv"])
        .ok();
    assert!(
        csv.stdout
            .contains("\"name\": \"sepal_length\",\n      \"type\": \"double\""),
        "{}",
        csv.stdout
    );
    assert!(
        csv.stdout
            .contains("\"name\": \"species\",\n      \"type\": \"string\""),
        "{}",
        csv.stdout
    );
    let gnu = env
        .run(&["schema", "infer", "iris.csv", "--format", "csv"])
        .ok();
    assert_eq!(gnu.stdout, csv.stdout);
}

#[test]
fn bad_input_is_one_clear_error() {
    let env = Env::new();
    env.write("bad.jsons", "{\"a\": 1}\n{\"a\": \n");
    assert_eq!(
        env.run(&["schema", "infer", "bad.jsons"]).expect(1).stderr,
        "Error: Unable to infer a schema from 'bad.jsons'\n  Caused by: line 2: EOF while parsing a value at line 1 column 5\n"
    );
    assert_eq!(
        env.run(&["schema", "infer", "nofile.jsons"]).expect(1).stderr,
        "Error: Unable to infer a schema from 'nofile.jsons'\n  Caused by: nofile.jsons: No such file or directory\n"
    );
    env.write("empty.jsons", "\n");
    assert_eq!(
        env.run(&["schema", "infer", "empty.jsons"]).expect(1).stderr,
        "Error: Unable to infer a schema from 'empty.jsons'\n  Caused by: empty.jsons holds no records\n"
    );
    assert_eq!(
        env.run(&["schema", "infer", "bad.jsons", "-format:xml"])
            .expect(1)
            .stderr,
        "Error: Format xml not recognized (use -format:jsons or -format:csv)\n"
    );
}

#[test]
fn needs_no_connection() {
    let env = Env::new();
    // a connection file that cannot even be read does not matter
    std::fs::write(env.home().join(".fastscore"), ": not yaml [").unwrap();
    env.write("d.jsons", "1\n");
    assert_eq!(
        env.run(&["schema", "infer", "d.jsons"]).ok().stdout,
        "\"int\"\n"
    );
    assert!(!env.store().exists(), "infer touched the store");
}
