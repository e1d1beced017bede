//! Hints printed on stderr after the original's usage line: the command meant by a typo, the
//! argument missing, the words too many, the option meant by an unknown one.

use super::grammar::{is_placeholder, GROUPS, ROWS};

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The names closest to `name`, for a thing that was not found.
pub fn closest_names(name: &str, names: &[String]) -> Option<String> {
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), n.as_str()))
        .filter(|(score, n)| {
            // one edit away counts for short names too, but not a one-letter name for another
            *score > 0.8
                || (n.len().min(name.len()) > 1 && strsim::damerau_levenshtein(name, n) <= 1)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let closest: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, n)| format!("'{n}'"))
        .collect();
    match closest.as_slice() {
        [] => None,
        [one] => Some(format!("hint: did you mean {one}?")),
        more => Some(format!("hint: the closest names are {}", more.join(", "))),
    }
}

/// Why `words` match no command, and what probably was meant.
pub fn for_words(words: &[String]) -> Option<String> {
    let first = words.first()?.as_str();
    if !GROUPS.iter().any(|(g, _)| *g == first) && first != "job" {
        return Some(match nearest(first, GROUPS.iter().map(|(g, _)| *g)) {
            Some(group) => {
                format!("hint: '{first}' is not a command; did you mean 'fastscore {group}'?")
            }
            None => format!("hint: '{first}' is not a command; 'fastscore help' lists them"),
        });
    }
    let patterns: Vec<Vec<&'static str>> = ROWS
        .iter()
        .flat_map(|row| row.patterns())
        .map(|p| p.split_whitespace().collect::<Vec<_>>())
        .filter(|tokens| tokens.first() == Some(&first))
        .collect();
    // patterns whose literal words agree with the given words as far as both go
    let agrees = |tokens: &[&str], upto: usize| {
        tokens
            .iter()
            .zip(&words[..upto.min(words.len())])
            .all(|(t, w)| is_placeholder(t) || t == w)
    };
    let fitting: Vec<&Vec<&str>> = patterns.iter().filter(|t| agrees(t, words.len())).collect();
    if fitting.is_empty() {
        return Some(wrong_word(words, &patterns, agrees));
    }
    let longer = fitting
        .iter()
        .filter(|t| t.len() > words.len())
        .min_by_key(|t| t.len());
    if let Some(pattern) = longer {
        let missing = &pattern[words.len()..];
        let said = words.join(" ");
        if is_placeholder(missing[0]) {
            let needed: Vec<&str> = missing
                .iter()
                .copied()
                .filter(|t| is_placeholder(t))
                .collect();
            return Some(format!(
                "hint: 'fastscore {said}' needs {}: fastscore {}",
                needed.join(" "),
                pattern.join(" ")
            ));
        }
        let choices = literals_at(&fitting, words.len());
        return Some(format!(
            "hint: 'fastscore {said}' needs one of: {}",
            choices.join(", ")
        ));
    }
    let longest = fitting.iter().max_by_key(|t| t.len())?;
    let extra: Vec<String> = words[longest.len()..]
        .iter()
        .map(|w| format!("'{w}'"))
        .collect();
    Some(format!(
        "hint: {} too many after 'fastscore {}'",
        extra.join(" "),
        longest.join(" ")
    ))
}

/// The hint for a literal word that no pattern has at its place.
fn wrong_word(
    words: &[String],
    patterns: &[Vec<&'static str>],
    agrees: impl Fn(&[&str], usize) -> bool,
) -> String {
    // the first place where no pattern agrees any more
    let at = (1..words.len())
        .find(|&i| !patterns.iter().any(|t| agrees(t, i + 1)))
        .unwrap_or(words.len() - 1);
    let before: Vec<&Vec<&str>> = patterns.iter().filter(|t| agrees(t, at)).collect();
    let choices = literals_at(&before, at);
    let word = &words[at];
    let said = words[..at].join(" ");
    match nearest(word, choices.iter().copied()) {
        Some(meant) => format!(
            "hint: '{word}' is not a '{said}' command; did you mean 'fastscore {said} {meant}'?"
        ),
        None if choices.is_empty() => {
            format!("hint: '{word}' is one word too many after 'fastscore {said}'")
        }
        None => format!(
            "hint: 'fastscore {said}' takes one of: {}",
            choices.join(", ")
        ),
    }
}

/// The distinct literal words the patterns have at position `at`.
fn literals_at(patterns: &[&Vec<&'static str>], at: usize) -> Vec<&'static str> {
    let mut words: Vec<&'static str> = Vec::new();
    for token in patterns.iter().filter_map(|t| t.get(at)) {
        if !is_placeholder(token) && !words.contains(token) {
            words.push(token);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::for_words;

    fn hint(words: &str) -> String {
        let words: Vec<String> = words.split(' ').map(String::from).collect();
        for_words(&words).unwrap_or_default()
    }

    #[test]
    fn hints_for_each_kind_of_mistake() {
        assert_eq!(
            hint("modle list"),
            "hint: 'modle' is not a command; did you mean 'fastscore model'?"
        );
        assert_eq!(
            hint("xyzzy"),
            "hint: 'xyzzy' is not a command; 'fastscore help' lists them"
        );
        assert_eq!(
            hint("model lst"),
            "hint: 'lst' is not a 'model' command; did you mean 'fastscore model list'?"
        );
        assert_eq!(
            hint("model add"),
            "hint: 'fastscore model add' needs <model-name>: fastscore model add <model-name>"
        );
        assert_eq!(
            hint("model add a b c"),
            "hint: 'c' too many after 'fastscore model add <model-name> <src-file>'"
        );
        assert_eq!(
            hint("fleet version"),
            "hint: 'version' too many after 'fastscore fleet'"
        );
        assert_eq!(
            hint("connect"),
            "hint: 'fastscore connect' needs <proxy-prefix>: fastscore connect <proxy-prefix>"
        );
        assert!(hint("model")
            .starts_with("hint: 'fastscore model' needs one of: add, show, list, remove,"));
        assert_eq!(hint("attachment upload m"), "hint: 'fastscore attachment upload m' needs <file-to-upload>: fastscore attachment upload <model-name> <file-to-upload>");
    }
}
