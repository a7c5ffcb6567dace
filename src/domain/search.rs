//! Finding a patient by what staff type into the list's search: the start
//! of their name, of any word of it, or of their email address. Both sides
//! are normalised here, once: the terms stored for each patient
//! (`db::patients`, table `patient_search`) and the text searched for. A
//! prefix can be looked up in an index; a text anywhere inside a name
//! cannot, and would read every patient of the clinic per search.

/// Lower case, runs of white space as one space, no space at either end.
fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// What a patient is found by: their whole name, each word of it, each run
/// of letters and digits inside a word ("Mary-Jane O'Neil": `mary-jane`,
/// `mary`, `jane`, `o'neil`, `o`, `neil`), their email and its domain.
/// Sorted, without repeats.
pub fn terms(name: &str, email: &str) -> Vec<String> {
    let name = normalise(name);
    let email = normalise(email);
    let mut out = vec![name.clone()];
    for word in name.split(' ') {
        out.push(word.to_string());
        out.extend(
            word.split(|c: char| !c.is_alphanumeric())
                .filter(|part| !part.is_empty())
                .map(str::to_string),
        );
    }
    if let Some((_, domain)) = email.rsplit_once('@') {
        out.push(domain.to_string());
    }
    out.push(email);
    out.retain(|t| !t.is_empty());
    out.sort();
    out.dedup();
    out
}

/// A search as typed, normalised like the terms; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPrefix(String);

impl SearchPrefix {
    /// `None` for a blank search (which is no search). Trailing U+10FFFF
    /// (a noncharacter, in no name or address) is dropped, so every search
    /// has an [`end`](Self::end).
    pub fn parse(typed: &str) -> Option<Self> {
        let s = normalise(typed);
        let s = s.trim_end_matches(char::MAX);
        (!s.is_empty()).then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first text after every text that starts with this one, in code
    /// point order (which is UTF-8's byte order, the index's): the range
    /// `[prefix, end)` holds exactly the terms starting with the prefix.
    pub fn end(&self) -> String {
        let mut end = self.0.clone();
        if let Some(last) = end.pop() {
            // The next scalar value, stepping over the surrogates; `parse`
            // left no U+10FFFF at the end.
            let next = match last {
                '\u{D7FF}' => '\u{E000}',
                c => char::from_u32(c as u32 + 1).unwrap_or(char::MAX),
            };
            end.push(next);
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patient_is_found_by_name_words_and_email() {
        assert_eq!(
            terms("  Mary-Jane   O'Neil ", "MJ.ONeil@Example.org"),
            [
                "example.org",
                "jane",
                "mary",
                "mary-jane",
                "mary-jane o'neil",
                "mj.oneil@example.org",
                "neil",
                "o",
                "o'neil",
            ]
        );
        assert_eq!(
            terms("Ava Okafor", "ava@x.example"),
            ["ava", "ava okafor", "ava@x.example", "okafor", "x.example"]
        );
        assert_eq!(terms("Élodie", "e@x.example"), ["e@x.example", "x.example", "élodie"]);
    }

    #[test]
    fn a_search_is_a_prefix_with_an_end() {
        assert_eq!(SearchPrefix::parse("   "), None);
        let q = SearchPrefix::parse("  Ava   OKA ").unwrap();
        assert_eq!(q.as_str(), "ava oka");
        assert_eq!(q.end(), "ava okb");
        for t in terms("Ava Okafor", "ava@x.example") {
            let inside = t.as_str() >= q.as_str() && t < q.end();
            assert_eq!(inside, t.starts_with(q.as_str()), "{t}");
        }
        assert_eq!(SearchPrefix::parse("a\u{D7FF}").unwrap().end(), "a\u{E000}");
        assert_eq!(SearchPrefix::parse("a\u{10FFFF}").unwrap().end(), "b");
        assert_eq!(SearchPrefix::parse("\u{10FFFF}"), None);
    }
}
